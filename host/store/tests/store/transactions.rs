//! Each state change is one transaction: all of it lands, or none of it.

use symflow_store::{Error, NewTimer, RunChange, TimerState, Transition, DEFAULT_TENANT};

use crate::events::event;
use crate::fixtures::{new_run, new_store, run, user};
use crate::outbox::effect;
use crate::timers::timer;

/// The caller's own error type, as the server would have.
#[derive(Debug)]
enum ServerError {
    Store(Error),
    SlackDown,
}

impl From<Error> for ServerError {
    fn from(error: Error) -> Self {
        ServerError::Store(error)
    }
}

fn escalated() -> RunChange {
    RunChange {
        status: "escalated".to_owned(),
        finished: false,
        state_json: r#"{"status":"escalated"}"#.to_owned(),
    }
}

#[test]
fn an_error_returned_mid_transaction_leaves_nothing_behind() {
    let (_dir, store) = new_store();
    let requester = user(&store, "alice@example.com");
    let new = new_run("approval_demo", requester);

    let result: Result<(), ServerError> = store.transaction(|tx| {
        let run = tx.create_run(&new)?;
        tx.append_event(&event(&run, "request", Some(requester), 1))?;
        tx.schedule_timer(&timer(&run, "notification_timeout", 0))?;
        tx.enqueue_outbox(&effect(Some(&run), "slack.post_message"))?;
        tx.kv_put(DEFAULT_TENANT, "counter", "1")?;
        tx.record_delivery("T1:trigger", 0, 60_000)?;
        tx.get_or_create_user_by_email(
            DEFAULT_TENANT,
            "bob@example.com",
            symflow_store::UserRole::Member,
        )?;
        Err(ServerError::SlackDown)
    });
    assert!(matches!(result, Err(ServerError::SlackDown)), "{result:?}");

    store
        .transaction(|tx| {
            assert_eq!(tx.get_run(new.id)?, None);
            assert_eq!(tx.events_after(0, 10)?, []);
            assert_eq!(tx.claim_due_timers(i64::MAX / 2, 10, 1)?, []);
            assert_eq!(tx.claim_pending_outbox(i64::MAX / 2, 10, 1)?, []);
            assert_eq!(tx.kv_fetch(DEFAULT_TENANT, "counter")?, None);
            assert!(
                tx.record_delivery("T1:trigger", 0, 60_000)?,
                "delivery not recorded"
            );
            assert_eq!(
                tx.find_user_by_email(DEFAULT_TENANT, "bob@example.com")?,
                None
            );
            Ok::<_, Error>(())
        })
        .unwrap();
}

#[test]
fn a_store_error_in_the_middle_of_a_transition_undoes_its_first_half() {
    let (_dir, store) = new_store();
    let run = run(&store, "approval_demo");
    let pending = store
        .transaction(|tx| tx.schedule_timer(&timer(&run, "notification_timeout", 100)))
        .unwrap();

    let mut transition = Transition::new(run.id, 1, escalated());
    transition.events.push(event(&run, "approve", None, 1));
    let mut broken = event(&run, "escalate", None, 2);
    broken.event_json = "{".to_owned(); // fails after the run update and the first event
    transition.events.push(broken);
    transition
        .cancel_timer_kinds
        .push("notification_timeout".to_owned());
    transition
        .outbox
        .push(effect(Some(&run), "slack.update_message"));

    let result = store.apply_transition(&transition);
    assert!(
        matches!(result, Err(Error::InvalidInput { .. })),
        "{result:?}"
    );

    let read = store.transaction(|tx| tx.get_run(run.id)).unwrap().unwrap();
    assert_eq!(read.version, 1);
    assert_eq!(read.status, "pending");
    assert_eq!(
        store.transaction(|tx| tx.events_for_run(run.id)).unwrap(),
        []
    );
    let timer = store
        .transaction(|tx| tx.get_timer(pending))
        .unwrap()
        .unwrap();
    assert_eq!(timer.state, TimerState::Pending);
    assert_eq!(
        store
            .transaction(|tx| tx.claim_pending_outbox(i64::MAX / 2, 10, 1))
            .unwrap(),
        []
    );
}

#[test]
fn a_panic_mid_transaction_rolls_back_and_the_store_stays_usable() {
    let (_dir, store) = new_store();
    let run = run(&store, "approval_demo");
    let panicking = store.clone();
    let outcome = std::thread::spawn(move || {
        panicking.transaction(|tx| -> Result<(), Error> {
            tx.update_run(run.id, 1, &escalated())?;
            panic!("bug in the caller");
        })
    })
    .join();
    assert!(outcome.is_err(), "the closure panicked");

    let read = store.transaction(|tx| tx.get_run(run.id)).unwrap().unwrap();
    assert_eq!(read.version, 1, "the update was rolled back");
    assert_eq!(
        store
            .transaction(|tx| tx.update_run(run.id, 1, &escalated()))
            .unwrap(),
        2
    );
}

#[test]
fn a_transition_applies_every_part_together() {
    let (_dir, store) = new_store();
    let run = run(&store, "approval_demo");
    let (fired, reminder) = store
        .transaction(|tx| {
            Ok::<_, Error>((
                tx.schedule_timer(&timer(&run, "approve_now", 10))?,
                tx.schedule_timer(&timer(&run, "notification_timeout", 500))?,
            ))
        })
        .unwrap();
    let claimed = store
        .transaction(|tx| tx.claim_due_timers(10, 10, 60_000))
        .unwrap();
    assert_eq!(claimed.len(), 1);

    let mut transition = Transition::new(run.id, 1, escalated());
    transition.events.push(event(&run, "approve", None, 10));
    transition.events.push(event(&run, "escalate", None, 10));
    transition.complete_timer = Some(fired);
    transition
        .cancel_timer_kinds
        .push("notification_timeout".to_owned());
    transition.schedule_timers.push(NewTimer {
        run_id: run.id,
        kind: "deescalate".to_owned(),
        due_at_ms: 3_600_010,
        payload_json: "{}".to_owned(),
    });
    transition
        .outbox
        .push(effect(Some(&run), "strategy.escalate"));
    transition
        .outbox
        .push(effect(Some(&run), "slack.update_message"));
    let applied = store.apply_transition(&transition).unwrap();

    assert_eq!(applied.new_version, 2);
    assert_eq!(
        applied.events.iter().map(|e| e.seq).collect::<Vec<_>>(),
        [1, 2]
    );
    assert_eq!(applied.timers.len(), 1);
    assert_eq!(applied.outbox.len(), 2);
    let states: Vec<(String, TimerState)> = store
        .transaction(|tx| tx.timers_for_run(run.id))
        .unwrap()
        .into_iter()
        .map(|timer| (timer.kind, timer.state))
        .collect();
    assert_eq!(
        states,
        [
            ("approve_now".to_owned(), TimerState::Done),
            ("notification_timeout".to_owned(), TimerState::Cancelled),
            ("deescalate".to_owned(), TimerState::Pending),
        ]
    );
    assert!(!store.transaction(|tx| tx.complete_timer(reminder)).unwrap());
    assert!(store.integrity_check().unwrap().is_ok());

    // Replaying the same step (e.g. the timer fired twice) is refused as a conflict.
    let replay = store.apply_transition(&transition);
    assert!(replay.unwrap_err().is_conflict());
    assert_eq!(
        store
            .transaction(|tx| tx.events_for_run(run.id))
            .unwrap()
            .len(),
        2
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn async_callers_run_transactions_on_the_blocking_pool() {
    // Set up from a blocking thread: the store's sync calls must not run on an async worker.
    let (_dir, store, run) = tokio::task::spawn_blocking(|| {
        let (dir, store) = new_store();
        let run = run(&store, "approval_demo");
        (dir, store, run)
    })
    .await
    .unwrap();
    let run_id = run.id;
    let version = store
        .transaction_async(move |tx| tx.update_run(run_id, 1, &escalated()))
        .await
        .unwrap();
    assert_eq!(version, 2);

    let failed: Result<(), ServerError> = store
        .transaction_async(move |tx| {
            tx.update_run(run_id, 2, &escalated())?;
            Err(ServerError::SlackDown)
        })
        .await;
    assert!(matches!(failed, Err(ServerError::SlackDown)));
    let stale: Result<i64, ServerError> = store
        .transaction_async(move |tx| Ok(tx.update_run(run_id, 1, &escalated())?))
        .await;
    assert!(
        matches!(stale, Err(ServerError::Store(Error::Conflict { .. }))),
        "{stale:?}"
    );
    let read = store
        .transaction_async(move |tx| tx.get_run(run_id))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(read.version, 2);
}

#[test]
fn a_transition_that_finishes_the_run_cancels_its_open_timers_and_completes_its_inbound_item() {
    let (_dir, store) = new_store();
    let run = run(&store, "approval_demo");
    let (inbound, deescalate) = store
        .transaction(|tx| {
            Ok::<_, Error>((
                tx.enqueue_outbox(&effect(Some(&run), "slack.interaction"))?,
                tx.schedule_timer(&timer(&run, "deescalate", 3_600_000))?,
            ))
        })
        .unwrap();
    let claimed = store
        .transaction(|tx| tx.claim_pending_outbox(symflow_store::now_ms(), 10, 60_000))
        .unwrap();
    assert_eq!(
        claimed.iter().map(|item| item.id).collect::<Vec<_>>(),
        [inbound]
    );

    let mut revoke = Transition::new(
        run.id,
        1,
        RunChange {
            status: "deescalated".to_owned(),
            finished: true,
            state_json: "{}".to_owned(),
        },
    );
    revoke.events.push(event(&run, "deescalate", None, 20));
    revoke.complete_outbox_item = Some(inbound);
    revoke
        .outbox
        .push(effect(Some(&run), "slack.update_message"));
    let applied = store.apply_transition(&revoke).unwrap();

    let timer = store
        .transaction(|tx| tx.get_timer(deescalate))
        .unwrap()
        .unwrap();
    assert_eq!(timer.state, TimerState::Cancelled);
    let item = store
        .transaction(|tx| tx.get_outbox_item(inbound))
        .unwrap()
        .unwrap();
    assert_eq!(item.state, symflow_store::OutboxState::Done);
    // With the inbound item done, the run's next effect is free to go.
    let next = store
        .transaction(|tx| tx.claim_pending_outbox(symflow_store::now_ms(), 10, 60_000))
        .unwrap();
    assert_eq!(
        next.iter().map(|item| item.id).collect::<Vec<_>>(),
        applied.outbox
    );
}
