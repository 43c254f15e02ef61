//! The `onelogin` strategy carried out by a real server (`tests/envs/onelogin`) against the
//! fake OneLogin of `symflow-service-fakes`, driven through the fake Slack: a request
//! approved by a colleague adds the requester to the OneLogin role and expiry takes them
//! out; a role OneLogin refuses to change errors the run with OneLogin's own reason in the
//! error channel and grants nothing.

use std::sync::{Arc, Mutex};

use serde_json::json;
use symflow_e2e::services::{fakes, ServiceSetup};
use symflow_e2e::{people::*, text_input, Harness, OpenModal, Setup};
use symflow_engine::RunStatus;
use symflow_integrations::Endpoints;
use symflow_slack_fake::requests::inputs;
use symflow_slack_fake::FakeUser;
use uuid::Uuid;

/// In the fake OneLogin as user 1002.
const BOBBY: &str = "UBOBBY";
const BOBBY_EMAIL: &str = "bob@acme.com";
const BOBBY_ID: u64 = 1002;

async fn start() -> (Harness, Arc<Mutex<fakes::OneLoginState>>) {
    let (url, onelogin) = fakes::onelogin().await;
    let setup = ServiceSetup {
        endpoints: Endpoints {
            onelogin: Some(url),
            ..Endpoints::default()
        },
        secrets: vec![(
            "sym/e2e/onelogin-client-secret".into(),
            json!(fakes::ONELOGIN_CLIENT_SECRET),
        )],
        ..ServiceSetup::default()
    };
    let h = Harness::start(
        "onelogin",
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
    (h, onelogin)
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

/// `user` requests `onelogin-access` to the target labelled `target` for `duration`.
async fn request(h: &Harness, user: &str, target: &str, duration: &str) -> Uuid {
    let modal = h.open_request_modal(user, "onelogin-access").await;
    let target = target_option(&modal, target);
    let fields = vec![
        ("target_id", inputs::static_select(&target)),
        ("reason", text_input("rotate the SAML certificate")),
        ("duration", inputs::static_select(duration)),
    ];
    let submit = h.submission(user, &modal, &fields);
    let (status, body) = h.post("/slack/interactivity", &submit).await;
    assert_eq!(status, 200, "{body}");
    assert!(!body.contains("errors"), "the fields are valid: {body}");
    modal.run_id()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn onelogin_role_is_granted_on_approval_and_removed_at_expiry() {
    let (h, onelogin) = start().await;
    let run = request(&h, BOBBY, "OneLogin Admins", "3s").await;
    h.wait_status(run, RunStatus::Pending).await;
    h.wait_message("#sym-requests", "rotate the SAML certificate")
        .await;
    assert!(!onelogin.lock().unwrap().members("100").contains(&BOBBY_ID));

    assert_eq!(h.click(ALICE, run, "symflow_approve").await, 200);
    let escalated = h.wait_status(run, RunStatus::Escalated).await;
    assert!(
        onelogin.lock().unwrap().members("100").contains(&BOBBY_ID),
        "OneLogin has the requester in the role: {:?}",
        escalated.errors
    );
    assert_eq!(
        escalated.step_outputs["escalate"],
        json!({"role_id": "100", "user_id": "1002"})
    );
    h.wait_message("#sym-audit", "bob@acme.com now has onelogin-admins")
        .await;
    // The OneLogin identity found by e-mail is kept for next time.
    let identities = h.read(|tx| {
        let user = tx
            .find_user_by_email(symflow_store::DEFAULT_TENANT, BOBBY_EMAIL)?
            .expect("bob is a symflow user");
        tx.identities_of(user.id)
    });
    assert!(
        identities
            .iter()
            .any(|i| i.key.service == "onelogin" && i.key.external_user_id == "1002"),
        "{identities:?}"
    );

    let ended = h.wait_status(run, RunStatus::Deescalated).await;
    assert_eq!(
        onelogin.lock().unwrap().members("100"),
        [1003],
        "removed from the role at expiry, others kept"
    );
    assert_eq!(
        ended.step_outputs["deescalate"],
        json!({"role_id": "100", "user_id": "1002", "removed": true})
    );
    h.wait_message("#sym-audit", "bob@acme.com no longer has onelogin-admins")
        .await;
    let state = onelogin.lock().unwrap();
    for call in [
        "POST /api/2/roles/100/users",
        "DELETE /api/2/roles/100/users",
    ] {
        assert_eq!(
            state.calls.iter().filter(|c| c.as_str() == call).count(),
            1,
            "{call}: {:?}",
            state.calls
        );
    }
    assert_eq!(state.bad_credentials, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_onelogin_refusal_errors_the_run_with_the_reason_in_the_error_channel() {
    let (h, onelogin) = start().await;
    let run = request(&h, BOBBY, "Locked role", "1h").await;
    h.wait_status(run, RunStatus::Pending).await;
    assert_eq!(h.click(ALICE, run, "symflow_approve").await, 200);
    let ended = h.wait_status(run, RunStatus::Errored).await;
    assert!(ended.in_flight.is_none() && ended.inbox.is_empty());
    assert_eq!(ended.errors.len(), 1, "{:?}", ended.errors);
    let headline = &ended.errors[0].headline;
    assert!(headline.starts_with("OneLoginError"), "{headline}");

    let report = h.wait_message("#sym-errors", "OneLoginError").await;
    let text = report.visible_text();
    assert!(text.contains(&run.to_string()), "names the run: {text}");
    assert!(
        text.contains(fakes::ONELOGIN_FORBIDDEN_MESSAGE),
        "carries OneLogin's own reason: {text}"
    );
    assert!(
        !text.contains(fakes::ONELOGIN_CLIENT_SECRET),
        "no secret: {text}"
    );
    assert!(
        onelogin.lock().unwrap().members("300").is_empty(),
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
