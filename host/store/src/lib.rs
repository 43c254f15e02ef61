//! symflow's durable state: runs, the append-only audit trail, users and identities, durable
//! timers, Slack delivery de-duplication, the SDK's key-value store and an outbox of effects.
//!
//! The state lives in one SQLite file (`symflow.db`) under a data directory ([`Store::open`],
//! the default), or in a PostgreSQL database shared by several replicas ([`Store::open_url`]
//! with `postgres://…`, issue 8). The model is backend-neutral: callers work through
//! [`Store::transaction`], which hands them `&mut dyn` [`Transaction`], a trait made of one part
//! per table group ([`RunStore`], [`EventLog`], [`UserDirectory`], [`TimerQueue`],
//! [`DeliveryLog`], [`KeyValueStore`], [`Outbox`]). Each [`Backend`] implements the same trait
//! with the same numbered migrations (SQL per backend); no caller changes.
//!
//! ```no_run
//! use symflow_store::prelude::*;
//!
//! # fn main() -> symflow_store::Result<()> {
//! let store = Store::open("data")?;
//! let pending = store.transaction(|tx| tx.claim_due_timers(symflow_store::now_ms(), 10, 60_000))?;
//! # Ok(()) }
//! ```
//!
//! # How the server uses it
//! - **A Slack request**: after verifying the signature, one transaction does
//!   [`DeliveryLog::record_delivery`] (key `team:trigger_id` or a body hash); if it is a repeat,
//!   ack and stop. If it is new, the same transaction [`Outbox::enqueue_outbox`]s the
//!   interaction itself (kind e.g. `slack.interaction`, with the run id when there is one), then
//!   the server acks. The work is thus promised durably before the ack and survives a crash.
//! - **Doing the work** (outbox worker): claim items ([`Outbox::claim_pending_outbox`]); for an
//!   interaction, read the run and its version in a short transaction, run the flow's hooks and
//!   reducers outside any transaction, then commit the step with [`Transaction::apply_transition`]
//!   carrying `complete_outbox_item` (so the step happens once), the events, timers, and the
//!   effects as new outbox items. On [`Error::Conflict`], re-read and decide again. Effects
//!   (Slack posts, strategy calls) are carried out after commit and marked done; see
//!   [`Outbox`] for retries and ordering.
//! - **Timers** (scheduler loop): sleep until [`TimerQueue::next_claimable_timer_at`] (or a
//!   poll interval, or a wake-up after scheduling), [`TimerQueue::claim_due_timers`] with a
//!   lease longer than handling one timer can take, and handle each like an interaction with
//!   `complete_timer` set in its [`Transition`]; if the run needs nothing any more, just
//!   [`TimerQueue::complete_timer`]. On start, run the loop at once: timers that came due while
//!   the server was down, and claims of a dead process whose lease ran out, are handed out.
//! - **Housekeeping**: now and then [`DeliveryLog::purge_expired_deliveries`].
//!
//! Timers and outbox items are handed out at least once; completing them in the same
//! transaction as the step they cause makes each step happen exactly once.
//!
//! # Several replicas (PostgreSQL)
//! Replicas on one PostgreSQL database need no leader: timers and outbox items are claimed with
//! `FOR UPDATE SKIP LOCKED` (each handed to one replica per lease), a delivery key is new to
//! exactly one replica, and [`RunStore::get_run`] locks the run's row until commit, so a
//! read-decide-write step on a run waits for another replica's step on it. What the server must
//! still do: treat [`Error::is_conflict`] (a stale version, and on PostgreSQL a deadlock or a
//! lock wait that timed out) as "re-read and decide again"; not rely on in-process locks alone
//! for a run's steps; and open the store with [`Store::open_url`] from its
//! `--database-url postgres://…` option.
//!
//! # Threads and async
//! [`Store`] is `Clone + Send + Sync`; clones share one connection (SQLite) or one small
//! connection pool (PostgreSQL). Every call blocks the calling thread on the database (on
//! PostgreSQL, calling it on an async runtime's worker thread panics), so from async code use [`Store::transaction_async`] (which runs the
//! closure under `tokio::task::spawn_blocking`) or call from `spawn_blocking` yourself. The
//! closure runs while the transaction is open: do no network I/O inside it, only decide and
//! write; put effects in the [`Outbox`].

mod api;
mod deliveries;
mod error;
mod events;
mod integrity;
mod kv;
mod outbox;
mod postgresql;
mod runs;
mod sqlite;
mod timers;
mod transaction;
mod users;

use std::path::{Path, PathBuf};

pub use api::{ApiEvent, ApiRecords, ApiToken, LogCursors, NewApiToken};
pub use deliveries::DeliveryLog;
pub use error::{Error, Result};
pub use events::{EventCountQuery, EventCountScope, EventLog, EventRecord, NewEvent};
pub use integrity::{IntegrityProblem, IntegrityReport};
pub use kv::KeyValueStore;
pub use outbox::{NewOutboxItem, Outbox, OutboxItem, OutboxItemId, OutboxState};
pub use postgresql::PostgresStore;
pub use runs::{NewRun, RunChange, RunQuery, RunRecord, RunStore, DEFAULT_TENANT};
pub use sqlite::{SqliteStore, DATABASE_FILE_NAME, SCHEMA_VERSION};
pub use timers::{NewTimer, Timer, TimerId, TimerQueue, TimerState};
pub use transaction::{AppliedTransition, Transaction, Transition};
pub use users::{Identity, IdentityKey, NewUser, User, UserDirectory, UserRole, UserType};

/// The handle and the traits of a transaction's parts, for `use symflow_store::prelude::*;`.
pub mod prelude {
    pub use crate::{
        ApiRecords, DeliveryLog, EventLog, KeyValueStore, LogCursors, Outbox, RunStore, Store,
        TimerQueue, Transaction, UserDirectory,
    };
}

/// The current time in unix milliseconds, the unit of every time in the store.
pub fn now_ms() -> i64 {
    let since_epoch = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(since_epoch.as_millis()).unwrap_or(i64::MAX)
}

/// Which database holds the state.
#[derive(Clone)]
#[non_exhaustive]
pub enum Backend {
    /// One SQLite file, the default.
    Sqlite(SqliteStore),
    /// A PostgreSQL database, possibly shared by several symflow replicas (issue 8).
    Postgres(PostgresStore),
}

/// A handle on the store; cheap to clone, safe to share between threads.
#[derive(Clone)]
pub struct Store {
    backend: Backend,
}

impl Store {
    /// Opens (creating if needed) `symflow.db` in `data_dir`, creating the directory too, and
    /// brings its schema up to date.
    pub fn open(data_dir: impl AsRef<Path>) -> Result<Store> {
        let data_dir = data_dir.as_ref();
        std::fs::create_dir_all(data_dir).map_err(|source| Error::DataDir {
            path: data_dir.to_path_buf(),
            source,
        })?;
        Store::open_sqlite_file(data_dir.join(DATABASE_FILE_NAME))
    }

    /// Opens (creating if needed) the SQLite database at `path` and brings its schema up to date.
    pub fn open_sqlite_file(path: impl Into<PathBuf>) -> Result<Store> {
        Ok(Store {
            backend: Backend::Sqlite(SqliteStore::open(path.into())?),
        })
    }

    /// Opens the store a URL names: `postgres://…` or `postgresql://…` for PostgreSQL (the
    /// schema migrated like SQLite's; see [`PostgresStore::open`]), `sqlite://PATH` or
    /// `file:PATH` for a SQLite file. Anything else is [`Error::InvalidInput`].
    pub fn open_url(url: &str) -> Result<Store> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Store {
                backend: Backend::Postgres(PostgresStore::open(url)?),
            });
        }
        if let Some(path) = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("file:"))
        {
            return Store::open_sqlite_file(path);
        }
        Err(Error::InvalidInput {
            what: "database URL",
            detail: format!(
                "{:?}: expected postgres://…, postgresql://…, sqlite://PATH or file:PATH",
                url.split('@').next_back().unwrap_or_default()
            ),
        })
    }

    pub fn backend(&self) -> &Backend {
        &self.backend
    }

    /// Runs `f` in one transaction: committed if `f` returns `Ok`, rolled back if it returns
    /// `Err` or panics. Concurrent transactions, from this process or another, wait for each
    /// other. Blocks the calling thread.
    pub fn transaction<T, E>(
        &self,
        f: impl FnOnce(&mut dyn Transaction) -> Result<T, E>,
    ) -> Result<T, E>
    where
        E: From<Error>,
    {
        match &self.backend {
            Backend::Sqlite(sqlite) => sqlite.transaction(f),
            Backend::Postgres(postgres) => postgres.transaction(f),
        }
    }

    /// [`Store::transaction`] for async code: runs on tokio's blocking thread pool.
    pub async fn transaction_async<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut dyn Transaction) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<Error> + Send + 'static,
    {
        let store = self.clone();
        match tokio::task::spawn_blocking(move || store.transaction(f)).await {
            Ok(result) => result,
            Err(join_error) => match join_error.try_into_panic() {
                Ok(panic) => std::panic::resume_unwind(panic),
                Err(join_error) => Err(Error::TaskCancelled(join_error.to_string()).into()),
            },
        }
    }

    /// Applies one step of a run in its own transaction; see [`Transaction::apply_transition`].
    pub fn apply_transition(&self, transition: &Transition) -> Result<AppliedTransition> {
        self.transaction(|tx| tx.apply_transition(transition))
    }

    /// Checks the database and symflow's invariants; see [`IntegrityReport`].
    pub fn integrity_check(&self) -> Result<IntegrityReport> {
        match &self.backend {
            Backend::Sqlite(sqlite) => sqlite.integrity_check(),
            Backend::Postgres(postgres) => postgres.integrity_check(),
        }
    }

    /// The schema version the database is at.
    pub fn schema_version(&self) -> Result<i64> {
        match &self.backend {
            Backend::Sqlite(sqlite) => sqlite.schema_version(),
            Backend::Postgres(postgres) => postgres.schema_version(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_handle_can_be_shared_across_threads_and_tasks() {
        fn shareable<T: Clone + Send + Sync + 'static>() {}
        shareable::<Store>();
    }

    #[test]
    fn an_unknown_url_scheme_is_refused_without_echoing_credentials() {
        match Store::open_url("mysql://user:secret@db/symflow") {
            Err(Error::InvalidInput { what, detail }) => {
                assert_eq!(what, "database URL");
                assert!(!detail.contains("secret"), "{detail}");
            }
            Err(other) => panic!("expected InvalidInput, got {other}"),
            Ok(_) => panic!("opened a mysql:// URL"),
        }
    }

    #[test]
    fn a_sqlite_url_opens_a_sqlite_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("by-url.db");
        let store = Store::open_url(&format!("sqlite://{}", path.display())).unwrap();
        assert!(matches!(store.backend(), Backend::Sqlite(_)));
        assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
        assert!(path.exists());
    }
}
