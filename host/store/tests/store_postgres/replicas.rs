//! Several replicas (handles with their own connections) on one database at once, as issue 8
//! runs them behind a round-robin: a Slack retry reaching two replicas acts once, every outbox
//! item is claimed once, no read-modify-write is lost, a user is created once, and a timer
//! handed out twice (lapsed lease) still causes its step once.

use std::collections::BTreeSet;
use std::sync::{Arc, Barrier};
use std::thread;

use symflow_store::prelude::*;
use symflow_store::{
    Error, NewOutboxItem, OutboxItemId, RunChange, Transition, UserRole, DEFAULT_TENANT,
};

use crate::fixtures::{new_store, run, TestDb};
use crate::timers::timer;

const REPLICAS: usize = 3;

/// Runs `work(replica index, store)` on `REPLICAS` handles of `db` at once, each on its own
/// thread, and returns what each returned.
fn on_replicas<T: Send + 'static>(
    db: &TestDb,
    work: impl Fn(usize, Store) -> T + Send + Sync + 'static,
) -> Vec<T> {
    let work = Arc::new(work);
    let start = Arc::new(Barrier::new(REPLICAS));
    let handles: Vec<_> = (0..REPLICAS)
        .map(|index| {
            let store = db.open();
            let work = Arc::clone(&work);
            let start = Arc::clone(&start);
            thread::spawn(move || {
                start.wait();
                work(index, store)
            })
        })
        .collect();
    handles.into_iter().map(|h| h.join().unwrap()).collect()
}

#[test]
fn a_slack_retry_reaching_every_replica_at_once_is_new_to_exactly_one() {
    const DELIVERIES: usize = 60;
    let (db, _store) = new_store();
    let new_to: Vec<Vec<usize>> = on_replicas(&db, |_, store| {
        (0..DELIVERIES)
            .filter(|i| {
                store
                    .transaction(|tx| tx.record_delivery(&format!("T1:trigger-{i}"), 1_000, 60_000))
                    .unwrap()
            })
            .collect()
    });
    let mut all: Vec<usize> = new_to.into_iter().flatten().collect();
    all.sort_unstable();
    assert_eq!(all, (0..DELIVERIES).collect::<Vec<_>>());
}

#[test]
fn outbox_items_claimed_by_every_replica_at_once_are_each_claimed_once() {
    const ITEMS: usize = 120;
    let (db, store) = new_store();
    let runs: Vec<_> = (0..4).map(|_| run(&store, "approval_demo")).collect();
    let enqueued: BTreeSet<OutboxItemId> = store
        .transaction(|tx| {
            (0..ITEMS)
                .map(|i| {
                    tx.enqueue_outbox(&NewOutboxItem {
                        tenant: DEFAULT_TENANT.to_owned(),
                        // Some items without a run (no order), the rest spread over runs.
                        run_id: (i % 5 != 0).then(|| runs[i % runs.len()].id),
                        kind: "slack.post_message".to_owned(),
                        payload_json: format!(r#"{{"n":{i}}}"#),
                    })
                })
                .collect::<Result<BTreeSet<_>, Error>>()
        })
        .unwrap();

    let carried_out: Vec<Vec<OutboxItemId>> = on_replicas(&db, |_, store| {
        let mut done = Vec::new();
        loop {
            let claimed = store
                .transaction(|tx| tx.claim_pending_outbox(i64::MAX / 2, 5, 3_600_000))
                .unwrap();
            if claimed.is_empty() {
                return done;
            }
            for item in claimed {
                assert!(store
                    .transaction(|tx| tx.mark_outbox_done(item.id))
                    .unwrap());
                done.push(item.id);
            }
        }
    });
    let all: Vec<OutboxItemId> = carried_out.into_iter().flatten().collect();
    let distinct: BTreeSet<OutboxItemId> = all.iter().copied().collect();
    assert_eq!(all.len(), distinct.len(), "an item was carried out twice");
    // A replica may stop while another still holds the last items of a run; finish them.
    let mut distinct = distinct;
    loop {
        let rest = store
            .transaction(|tx| tx.claim_pending_outbox(i64::MAX / 2, 100, 3_600_000))
            .unwrap();
        if rest.is_empty() {
            break;
        }
        for item in rest {
            assert!(store
                .transaction(|tx| tx.mark_outbox_done(item.id))
                .unwrap());
            assert!(
                distinct.insert(item.id),
                "item {} handed out twice",
                item.id
            );
        }
    }
    assert_eq!(distinct, enqueued);
}

#[test]
fn read_modify_writes_of_one_key_from_every_replica_lose_nothing() {
    const STEPS: i64 = 30;
    let (db, store) = new_store();
    store
        .transaction(|tx| tx.kv_put(DEFAULT_TENANT, "counter", "0"))
        .unwrap();
    on_replicas(&db, |_, store| {
        for _ in 0..STEPS {
            store
                .transaction(|tx| {
                    let value: i64 = tx
                        .kv_fetch(DEFAULT_TENANT, "counter")?
                        .expect("counter exists")
                        .parse()
                        .unwrap();
                    tx.kv_put(DEFAULT_TENANT, "counter", &(value + 1).to_string())
                })
                .unwrap();
        }
    });
    let total = store
        .transaction(|tx| tx.kv_fetch(DEFAULT_TENANT, "counter"))
        .unwrap();
    assert_eq!(total, Some((REPLICAS as i64 * STEPS).to_string()));
}

#[test]
fn a_user_created_by_every_replica_at_once_exists_once() {
    let (db, store) = new_store();
    let outcomes = on_replicas(&db, |_, store| {
        store
            .transaction(|tx| {
                tx.get_or_create_user_by_email(DEFAULT_TENANT, "New@Example.com", UserRole::Member)
            })
            .unwrap()
    });
    let ids: BTreeSet<_> = outcomes.iter().map(|(user, _)| user.id).collect();
    assert_eq!(ids.len(), 1, "{outcomes:?}");
    assert_eq!(outcomes.iter().filter(|(_, created)| *created).count(), 1);
    let found = store
        .transaction(|tx| tx.find_user_by_email(DEFAULT_TENANT, "new@example.com"))
        .unwrap()
        .expect("user exists");
    assert!(ids.contains(&found.id));
}

#[test]
fn a_timer_handed_to_every_replica_causes_its_step_once() {
    let (db, store) = new_store();
    let run = run(&store, "approval_demo");
    let timer_id = store
        .transaction(|tx| tx.schedule_timer(&timer(&run, "deescalate", 1_000)))
        .unwrap();
    // Each replica claims it in turn with a lease that has lapsed for the next one, as when a
    // replica is killed mid-step; then all try to apply the step at once.
    let claims: Vec<_> = (0..REPLICAS as i64)
        .map(|i| {
            store
                .transaction(|tx| tx.claim_due_timers(1_000 + i * 10, 1, 10))
                .unwrap()
        })
        .collect();
    assert!(claims
        .iter()
        .all(|claimed| claimed.len() == 1 && claimed[0].id == timer_id));

    let outcomes = on_replicas(&db, move |_, store| {
        let mut step = Transition::new(
            run.id,
            run.version,
            RunChange {
                status: "deescalated".to_owned(),
                finished: true,
                state_json: "{}".to_owned(),
            },
        );
        step.complete_timer = Some(timer_id);
        store.apply_transition(&step)
    });
    let applied = outcomes.iter().filter(|outcome| outcome.is_ok()).count();
    let conflicts = outcomes
        .iter()
        .filter(|outcome| matches!(outcome, Err(error) if error.is_conflict()))
        .count();
    assert_eq!((applied, conflicts), (1, REPLICAS - 1), "{outcomes:?}");
    let timer = store
        .transaction(|tx| tx.get_timer(timer_id))
        .unwrap()
        .unwrap();
    assert_eq!(timer.state, symflow_store::TimerState::Done);
    assert!(store.integrity_check().unwrap().is_ok());
}
