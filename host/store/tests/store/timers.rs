//! Durable timers: claim when due, complete, re-claim after a lapsed lease, fire after a restart,
//! cancel. Time is passed in explicitly, so nothing here waits on a clock.

use symflow_store::prelude::*;
use symflow_store::{Error, NewTimer, RunRecord, TimerId, TimerState};

use crate::fixtures::{new_store, run};

const LEASE_MS: i64 = 60_000;

pub fn timer(run: &RunRecord, kind: &str, due_at_ms: i64) -> NewTimer {
    NewTimer {
        run_id: run.id,
        kind: kind.to_owned(),
        due_at_ms,
        payload_json: format!(r#"{{"due":{due_at_ms}}}"#),
    }
}

fn claim(store: &Store, now_ms: i64, limit: u32) -> Vec<TimerId> {
    store
        .transaction(|tx| tx.claim_due_timers(now_ms, limit, LEASE_MS))
        .unwrap()
        .into_iter()
        .map(|timer| timer.id)
        .collect()
}

#[test]
fn a_timer_is_claimed_once_due_and_not_again_once_complete() {
    let (_dir, store) = new_store();
    let run = run(&store, "approval_demo");
    let (early, late) = store
        .transaction(|tx| {
            Ok::<_, Error>((
                tx.schedule_timer(&timer(&run, "deescalate", 1_000))?,
                tx.schedule_timer(&timer(&run, "notification_timeout", 2_000))?,
            ))
        })
        .unwrap();

    assert_eq!(claim(&store, 999, 10), []);
    let claimed = store
        .transaction(|tx| tx.claim_due_timers(1_000, 10, LEASE_MS))
        .unwrap();
    assert_eq!(claimed.len(), 1);
    let claimed = &claimed[0];
    assert_eq!(claimed.id, early);
    assert_eq!(claimed.run_id, run.id);
    assert_eq!(claimed.kind, "deescalate");
    assert_eq!(claimed.payload_json, r#"{"due":1000}"#);
    assert_eq!(claimed.state, TimerState::Claimed);
    assert_eq!(claimed.claimed_at_ms, Some(1_000));
    assert_eq!(claimed.lease_expires_at_ms, Some(1_000 + LEASE_MS));
    assert_eq!(claimed.attempts, 1);

    // Held by its claim: not handed out again within the lease.
    assert_eq!(claim(&store, 1_500, 10), []);
    assert!(store.transaction(|tx| tx.complete_timer(early)).unwrap());
    assert!(!store.transaction(|tx| tx.complete_timer(early)).unwrap());
    let done = store
        .transaction(|tx| tx.get_timer(early))
        .unwrap()
        .unwrap();
    assert_eq!(done.state, TimerState::Done);
    assert_eq!(done.lease_expires_at_ms, None);

    assert_eq!(claim(&store, 2_000, 10), [late]);
    // Complete, even far past the lease: never claimed again.
    store.transaction(|tx| tx.complete_timer(late)).unwrap();
    assert_eq!(claim(&store, 10 * LEASE_MS, 10), []);
}

#[test]
fn due_timers_are_claimed_earliest_first_up_to_the_limit() {
    let (_dir, store) = new_store();
    let run = run(&store, "approval_demo");
    let ids: Vec<TimerId> = store
        .transaction(|tx| {
            [300, 100, 200, 400]
                .into_iter()
                .map(|due| tx.schedule_timer(&timer(&run, "deescalate", due)))
                .collect::<Result<Vec<_>, _>>()
        })
        .unwrap();
    assert_eq!(claim(&store, 1_000, 2), [ids[1], ids[2]]);
    assert_eq!(claim(&store, 1_000, 10), [ids[0], ids[3]]);
}

#[test]
fn a_claim_never_completed_is_claimable_again_after_its_lease() {
    let (_dir, store) = new_store();
    let run = run(&store, "approval_demo");
    let id = store
        .transaction(|tx| tx.schedule_timer(&timer(&run, "deescalate", 0)))
        .unwrap();
    assert_eq!(claim(&store, 10, 10), [id]);
    assert_eq!(
        claim(&store, 10 + LEASE_MS - 1, 10),
        [],
        "lease still running"
    );
    let again = store
        .transaction(|tx| tx.claim_due_timers(10 + LEASE_MS, 10, LEASE_MS))
        .unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].id, id);
    assert_eq!(again[0].attempts, 2);
    assert_eq!(again[0].lease_expires_at_ms, Some(10 + 2 * LEASE_MS));
}

#[test]
fn ending_the_leases_of_a_dead_holder_makes_its_claims_claimable_at_once() {
    let (_dir, store) = new_store();
    let run = run(&store, "approval_demo");
    let held = store
        .transaction(|tx| tx.schedule_timer(&timer(&run, "deescalate", 0)))
        .unwrap();
    let later = store
        .transaction(|tx| tx.schedule_timer(&timer(&run, "remind", 5_000)))
        .unwrap();
    assert_eq!(claim(&store, 10, 10), [held]);
    assert_eq!(claim(&store, 20, 10), [], "held by its lease");
    let ended = store.transaction(|tx| tx.end_timer_leases(20)).unwrap();
    assert_eq!(ended, 1, "only the claimed timer had a lease");
    assert_eq!(claim(&store, 20, 10), [held], "claimable again at once");
    assert_eq!(
        store
            .transaction(|tx| tx.get_timer(later))
            .unwrap()
            .unwrap()
            .state,
        TimerState::Pending,
        "a timer not yet due is left alone"
    );
}

#[test]
fn a_crash_after_claim_fires_the_timer_again_after_restart() {
    let (dir, store) = new_store();
    let run = run(&store, "approval_demo");
    let id = store
        .transaction(|tx| tx.schedule_timer(&timer(&run, "deescalate", 1_000)))
        .unwrap();
    assert_eq!(claim(&store, 1_000, 10), [id]);
    drop(store); // the worker dies before completing the timer

    let restarted = dir.open();
    assert_eq!(claim(&restarted, 1_000 + LEASE_MS, 10), [id]);
}

#[test]
fn timers_that_came_due_while_the_server_was_down_fire_on_the_first_claim_after_restart() {
    let (dir, store) = new_store();
    let run = run(&store, "approval_demo");
    let shutdown_at = 10_000;
    let ids: Vec<TimerId> = store
        .transaction(|tx| {
            [
                shutdown_at + 1_000,
                shutdown_at + 5_000,
                shutdown_at + 999_999,
            ]
            .into_iter()
            .map(|due| tx.schedule_timer(&timer(&run, "deescalate", due)))
            .collect::<Result<Vec<_>, _>>()
        })
        .unwrap();
    assert_eq!(claim(&store, shutdown_at, 10), []);
    drop(store);

    let restarted = dir.open();
    let restart_at = shutdown_at + 60_000;
    assert_eq!(
        restarted
            .transaction(|tx| tx.next_claimable_timer_at())
            .unwrap(),
        Some(shutdown_at + 1_000)
    );
    assert_eq!(claim(&restarted, restart_at, 10), [ids[0], ids[1]]);
}

#[test]
fn cancelling_a_runs_timers_of_a_kind_leaves_the_others() {
    let (_dir, store) = new_store();
    let first = run(&store, "approval_demo");
    let second = run(&store, "approval_demo");
    let (pending, claimed, other_kind, other_run) = store
        .transaction(|tx| {
            Ok::<_, Error>((
                tx.schedule_timer(&timer(&first, "notification_timeout", 500))?,
                tx.schedule_timer(&timer(&first, "notification_timeout", 100))?,
                tx.schedule_timer(&timer(&first, "deescalate", 500))?,
                tx.schedule_timer(&timer(&second, "notification_timeout", 500))?,
            ))
        })
        .unwrap();
    assert_eq!(claim(&store, 100, 10), [claimed]);

    let cancelled = store
        .transaction(|tx| tx.cancel_timers_for_run(first.id, Some("notification_timeout")))
        .unwrap();
    assert_eq!(cancelled, 2);
    let states: Vec<TimerState> = store
        .transaction(|tx| tx.timers_for_run(first.id))
        .unwrap()
        .into_iter()
        .map(|timer| timer.state)
        .collect();
    assert_eq!(
        states,
        [
            TimerState::Cancelled,
            TimerState::Cancelled,
            TimerState::Pending
        ]
    );
    assert!(!store.transaction(|tx| tx.complete_timer(pending)).unwrap());
    let mut due = claim(&store, 10 * LEASE_MS, 10);
    due.sort();
    assert_eq!(due, [other_kind, other_run]);
}

#[test]
fn scheduling_for_a_missing_run_or_claiming_without_a_lease_fails() {
    let (_dir, store) = new_store();
    let mut ghost = run(&store, "approval_demo");
    ghost.id = uuid::Uuid::new_v4();
    let result = store.transaction(|tx| tx.schedule_timer(&timer(&ghost, "deescalate", 1)));
    assert!(
        matches!(result, Err(Error::NotFound { what: "run", .. })),
        "{result:?}"
    );
    let result = store.transaction(|tx| tx.claim_due_timers(1, 10, 0));
    assert!(
        matches!(result, Err(Error::InvalidInput { .. })),
        "{result:?}"
    );
}
