//! The SQLite backend: one database file, one connection per [`SqliteStore`] (shared by its
//! clones behind a mutex), every transaction `BEGIN IMMEDIATE` so that transactions from other
//! handles or processes on the same file queue up instead of failing half-way.

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

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use rusqlite::types::Type;
use rusqlite::{Connection, ErrorCode, Row, TransactionBehavior};
use uuid::Uuid;

pub use migrations::SCHEMA_VERSION;

use crate::{Error, IntegrityReport, Result, Transaction};

/// The database file's name inside the data directory.
pub const DATABASE_FILE_NAME: &str = "symflow.db";

/// How long a transaction waits for another connection's write lock before failing with
/// "database is locked". Transactions are short (no I/O inside), so this is only reached if
/// something is badly stuck.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// `PRAGMA synchronous` for the connection.
///
/// FULL rather than NORMAL. With WAL, NORMAL already survives a crash of the *process*, but
/// on a power loss or kernel crash it may lose the last committed transactions. For symflow a
/// lost commit is not harmless: the transition that escalated someone (access granted by a
/// strategy, announced in Slack) could vanish together with its deescalation timer, leaving
/// access that is never taken away. FULL syncs the WAL at every commit, so a commit that
/// returned is on disk. The cost is one fsync per transaction, small next to the Slack round
/// trips every transaction stands for.
const SYNCHRONOUS: &str = "FULL";

/// A SQLite database file holding the whole store.
#[derive(Clone)]
pub struct SqliteStore {
    connection: Arc<Mutex<Connection>>,
    path: Arc<PathBuf>,
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path`: WAL journal, `synchronous=FULL`,
    /// foreign keys enforced, a busy timeout, and the schema migrated to [`SCHEMA_VERSION`].
    /// [`Error::SchemaTooNew`] if a newer symflow wrote it.
    pub fn open(path: PathBuf) -> Result<SqliteStore> {
        let mut connection = Connection::open(&path)?;
        connection.busy_timeout(BUSY_TIMEOUT)?;
        let journal_mode: String =
            connection.query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))?;
        if !journal_mode.eq_ignore_ascii_case("wal") {
            return Err(Error::InvalidInput {
                what: "database file",
                detail: format!(
                    "{} cannot use the WAL journal (got {journal_mode:?})",
                    path.display()
                ),
            });
        }
        connection.pragma_update(None, "synchronous", SYNCHRONOUS)?;
        connection.pragma_update(None, "foreign_keys", true)?;
        migrations::migrate(&mut connection)?;
        Ok(SqliteStore {
            connection: Arc::new(Mutex::new(connection)),
            path: Arc::new(path),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// See [`crate::Store::transaction`].
    pub fn transaction<T, E>(
        &self,
        f: impl FnOnce(&mut dyn Transaction) -> Result<T, E>,
    ) -> Result<T, E>
    where
        E: From<Error>,
    {
        // A panic inside an earlier closure poisons the mutex, but its transaction was rolled
        // back when it unwound, so the connection is fine to use.
        let mut connection = self
            .connection
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let transaction = connection
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(Error::from)?;
        let value = f(&mut SqliteTransaction {
            connection: &transaction,
        })?;
        transaction.commit().map_err(Error::from)?;
        Ok(value)
    }

    /// See [`crate::Store::integrity_check`].
    pub fn integrity_check(&self) -> Result<IntegrityReport> {
        let mut connection = self
            .connection
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        // One read transaction, so every check sees the same snapshot even while another
        // process writes.
        let snapshot = connection.transaction_with_behavior(TransactionBehavior::Deferred)?;
        let report = integrity::check(&snapshot)?;
        snapshot.commit()?;
        Ok(report)
    }

    /// See [`crate::Store::schema_version`].
    pub fn schema_version(&self) -> Result<i64> {
        let connection = self
            .connection
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        migrations::user_version(&connection)
    }
}

/// An open SQLite transaction; implements [`Transaction`] part by part in the sibling modules.
pub(crate) struct SqliteTransaction<'conn> {
    connection: &'conn Connection,
}

impl Transaction for SqliteTransaction<'_> {}

/// Reads a TEXT column as a UUID.
fn uuid_column(row: &Row<'_>, index: usize) -> rusqlite::Result<Uuid> {
    parsed_column(row, index, |text| Uuid::parse_str(text).ok())
}

/// Reads a nullable TEXT column as a UUID.
fn optional_uuid_column(row: &Row<'_>, index: usize) -> rusqlite::Result<Option<Uuid>> {
    let text: Option<String> = row.get(index)?;
    text.map(|text| {
        Uuid::parse_str(&text)
            .map_err(|e| rusqlite::Error::FromSqlConversionFailure(index, Type::Text, Box::new(e)))
    })
    .transpose()
}

/// Reads a TEXT column through `parse`, failing clearly on a value it does not accept.
fn parsed_column<T>(
    row: &Row<'_>,
    index: usize,
    parse: impl FnOnce(&str) -> Option<T>,
) -> rusqlite::Result<T> {
    let text: String = row.get(index)?;
    parse(&text).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            index,
            Type::Text,
            format!("unexpected value {text:?}").into(),
        )
    })
}

/// How UUIDs are written: lower-case, hyphenated.
fn uuid_text(id: Uuid) -> String {
    id.hyphenated().to_string()
}

/// Whether `error` is a UNIQUE or PRIMARY KEY violation.
fn is_unique_violation(error: &rusqlite::Error) -> bool {
    matches!(
        error,
        rusqlite::Error::SqliteFailure(failure, _)
            if failure.code == ErrorCode::ConstraintViolation
                && matches!(
                    failure.extended_code,
                    rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                        | rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
                )
    )
}

/// Whether `error` is a FOREIGN KEY violation.
fn is_foreign_key_violation(error: &rusqlite::Error) -> bool {
    matches!(
        error,
        rusqlite::Error::SqliteFailure(failure, _)
            if failure.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_FOREIGNKEY
    )
}

/// Converts a `u32` limit for SQLite's `LIMIT`.
fn sql_limit(limit: u32) -> i64 {
    i64::from(limit)
}
