//! The main path of a request with a custom strategy, end to end: `/sym req` → modal →
//! submit → card → Approve → escalate → DM → the duration runs out → deescalate → card
//! updated. And its other endings: deny, revoke.

use symflow_e2e::{breakglass_fields, people::*, Harness, Setup};
use symflow_engine::{DeescalateType, RunStatus};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn approved_access_is_granted_then_removed_when_the_duration_runs_out() {
    let h = Harness::start("e2e", Setup::default()).await;
    let run = h
        .request(
            ALICE,
            "breakglass",
            &breakglass_fields("deploy hotfix", "3s"),
        )
        .await;
    h.wait_status(run, RunStatus::Pending).await;
    let card = h.card(run).await;
    assert_eq!(
        card.0, "#sym-requests",
        "the card goes where get_request_notifications says"
    );
    let text = h.card_text(&card);
    assert!(
        text.contains("deploy hotfix"),
        "the card shows the reason: {text}"
    );
    h.wait_ephemeral(ALICE, "was sent to").await;

    assert_eq!(h.click(BOB, run, "symflow_approve").await, 200);
    let escalated = h.wait_status(run, RunStatus::Escalated).await;
    assert_eq!(
        escalated.step_outputs["escalate"]["grant"], "alice@prod-db",
        "the custom strategy's escalate ran and what it returned was kept"
    );
    h.wait_dm(ALICE, "You have access to *Production database*")
        .await;

    let ended = h.wait_status(run, RunStatus::Deescalated).await;
    assert_eq!(ended.deescalate_type, Some(DeescalateType::Scheduled));
    assert_eq!(
        ended.step_outputs["deescalate"]["revoked"], "alice@prod-db",
        "deescalate removed exactly the grant escalate made"
    );
    h.wait_dm(ALICE, "has ended after 3 seconds").await;
    h.wait_card_text(&card, "Access ended").await;
    let types = h.event_types(run);
    assert_eq!(
        types,
        ["prompt", "request", "approve", "escalate", "deescalate"],
        "each step once, in order"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_denied_request_tells_the_requester_and_grants_nothing() {
    let h = Harness::start("e2e", Setup::default()).await;
    let run = h
        .request(ALICE, "breakglass", &breakglass_fields("curiosity", "1h"))
        .await;
    let card = h.card(run).await;
    let click = h.click_request(BOB, run, &card, "symflow_deny", Some("Use staging instead"));
    let (status, _) = h.post("/slack/interactivity", &click).await;
    assert_eq!(status, 200);

    let denied = h.wait_status(run, RunStatus::Denied).await;
    assert_eq!(
        denied.decision_message.as_deref(),
        Some("Use staging instead")
    );
    assert!(
        !denied.step_outputs.contains_key("escalate"),
        "no access was granted"
    );
    let dm = h.wait_dm(ALICE, "denied by <@UBOB>").await;
    assert!(
        dm.text.contains("Use staging instead"),
        "the DM carries the reason: {}",
        dm.text
    );
    h.wait_card_text(&card, "Denied").await;
    assert!(!h.event_types(run).iter().any(|t| t == "escalate"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn access_can_be_revoked_before_it_runs_out() {
    let h = Harness::start("e2e", Setup::default()).await;
    let run = h
        .request(ALICE, "breakglass", &breakglass_fields("incident 42", "1h"))
        .await;
    assert_eq!(h.click(BOB, run, "symflow_approve").await, 200);
    h.wait_status(run, RunStatus::Escalated).await;
    let card = h.card(run).await;
    h.wait_card_text(&card, "Revoke").await;

    assert_eq!(h.click(ALICE, run, "symflow_revoke").await, 200);
    let ended = h.wait_status(run, RunStatus::Deescalated).await;
    assert_eq!(ended.deescalate_type, Some(DeescalateType::Revoke));
    assert_eq!(ended.step_outputs["deescalate"]["revoked"], "alice@prod-db");
    h.wait_dm(ALICE, "You revoked your access").await;
    h.wait_card_text(&card, "Access revoked").await;
    let timers = h.read(|tx| tx.timers_for_run(run));
    assert!(
        timers
            .iter()
            .all(|t| t.state != symflow_store::TimerState::Pending),
        "the expiry timer is gone after a revoke: {timers:?}"
    );
}
