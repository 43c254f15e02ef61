//! The outbox: effects that must follow a state change (post or update a Slack message, call a
//! strategy, DM the requester), written in the SAME transaction as the state change. If the
//! process dies after the commit but before the effect, the item is still there on restart and
//! is carried out then; if the transaction rolls back, the effect was never promised.

use std::fmt;

use uuid::Uuid;

use crate::Result;

/// An outbox item's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OutboxItemId(pub i64);

impl fmt::Display for OutboxItemId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Where an outbox item is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OutboxState {
    Pending,
    Claimed,
    Done,
    /// Given up on after too many attempts.
    Failed,
}

impl OutboxState {
    pub fn as_str(self) -> &'static str {
        match self {
            OutboxState::Pending => "pending",
            OutboxState::Claimed => "claimed",
            OutboxState::Done => "done",
            OutboxState::Failed => "failed",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<Self> {
        match s {
            "pending" => Some(OutboxState::Pending),
            "claimed" => Some(OutboxState::Claimed),
            "done" => Some(OutboxState::Done),
            "failed" => Some(OutboxState::Failed),
            _ => None,
        }
    }
}

/// An effect to carry out after the transaction commits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOutboxItem {
    pub tenant: String,
    /// The run it belongs to, if any; items of one run are carried out in order.
    pub run_id: Option<Uuid>,
    /// What to do: e.g. `slack.post_message`, `slack.update_message`, `strategy.escalate`.
    pub kind: String,
    /// Its arguments, as JSON.
    pub payload_json: String,
}

/// An outbox item as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxItem {
    pub id: OutboxItemId,
    pub tenant: String,
    pub run_id: Option<Uuid>,
    pub kind: String,
    pub payload_json: String,
    pub state: OutboxState,
    /// Not claimable before this time (set by [`Outbox::retry_outbox_later`]).
    pub available_at_ms: i64,
    /// While `claimed`: when the claim lapses.
    pub lease_expires_at_ms: Option<i64>,
    /// How many times it has been claimed.
    pub attempts: i64,
    pub last_error: Option<String>,
}

/// The outbox inside a transaction.
///
/// How the server uses it:
/// 1. In the transaction that applies a transition, [`Outbox::enqueue_outbox`] one item per
///    effect (or put them in [`crate::Transition::outbox`]).
/// 2. After commit, wake the outbox worker. The worker loops: in a short transaction
///    [`Outbox::claim_pending_outbox`] (`now`, a batch size, a lease longer than one effect
///    takes); outside any transaction carry out each item; then in a short transaction
///    [`Outbox::mark_outbox_done`], or [`Outbox::retry_outbox_later`] with a back-off (Slack
///    429 `Retry-After`), or [`Outbox::mark_outbox_failed`] after too many attempts (and report
///    to the error-logger channel).
/// 3. On start, the worker simply starts claiming: items left `claimed` by a dead process become
///    claimable once their lease runs out.
///
/// Delivery is at least once: an item can be carried out twice if the process dies between the
/// effect and `mark_outbox_done`, so effects should be idempotent where the outside service
/// allows (e.g. `chat.update` rather than a second `chat.postMessage` when a `ts` is known).
/// Items of one run are handed out in the order they were enqueued, one at a time: an item is
/// not claimable while an earlier item of the same run is pending or claimed.
pub trait Outbox {
    /// Adds an item, claimable at once.
    fn enqueue_outbox(&mut self, item: &NewOutboxItem) -> Result<OutboxItemId>;

    /// Claims up to `limit` items that can be carried out at `now_ms` (pending and available,
    /// or claimed with a lease that has run out), oldest first, each for `lease_ms`.
    fn claim_pending_outbox(
        &mut self,
        now_ms: i64,
        limit: u32,
        lease_ms: i64,
    ) -> Result<Vec<OutboxItem>>;

    /// The item was carried out; `false` if it was already done or failed.
    fn mark_outbox_done(&mut self, id: OutboxItemId) -> Result<bool>;

    /// Carrying it out failed for now: pending again, claimable from `available_at_ms`.
    fn retry_outbox_later(
        &mut self,
        id: OutboxItemId,
        available_at_ms: i64,
        error: &str,
    ) -> Result<bool>;

    /// Give up on the item for good.
    fn mark_outbox_failed(&mut self, id: OutboxItemId, error: &str) -> Result<bool>;

    fn get_outbox_item(&mut self, id: OutboxItemId) -> Result<Option<OutboxItem>>;

    /// Ends the lease of every claimed item at `now_ms`, making it claimable at once; returns
    /// how many. Only for a holder known to be dead (see
    /// [`crate::TimerQueue::end_timer_leases`]).
    fn end_outbox_leases(&mut self, now_ms: i64) -> Result<u64>;
}
