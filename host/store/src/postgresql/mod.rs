//! The PostgreSQL backend (issue 8): several symflow replicas share one database, with no
//! leader. Same model and migration numbers as SQLite, its own SQL.
//!
//! Concurrency: every transaction runs at READ COMMITTED, and each operation takes the locks it
//! needs itself, so replicas only wait for each other where they touch the same rows:
//! - [`crate::RunStore::get_run`] locks the run row (`FOR UPDATE`): the engine's "read, decide,
//!   write" step on one run queues up behind another replica's step on that run, as on SQLite,
//!   while steps on other runs go ahead; `update_run` still checks the version.
//! - appending an event locks its run row, so the per-run `seq` is taken once, gap-free;
//! - timers and outbox items are claimed with `FOR UPDATE SKIP LOCKED`: two replicas claiming
//!   at once get disjoint sets without waiting for each other;
//! - delivery keys and key-value writes are single `INSERT … ON CONFLICT` statements;
//! - inserts that may hit a constraint run inside a savepoint, so an expected error
//!   ([`crate::Error::AlreadyExists`], [`crate::Error::NotFound`]) leaves the transaction usable,
//!   as it does on SQLite.
//!
//! Connections: a small pool of sync `postgres` clients behind a mutex; a client is taken for
//! one transaction and put back after it. No TLS: meant for loopback or a trusted network.

mod api;
mod deliveries;
mod events;
mod integrity;
mod kv;
mod migrations;
mod outbox;
mod runs;
mod timers;
mod users;

use std::sync::{Arc, Mutex, PoisonError};

use postgres::error::SqlState;
use postgres::{Client, Config, IsolationLevel, NoTls, Row};
use uuid::Uuid;

use crate::{Error, IntegrityReport, Result, Transaction};

/// How many idle connections a [`PostgresStore`] keeps for reuse.
const MAX_IDLE_CONNECTIONS: usize = 8;

/// Session settings of every connection, unless the URL's `options` set them already:
/// - `lock_timeout`: how long a statement waits for another transaction's row lock before
///   failing, like SQLite's busy timeout. Transactions are short (no I/O inside), so this is
///   only reached if something is badly stuck.
/// - `idle_in_transaction_session_timeout`: a replica that stalls inside a transaction (a
///   frozen process, a partitioned network) loses its session and so its locks, and the other
///   replicas go on; a killed one loses them at once when its connection closes.
const SESSION_DEFAULTS: &str = "\
    SELECT set_config('lock_timeout', '10s', false) \
        WHERE current_setting('lock_timeout') = '0'; \
    SELECT set_config('idle_in_transaction_session_timeout', '60s', false) \
        WHERE current_setting('idle_in_transaction_session_timeout') = '0';";

/// A PostgreSQL database holding the whole store.
#[derive(Clone)]
pub struct PostgresStore {
    config: Arc<Config>,
    idle: Arc<IdlePool>,
}

/// The idle connections. Closing a sync client blocks on its own small runtime, which tokio
/// forbids on an async worker thread; so when the last handle is dropped there (a server
/// shutting down), the clients are closed on a thread of their own.
struct IdlePool {
    clients: Mutex<Vec<Client>>,
}

impl Drop for IdlePool {
    fn drop(&mut self) {
        let clients = std::mem::take(
            self.clients
                .get_mut()
                .unwrap_or_else(PoisonError::into_inner),
        );
        if clients.is_empty() {
            return;
        }
        if tokio::runtime::Handle::try_current().is_ok() {
            // Detached: nothing waits on closing idle connections.
            std::thread::spawn(move || drop(clients));
        } else {
            drop(clients);
        }
    }
}

impl PostgresStore {
    /// Connects to `url` (`postgres://user:password@host:port/database`, any option libpq's URL
    /// form allows, e.g. `?options=-csearch_path%3Dsymflow` for a schema) and migrates the schema
    /// to [`crate::SCHEMA_VERSION`]. [`Error::SchemaTooNew`] if a newer symflow wrote it.
    pub fn open(url: &str) -> Result<PostgresStore> {
        let config: Config = url
            .parse()
            .map_err(|e: postgres::Error| Error::InvalidInput {
                what: "database URL",
                detail: e.to_string(),
            })?;
        let store = PostgresStore {
            config: Arc::new(config),
            idle: Arc::new(IdlePool {
                clients: Mutex::new(Vec::new()),
            }),
        };
        let mut client = store.connect()?;
        migrations::migrate(&mut client)?;
        store.put_back(client);
        Ok(store)
    }

    fn connect(&self) -> Result<Client> {
        let idle = self
            .idle
            .clients
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        match idle {
            Some(client) if !client.is_closed() => Ok(client),
            _ => {
                let mut client = self.config.connect(NoTls)?;
                client.batch_execute(SESSION_DEFAULTS)?;
                Ok(client)
            }
        }
    }

    fn put_back(&self, client: Client) {
        if client.is_closed() {
            return;
        }
        let mut idle = self
            .idle
            .clients
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if idle.len() < MAX_IDLE_CONNECTIONS {
            idle.push(client);
        }
    }

    /// See [`crate::Store::transaction`]. Must not be called from inside an async runtime's
    /// worker thread (the sync client blocks); use [`crate::Store::transaction_async`].
    pub fn transaction<T, E>(
        &self,
        f: impl FnOnce(&mut dyn Transaction) -> Result<T, E>,
    ) -> Result<T, E>
    where
        E: From<Error>,
    {
        // On a panic in `f` the client is dropped while unwinding, which closes the connection
        // and so rolls the transaction back; it never returns to the pool.
        let mut client = self.connect()?;
        let outcome = Self::run_transaction(&mut client, f);
        self.put_back(client);
        outcome
    }

    fn run_transaction<T, E>(
        client: &mut Client,
        f: impl FnOnce(&mut dyn Transaction) -> Result<T, E>,
    ) -> Result<T, E>
    where
        E: From<Error>,
    {
        let transaction = client
            .build_transaction()
            .isolation_level(IsolationLevel::ReadCommitted)
            .start()
            .map_err(Error::from)?;
        let mut pg = PostgresTransaction { tx: transaction };
        match f(&mut pg) {
            Ok(value) => {
                pg.tx.commit().map_err(Error::from)?;
                Ok(value)
            }
            Err(error) => {
                // Best effort: a failed rollback leaves a broken connection, which the pool
                // drops.
                let _ = pg.tx.rollback();
                Err(error)
            }
        }
    }

    /// See [`crate::Store::integrity_check`]: one REPEATABLE READ snapshot.
    pub fn integrity_check(&self) -> Result<IntegrityReport> {
        let mut client = self.connect()?;
        let mut snapshot = client
            .build_transaction()
            .isolation_level(IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()?;
        let report = integrity::check(&mut snapshot)?;
        snapshot.commit()?;
        self.put_back(client);
        Ok(report)
    }

    /// See [`crate::Store::schema_version`].
    pub fn schema_version(&self) -> Result<i64> {
        let mut client = self.connect()?;
        let version = migrations::schema_version(&mut client)?;
        self.put_back(client);
        Ok(version)
    }
}

/// An open PostgreSQL transaction; implements [`Transaction`] part by part in the sibling
/// modules.
pub(crate) struct PostgresTransaction<'conn> {
    tx: postgres::Transaction<'conn>,
}

impl Transaction for PostgresTransaction<'_> {}

impl PostgresTransaction<'_> {
    /// Runs `f` inside a savepoint, so that if it fails (e.g. on a constraint) the enclosing
    /// transaction is still usable.
    fn guarded<T>(
        &mut self,
        f: impl FnOnce(&mut postgres::Transaction<'_>) -> std::result::Result<T, postgres::Error>,
    ) -> std::result::Result<T, postgres::Error> {
        let mut savepoint = self.tx.transaction()?;
        match f(&mut savepoint) {
            Ok(value) => {
                savepoint.commit()?;
                Ok(value)
            }
            Err(error) => {
                savepoint.rollback()?;
                Err(error)
            }
        }
    }
}

/// Reads a TEXT column as a UUID.
fn uuid_column(row: &Row, index: usize) -> Result<Uuid> {
    parsed_column(row, index, |text| Uuid::parse_str(text).ok())
}

/// Reads a nullable TEXT column as a UUID.
fn optional_uuid_column(row: &Row, index: usize) -> Result<Option<Uuid>> {
    let text: Option<String> = row.try_get(index)?;
    text.map(|text| {
        Uuid::parse_str(&text).map_err(|e| Error::InvalidInput {
            what: "stored UUID",
            detail: format!("{text:?}: {e}"),
        })
    })
    .transpose()
}

/// Reads a TEXT column through `parse`, failing clearly on a value it does not accept.
fn parsed_column<T>(row: &Row, index: usize, parse: impl FnOnce(&str) -> Option<T>) -> Result<T> {
    let text: String = row.try_get(index)?;
    parse(&text).ok_or_else(|| Error::InvalidInput {
        what: "stored value",
        detail: format!("unexpected value {text:?} in column {index}"),
    })
}

/// How UUIDs are written: lower-case, hyphenated.
fn uuid_text(id: Uuid) -> String {
    id.hyphenated().to_string()
}

/// Whether `error` is a UNIQUE or PRIMARY KEY violation.
fn is_unique_violation(error: &postgres::Error) -> bool {
    error.code() == Some(&SqlState::UNIQUE_VIOLATION)
}

/// Whether `error` is a FOREIGN KEY violation.
fn is_foreign_key_violation(error: &postgres::Error) -> bool {
    error.code() == Some(&SqlState::FOREIGN_KEY_VIOLATION)
}

/// Converts a `u32` limit for `LIMIT`.
fn sql_limit(limit: u32) -> i64 {
    i64::from(limit)
}
