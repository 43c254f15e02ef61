//! Tests of the store against real SQLite files in temporary directories, one area per module.

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
