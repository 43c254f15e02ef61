//! Shared setup: a store on a fresh database, a user, a run.
//!
//! The backend is the test binary's ([`crate::backend`]): `tests/store` runs on SQLite files in
//! temporary directories; `tests/store_postgres` runs the same modules on PostgreSQL at
//! `SYMFLOW_TEST_DATABASE_URL`, each test in a schema of its own (created here, dropped when the
//! [`TestDb`] drops).

use std::sync::{Condvar, Mutex, PoisonError};

use symflow_store::prelude::*;
use symflow_store::{NewRun, RunRecord, UserRole, DATABASE_FILE_NAME, DEFAULT_TENANT};
use tempfile::TempDir;
use uuid::Uuid;

/// The variable that names the PostgreSQL database the PostgreSQL suite uses.
pub const DATABASE_URL_VARIABLE: &str = "SYMFLOW_TEST_DATABASE_URL";

/// Which backend a test binary runs on.
#[allow(dead_code)]
pub enum TestBackend {
    Sqlite,
    Postgres,
}

/// A fresh, empty database for one test, removed when dropped.
pub enum TestDb {
    Sqlite(TempDir),
    Postgres {
        /// The server's URL, without a schema.
        url: String,
        schema: String,
        /// Held while the schema is in use.
        _slot: Slot,
    },
}

/// How many PostgreSQL tests of a binary run at once. The harness runs one test per CPU, and
/// each test's handles open a few connections: on a machine with many CPUs that would go past
/// the server's `max_connections` (100 by default).
const POSTGRES_TESTS_AT_ONCE: usize = 8;

static SLOTS_IN_USE: Mutex<usize> = Mutex::new(0);
static SLOT_FREED: Condvar = Condvar::new();

/// One of [`POSTGRES_TESTS_AT_ONCE`] places, given back when dropped.
pub struct Slot(());

impl Slot {
    fn take() -> Slot {
        let mut in_use = SLOTS_IN_USE.lock().unwrap_or_else(PoisonError::into_inner);
        while *in_use >= POSTGRES_TESTS_AT_ONCE {
            in_use = SLOT_FREED
                .wait(in_use)
                .unwrap_or_else(PoisonError::into_inner);
        }
        *in_use += 1;
        Slot(())
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        *SLOTS_IN_USE.lock().unwrap_or_else(PoisonError::into_inner) -= 1;
        SLOT_FREED.notify_one();
    }
}

impl TestDb {
    /// A new empty database on the test binary's backend.
    pub fn new() -> TestDb {
        match crate::backend() {
            TestBackend::Sqlite => {
                TestDb::Sqlite(tempfile::tempdir().expect("temporary directory"))
            }
            TestBackend::Postgres => {
                let slot = Slot::take();
                let url = postgres_url();
                let schema = format!("symflow_test_{}", Uuid::new_v4().simple());
                admin_client(&url)
                    .batch_execute(&format!("CREATE SCHEMA {schema}"))
                    .expect("test schema created");
                TestDb::Postgres {
                    url,
                    schema,
                    _slot: slot,
                }
            }
        }
    }

    /// The data directory of a SQLite database (for SQLite-only tests).
    #[allow(dead_code)] // used by the SQLite binary only
    pub fn sqlite_dir(&self) -> &std::path::Path {
        match self {
            TestDb::Sqlite(dir) => dir.path(),
            TestDb::Postgres { .. } => panic!("not a SQLite database"),
        }
    }

    /// A new handle on this database, as a second process or a restarted server opens it.
    pub fn open(&self) -> Store {
        match self {
            TestDb::Sqlite(dir) => Store::open(dir.path()).expect("store opens"),
            TestDb::Postgres { url, schema, .. } => {
                Store::open_url(&schema_url(url, schema)).expect("store opens")
            }
        }
    }

    /// Runs `sql` on the database behind the store's back (a bug or a hand edit), as the
    /// store's own database user; the error's text if the database refuses it.
    pub fn execute_raw(&self, sql: &str) -> Result<(), String> {
        match self {
            TestDb::Sqlite(dir) => rusqlite::Connection::open(dir.path().join(DATABASE_FILE_NAME))
                .and_then(|connection| connection.execute_batch(sql))
                .map_err(|e| e.to_string()),
            TestDb::Postgres { url, schema, .. } => {
                let mut client = admin_client(url);
                client
                    .batch_execute(&format!("SET search_path TO {schema}; {sql}"))
                    .map_err(|e| match e.as_db_error() {
                        Some(db) => db.message().to_owned(),
                        None => e.to_string(),
                    })
            }
        }
    }

    /// Records `version` as the schema version, as a newer symflow would.
    #[allow(dead_code)] // used by the PostgreSQL binary only
    pub fn set_schema_version(&self, version: i64) {
        let sql = match self {
            TestDb::Sqlite(_) => format!("PRAGMA user_version = {version}"),
            TestDb::Postgres { .. } => format!("UPDATE symflow_schema SET version = {version}"),
        };
        self.execute_raw(&sql).expect("schema version set");
    }

    /// The names of the database's tables, sorted, without the backend's own bookkeeping.
    #[allow(dead_code)] // used by the PostgreSQL binary only
    pub fn table_names(&self) -> Vec<String> {
        let mut names: Vec<String> = match self {
            TestDb::Sqlite(dir) => {
                let connection =
                    rusqlite::Connection::open(dir.path().join(DATABASE_FILE_NAME)).unwrap();
                let mut statement = connection
                    .prepare(
                        "SELECT name FROM sqlite_master WHERE type = 'table' \
                         AND name NOT LIKE 'sqlite_%'",
                    )
                    .unwrap();
                let names = statement
                    .query_map([], |row| row.get(0))
                    .unwrap()
                    .collect::<rusqlite::Result<_>>()
                    .unwrap();
                names
            }
            TestDb::Postgres { url, schema, .. } => admin_client(url)
                .query(
                    "SELECT table_name::TEXT FROM information_schema.tables \
                     WHERE table_schema = $1 AND table_name <> 'symflow_schema'",
                    &[schema],
                )
                .unwrap()
                .iter()
                .map(|row| row.get(0))
                .collect(),
        };
        names.sort();
        names
    }

    /// [`TestDb::execute_raw`] with the foreign key of events on runs not enforced, to plant the
    /// orphans a bug, a hand edit or a partial restore could leave.
    pub fn execute_raw_without_event_foreign_keys(&self, sql: &str) -> Result<(), String> {
        match self {
            // A per-connection setting on SQLite, and `execute_raw` opens a new connection.
            TestDb::Sqlite(_) => self.execute_raw(&format!("PRAGMA foreign_keys = OFF; {sql}")),
            // Not switchable by a non-superuser on PostgreSQL; the table's owner can drop it.
            TestDb::Postgres { .. } => self.execute_raw(&format!(
                "ALTER TABLE events DROP CONSTRAINT events_run_id_fkey; {sql}"
            )),
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let TestDb::Postgres { url, schema, .. } = self {
            // Best effort: a leftover schema only costs space in the test database. On a thread
            // of its own, since the sync client cannot run on an async test's runtime thread.
            let (url, schema) = (url.clone(), schema.clone());
            let _ = std::thread::spawn(move || {
                if let Ok(mut client) = postgres::Client::connect(&url, postgres::NoTls) {
                    let _ =
                        client.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
                }
            })
            .join();
        }
    }
}

fn postgres_url() -> String {
    std::env::var(DATABASE_URL_VARIABLE)
        .unwrap_or_else(|_| panic!("{DATABASE_URL_VARIABLE} names the PostgreSQL test database"))
}

fn admin_client(url: &str) -> postgres::Client {
    postgres::Client::connect(url, postgres::NoTls)
        .unwrap_or_else(|e| panic!("cannot connect to {DATABASE_URL_VARIABLE}: {e}"))
}

/// `url` with every connection's `search_path` set to `schema`.
pub fn schema_url(url: &str, schema: &str) -> String {
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}options=-csearch_path%3D{schema}")
}

/// A store on a fresh database (removed when the [`TestDb`] drops).
pub fn new_store() -> (TestDb, Store) {
    let db = TestDb::new();
    let store = db.open();
    (db, store)
}

/// A member user with this e-mail.
pub fn user(store: &Store, email: &str) -> Uuid {
    store
        .transaction(|tx| tx.get_or_create_user_by_email(DEFAULT_TENANT, email, UserRole::Member))
        .expect("user created")
        .0
        .id
}

pub fn new_run(flow: &str, requester: Uuid) -> NewRun {
    NewRun {
        id: Uuid::new_v4(),
        tenant: DEFAULT_TENANT.to_owned(),
        flow: flow.to_owned(),
        status: "pending".to_owned(),
        requester_user_id: requester,
        state_json: r#"{"step":"request"}"#.to_owned(),
    }
}

/// A pending run of `flow` requested by a fresh user.
pub fn run(store: &Store, flow: &str) -> RunRecord {
    let requester = user(store, &format!("{}@example.com", Uuid::new_v4()));
    store
        .transaction(|tx| tx.create_run(&new_run(flow, requester)))
        .expect("run created")
}
