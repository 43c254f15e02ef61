//! The audit trail: numbering, append-only, counting for `User.get_event_count`.

use symflow_store::{Error, EventCountQuery, EventCountScope, NewEvent, RunRecord};
use uuid::Uuid;

use crate::fixtures::{new_store, run, user};

/// A §7-shaped event of `event_type` in `run`.
pub fn event(run: &RunRecord, event_type: &str, actor: Option<Uuid>, at_ms: i64) -> NewEvent {
    let id = Uuid::new_v4();
    NewEvent {
        id,
        run_id: run.id,
        event_type: event_type.to_owned(),
        actor_user_id: actor,
        target_id: None,
        errored: false,
        occurred_at_ms: at_ms,
        event_json: serde_json::json!({
            "id": id.to_string(),
            "meta": {"schema_version": 6},
            "type": "event",
            "state": {"status": "processing", "errors": []},
            "event": {"type": event_type, "template": "sym:template:approval:1.0.0"},
        })
        .to_string(),
    }
}

#[test]
fn events_are_numbered_from_one_per_run_and_read_back_in_order() {
    let (_dir, store) = new_store();
    let first = run(&store, "approval_demo");
    let second = run(&store, "approval_demo");
    let actor = first.requester_user_id;

    let seqs: Vec<(i64, i64)> = store
        .transaction(|tx| {
            let mut seqs = Vec::new();
            for (run, kind) in [
                (&first, "prompt"),
                (&first, "request"),
                (&second, "prompt"),
                (&first, "approve"),
            ] {
                let record = tx.append_event(&event(run, kind, Some(actor), 1_000))?;
                seqs.push((record.seq, record.position));
            }
            Ok::<_, Error>(seqs)
        })
        .unwrap();
    assert_eq!(seqs.iter().map(|s| s.0).collect::<Vec<_>>(), [1, 2, 1, 3]);
    assert!(
        seqs.windows(2).all(|w| w[0].1 < w[1].1),
        "positions increase: {seqs:?}"
    );

    let log = store.transaction(|tx| tx.events_for_run(first.id)).unwrap();
    let kinds: Vec<&str> = log.iter().map(|e| e.event_type.as_str()).collect();
    assert_eq!(kinds, ["prompt", "request", "approve"]);
    assert_eq!(log.iter().map(|e| e.seq).collect::<Vec<_>>(), [1, 2, 3]);
    assert_eq!(log[0].actor_user_id, Some(actor));
    let json: serde_json::Value = serde_json::from_str(&log[0].event_json).unwrap();
    assert_eq!(json["id"], log[0].id.to_string());
}

#[test]
fn events_after_a_position_stream_the_whole_log_in_pages() {
    let (_dir, store) = new_store();
    let run = run(&store, "approval_demo");
    let appended: Vec<Uuid> = (0..5)
        .map(|i| {
            store
                .transaction(|tx| tx.append_event(&event(&run, "request", None, i)))
                .unwrap()
                .id
        })
        .collect();

    let mut streamed = Vec::new();
    let mut cursor = 0;
    loop {
        let page = store.transaction(|tx| tx.events_after(cursor, 2)).unwrap();
        if page.is_empty() {
            break;
        }
        assert!(page.len() <= 2);
        cursor = page.last().unwrap().position;
        streamed.extend(page.into_iter().map(|e| e.id));
    }
    assert_eq!(streamed, appended);
}

#[test]
fn the_database_refuses_to_update_or_delete_an_event() {
    let (dir, store) = new_store();
    let run = run(&store, "approval_demo");
    let appended = store
        .transaction(|tx| tx.append_event(&event(&run, "approve", None, 5)))
        .unwrap();
    drop(store);

    let message = dir
        .execute_raw("UPDATE events SET type = 'deny'")
        .expect_err("UPDATE must be refused");
    assert!(message.contains("append-only"), "{message}");
    let message = dir
        .execute_raw("DELETE FROM events")
        .expect_err("DELETE must be refused");
    assert!(message.contains("append-only"), "{message}");

    let store = dir.open();
    let kept = store.transaction(|tx| tx.events_for_run(run.id)).unwrap();
    assert_eq!(kept, [appended]);
}

#[test]
fn appending_to_a_missing_run_or_twice_or_with_bad_json_fails() {
    let (_dir, store) = new_store();
    let real = run(&store, "approval_demo");
    let mut ghost = real.clone();
    ghost.id = Uuid::new_v4();
    let result = store.transaction(|tx| tx.append_event(&event(&ghost, "request", None, 1)));
    assert!(
        matches!(result, Err(Error::NotFound { what: "run", .. })),
        "{result:?}"
    );

    let once = event(&real, "request", None, 1);
    store.transaction(|tx| tx.append_event(&once)).unwrap();
    let twice = store.transaction(|tx| tx.append_event(&once));
    assert!(
        matches!(twice, Err(Error::AlreadyExists { what: "event", .. })),
        "{twice:?}"
    );

    let mut bad = event(&real, "request", None, 1);
    bad.event_json = "[1,".to_owned();
    let result = store.transaction(|tx| tx.append_event(&bad));
    assert!(
        matches!(result, Err(Error::InvalidInput { .. })),
        "{result:?}"
    );

    let log = store.transaction(|tx| tx.events_for_run(real.id)).unwrap();
    assert_eq!(log.len(), 1);
}

#[test]
fn event_counts_filter_by_user_type_flow_target_time_and_errors() {
    let (_dir, store) = new_store();
    let alice = user(&store, "alice@example.com");
    let bob = user(&store, "bob@example.com");
    let demo = run(&store, "approval_demo");
    let demo_again = run(&store, "approval_demo");
    let other_flow = run(&store, "break_glass");

    store
        .transaction(|tx| {
            let mut with_target = event(&demo, "request", Some(alice), 100);
            with_target.target_id = Some("prod-db".to_owned());
            tx.append_event(&with_target)?;
            tx.append_event(&event(&demo_again, "request", Some(alice), 200))?;
            tx.append_event(&event(&other_flow, "request", Some(alice), 300))?;
            let mut failed = event(&demo, "request", Some(alice), 400);
            failed.errored = true;
            tx.append_event(&failed)?;
            tx.append_event(&event(&demo, "approve", Some(alice), 500))?;
            tx.append_event(&event(&demo, "request", Some(bob), 600))?;
            Ok::<_, Error>(())
        })
        .unwrap();

    let count = |scope: EventCountScope, since: Option<i64>, until: Option<i64>, errored: bool| {
        store
            .transaction(|tx| {
                tx.count_events(&EventCountQuery {
                    actor_user_id: alice,
                    event_type: "request".to_owned(),
                    scope,
                    since_ms: since,
                    until_ms: until,
                    include_errored: errored,
                })
            })
            .unwrap()
    };
    let flow = || EventCountScope::Flow("approval_demo".to_owned());
    assert_eq!(count(flow(), None, None, false), 2);
    assert_eq!(count(flow(), None, None, true), 3);
    assert_eq!(count(EventCountScope::Any, None, None, false), 3);
    assert_eq!(count(EventCountScope::Any, None, None, true), 4);
    assert_eq!(
        count(
            EventCountScope::Target("prod-db".to_owned()),
            None,
            None,
            false
        ),
        1
    );
    assert_eq!(count(flow(), Some(150), None, false), 1);
    assert_eq!(count(flow(), None, Some(200), false), 1);
    assert_eq!(count(flow(), Some(100), Some(201), false), 2);
}
