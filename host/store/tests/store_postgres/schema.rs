//! The schema and sessions on the suite's backend: created whole from empty, re-opening changes
//! nothing, a newer schema is refused, replicas starting at once on an empty database migrate it
//! once, and a lock wait is bounded (and reported as a conflict to retry).

use std::sync::{Arc, Barrier};
use std::thread;

use symflow_store::prelude::*;
use symflow_store::{Error, SCHEMA_VERSION};

use crate::fixtures::{new_store, run, TestDb};

#[test]
fn opening_an_empty_database_creates_the_whole_schema() {
    let (db, store) = new_store();
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    assert_eq!(
        db.table_names(),
        [
            "api_events",
            "api_tokens",
            "deliveries",
            "events",
            "identities",
            "kv",
            "log_cursors",
            "outbox",
            "runs",
            "timers",
            "users"
        ]
    );
    assert!(store.integrity_check().unwrap().is_ok());
}

#[test]
fn reopening_keeps_data_and_schema_version() {
    let (db, store) = new_store();
    let created = run(&store, "approval_demo");
    drop(store);

    for _ in 0..2 {
        let reopened = db.open();
        assert_eq!(reopened.schema_version().unwrap(), SCHEMA_VERSION);
        let found = reopened
            .transaction(|tx| tx.get_run(created.id))
            .unwrap()
            .expect("run survives re-opening");
        assert_eq!(found, created);
    }
}

#[test]
fn a_schema_newer_than_this_build_is_refused() {
    let (db, store) = new_store();
    drop(store);
    db.set_schema_version(SCHEMA_VERSION + 1);

    let opened = match &db {
        TestDb::Sqlite(dir) => Store::open(dir.path()),
        TestDb::Postgres { url, schema, .. } => {
            Store::open_url(&crate::fixtures::schema_url(url, schema))
        }
    };
    match opened {
        Err(Error::SchemaTooNew { found, supported }) => {
            assert_eq!(found, SCHEMA_VERSION + 1);
            assert_eq!(supported, SCHEMA_VERSION);
        }
        Err(other) => panic!("expected SchemaTooNew, got {other}"),
        Ok(_) => panic!("a newer schema was accepted"),
    }
}

#[test]
fn replicas_opening_an_empty_database_at_once_all_start() {
    const REPLICAS: usize = 3;
    let db = Arc::new(TestDb::new());
    let start = Arc::new(Barrier::new(REPLICAS));
    let replicas: Vec<_> = (0..REPLICAS)
        .map(|_| {
            let db = Arc::clone(&db);
            let start = Arc::clone(&start);
            thread::spawn(move || {
                start.wait();
                let store = db.open();
                store.schema_version().unwrap()
            })
        })
        .collect();
    for replica in replicas {
        assert_eq!(replica.join().unwrap(), SCHEMA_VERSION);
    }
    assert_eq!(db.table_names().len(), 11);
}

#[test]
fn a_step_stuck_behind_another_replicas_lock_fails_as_a_conflict_instead_of_hanging() {
    let (db, store) = new_store();
    let run = run(&store, "approval_demo");
    let TestDb::Postgres { url, schema, .. } = &db else {
        // SQLite queues writers behind its busy timeout instead; covered by the concurrency
        // tests. This one needs PostgreSQL.
        return;
    };
    // A replica configured (through the URL's options) to wait 200 ms for a lock.
    let impatient = Store::open_url(&format!(
        "{}%20-clock_timeout%3D200ms",
        crate::fixtures::schema_url(url, schema)
    ))
    .unwrap();

    let (outcome_tx, outcome_rx) = std::sync::mpsc::channel();
    let (locked_tx, locked_rx) = std::sync::mpsc::channel();
    let holder = thread::spawn(move || {
        store
            .transaction(|tx| {
                tx.get_run(run.id)?; // locks the run until this transaction ends
                locked_tx.send(()).unwrap();
                // Hold the lock until the other replica has given up.
                let outcome: Result<i64, Error> = outcome_rx.recv().unwrap();
                Ok::<_, Error>(outcome)
            })
            .unwrap()
    });
    locked_rx.recv().unwrap();
    let outcome = impatient.transaction(|tx| {
        tx.update_run(
            run.id,
            1,
            &symflow_store::RunChange {
                status: "approved".to_owned(),
                finished: false,
                state_json: "{}".to_owned(),
            },
        )
    });
    let failed = matches!(&outcome, Err(error) if error.is_conflict());
    outcome_tx.send(outcome).unwrap();
    let outcome = holder.join().unwrap();
    assert!(failed, "{outcome:?}");
    // The impatient replica's connection is still good for the next step.
    assert_eq!(
        impatient
            .transaction(|tx| tx.get_run(run.id))
            .unwrap()
            .unwrap()
            .version,
        1
    );
}
