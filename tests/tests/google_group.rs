//! The `google_group` strategy carried out by a real server (`tests/envs/google_group`)
//! against the fake Google Workspace of `symflow-service-fakes`, driven through the fake
//! Slack: a request approved by a colleague inserts the requester into the Google Group and
//! expiry deletes them; a group Google refuses to change errors the run with Google's own
//! reason in the error channel and grants nothing.

use std::sync::{Arc, Mutex};

use serde_json::json;
use symflow_e2e::services::{fakes, ServiceSetup};
use symflow_e2e::{people::*, text_input, Harness, OpenModal, Setup};
use symflow_engine::RunStatus;
use symflow_integrations::Endpoints;
use symflow_slack_fake::requests::inputs;
use symflow_slack_fake::FakeUser;
use uuid::Uuid;

const BOBBY: &str = "UBOBBY";
const BOBBY_EMAIL: &str = "bob@example.com";

async fn start() -> (Harness, Arc<Mutex<fakes::GoogleState>>) {
    let (url, google) = fakes::google().await;
    let setup = ServiceSetup {
        endpoints: Endpoints {
            google: Some(url),
            ..Endpoints::default()
        },
        secrets: vec![(
            "sym/e2e/google-service-account-key".into(),
            json!(fakes::google_service_account_key(
                "https://oauth2.googleapis.com/token"
            )),
        )],
        ..ServiceSetup::default()
    };
    let h = Harness::start(
        "google_group",
        Setup {
            services: Some(setup),
            ..Setup::default()
        },
    )
    .await;
    h.slack.add_user(
        FakeUser::new(BOBBY, "bobby")
            .email(BOBBY_EMAIL)
            .real_name("Bob Builder"),
    );
    (h, google)
}

/// The value of the `target_id` option whose label is `label`.
fn target_option(modal: &OpenModal, label: &str) -> String {
    let block = modal.view["blocks"]
        .as_array()
        .and_then(|blocks| blocks.iter().find(|b| b["block_id"] == "field:target_id"))
        .unwrap_or_else(|| panic!("the modal has a target field: {}", modal.view));
    block["element"]["options"]
        .as_array()
        .and_then(|options| {
            options
                .iter()
                .find(|o| o["text"]["text"].as_str() == Some(label))
        })
        .and_then(|o| o["value"].as_str())
        .unwrap_or_else(|| panic!("no target labelled {label:?}: {block}"))
        .to_string()
}

/// `user` requests `google-group-access` to the target labelled `target` for `duration`.
async fn request(h: &Harness, user: &str, target: &str, duration: &str) -> Uuid {
    let modal = h.open_request_modal(user, "google-group-access").await;
    let target = target_option(&modal, target);
    let fields = vec![
        ("target_id", inputs::static_select(&target)),
        ("reason", text_input("debug the on-call rota")),
        ("duration", inputs::static_select(duration)),
    ];
    let submit = h.submission(user, &modal, &fields);
    let (status, body) = h.post("/slack/interactivity", &submit).await;
    assert_eq!(status, 200, "{body}");
    assert!(!body.contains("errors"), "the fields are valid: {body}");
    modal.run_id()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn google_group_membership_is_granted_on_approval_and_removed_at_expiry() {
    let (h, google) = start().await;
    let bob = (BOBBY_EMAIL.to_string(), "MEMBER".to_string());
    let run = request(&h, BOBBY, "Engineering", "3s").await;
    h.wait_status(run, RunStatus::Pending).await;
    h.wait_message("#sym-requests", "debug the on-call rota")
        .await;
    assert!(!google
        .lock()
        .unwrap()
        .members("eng@example.com")
        .contains(&bob));

    assert_eq!(h.click(ALICE, run, "symflow_approve").await, 200);
    let escalated = h.wait_status(run, RunStatus::Escalated).await;
    assert!(
        google
            .lock()
            .unwrap()
            .members("eng@example.com")
            .contains(&bob),
        "Google has the requester in the group: {:?}",
        escalated.errors
    );
    assert_eq!(
        escalated.step_outputs["escalate"],
        json!({"group_email": "eng@example.com", "member_email": BOBBY_EMAIL, "role": "MEMBER"})
    );
    h.wait_message("#sym-audit", "bob@example.com now has google-eng")
        .await;

    let ended = h.wait_status(run, RunStatus::Deescalated).await;
    assert_eq!(
        google.lock().unwrap().members("eng@example.com"),
        [("carol@example.com".to_string(), "MEMBER".to_string())],
        "removed from the group at expiry, others kept"
    );
    assert_eq!(ended.step_outputs["deescalate"]["removed"], true);
    h.wait_message("#sym-audit", "bob@example.com no longer has google-eng")
        .await;
    let state = google.lock().unwrap();
    for call in [
        "POST /admin/directory/v1/groups/eng%40example.com/members",
        "DELETE /admin/directory/v1/groups/eng%40example.com/members/bob%40example.com",
    ] {
        assert_eq!(
            state.calls.iter().filter(|c| c.as_str() == call).count(),
            1,
            "{call}: {:?}",
            state.calls
        );
    }
    assert_eq!(state.bad_assertions, 0);
    assert_eq!(state.assertions[0]["sub"], "admin@example.com");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_google_refusal_errors_the_run_with_the_reason_in_the_error_channel() {
    let (h, google) = start().await;
    let run = request(&h, BOBBY, "Locked group", "1h").await;
    h.wait_status(run, RunStatus::Pending).await;
    assert_eq!(h.click(ALICE, run, "symflow_approve").await, 200);
    let ended = h.wait_status(run, RunStatus::Errored).await;
    assert!(ended.in_flight.is_none() && ended.inbox.is_empty());
    assert_eq!(ended.errors.len(), 1, "{:?}", ended.errors);
    let headline = &ended.errors[0].headline;
    assert!(headline.starts_with("GoogleError"), "{headline}");

    let report = h.wait_message("#sym-errors", "GoogleError").await;
    let text = report.visible_text();
    assert!(text.contains(&run.to_string()), "names the run: {text}");
    assert!(
        text.contains(fakes::GOOGLE_FORBIDDEN_MESSAGE),
        "carries Google's own reason: {text}"
    );
    assert!(!text.contains("ya29."), "no token: {text}");
    assert!(
        google
            .lock()
            .unwrap()
            .members("locked@example.com")
            .is_empty(),
        "nothing was granted"
    );
    let errored: Vec<String> = h
        .events(run)
        .into_iter()
        .filter(|e| e.errored)
        .map(|e| e.event_type)
        .collect();
    assert_eq!(
        errored,
        ["escalate"],
        "the audit trail records the failed escalate"
    );
}
