//! Opening a data directory: schema created from empty, re-opening changes nothing, a schema
//! from a newer symflow is refused.

use rusqlite::Connection;
use symflow_store::prelude::*;
use symflow_store::{Error, DATABASE_FILE_NAME, SCHEMA_VERSION};

use crate::fixtures::{new_store, run};

fn table_names(connection: &Connection) -> Vec<String> {
    let mut statement = connection
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        .unwrap();
    statement
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<rusqlite::Result<Vec<String>>>()
        .unwrap()
}

#[test]
fn opening_an_empty_directory_creates_the_whole_schema_in_wal_mode() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("nested").join("data");
    let store = Store::open(&data_dir).unwrap();
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);

    let connection = Connection::open(data_dir.join(DATABASE_FILE_NAME)).unwrap();
    assert_eq!(
        table_names(&connection),
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
    let journal_mode: String = connection
        .query_row("PRAGMA journal_mode", [], |row| row.get(0))
        .unwrap();
    assert_eq!(journal_mode, "wal");
}

#[test]
fn reopening_keeps_data_and_schema_version() {
    let (dir, store) = new_store();
    let created = run(&store, "approval_demo");
    drop(store);

    for _ in 0..2 {
        let reopened = Store::open(dir.sqlite_dir()).unwrap();
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
    let (dir, store) = new_store();
    drop(store);
    let connection = Connection::open(dir.sqlite_dir().join(DATABASE_FILE_NAME)).unwrap();
    connection
        .pragma_update(None, "user_version", SCHEMA_VERSION + 1)
        .unwrap();
    drop(connection);

    match Store::open(dir.sqlite_dir()) {
        Err(Error::SchemaTooNew { found, supported }) => {
            assert_eq!(found, SCHEMA_VERSION + 1);
            assert_eq!(supported, SCHEMA_VERSION);
        }
        Err(other) => panic!("expected SchemaTooNew, got {other}"),
        Ok(_) => panic!("a newer schema was accepted"),
    }
}

#[test]
fn a_data_directory_that_cannot_be_created_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("not-a-directory");
    std::fs::write(&file, b"x").unwrap();
    match Store::open(file.join("data")) {
        Err(Error::DataDir { path, .. }) => assert_eq!(path, file.join("data")),
        Err(other) => panic!("expected DataDir, got {other}"),
        Ok(_) => panic!("opened a data directory inside a file"),
    }
}
