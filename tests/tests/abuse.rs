//! Abuse cases (issue 6): flows that misbehave on purpose and Slack requests that try to
//! act on what they should not. Each fails only what it should, with a reason a person can
//! read, and leaves everything else working and unchanged.
//!
//! Covered elsewhere and not repeated here: stdout flood, endless loop (deadline), memory
//! hog, reading `/etc/passwd`, opening sockets, `sys.exit` — host/sandbox/tests/sandbox.rs;
//! forged signatures, stale timestamps and a body changed after signing (401, nothing
//! stored), and Slack's retry headers (acted on once) — tests/tests/slack_protocol.rs.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::Value;
use symflow_e2e::{get_json, people::*, text_input, Harness, Setup, SIGNING_SECRET, TEAM};
use symflow_engine::RunStatus;
use symflow_slack_fake::requests::{inputs, unix_now, ButtonClick, SlackRequest, SlashCommand};
use symflow_slack_fake::{CannedResponse, FakeUser};
use tokio::sync::Semaphore;
use uuid::Uuid;

async fn misbehave(h: &Harness, user: &str, mode: &str) -> Uuid {
    h.request(user, "misbehave", &[("reason", text_input(mode))])
        .await
}

async fn grant(h: &Harness, user: &str, reason: &str) -> Uuid {
    h.request(
        user,
        "grant",
        &[
            ("reason", text_input(reason)),
            ("duration", inputs::static_select("1h")),
        ],
    )
    .await
}

/// A well-behaved run still goes all the way to its card.
async fn others_still_work(h: &Harness) {
    let run = misbehave(h, BOB, "behave").await;
    h.wait_status(run, RunStatus::Pending).await;
}

/// The run failed with an error containing `needle`, reported in the error channel.
async fn failed_with(h: &Harness, run: Uuid, needle: &str) -> String {
    let ended = h.wait_status(run, RunStatus::Errored).await;
    assert!(ended.in_flight.is_none() && ended.inbox.is_empty());
    let error = &ended.errors[0];
    let text = format!("{} {}", error.headline, error.message);
    assert!(text.contains(needle), "the error names {needle:?}: {text}");
    let report = h.wait_message("#sym-errors", &run.to_string()).await;
    report.visible_text()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn endless_recursion_fails_only_its_own_run() {
    let h = Harness::start("abuse", Setup::default()).await;
    // Python's recursion limit stops it; the run fails with the traceback's reason.
    let limited = misbehave(&h, ALICE, "recurse").await;
    failed_with(&h, limited, "RecursionError").await;
    others_still_work(&h).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_huge_answer_or_error_from_a_hook_is_refused_cleanly() {
    let h = Harness::start("abuse", Setup::default()).await;
    let huge = misbehave(&h, ALICE, "huge").await;
    let report = failed_with(&h, huge, "accepts at most").await;
    assert!(report.len() < 40_000, "the report fits a Slack message");
    let stored = h.read(|tx| tx.get_run(huge)).unwrap();
    assert!(
        stored.state_json.len() < 100_000,
        "the 8 MiB answer was not stored ({} bytes)",
        stored.state_json.len()
    );

    let huge_error = misbehave(&h, ALICE, "huge-error").await;
    let ended = h.wait_status(huge_error, RunStatus::Errored).await;
    let error = &ended.errors[0];
    assert!(
        error.message.len() < 10_000,
        "{} bytes",
        error.message.len()
    );
    assert!(
        error.message.contains("more cut by symflow"),
        "{}",
        &error.message[..200]
    );
    h.wait_message("#sym-errors", &huge_error.to_string()).await;
    others_still_work(&h).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slack_call_that_never_answers_times_out_and_other_runs_carry_on() {
    let h = Harness::start("abuse", Setup::default()).await;
    // The hook's `slack.users_in_channel("#slow")` reaches a Slack that answers after a minute.
    h.slack.respond_next(
        "conversations.members",
        CannedResponse::ok_body(r#"{"ok": true, "members": []}"#).delayed(Duration::from_secs(60)),
    );
    let started = Instant::now();
    let slow = misbehave(&h, ALICE, "slow-slack").await;
    // Meanwhile other people's requests go through.
    let meanwhile = misbehave(&h, BOB, "behave").await;
    h.wait_status(meanwhile, RunStatus::Pending).await;
    let while_blocked = started.elapsed();
    assert!(!h.run(slow).is_finished(), "the slow call is still waiting");

    // The blocked Slack call ends at the client's timeout and the event's deadline stops
    // the flow: whichever says so first is the reason.
    let ended = h.wait_status(slow, RunStatus::Errored).await;
    let error = format!("{} {}", ended.errors[0].headline, ended.errors[0].message);
    assert!(
        error.contains("time limit") || error.contains("timed out"),
        "{error}"
    );
    h.wait_message("#sym-errors", &slow.to_string()).await;
    eprintln!(
        "other run pending after {while_blocked:?}; the slow one failed after {:?}",
        started.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thousands_of_concurrent_events_are_all_acknowledged_and_carried_out() {
    const EVENTS: usize = 2_000;
    const IN_FLIGHT: usize = 256;
    let h = Arc::new(Harness::start("abuse", Setup::default()).await);
    let before = peak_rss_kib();
    let slots = Arc::new(Semaphore::new(IN_FLIGHT));
    let started = Instant::now();
    let mut sent = tokio::task::JoinSet::new();
    for i in 0..EVENTS {
        let h = h.clone();
        let slots = slots.clone();
        sent.spawn(async move {
            let _slot = slots.acquire_owned().await.unwrap();
            let user = [ALICE, BOB, ADMIN, ONCALL][i % 4];
            let command = SlashCommand::new(TEAM, user, "/sym", "whoami")
                .channel("C0FLOOD", "flood")
                .trigger_id(&format!("flood.{i}"));
            h.post("/slack/commands", &command.request()).await.0
        });
    }
    let mut statuses = Vec::new();
    while let Some(status) = sent.join_next().await {
        statuses.push(status.unwrap());
    }
    let acked = started.elapsed();
    assert!(
        statuses.iter().all(|s| *s == 200),
        "every event was acknowledged: {:?}",
        statuses.iter().filter(|s| **s != 200).collect::<Vec<_>>()
    );
    // The server answers other things during the backlog.
    assert_eq!(get_json(&h.url("/healthz")).await["status"], "ok");
    let run = misbehave(&h, ALICE, "behave").await;
    h.wait_status(run, RunStatus::Pending).await;
    let request_during_backlog = started.elapsed();

    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let answered = h
            .slack
            .calls_to("chat.postEphemeral")
            .iter()
            .filter(|c| c.str_arg("channel") == Some("C0FLOOD"))
            .count();
        if answered == EVENTS {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "only {answered} of {EVENTS} events were carried out"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let done = started.elapsed();
    let after = peak_rss_kib();
    eprintln!(
        "{EVENTS} events ({IN_FLIGHT} in flight): acked in {acked:?}, a request during the backlog pending at {request_during_backlog:?}, all carried out in {done:?}; peak RSS {before} → {after} KiB"
    );
}

/// The process's peak resident memory (VmHWM), in KiB.
fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replayed_click_acts_once_and_a_tampered_replay_is_refused() {
    let h = Harness::start("abuse", Setup::default()).await;
    let run = grant(&h, ALICE, "replay").await;
    let card = h.card(run).await;
    let deny = h.click_request(BOB, run, &card, "symflow_deny", None);
    let signed_at = unix_now();
    let headers = deny.signature_headers(SIGNING_SECRET, signed_at);
    let (status, _) = h
        .post_with_headers("/slack/interactivity", &deny, &headers)
        .await;
    assert_eq!(status, 200);
    h.wait_status(run, RunStatus::Denied).await;
    let events = h.event_types(run);

    // The same bytes and headers again (an attacker who captured them, within the window).
    let (status, _) = h
        .post_with_headers("/slack/interactivity", &deny, &headers)
        .await;
    assert_eq!(status, 200, "acknowledged, as Slack retries are");
    // The captured signature with a new timestamp, and the old timestamp past the window.
    let mut moved = headers.clone();
    for (name, value) in moved.iter_mut() {
        if name.eq_ignore_ascii_case("X-Slack-Request-Timestamp") {
            *value = (signed_at + 1).to_string();
        }
    }
    let (status, body) = h
        .post_with_headers("/slack/interactivity", &deny, &moved)
        .await;
    assert_eq!(status, 401, "{body}");
    let stale = deny.signature_headers(SIGNING_SECRET, unix_now() - 6 * 60);
    let (status, body) = h
        .post_with_headers("/slack/interactivity", &deny, &stale)
        .await;
    assert_eq!(status, 401);
    assert!(body.contains("replay"), "{body}");
    // A forged click on another run (wrong secret): refused, nothing recorded.
    let other = grant(&h, ALICE, "forged").await;
    let other_card = h.card(other).await;
    let outbox_before = h.outbox_items().len();
    let forged = h.click_request(BOB, other, &other_card, "symflow_approve", None);
    let (status, _) = h
        .post_with_headers(
            "/slack/interactivity",
            &forged,
            &forged.signed_now("guessed"),
        )
        .await;
    assert_eq!(status, 401);
    assert_eq!(
        h.outbox_items().len(),
        outbox_before,
        "nothing was recorded"
    );

    // Everything after the first delivery was dropped: another click proves the queue moved.
    assert_eq!(h.click(BOB, other, "symflow_approve").await, 200);
    h.wait_status(other, RunStatus::Escalated).await;
    assert_eq!(h.event_types(run), events, "the denied run did not change");
    assert_eq!(
        h.outbox_items()
            .iter()
            .filter(|i| i.kind == "slack.click" && i.payload_json.contains(&run.to_string()))
            .count(),
        1,
        "one click of the denied run became work"
    );
}

/// A click as Slack would send it, with `edit` applied to the payload and `extra` form
/// fields appended after it (all signed: the sender is inside the workspace).
fn edited_click(
    click: &ButtonClick,
    edit: impl Fn(&mut Value),
    extra: &[(&str, &str)],
) -> SlackRequest {
    let mut payload = click.payload();
    edit(&mut payload);
    let text = payload.to_string();
    let mut fields = vec![("payload", text.as_str())];
    fields.extend_from_slice(extra);
    SlackRequest::form(&fields)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_approver_is_the_signed_payload_s_user_whatever_else_the_request_says() {
    let h = Harness::start("abuse", Setup::default()).await;
    let run = grant(&h, ALICE, "spoof").await;
    let card = h.card(run).await;
    // Alice approves her own request, dressed up as Bob everywhere a client could write.
    let click = ButtonClick::on_message(TEAM, ALICE, &card.0, &card.1, "symflow_approve")
        .value(&run.to_string())
        .block_id("symflow_actions");
    let spoofed = edited_click(
        &click,
        |p| {
            p["user"]["name"] = "bob".into();
            p["user"]["username"] = "bob".into();
            p["actions"][0]["text"]["text"] = "approved by UBOB".into();
        },
        &[("user_id", BOB), ("user_name", "bob")],
    );
    let (status, _) = h.post("/slack/interactivity", &spoofed).await;
    assert_eq!(status, 200);
    h.wait_ephemeral(ALICE, "can't approve your own request")
        .await;
    let still = h.run(run);
    assert_eq!(still.status, RunStatus::Pending);
    assert!(!h.event_types(run).contains(&"approve".to_string()));

    // A request form whose metadata claims another requester: the submitter is the requester.
    let modal = h.open_request_modal(ALICE, "grant").await;
    let mut metadata: Value = serde_json::from_str(&modal.private_metadata()).unwrap();
    metadata["user"] = BOB.into();
    metadata["requester"] = BOB.into();
    metadata["user_id"] = BOB.into();
    let mut forged_modal = modal.clone();
    forged_modal.view["private_metadata"] = metadata.to_string().into();
    let submit = h.submission(
        ALICE,
        &forged_modal,
        &[
            ("reason", text_input("claims to be bob")),
            ("duration", inputs::static_select("1h")),
        ],
    );
    assert_eq!(h.post("/slack/interactivity", &submit).await.0, 200);
    let sent = h.wait_status(modal.run_id(), RunStatus::Pending).await;
    assert_eq!(sent.requester.unwrap().email, ALICE_EMAIL);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nobody_from_another_workspace_can_act_on_a_run() {
    let h = Harness::start("abuse", Setup::default()).await;
    h.slack.add_user(
        FakeUser::new("UEVE", "eve")
            .email("eve@elsewhere.example")
            .team("T0OTHER"),
    );
    let run = grant(&h, ALICE, "cross-team").await;
    let card = h.card(run).await;
    let click = ButtonClick::on_message("T0OTHER", "UEVE", &card.0, &card.1, "symflow_approve")
        .value(&run.to_string())
        .block_id("symflow_actions");
    assert_eq!(
        h.post("/slack/interactivity", &click.request()).await.0,
        200
    );
    h.wait_ephemeral("UEVE", "another Slack workspace").await;
    assert_eq!(h.run(run).status, RunStatus::Pending);
    assert!(!h.event_types(run).contains(&"approve".to_string()));
    // Bob, of Alice's workspace, still can.
    assert_eq!(h.click(BOB, run, "symflow_approve").await, 200);
    h.wait_status(run, RunStatus::Escalated).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tampered_button_value_or_form_metadata_changes_nothing() {
    let h = Harness::start("abuse", Setup::default()).await;
    // Two pending requests; Bob clicks Approve on the card of the first, with the value of
    // the second.
    let first = grant(&h, ALICE, "first").await;
    let second = grant(&h, ALICE, "second").await;
    let first_card = h.card(first).await;
    let mixed = h.click_request(BOB, second, &first_card, "symflow_approve", None);
    assert_eq!(h.post("/slack/interactivity", &mixed).await.0, 200);
    h.wait_ephemeral(BOB, "does not belong to the request")
        .await;
    assert_eq!(h.run(first).status, RunStatus::Pending);
    assert_eq!(h.run(second).status, RunStatus::Pending);

    // Bob opens his own form; its metadata is changed to point at Alice's pending run, and
    // at a run of another flow.
    let modal = h.open_request_modal(BOB, "grant").await;
    let fields = [
        ("reason", text_input("hijack")),
        ("duration", inputs::static_select("1h")),
    ];
    let before = h.run(first);
    let mut metadata: Value = serde_json::from_str(&modal.private_metadata()).unwrap();
    metadata["run_id"] = first.to_string().into();
    let mut at_first = modal.clone();
    at_first.view["private_metadata"] = metadata.to_string().into();
    let submit = h.submission(BOB, &at_first, &fields);
    assert_eq!(h.post("/slack/interactivity", &submit).await.0, 200);
    h.wait_dm(BOB, "already sent").await;
    let after = h.run(first);
    assert_eq!(after.fields, before.fields, "Alice's request is unchanged");
    assert_eq!(after.requester, before.requester);

    // Alice opens a form (her run is being filled in); Bob's form is pointed at it.
    let alices = h.open_request_modal(ALICE, "grant").await;
    metadata["run_id"] = alices.run_id().to_string().into();
    let mut at_alices = modal.clone();
    at_alices.view["private_metadata"] = metadata.to_string().into();
    let submit = h.submission(BOB, &at_alices, &fields);
    assert_eq!(h.post("/slack/interactivity", &submit).await.0, 200);
    h.wait_dm(BOB, "opened by someone else").await;
    assert_eq!(h.run(alices.run_id()).status, RunStatus::Prompting);

    // Bob's own run, but the metadata names another flow.
    let misbehave_modal = h.open_request_modal(BOB, "misbehave").await;
    let mut metadata: Value = serde_json::from_str(&misbehave_modal.private_metadata()).unwrap();
    metadata["flow"] = "grant".into();
    let mut other_flow = misbehave_modal.clone();
    other_flow.view["private_metadata"] = metadata.to_string().into();
    let submit = h.submission(BOB, &other_flow, &fields);
    assert_eq!(h.post("/slack/interactivity", &submit).await.0, 200);
    h.wait_dm(BOB, "names a request of `misbehave`").await;
    assert_eq!(h.run(misbehave_modal.run_id()).status, RunStatus::Prompting);

    // The untampered form still works.
    let submit = h.submission(BOB, &modal, &fields);
    assert_eq!(h.post("/slack/interactivity", &submit).await.0, 200);
    h.wait_status(modal.run_id(), RunStatus::Pending).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flow_cannot_reply_in_the_thread_of_another_flows_run() {
    let h = Harness::start("abuse", Setup::default()).await;
    let victim = grant(&h, ALICE, "someone else's request").await;
    let (_, card_ts) = h.card(victim).await;
    let hijack = misbehave(&h, BOB, &format!("thread:{victim}")).await;
    failed_with(&h, hijack, "belongs to another flow").await;
    let replies: Vec<_> = h
        .slack
        .calls_to("chat.postMessage")
        .into_iter()
        .filter(|c| c.str_arg("thread_ts") == Some(card_ts.as_str()))
        .collect();
    assert!(
        replies.is_empty(),
        "nothing posted in the other run's thread: {replies:?}"
    );
    others_still_work(&h).await;
}
