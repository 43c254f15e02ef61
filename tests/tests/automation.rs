//! What flows decide on their own: `on_request` approving an on-call requester, requests
//! moving to backup approvers and expiring, and a hook that raises.

use symflow_e2e::{breakglass_fields, people::*, text_input, Harness, Setup};
use symflow_engine::{ChannelType, RunStatus, Step};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_request_approves_an_on_call_requester_without_a_human() {
    let h = Harness::start(
        "e2e",
        Setup {
            on_call: vec![ONCALL_EMAIL.into()],
            ..Setup::default()
        },
    )
    .await;
    let run = h
        .request(
            ONCALL,
            "breakglass",
            &breakglass_fields("paged at 3am", "1h"),
        )
        .await;
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
    assert_eq!(
        escalated.step_outputs["escalate"]["grant"],
        "oncall@prod-db"
    );
    h.wait_dm(ONCALL, "approved automatically by the flow")
        .await;
    let asked: Vec<_> = h
        .stand_ins
        .recorder()
        .calls()
        .into_iter()
        .filter(|c| c.capability == "pagerduty" && c.function == "is_on_call")
        .collect();
    assert_eq!(asked.len(), 1, "PagerDuty was asked once: {asked:?}");
    assert!(
        asked[0].args.contains(ONCALL_EMAIL),
        "about the requester: {asked:?}"
    );

    // Someone who is not on call waits for a human.
    let other = h
        .request(ALICE, "breakglass", &breakglass_fields("not on call", "1h"))
        .await;
    h.wait_status(other, RunStatus::Pending).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unanswered_request_moves_to_the_backup_approvers_then_expires() {
    let h = Harness::start("e2e", Setup::default()).await;
    let run = h
        .request(ALICE, "backup", &[("reason", text_input("weekend deploy"))])
        .await;
    h.wait_message("#sym-requests", "weekend deploy").await;
    let backup_card = h.wait_message("#sym-backup", "weekend deploy").await;
    let expired = h.wait_status(run, RunStatus::Expired).await;
    assert_eq!(
        expired.notification_index, 1,
        "the backup notification was the last one tried"
    );
    let types = h.event_types(run);
    assert_eq!(
        types,
        ["prompt", "request", "request_forward", "request_expire"]
    );
    h.wait_dm(ALICE, "expired: nobody approved or denied it in time")
        .await;
    h.wait_card_text(
        &("#sym-backup".to_string(), backup_card.ts.clone()),
        "Expired",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hook_that_raises_is_reported_in_the_error_channel_and_the_run_ends_cleanly() {
    let h = Harness::start("e2e", Setup::default()).await;
    let run = h
        .request(
            ALICE,
            "broken",
            &[("reason", text_input("will it blow up"))],
        )
        .await;
    let ended = h.wait_status(run, RunStatus::Errored).await;
    assert!(ended.is_finished(), "the run is over, not stuck");
    assert!(
        ended.in_flight.is_none() && ended.inbox.is_empty(),
        "nothing left half-done"
    );
    assert_eq!(ended.errors.len(), 1);
    assert!(
        ended.errors[0].headline.contains("KeyError"),
        "{:?}",
        ended.errors
    );

    let report = h.wait_message("#sym-errors", "on_request").await;
    let text = report.visible_text();
    assert!(
        text.contains("KeyError"),
        "the report names the error: {text}"
    );
    assert!(
        text.contains(&run.to_string()),
        "the report names the run: {text}"
    );
    assert!(text.contains("ticket"), "the traceback is attached: {text}");
    h.wait_ephemeral(ALICE, "couldn't be processed").await;
    assert!(
        h.slack.messages_in("#sym-requests").is_empty(),
        "no card was posted"
    );
    let errored = h.events(run).into_iter().filter(|e| e.errored).count();
    assert_eq!(errored, 1, "the audit trail records the failed event");
    let timers = h.read(|tx| tx.timers_for_run(run));
    // Only the resume timer of the failed on_request call was ever scheduled, and it is
    // cancelled with the run.
    assert!(
        timers
            .iter()
            .all(|t| t.kind == symflow_server::replicas::RESUME_TIMER_KIND
                && t.state == symflow_store::TimerState::Cancelled),
        "no timer was left behind: {timers:?}"
    );
}
