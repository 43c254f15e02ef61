//! Runs: one row per execution of a flow, holding the engine's serialized run (opaque to the
//! store) under a version number, so two writers can never silently overwrite each other.

use uuid::Uuid;

use crate::Result;

/// The tenant every single-tenant installation uses.
pub const DEFAULT_TENANT: &str = "default";

/// A run to create. It starts at version 1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRun {
    pub id: Uuid,
    pub tenant: String,
    /// The flow's name (e.g. `approval_demo`).
    pub flow: String,
    /// The engine's status word (e.g. `prompted`, `pending`); opaque to the store.
    pub status: String,
    pub requester_user_id: Uuid,
    /// The engine's serialized run: any JSON value; opaque to the store.
    pub state_json: String,
}

/// What a transition changes on a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunChange {
    pub status: String,
    /// True once the run can take no further step (denied, expired, deescalated, ...). The
    /// engine decides; the store uses it to list runs to resume and for integrity checks.
    pub finished: bool,
    pub state_json: String,
}

/// A run as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunRecord {
    pub id: Uuid,
    pub tenant: String,
    pub flow: String,
    pub status: String,
    pub finished: bool,
    pub requester_user_id: Uuid,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
    pub state_json: String,
    /// Starts at 1, goes up by one with every [`RunStore::update_run`].
    pub version: i64,
}

/// Which runs [`RunStore::list_runs`] returns (the web console's filters). `None` matches all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunQuery {
    pub tenant: String,
    pub flow: Option<String>,
    /// The engine's status word.
    pub status: Option<String>,
    pub requester_user_id: Option<Uuid>,
    /// Inclusive lower bound on `created_at_ms`.
    pub created_from_ms: Option<i64>,
    /// Exclusive upper bound on `created_at_ms`.
    pub created_until_ms: Option<i64>,
    pub limit: u32,
}

/// Reading and writing runs inside a transaction.
pub trait RunStore {
    /// Creates a run at version 1. [`crate::Error::AlreadyExists`] if the id is taken.
    fn create_run(&mut self, run: &NewRun) -> Result<RunRecord>;

    /// The run with this id, if any.
    fn get_run(&mut self, id: Uuid) -> Result<Option<RunRecord>>;

    /// Replaces the run's status and state if its version is still `expected_version`, and
    /// returns the new version. [`crate::Error::Conflict`] if another writer moved it first,
    /// [`crate::Error::NotFound`] if there is no such run.
    fn update_run(&mut self, id: Uuid, expected_version: i64, change: &RunChange) -> Result<i64>;

    /// Runs of `tenant` that are not finished, oldest first: what a restarted server may need to
    /// look at.
    fn unfinished_runs(&mut self, tenant: &str, limit: u32) -> Result<Vec<RunRecord>>;

    /// Runs matching `query`, newest first, at most `query.limit`.
    fn list_runs(&mut self, query: &RunQuery) -> Result<Vec<RunRecord>>;
}
