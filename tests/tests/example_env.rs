//! The example environment in `flows/`, served as `symflow up flows/` would serve it: the
//! flow picker, an admins-only approval flow whose `after_approve` DMs through the Slack
//! capability, the legacy `get_approvers` flow that allows self-approval, and the on-call
//! flow that approves itself and announces the grant in `#sym-audit`.

use serde_json::Value;
use symflow_e2e::{people::*, text_input, Harness, OpenModal, Setup, TEAM};
use symflow_engine::RunStatus;
use symflow_slack_fake::requests::{inputs, ViewSubmission};

fn admins() -> Setup {
    Setup {
        admins: vec![ADMIN_EMAIL.into()],
        on_call: vec![ONCALL_EMAIL.into()],
        ..Setup::default()
    }
}

/// The value of the first option of field `name`'s dropdown in the modal.
fn first_option(modal: &OpenModal, name: &str) -> String {
    let block = modal.view["blocks"]
        .as_array()
        .and_then(|blocks| {
            blocks
                .iter()
                .find(|b| b["block_id"] == format!("field:{name}"))
        })
        .unwrap_or_else(|| panic!("the modal has a {name} field: {}", modal.view));
    block["element"]["options"][0]["value"]
        .as_str()
        .unwrap_or_else(|| panic!("{name} is a dropdown: {block}"))
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_flow_picker_leads_to_the_request_modal() {
    let h = Harness::start("flows", admins()).await;
    let (status, trigger) = h.command(ALICE, "").await;
    assert_eq!(status, 200);
    let picker = h.wait_modal(&trigger, "symflow_pick_flow").await;
    let offered: Vec<&str> = picker.view["blocks"][0]["element"]["options"]
        .as_array()
        .expect("a dropdown of flows")
        .iter()
        .filter_map(|o| o["value"].as_str())
        .collect();
    assert_eq!(offered, ["approval", "legacy-approval", "oncall-access"]);

    let pick = ViewSubmission::new(TEAM, ALICE, &picker.view_id, "symflow_pick_flow")
        .private_metadata(picker.view["private_metadata"].as_str().unwrap_or_default())
        .input("flow", "value", inputs::static_select("approval"))
        .request();
    let (status, body) = h.post("/slack/interactivity", &pick).await;
    assert_eq!(status, 200);
    let answer: Value = serde_json::from_str(&body).expect("a JSON answer");
    assert_eq!(
        answer["response_action"], "update",
        "the picker turns into Loading…"
    );

    let modal = h
        .wait_call("views.update", |c| {
            c.str_arg("view_id") == Some(picker.view_id.as_str())
                && c.view()
                    .is_some_and(|v| v["callback_id"] == "symflow_request")
        })
        .await
        .view()
        .expect("a view");
    let text = modal.to_string();
    assert!(text.contains("What do you need access to?"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_admins_approve_and_after_approve_messages_the_requester() {
    let h = Harness::start("flows", admins()).await;
    let run = h
        .request(
            ALICE,
            "approval",
            &[
                ("resource", text_input("billing-db")),
                ("reason", text_input("month-end report")),
            ],
        )
        .await;
    let pending = h.wait_status(run, RunStatus::Pending).await;
    assert_eq!(
        pending.fields["environment"], "staging",
        "the optional field's default"
    );

    assert_eq!(h.click(BOB, run, "symflow_approve").await, 200);
    h.wait_ephemeral(BOB, "only Sym admins can").await;
    assert_eq!(h.run(run).status, RunStatus::Pending);

    assert_eq!(h.click(ADMIN, run, "symflow_approve").await, 200);
    h.wait_status(run, RunStatus::Approved).await;
    h.wait_dm(ALICE, "was approved by <@UADMIN>").await;
    // after_approve: slack.send_message(event.get_actor("request"), ...)
    h.wait_dm(
        ALICE,
        "Your request for billing-db was approved. Remember to tidy up after.",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_legacy_flow_lets_requesters_approve_themselves() {
    let h = Harness::start("flows", admins()).await;
    let run = h
        .request(
            ALICE,
            "legacy-approval",
            &[("reason", text_input("hotfix"))],
        )
        .await;
    assert_eq!(h.click(ALICE, run, "symflow_approve").await, 200);
    h.wait_status(run, RunStatus::Approved).await;
    h.wait_dm(ALICE, "was approved by <@UALICE>").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_on_call_flow_approves_itself_and_announces_the_grant() {
    let h = Harness::start("flows", admins()).await;
    let modal = h.open_request_modal(ONCALL, "oncall-access").await;
    let target = first_option(&modal, "target_id");
    let submit = h.submission(
        ONCALL,
        &modal,
        &[
            ("target_id", inputs::static_select(&target)),
            ("reason", text_input("paged: db at 95% disk")),
            ("duration", inputs::static_select("30m")),
        ],
    );
    let (status, body) = h.post("/slack/interactivity", &submit).await;
    assert_eq!(status, 200, "{body}");
    let run = modal.run_id();
    let escalated = h.wait_status(run, RunStatus::Escalated).await;
    assert_eq!(escalated.target_id.as_deref(), Some(target.as_str()));
    assert!(
        escalated.step_outputs["escalate"]["grant"]
            .as_str()
            .is_some_and(|g| g.starts_with("oncall@")),
        "{:?}",
        escalated.step_outputs
    );
    h.wait_message(
        "#sym-audit",
        "oncall@example.com was granted access by oncall@example.com",
    )
    .await;

    // whoami, while we are here.
    let (status, _) = h.command(ONCALL, "whoami").await;
    assert_eq!(status, 200);
    h.wait_ephemeral(ONCALL, "You are *oncall@example.com*, a member")
        .await;
}
