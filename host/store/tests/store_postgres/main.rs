//! The store's test suite on PostgreSQL (issue 8): the modules of `tests/store` run again with
//! every test in a fresh schema of the database `SYMFLOW_TEST_DATABASE_URL` names (`.ci/run`
//! starts a local PostgreSQL and sets it), plus PostgreSQL's own schema tests. Without the
//! variable this binary says so and runs the same tests on SQLite, so they still check
//! something rather than pass empty.

#[path = "../store/api_records.rs"]
mod api_records;
#[path = "../store/concurrency.rs"]
mod concurrency;
mod connections;
#[path = "../store/events.rs"]
mod events;
#[path = "../store/fixtures.rs"]
mod fixtures;
#[path = "../store/integrity.rs"]
mod integrity;
#[path = "../store/kv_and_deliveries.rs"]
mod kv_and_deliveries;
#[path = "../store/outbox.rs"]
mod outbox;
mod replicas;
#[path = "../store/runs.rs"]
mod runs;
mod schema;
#[path = "../store/timers.rs"]
mod timers;
#[path = "../store/transactions.rs"]
mod transactions;
#[path = "../store/users.rs"]
mod users;

use std::sync::Once;

use fixtures::{TestBackend, DATABASE_URL_VARIABLE};

/// PostgreSQL when `SYMFLOW_TEST_DATABASE_URL` is set, else SQLite (with a note, once).
fn backend() -> TestBackend {
    static NOTE: Once = Once::new();
    if std::env::var_os(DATABASE_URL_VARIABLE).is_some() {
        return TestBackend::Postgres;
    }
    NOTE.call_once(|| {
        eprintln!(
            "note: {DATABASE_URL_VARIABLE} is not set; the PostgreSQL suite runs on SQLite \
             instead (`.ci/run` starts PostgreSQL and sets it)"
        );
    });
    TestBackend::Sqlite
}
