//! Python that runs before a modal can be shown: the flows filter narrowing the picker,
//! `@prefetch` filling a dropdown behind a "Loading…" modal, and `on_prompt` turning
//! someone away in that same modal.

use symflow_e2e::{people::*, Harness, Setup};
use symflow_engine::RunStatus;
use symflow_slack_fake::requests::inputs;

fn offered_flows(modal: &symflow_e2e::OpenModal) -> Vec<String> {
    modal.view["blocks"][0]["element"]["options"]
        .as_array()
        .expect("a dropdown of flows")
        .iter()
        .filter_map(|o| o["value"].as_str().map(str::to_string))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_flows_filter_decides_which_flows_the_picker_offers() {
    let h = Harness::start(
        "e2e",
        Setup {
            admins: vec![ADMIN_EMAIL.into()],
            ..Setup::default()
        },
    )
    .await;
    let (_, trigger) = h.command(ALICE, "").await;
    let member_sees = offered_flows(&h.wait_modal(&trigger, "symflow_pick_flow").await);
    assert!(
        !member_sees.contains(&"broken".to_string()),
        "{member_sees:?}"
    );
    assert!(
        member_sees.contains(&"breakglass".to_string()),
        "{member_sees:?}"
    );

    let (_, trigger) = h.command(ADMIN, "req").await;
    let admin_sees = offered_flows(&h.wait_modal(&trigger, "symflow_pick_flow").await);
    assert!(admin_sees.contains(&"broken".to_string()), "{admin_sees:?}");
    assert_eq!(admin_sees.len(), member_sees.len() + 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prefetched_options_fill_the_modal_after_a_loading_modal() {
    let h = Harness::start("e2e", Setup::default()).await;
    let (status, trigger) = h.command(ALICE, "req catalog").await;
    assert_eq!(status, 200);
    let opened = h
        .wait_call("views.open", |c| {
            c.str_arg("trigger_id") == Some(trigger.as_str())
        })
        .await;
    let first = opened.visible_text();
    assert!(
        first.contains("Loading"),
        "a Loading… modal opens first: {first}"
    );

    let modal = h.wait_modal(&trigger, "symflow_request").await;
    let options: Vec<&str> = modal.view["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["block_id"] == "field:service")
        .and_then(|b| b["element"]["options"].as_array())
        .expect("the service field is a dropdown")
        .iter()
        .filter_map(|o| o["text"]["text"].as_str())
        .collect();
    assert_eq!(options, ["Billing API", "Search cluster"]);

    let submit = h.submission(
        ALICE,
        &modal,
        &[("service", inputs::static_select("billing"))],
    );
    let (status, _) = h.post("/slack/interactivity", &submit).await;
    assert_eq!(status, 200);
    let pending = h.wait_status(modal.run_id(), RunStatus::Pending).await;
    assert_eq!(pending.fields["service"], "billing");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_prompt_can_turn_someone_away_in_the_modal() {
    let h = Harness::start("e2e", Setup::default()).await;
    let (_, trigger) = h.command(BOB, "req catalog").await;
    let notice = h.wait_modal(&trigger, "symflow_notice").await;
    let told = h
        .wait_call("views.update", |c| {
            c.str_arg("view_id") == Some(notice.view_id.as_str())
                && c.visible_text().contains("You are on leave")
        })
        .await;
    assert!(
        told.visible_text().contains("Enjoy the time off"),
        "{}",
        told.visible_text()
    );
    assert!(
        !h.slack.calls_to("views.update").iter().any(|c| c
            .view()
            .is_some_and(|v| v["callback_id"] == "symflow_request")),
        "the request modal never replaced the notice"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closing_the_request_modal_ends_the_run_quietly() {
    let h = Harness::start("e2e", Setup::default()).await;
    let modal = h.open_request_modal(ALICE, "guest-friendly").await;
    let run = modal.run_id();
    h.wait_status(run, RunStatus::Prompting).await;
    let closed = symflow_slack_fake::requests::view_closed(
        symflow_e2e::TEAM,
        ALICE,
        &modal.view_id,
        "symflow_request",
        &modal.private_metadata(),
    );
    let (status, _) = h.post("/slack/interactivity", &closed).await;
    assert_eq!(status, 200);
    let ended = h.wait_status(run, RunStatus::Ignored).await;
    assert!(ended.is_finished());
    assert!(
        h.slack.messages_in("#sym-requests").is_empty(),
        "nothing was posted"
    );
}
