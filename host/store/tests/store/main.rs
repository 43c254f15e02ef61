//! Tests of the store against real SQLite files in temporary directories, one area per module.
//! `tests/store_postgres` runs the same modules (except the SQLite-only `migrations`) on
//! PostgreSQL.

mod api_records;
mod concurrency;
mod events;
mod fixtures;
mod integrity;
mod kv_and_deliveries;
mod migrations;
mod outbox;
mod runs;
mod timers;
mod transactions;
mod users;

/// This binary's backend.
fn backend() -> fixtures::TestBackend {
    fixtures::TestBackend::Sqlite
}
