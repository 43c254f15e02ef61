//! Who may act on a request: not the requester (unless the flow allows self-approval), not a
//! Slack guest (unless the flow allows guest interaction).

use symflow_e2e::{breakglass_fields, people::*, text_input, Harness, Setup};
use symflow_engine::RunStatus;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requesters_cannot_approve_their_own_request_unless_the_flow_allows_it() {
    let h = Harness::start("e2e", Setup::default()).await;

    // breakglass: allow_self_approval = False.
    let strict = h
        .request(
            ALICE,
            "breakglass",
            &breakglass_fields("self-service?", "1h"),
        )
        .await;
    assert_eq!(h.click(ALICE, strict, "symflow_approve").await, 200);
    h.wait_ephemeral(ALICE, "You can't approve your own request")
        .await;
    assert_eq!(h.run(strict).status, RunStatus::Pending, "nothing changed");
    assert!(!h.event_types(strict).iter().any(|t| t == "approve"));

    // guest-friendly: allow_self_approval = True.
    let relaxed = h
        .request(
            ALICE,
            "guest-friendly",
            &[("reason", text_input("quick fix"))],
        )
        .await;
    assert_eq!(h.click(ALICE, relaxed, "symflow_approve").await, 200);
    h.wait_status(relaxed, RunStatus::Approved).await;
    h.wait_dm(ALICE, "was approved by <@UALICE>").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guests_cannot_act_on_requests_unless_the_flow_allows_it() {
    let h = Harness::start("e2e", Setup::default()).await;

    // breakglass: allow_guest_interaction defaults to false.
    let strict = h
        .request(
            ALICE,
            "breakglass",
            &breakglass_fields("db migration", "1h"),
        )
        .await;
    assert_eq!(h.click(GUEST, strict, "symflow_approve").await, 200);
    h.wait_ephemeral(GUEST, "Guests can't approve").await;
    assert_eq!(h.run(strict).status, RunStatus::Pending, "nothing changed");

    // guest-friendly: allow_guest_interaction = true, everyone may approve.
    let open = h
        .request(
            ALICE,
            "guest-friendly",
            &[("reason", text_input("partner access"))],
        )
        .await;
    assert_eq!(h.click(GUEST, open, "symflow_approve").await, 200);
    let approved = h.wait_status(open, RunStatus::Approved).await;
    assert_eq!(
        approved.approver().map(|a| a.email.as_str()),
        Some("guest@partner.example")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guests_cannot_start_requests() {
    let h = Harness::start("e2e", Setup::default()).await;
    let (status, trigger) = h.command(GUEST, "req guest-friendly").await;
    assert_eq!(status, 200);
    // No request modal opens; the guest is told why.
    h.wait_ephemeral(GUEST, "Guests can't start requests").await;
    assert!(
        !h.slack
            .calls_to("views.open")
            .iter()
            .any(|c| c.str_arg("trigger_id") == Some(trigger.as_str())),
        "no modal was opened for the guest"
    );
}
