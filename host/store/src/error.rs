//! The store's error type: one enum so callers can tell a lost optimistic-concurrency race
//! ([`Error::Conflict`]) or a missing row from a broken database, whatever the backend.

use uuid::Uuid;

/// Result of every store operation.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything a store operation can fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// `update_run` was given a version that is no longer the run's: another writer changed the
    /// run first. Reload the run, re-decide, try again.
    #[error("run {run_id} changed concurrently: expected version {expected_version}, found {actual_version}")]
    Conflict {
        run_id: Uuid,
        expected_version: i64,
        actual_version: i64,
    },

    /// A row the operation needs does not exist.
    #[error("{what} {id} not found")]
    NotFound { what: &'static str, id: String },

    /// A uniqueness rule would be broken (e.g. a second user with the same e-mail in a tenant).
    #[error("{what} already exists: {detail}")]
    AlreadyExists { what: &'static str, detail: String },

    /// A value given to the store is not what it must be (e.g. JSON that does not parse).
    #[error("invalid {what}: {detail}")]
    InvalidInput { what: &'static str, detail: String },

    /// The database was written by a newer symflow than this one: refuse to touch it.
    #[error("database schema version {found} is newer than the newest this symflow knows ({supported}); upgrade symflow")]
    SchemaTooNew { found: i64, supported: i64 },

    /// The data directory could not be created or read.
    #[error("data directory {path}: {source}")]
    DataDir {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// A blocking store call run from async code did not finish (its task was cancelled).
    #[error("store task did not finish: {0}")]
    TaskCancelled(String),

    /// Every database connection stayed in use past the wait limit (PostgreSQL's bounded pool).
    #[error("database busy: {0}")]
    Busy(String),

    /// Any other error from SQLite.
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),

    /// Any other error from PostgreSQL (connection, a failed statement, ...).
    #[error("postgres: {0}")]
    Postgres(#[from] postgres::Error),
}

impl Error {
    /// Whether this is a lost concurrency race, worth a reload and retry: a stale run version
    /// ([`Error::Conflict`]), or on PostgreSQL a transaction the server aborted to break a
    /// deadlock, a serialization failure, or a lock wait that timed out.
    pub fn is_conflict(&self) -> bool {
        match self {
            Error::Conflict { .. } => true,
            Error::Postgres(error) => matches!(
                error.code(),
                Some(&postgres::error::SqlState::T_R_SERIALIZATION_FAILURE)
                    | Some(&postgres::error::SqlState::T_R_DEADLOCK_DETECTED)
                    | Some(&postgres::error::SqlState::LOCK_NOT_AVAILABLE)
            ),
            _ => false,
        }
    }
}

/// Checks that `text` is one complete JSON value, so bad JSON fails with a clear message before
/// it reaches the database (whose `json_valid` CHECK constraints remain the last line).
pub(crate) fn require_json(what: &'static str, text: &str) -> Result<()> {
    serde_json::from_str::<serde::de::IgnoredAny>(text)
        .map(|_| ())
        .map_err(|e| Error::InvalidInput {
            what,
            detail: format!("not JSON: {e}"),
        })
}
