//! The server's real integration clients against fake PagerDuty and Okta on loopback
//! (`tests/envs/integrations`): an on-call requester approved by the flow's `on_request`
//! hook through PagerDuty, Okta group membership granted and taken back at expiry by the
//! built-in `okta` strategy, and an Okta refusal failing the run with a readable report.

use symflow_e2e::services::FakeServices;
use symflow_e2e::{people::*, text_input, Harness, OpenModal, Setup};
use symflow_engine::{ChannelType, RunStatus, Step};
use symflow_slack_fake::requests::inputs;
use symflow_slack_fake::FakeUser;
use uuid::Uuid;

/// On call in the fake PagerDuty (schedule `prod-on-call`).
const OLIVE: &str = "UOLIVE";
const OLIVE_EMAIL: &str = "oncall@acme.com";
/// A PagerDuty user who is not on that schedule.
const FRED: &str = "UFRED";
/// In the fake Okta as `00u-bob`, not in PagerDuty.
const BOBBY: &str = "UBOBBY";

async fn start() -> (Harness, FakeServices) {
    let services = FakeServices::start().await;
    services.add_okta_user("olive", OLIVE_EMAIL);
    let h = Harness::start(
        "integrations",
        Setup {
            services: Some(services.setup()),
            ..Setup::default()
        },
    )
    .await;
    for user in [
        FakeUser::new(OLIVE, "olive")
            .email(OLIVE_EMAIL)
            .real_name("Olive Oncall"),
        FakeUser::new(FRED, "fred")
            .email("free@acme.com")
            .real_name("Fred Free"),
        FakeUser::new(BOBBY, "bobby")
            .email("bob@acme.com")
            .real_name("Bob Builder"),
    ] {
        h.slack.add_user(user);
    }
    (h, services)
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

/// `user` requests `okta-access` to the target labelled `target` for `duration`.
async fn request(h: &Harness, user: &str, target: &str, duration: &str) -> Uuid {
    request_with(h, user, target, duration, &[]).await
}

/// [`request`] with more fields filled in.
async fn request_with(
    h: &Harness,
    user: &str,
    target: &str,
    duration: &str,
    more: &[(&str, serde_json::Value)],
) -> Uuid {
    let modal = h.open_request_modal(user, "okta-access").await;
    let target = target_option(&modal, target);
    let mut fields = vec![
        ("target_id", inputs::static_select(&target)),
        ("reason", text_input("incident follow-up")),
        ("duration", inputs::static_select(duration)),
    ];
    fields.extend(more.iter().cloned());
    let submit = h.submission(user, &modal, &fields);
    let (status, body) = h.post("/slack/interactivity", &submit).await;
    assert_eq!(status, 200, "{body}");
    assert!(!body.contains("errors"), "the fields are valid: {body}");
    modal.run_id()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_on_call_requester_is_approved_through_pagerduty_and_gets_the_okta_group() {
    let (h, services) = start().await;
    assert!(!services
        .okta_members("00g-admins")
        .contains(&"00u-olive".to_string()));

    let run = request(&h, OLIVE, "Okta Admins", "1h").await;
    let escalated = h.wait_status(run, RunStatus::Escalated).await;
    let approve = escalated
        .history
        .iter()
        .find(|s| s.event == Step::Approve)
        .expect("an approve step");
    assert_eq!(
        approve.channel,
        ChannelType::Sdk,
        "the flow approved, not a person"
    );
    assert_eq!(
        escalated.decision_message.as_deref(),
        Some("Auto-approved: requester is on call")
    );
    assert!(
        services
            .okta_members("00g-admins")
            .contains(&"00u-olive".to_string()),
        "Okta has the requester in the group"
    );
    assert_eq!(escalated.step_outputs["escalate"]["user_id"], "00u-olive");
    assert_eq!(escalated.step_outputs["escalate"]["group_id"], "00g-admins");
    h.wait_message("#sym-audit", "oncall@acme.com now has okta-admins")
        .await;
    assert!(
        h.slack.messages_in("#sym-requests").is_empty(),
        "no approval card was needed"
    );

    // A PagerDuty user who is not on the schedule waits for a human.
    let other = request(&h, FRED, "Okta Admins", "1h").await;
    h.wait_status(other, RunStatus::Pending).await;
    h.wait_message("#sym-requests", "incident follow-up").await;
    assert!(
        !services
            .okta_members("00g-admins")
            .contains(&"00u-free".to_string()),
        "nothing was granted"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn okta_membership_is_granted_on_approval_and_removed_at_expiry() {
    let (h, services) = start().await;
    let run = request(&h, BOBBY, "Okta Admins", "3s").await;
    h.wait_status(run, RunStatus::Pending).await;
    assert!(!services
        .okta_members("00g-admins")
        .contains(&"00u-bob".to_string()));

    assert_eq!(h.click(ALICE, run, "symflow_approve").await, 200);
    let escalated = h.wait_status(run, RunStatus::Escalated).await;
    assert!(
        services
            .okta_members("00g-admins")
            .contains(&"00u-bob".to_string()),
        "granted in Okta"
    );
    assert_eq!(escalated.step_outputs["escalate"]["user_id"], "00u-bob");
    h.wait_message("#sym-audit", "bob@acme.com now has okta-admins")
        .await;
    // The Okta identity found by e-mail is kept for next time.
    let identities = h.read(|tx| {
        let user = tx
            .find_user_by_email(symflow_store::DEFAULT_TENANT, "bob@acme.com")?
            .expect("bob is a symflow user");
        tx.identities_of(user.id)
    });
    assert!(
        identities
            .iter()
            .any(|i| i.key.service == "okta" && i.key.external_user_id == "00u-bob"),
        "{identities:?}"
    );

    let ended = h.wait_status(run, RunStatus::Deescalated).await;
    assert!(
        !services
            .okta_members("00g-admins")
            .contains(&"00u-bob".to_string()),
        "removed from the group at expiry"
    );
    assert_eq!(
        ended.step_outputs["deescalate"],
        serde_json::json!({"group_id": "00g-admins", "user_id": "00u-bob", "removed": true})
    );
    h.wait_message("#sym-audit", "bob@acme.com no longer has okta-admins")
        .await;
    h.wait_dm(BOBBY, "has ended").await;
    let calls = services.okta.lock().unwrap().calls.clone();
    assert_eq!(
        calls
            .iter()
            .filter(|c| c.as_str() == "PUT /api/v1/groups/00g-admins/users/00u-bob")
            .count(),
        1,
        "{calls:?}"
    );
    assert_eq!(
        calls
            .iter()
            .filter(|c| c.as_str() == "DELETE /api/v1/groups/00g-admins/users/00u-bob")
            .count(),
        1,
        "{calls:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_okta_refusal_errors_the_run_with_the_reason_in_the_error_channel() {
    let (h, services) = start().await;
    let run = request(&h, BOBBY, "Locked group", "1h").await;
    h.wait_status(run, RunStatus::Pending).await;
    assert_eq!(h.click(ALICE, run, "symflow_approve").await, 200);
    let ended = h.wait_status(run, RunStatus::Errored).await;
    assert!(ended.in_flight.is_none() && ended.inbox.is_empty());
    assert_eq!(ended.errors.len(), 1, "{:?}", ended.errors);
    let headline = &ended.errors[0].headline;
    assert!(headline.starts_with("OktaError"), "{headline}");

    let report = h.wait_message("#sym-errors", "OktaError").await;
    let text = report.visible_text();
    assert!(text.contains(&run.to_string()), "names the run: {text}");
    assert!(
        text.contains("You do not have permission to perform the requested action"),
        "carries Okta's own reason: {text}"
    );
    assert!(
        services.okta_members("00g-locked").is_empty(),
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

/// A target whose `group_id` is bound to a prompt field (`field_bindings`) and not set in
/// its settings: the group the requester named is the one granted and taken back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_field_bound_target_setting_comes_from_the_request() {
    let (h, services) = start().await;
    let run = request_with(
        &h,
        BOBBY,
        "Any Okta group",
        "3s",
        &[("group_id", text_input("00g-admins"))],
    )
    .await;
    h.wait_status(run, RunStatus::Pending).await;
    assert_eq!(h.click(ALICE, run, "symflow_approve").await, 200);
    let escalated = h.wait_status(run, RunStatus::Escalated).await;
    assert!(
        services
            .okta_members("00g-admins")
            .contains(&"00u-bob".to_string()),
        "the requested group was granted: {:?}",
        escalated.errors
    );
    h.wait_status(run, RunStatus::Deescalated).await;
    assert!(
        !services
            .okta_members("00g-admins")
            .contains(&"00u-bob".to_string()),
        "and taken back at expiry"
    );
}
