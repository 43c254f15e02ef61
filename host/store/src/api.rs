//! The Events API's own records (issue 7): bearer tokens, kept as hashes only, with expiry and
//! revocation; and the events accepted through the API (`POST /events/request`,
//! `POST /events/deescalate`), so a caller can poll `GET /events/{id}` for how each ended.
//!
//! The store never sees a token itself: the server hashes it (SHA-256 of a high-entropy random
//! string) and looks the hash up, so a copy of the database gives nobody a usable token.

use uuid::Uuid;

use crate::Result;

/// A token to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewApiToken {
    pub id: Uuid,
    pub tenant: String,
    /// What the token is for (`ci`, `deploy-bot`), shown by `symflow tokens list`.
    pub name: String,
    /// Hex SHA-256 of the token.
    pub token_hash: String,
    /// The bot user the token acts as.
    pub user_id: Uuid,
    /// When it stops working; `None` never.
    pub expires_at_ms: Option<i64>,
}

/// A token as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiToken {
    pub id: Uuid,
    pub tenant: String,
    pub name: String,
    pub token_hash: String,
    pub user_id: Uuid,
    pub created_at_ms: i64,
    pub expires_at_ms: Option<i64>,
    pub revoked_at_ms: Option<i64>,
}

impl ApiToken {
    /// Why the token does not work at `now_ms`, if it does not.
    pub fn unusable_because(&self, now_ms: i64) -> Option<&'static str> {
        if self.revoked_at_ms.is_some() {
            Some("revoked")
        } else if self.expires_at_ms.is_some_and(|at| at <= now_ms) {
            Some("expired")
        } else {
            None
        }
    }
}

/// An event accepted through the Events API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiEvent {
    /// The `event_id` the API answered with.
    pub id: Uuid,
    pub tenant: String,
    pub run_id: Uuid,
    /// `request` or `deescalate`.
    pub event_type: String,
    /// The token it came with.
    pub token_id: Uuid,
    pub created_at_ms: i64,
    /// When the worker finished with it; `None` while it waits.
    pub finished_at_ms: Option<i64>,
    /// Why it did not happen, when it did not.
    pub error: Option<String>,
}

/// Tokens and API events inside a transaction.
pub trait ApiRecords {
    /// Records a token. [`crate::Error::AlreadyExists`] if the id or the hash is taken.
    fn create_api_token(&mut self, token: &NewApiToken) -> Result<ApiToken>;

    /// The token with this hash, whatever its state.
    fn find_api_token_by_hash(&mut self, token_hash: &str) -> Result<Option<ApiToken>>;

    /// Every token of `tenant`, oldest first.
    fn list_api_tokens(&mut self, tenant: &str) -> Result<Vec<ApiToken>>;

    /// Revokes the token at `at_ms`; `false` if there is no such token or it was revoked already.
    fn revoke_api_token(&mut self, id: Uuid, at_ms: i64) -> Result<bool>;

    /// Records an accepted event. [`crate::Error::AlreadyExists`] if the id is taken.
    fn record_api_event(&mut self, event: &ApiEvent) -> Result<()>;

    /// The accepted event with this id.
    fn get_api_event(&mut self, id: Uuid) -> Result<Option<ApiEvent>>;

    /// Marks the event finished at `at_ms`, with `error` when it did not happen. Finishing
    /// it again changes nothing (the first outcome stands); `false` then.
    fn finish_api_event(&mut self, id: Uuid, at_ms: i64, error: Option<&str>) -> Result<bool>;
}

/// Where each log destination is in the audit trail: the position of the last event it took.
pub trait LogCursors {
    /// The position of the last event delivered to `destination` (0: none yet).
    fn log_cursor(&mut self, destination: &str) -> Result<i64>;

    /// Moves `destination`'s cursor to `position`. A cursor never moves back: a smaller
    /// position than the stored one is ignored.
    fn set_log_cursor(&mut self, destination: &str, position: i64) -> Result<()>;
}
