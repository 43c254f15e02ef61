//! The integrity check passes on a healthy store and names what is wrong in a damaged one.

use symflow_store::{IntegrityProblem, RunChange};
use uuid::Uuid;

use crate::events::event;
use crate::fixtures::{new_store, run, TestDb};
use crate::timers::timer;

#[test]
fn a_healthy_store_passes() {
    let (_dir, store) = new_store();
    let run = run(&store, "approval_demo");
    store
        .transaction(|tx| {
            tx.append_event(&event(&run, "request", None, 1))?;
            tx.append_event(&event(&run, "approve", None, 2))?;
            tx.schedule_timer(&timer(&run, "deescalate", 5))
        })
        .unwrap();
    store
        .transaction(|tx| tx.claim_due_timers(5, 10, 1_000))
        .unwrap();
    let report = store.integrity_check().unwrap();
    assert!(report.is_ok(), "{report}");
    assert_eq!(report.to_string(), "ok");
}

#[test]
fn planted_orphan_events_and_sequence_gaps_are_reported() {
    let (dir, store) = new_store();
    let run = run(&store, "approval_demo");
    store
        .transaction(|tx| tx.append_event(&event(&run, "request", None, 1)))
        .unwrap();

    // Written behind the store's back, as a bug or a hand edit could.
    let ghost_run = Uuid::new_v4().to_string();
    let orphan = Uuid::new_v4().to_string();
    dir.execute_raw_without_event_foreign_keys(&format!(
        "INSERT INTO events (id, run_id, seq, type, occurred_at, event_json) \
             VALUES ('{orphan}', '{ghost_run}', 1, 'request', 0, '{{}}'); \
             INSERT INTO events (id, run_id, seq, type, occurred_at, event_json) \
             VALUES ('{}', '{}', 3, 'approve', 0, '{{}}')",
        Uuid::new_v4(),
        run.id
    ))
    .unwrap();

    let report = store.integrity_check().unwrap();
    assert!(!report.is_ok());
    let problems = &report.problems;
    assert!(
        problems.iter().any(
            |p| matches!(p, IntegrityProblem::ForeignKey { table, parent, .. }
            if table == "events" && parent == "runs")
        ),
        "{report}"
    );
    assert!(
        problems.contains(&IntegrityProblem::EventWithoutRun {
            event_id: orphan,
            run_id: ghost_run,
        }),
        "{report}"
    );
    assert!(
        problems.contains(&IntegrityProblem::EventSequenceGap {
            run_id: run.id.to_string(),
            count: 2,
            min_seq: 1,
            max_seq: 3,
        }),
        "{report}"
    );
}

#[test]
fn a_claimed_timer_left_on_a_finished_run_is_reported() {
    let (_dir, store) = new_store();
    let run = run(&store, "approval_demo");
    let id = store
        .transaction(|tx| tx.schedule_timer(&timer(&run, "deescalate", 0)))
        .unwrap();
    store
        .transaction(|tx| tx.claim_due_timers(0, 10, 1_000))
        .unwrap();
    // The step finishes the run but forgets to complete the timer that caused it.
    store
        .transaction(|tx| {
            tx.update_run(
                run.id,
                1,
                &RunChange {
                    status: "deescalated".to_owned(),
                    finished: true,
                    state_json: "{}".to_owned(),
                },
            )
        })
        .unwrap();

    let report = store.integrity_check().unwrap();
    assert_eq!(
        report.problems,
        [IntegrityProblem::ClaimedTimerOnFinishedRun {
            timer_id: id.0,
            run_id: run.id,
        }]
    );
    store.transaction(|tx| tx.complete_timer(id)).unwrap();
    assert!(store.integrity_check().unwrap().is_ok());
}

#[test]
fn an_audit_trail_that_is_no_longer_append_only_is_reported() {
    let (dir, store) = new_store();
    assert!(store.integrity_check().unwrap().is_ok());
    let drop_trigger = match dir {
        TestDb::Sqlite(_) => "DROP TRIGGER events_refuse_delete",
        TestDb::Postgres { .. } => "DROP TRIGGER events_refuse_delete ON events",
    };
    dir.execute_raw(drop_trigger).unwrap();

    let report = store.integrity_check().unwrap();
    assert_eq!(
        report.problems,
        [IntegrityProblem::Database(
            "trigger events_refuse_delete on events is missing".to_owned()
        )],
        "{report}"
    );
}
