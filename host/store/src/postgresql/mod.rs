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
//! Connections: a bounded pool of sync `postgres` clients (at most `max_connections` per
//! replica, waiting for one to come back past that); a client is taken for one transaction and
//! put back after it. No TLS: meant for loopback or a trusted network.

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

use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use postgres::error::SqlState;
use postgres::{Client, Config, IsolationLevel, NoTls, Row};
use uuid::Uuid;

use crate::{Error, IntegrityReport, Result, Transaction};

/// How many connections one [`PostgresStore`] (one replica) opens at most, unless the URL's
/// `max_connections` parameter says otherwise. PostgreSQL refuses connections past its own
/// `max_connections` (100 by default) and a refused connection is a failed request, so a flood
/// of events must queue for a connection here instead: three replicas at 16 stay well inside
/// the server's default.
pub const DEFAULT_MAX_CONNECTIONS: usize = 16;

/// The symflow-only URL parameter setting [`DEFAULT_MAX_CONNECTIONS`] per replica; removed
/// before the URL is handed to the PostgreSQL client.
pub const MAX_CONNECTIONS_PARAMETER: &str = "max_connections";

/// How long a transaction waits for a connection when all are in use before failing. Far
/// above any healthy wait (transactions do no I/O besides the database); reached only if the
/// database is stuck, or if code takes a second connection while holding one and every
/// connection is held that way, which this turns into an error instead of a hang.
const CONNECTION_WAIT: Duration = Duration::from_secs(30);

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
    pool: Arc<ConnectionPool>,
}

/// The connections of one store: at most `max_open` open at once, idle ones kept for reuse.
/// A caller finding none idle and the limit reached waits (up to [`CONNECTION_WAIT`]) for one
/// to come back.
struct ConnectionPool {
    state: Mutex<PoolState>,
    returned: Condvar,
    max_open: usize,
}

struct PoolState {
    idle: Vec<Client>,
    /// Connections open now: idle ones plus those lent out.
    open: usize,
}

impl ConnectionPool {
    fn state(&self) -> MutexGuard<'_, PoolState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A lent-out connection will not come back (closed, broken, or dropped while unwinding).
    fn forget_one(&self) {
        self.state().open -= 1;
        self.returned.notify_one();
    }
}

/// Closing a sync client blocks on its own small runtime, which tokio forbids on an async
/// worker thread; so when the last handle is dropped there (a server shutting down), the idle
/// clients are closed on a thread of their own.
impl Drop for ConnectionPool {
    fn drop(&mut self) {
        let state = self.state.get_mut().unwrap_or_else(PoisonError::into_inner);
        let clients = std::mem::take(&mut state.idle);
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

/// A connection lent to one transaction; goes back to the pool when dropped (or is closed and
/// forgotten if it broke), waking one waiting caller.
struct Lease<'pool> {
    pool: &'pool ConnectionPool,
    client: Option<Client>,
}

impl Lease<'_> {
    fn client(&mut self) -> &mut Client {
        self.client
            .as_mut()
            .expect("a lease holds its client until dropped")
    }
}

impl Drop for Lease<'_> {
    fn drop(&mut self) {
        let Some(client) = self.client.take() else {
            return;
        };
        if client.is_closed() || std::thread::panicking() {
            // A panic may have left a transaction open: closing the connection rolls it back.
            drop(client);
            self.pool.forget_one();
            return;
        }
        self.pool.state().idle.push(client);
        self.pool.returned.notify_one();
    }
}

/// Splits symflow's own [`MAX_CONNECTIONS_PARAMETER`] off a database URL: the URL the client
/// understands, and the limit it set (if any).
fn split_max_connections(url: &str) -> Result<(String, Option<usize>)> {
    let Some((base, query)) = url.split_once('?') else {
        return Ok((url.to_owned(), None));
    };
    let mut limit = None;
    let mut kept = Vec::new();
    for pair in query.split('&') {
        match pair.split_once('=') {
            Some((MAX_CONNECTIONS_PARAMETER, value)) => {
                let parsed = value.parse::<usize>().ok().filter(|n| *n > 0).ok_or_else(|| {
                    Error::InvalidInput {
                        what: "database URL",
                        detail: format!(
                            "{MAX_CONNECTIONS_PARAMETER}={value:?}: expected a whole number of connections, at least 1"
                        ),
                    }
                })?;
                limit = Some(parsed);
            }
            _ => kept.push(pair),
        }
    }
    let url = if kept.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    Ok((url, limit))
}

impl PostgresStore {
    /// Connects to `url` (`postgres://user:password@host:port/database`, any option libpq's URL
    /// form allows, e.g. `?options=-csearch_path%3Dsymflow` for a schema, plus symflow's own
    /// `max_connections=N`, default [`DEFAULT_MAX_CONNECTIONS`]) and migrates the schema to
    /// [`crate::SCHEMA_VERSION`]. [`Error::SchemaTooNew`] if a newer symflow wrote it.
    pub fn open(url: &str) -> Result<PostgresStore> {
        let (url, max_connections) = split_max_connections(url)?;
        let config: Config = url
            .parse()
            .map_err(|e: postgres::Error| Error::InvalidInput {
                what: "database URL",
                detail: e.to_string(),
            })?;
        let store = PostgresStore {
            config: Arc::new(config),
            pool: Arc::new(ConnectionPool {
                state: Mutex::new(PoolState {
                    idle: Vec::new(),
                    open: 0,
                }),
                returned: Condvar::new(),
                max_open: max_connections.unwrap_or(DEFAULT_MAX_CONNECTIONS),
            }),
        };
        migrations::migrate(store.connect()?.client())?;
        Ok(store)
    }

    /// The most connections this store opens at once.
    pub fn max_connections(&self) -> usize {
        self.pool.max_open
    }

    /// Lends a connection: an idle one, a new one while under the limit, else the first one
    /// given back within [`CONNECTION_WAIT`].
    fn connect(&self) -> Result<Lease<'_>> {
        let pool = &*self.pool;
        let deadline = Instant::now() + CONNECTION_WAIT;
        let mut state = pool.state();
        loop {
            while let Some(client) = state.idle.pop() {
                if client.is_closed() {
                    state.open -= 1;
                    continue;
                }
                return Ok(Lease {
                    pool,
                    client: Some(client),
                });
            }
            if state.open < pool.max_open {
                state.open += 1;
                drop(state);
                return match self.open_connection() {
                    Ok(client) => Ok(Lease {
                        pool,
                        client: Some(client),
                    }),
                    Err(error) => {
                        pool.forget_one();
                        Err(error)
                    }
                };
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(Error::Busy(format!(
                    "all {} database connections of this replica stayed in use for {}s; \
                     the database may be stuck, or raise {MAX_CONNECTIONS_PARAMETER}= in the database URL",
                    pool.max_open,
                    CONNECTION_WAIT.as_secs()
                )));
            }
            state = pool
                .returned
                .wait_timeout(state, deadline - now)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }

    fn open_connection(&self) -> Result<Client> {
        let mut client = self.config.connect(NoTls)?;
        client.batch_execute(SESSION_DEFAULTS)?;
        Ok(client)
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
        // On a panic in `f` the lease closes the connection while unwinding, which rolls the
        // transaction back; it never returns to the pool.
        let mut lease = self.connect()?;
        Self::run_transaction(lease.client(), f)
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
        let mut lease = self.connect()?;
        let mut snapshot = lease
            .client()
            .build_transaction()
            .isolation_level(IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()?;
        let report = integrity::check(&mut snapshot)?;
        snapshot.commit()?;
        Ok(report)
    }

    /// See [`crate::Store::schema_version`].
    pub fn schema_version(&self) -> Result<i64> {
        migrations::schema_version(self.connect()?.client())
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
