//! Crash recovery: symflow's server runs as a process of its own and is killed with SIGKILL
//! at each step of a run (after the request, right after the approval is acknowledged, in
//! the middle of the strategy's `escalate`, after access was granted, and as access runs
//! out), then started again on the same data directory. Every run must still finish exactly
//! once: one `escalate` and one `deescalate` event each in the store, the strategy's own
//! call counts (kept by the flow in the store) showing no lost or doubled grant, and the
//! store passing its integrity check.

use std::time::Duration;

use symflow_e2e::{people::*, text_input, Harness, Setup};
use symflow_engine::{FlowCall, RunStatus};
use symflow_slack_fake::requests::inputs;
use symflow_store::DEFAULT_TENANT;
use uuid::Uuid;

const SERVER: &str = env!("CARGO_BIN_EXE_e2e-server");

/// How often the counted strategy ran `kind` (`escalate` / `deescalate`) for `reason`.
fn strategy_calls(h: &Harness, kind: &str, reason: &str) -> u64 {
    let key = format!("{kind}:{reason}");
    h.store()
        .transaction(|tx| tx.kv_fetch(DEFAULT_TENANT, &key))
        .expect("the store answers")
        .map(|v| v.parse().expect("a count"))
        .unwrap_or(0)
}

async fn request(h: &Harness, reason: &str) -> Uuid {
    h.request(
        ALICE,
        "grant",
        &[
            ("reason", text_input(reason)),
            ("duration", inputs::static_select("4s")),
        ],
    )
    .await
}

/// Access was granted (and may since have run out).
fn granted(run: &symflow_engine::Run) -> bool {
    matches!(run.status, RunStatus::Escalated | RunStatus::Deescalated)
}

/// Kills the server and starts it again.
fn crash(h: &mut Harness) {
    h.kill();
    h.restart_process(SERVER);
}

/// The run ended once: granted once, removed once, as the store and the strategy see it.
/// `escalate_attempts` is how often the strategy's escalate ran (an attempt cut short by the
/// crash runs again: strategies are idempotent by contract, spec §6).
async fn ends_exactly_once(h: &Harness, run: Uuid, reason: &str, escalate_attempts: u64) {
    let ended = h.wait_status(run, RunStatus::Deescalated).await;
    assert_eq!(ended.step_outputs["escalate"]["granted"], reason);
    assert_eq!(ended.step_outputs["deescalate"]["revoked"], reason);
    let types = h.event_types(run);
    for step in ["request", "approve", "escalate", "deescalate"] {
        assert_eq!(
            types.iter().filter(|t| *t == step).count(),
            1,
            "{reason}: one {step} event: {types:?}"
        );
    }
    assert_eq!(
        strategy_calls(h, "escalate", reason),
        escalate_attempts,
        "{reason}: escalate calls"
    );
    assert_eq!(
        strategy_calls(h, "deescalate", reason),
        1,
        "{reason}: deescalate calls"
    );
    let ended_dms = h
        .dms(ALICE)
        .iter()
        .filter(|m| m.text.contains("has ended"))
        .count();
    assert!(ended_dms >= 1, "{reason}: Alice was told her access ended");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_killed_at_each_step_finishes_exactly_once() {
    let mut h = Harness::start_process(SERVER, "abuse", Setup::default()).await;

    // 1. After the request: the card is posted, nobody has answered yet.
    let after_request = request(&h, "after-request").await;
    h.wait_status(after_request, RunStatus::Pending).await;
    h.card(after_request).await;
    crash(&mut h);
    assert_eq!(h.click(BOB, after_request, "symflow_approve").await, 200);

    // 2. Right after the approval is acknowledged (the work is promised, maybe not done).
    let after_approve = request(&h, "after-approve").await;
    h.card(after_approve).await;
    assert_eq!(h.click(BOB, after_approve, "symflow_approve").await, 200);
    crash(&mut h);

    // 3. In the middle of the strategy's escalate (it takes two seconds).
    let mid_escalate = request(&h, "slow-escalate").await;
    h.card(mid_escalate).await;
    assert_eq!(h.click(BOB, mid_escalate, "symflow_approve").await, 200);
    h.wait_run(mid_escalate, "escalating", |r| {
        r.in_flight
            .as_ref()
            .is_some_and(|f| f.call == FlowCall::Escalate)
    })
    .await;
    wait_until(|| strategy_calls(&h, "escalate", "slow-escalate") == 1).await;
    crash(&mut h);
    // Its second attempt finishes before the next crash point, so no later crash cuts it.
    h.wait_run(mid_escalate, "escalated after the restart", |r| {
        matches!(r.status, RunStatus::Escalated | RunStatus::Deescalated)
    })
    .await;

    // 4. After escalation: access granted, expiry scheduled.
    let after_escalate = request(&h, "after-escalate").await;
    h.card(after_escalate).await;
    assert_eq!(h.click(BOB, after_escalate, "symflow_approve").await, 200);
    // Granted: on a busy machine the 4 s grant may already have run out when we look.
    h.wait_run(after_escalate, "escalated", granted).await;
    crash(&mut h);

    // 5. At expiry: killed the moment the deescalation is due.
    let at_expiry = request(&h, "at-expiry").await;
    h.card(at_expiry).await;
    assert_eq!(h.click(BOB, at_expiry, "symflow_approve").await, 200);
    let escalated = h.wait_run(at_expiry, "escalated", granted).await;
    let due = escalated.expires_at.expect("deescalation is scheduled").0;
    let now = symflow_store::now_ms() as u64;
    tokio::time::sleep(Duration::from_millis(due.saturating_sub(now))).await;
    crash(&mut h);

    ends_exactly_once(&h, after_request, "after-request", 1).await;
    ends_exactly_once(&h, after_approve, "after-approve", 1).await;
    // The attempt the crash cut short had already counted itself; it ran again once.
    ends_exactly_once(&h, mid_escalate, "slow-escalate", 2).await;
    ends_exactly_once(&h, after_escalate, "after-escalate", 1).await;
    ends_exactly_once(&h, at_expiry, "at-expiry", 1).await;

    // One more crash with nothing in flight changes nothing.
    crash(&mut h);
    tokio::time::sleep(Duration::from_secs(1)).await;
    for (run, reason, attempts) in [
        (after_request, "after-request", 1),
        (mid_escalate, "slow-escalate", 2),
        (at_expiry, "at-expiry", 1),
    ] {
        ends_exactly_once(&h, run, reason, attempts).await;
    }
    let report = h.store().integrity_check().expect("the check runs");
    assert!(report.is_ok(), "the store is consistent: {report}");
    h.kill();
}

async fn wait_until(done: impl Fn() -> bool) {
    let deadline = tokio::time::Instant::now() + symflow_e2e::PATIENCE;
    while !done() {
        assert!(tokio::time::Instant::now() < deadline, "gave up waiting");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
