//! Shared setup: a store in a fresh directory, a user, a run.

use symflow_store::prelude::*;
use symflow_store::{NewRun, RunRecord, UserRole, DEFAULT_TENANT};
use tempfile::TempDir;
use uuid::Uuid;

/// A store in its own temporary data directory (removed when the `TempDir` drops).
pub fn new_store() -> (TempDir, Store) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let store = Store::open(dir.path()).expect("store opens");
    (dir, store)
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
