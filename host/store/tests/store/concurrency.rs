//! Two handles on one file (two processes later) working at once: every timer is claimed
//! exactly once, every event number is taken once, and only one writer wins each version.

use std::collections::BTreeSet;
use std::sync::{Arc, Barrier};
use std::thread;

use symflow_store::{Error, RunChange, TimerId};

use crate::events::event;
use crate::fixtures::{new_store, run};
use crate::timers::timer;

const TIMERS: usize = 300;

#[test]
fn two_handles_claiming_at_once_claim_every_timer_exactly_once() {
    let (dir, first) = new_store();
    let second = dir.open();
    let run = run(&first, "approval_demo");
    let scheduled: BTreeSet<TimerId> = first
        .transaction(|tx| {
            (0..TIMERS)
                .map(|i| tx.schedule_timer(&timer(&run, "deescalate", i as i64)))
                .collect::<Result<BTreeSet<_>, Error>>()
        })
        .unwrap();
    assert_eq!(scheduled.len(), TIMERS);

    let start = Arc::new(Barrier::new(2));
    let workers: Vec<_> = [first.clone(), second]
        .into_iter()
        .map(|store| {
            let start = Arc::clone(&start);
            thread::spawn(move || {
                start.wait();
                let mut fired = Vec::new();
                loop {
                    let claimed = store
                        .transaction(|tx| tx.claim_due_timers(1_000_000, 7, 3_600_000))
                        .unwrap();
                    if claimed.is_empty() {
                        return fired;
                    }
                    for timer in claimed {
                        assert!(store.transaction(|tx| tx.complete_timer(timer.id)).unwrap());
                        fired.push(timer.id);
                    }
                }
            })
        })
        .collect();
    let fired: Vec<TimerId> = workers
        .into_iter()
        .flat_map(|worker| worker.join().unwrap())
        .collect();

    assert_eq!(fired.len(), TIMERS, "no timer fired twice");
    assert_eq!(fired.into_iter().collect::<BTreeSet<_>>(), scheduled);
    assert!(first.integrity_check().unwrap().is_ok());
}

#[test]
fn two_handles_appending_to_one_run_get_distinct_gap_free_numbers() {
    let (dir, first) = new_store();
    let second = dir.open();
    let run = run(&first, "approval_demo");

    let start = Arc::new(Barrier::new(2));
    let writers: Vec<_> = [first.clone(), second]
        .into_iter()
        .map(|store| {
            let start = Arc::clone(&start);
            let run = run.clone();
            thread::spawn(move || {
                start.wait();
                for i in 0..50 {
                    store
                        .transaction(|tx| tx.append_event(&event(&run, "request", None, i)))
                        .unwrap();
                }
            })
        })
        .collect();
    for writer in writers {
        writer.join().unwrap();
    }
    let seqs: Vec<i64> = first
        .transaction(|tx| tx.events_for_run(run.id))
        .unwrap()
        .into_iter()
        .map(|event| event.seq)
        .collect();
    assert_eq!(seqs, (1..=100).collect::<Vec<_>>());
}

#[test]
fn two_handles_racing_on_one_version_yield_one_winner() {
    let (dir, first) = new_store();
    let second = dir.open();
    let run = run(&first, "approval_demo");

    let start = Arc::new(Barrier::new(2));
    let racers: Vec<_> = [(first.clone(), "approved"), (second, "denied")]
        .into_iter()
        .map(|(store, status)| {
            let start = Arc::clone(&start);
            thread::spawn(move || {
                start.wait();
                store.transaction(|tx| {
                    tx.update_run(
                        run.id,
                        1,
                        &RunChange {
                            status: status.to_owned(),
                            finished: status == "denied",
                            state_json: "{}".to_owned(),
                        },
                    )
                })
            })
        })
        .collect();
    let outcomes: Vec<Result<i64, Error>> = racers
        .into_iter()
        .map(|racer| racer.join().unwrap())
        .collect();
    let winners = outcomes.iter().filter(|outcome| outcome.is_ok()).count();
    let conflicts = outcomes
        .iter()
        .filter(|outcome| matches!(outcome, Err(error) if error.is_conflict()))
        .count();
    assert_eq!((winners, conflicts), (1, 1), "{outcomes:?}");
    assert_eq!(
        first
            .transaction(|tx| tx.get_run(run.id))
            .unwrap()
            .unwrap()
            .version,
        2
    );
}

#[test]
fn read_then_write_transactions_from_two_handles_queue_up_instead_of_failing() {
    const STEPS: i64 = 40;
    let (dir, first) = new_store();
    let second = dir.open();
    let run = run(&first, "approval_demo");

    let start = Arc::new(Barrier::new(2));
    let workers: Vec<_> = [first.clone(), second]
        .into_iter()
        .map(|store| {
            let start = Arc::clone(&start);
            thread::spawn(move || {
                start.wait();
                for _ in 0..STEPS {
                    // Read, decide, write: the shape of every engine step.
                    store
                        .transaction(|tx| {
                            let current = tx.get_run(run.id)?.expect("run exists");
                            let state: serde_json::Value =
                                serde_json::from_str(&current.state_json).unwrap();
                            let steps = state["steps"].as_i64().unwrap_or(0);
                            tx.update_run(
                                run.id,
                                current.version,
                                &RunChange {
                                    status: "pending".to_owned(),
                                    finished: false,
                                    state_json: serde_json::json!({ "steps": steps + 1 })
                                        .to_string(),
                                },
                            )
                        })
                        .unwrap();
                }
            })
        })
        .collect();
    for worker in workers {
        worker.join().unwrap();
    }
    let done = first.transaction(|tx| tx.get_run(run.id)).unwrap().unwrap();
    assert_eq!(done.version, 1 + 2 * STEPS);
    assert_eq!(done.state_json, format!(r#"{{"steps":{}}}"#, 2 * STEPS));
}

#[test]
fn a_reader_streaming_the_log_while_two_handles_append_sees_every_event_once_in_order() {
    const PER_WRITER: i64 = 60;
    let (dir, first) = new_store();
    let second = dir.open();
    let reader = dir.open();
    let runs = [run(&first, "approval_demo"), run(&first, "approval_demo")];

    let writers: Vec<_> = [first.clone(), second]
        .into_iter()
        .zip(runs.clone())
        .map(|(store, run)| {
            thread::spawn(move || {
                for i in 0..PER_WRITER {
                    store
                        .transaction(|tx| tx.append_event(&event(&run, "request", None, i)))
                        .unwrap();
                }
            })
        })
        .collect();

    // Page through the log by position while the writers append, as a log shipper does.
    let mut seen = Vec::new();
    let mut cursor = 0;
    let mut writers_done = false;
    loop {
        let page = reader.transaction(|tx| tx.events_after(cursor, 7)).unwrap();
        if page.is_empty() {
            if writers_done {
                break;
            }
            writers_done = writers.iter().all(|writer| writer.is_finished());
            continue;
        }
        for event in page {
            assert!(event.position > cursor, "positions go up");
            cursor = event.position;
            seen.push(event.id);
        }
    }
    for writer in writers {
        writer.join().unwrap();
    }

    let mut all: Vec<_> = runs
        .iter()
        .flat_map(|run| first.transaction(|tx| tx.events_for_run(run.id)).unwrap())
        .map(|event| event.id)
        .collect();
    assert_eq!(all.len(), 2 * PER_WRITER as usize);
    assert_eq!(seen.len(), all.len(), "every event streamed exactly once");
    seen.sort();
    all.sort();
    assert_eq!(seen, all);
}
