//! Durable timers (deescalation at expiry, notification timeouts): they live in the database,
//! so a timer that came due while the server was down fires after restart, and a timer claimed
//! by a worker that crashed fires again once its lease runs out.

use std::fmt;

use uuid::Uuid;

use crate::Result;

/// A timer's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TimerId(pub i64);

impl fmt::Display for TimerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Where a timer is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TimerState {
    Pending,
    Claimed,
    Done,
    Cancelled,
}

impl TimerState {
    pub fn as_str(self) -> &'static str {
        match self {
            TimerState::Pending => "pending",
            TimerState::Claimed => "claimed",
            TimerState::Done => "done",
            TimerState::Cancelled => "cancelled",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<Self> {
        match s {
            "pending" => Some(TimerState::Pending),
            "claimed" => Some(TimerState::Claimed),
            "done" => Some(TimerState::Done),
            "cancelled" => Some(TimerState::Cancelled),
            _ => None,
        }
    }
}

/// A timer to schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTimer {
    pub run_id: Uuid,
    /// What to do when it fires: `deescalate`, `notification_timeout`, ...
    pub kind: String,
    /// When it comes due, unix milliseconds.
    pub due_at_ms: i64,
    /// Whatever the engine needs to act on it, as JSON.
    pub payload_json: String,
}

/// A timer as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timer {
    pub id: TimerId,
    pub run_id: Uuid,
    pub kind: String,
    pub due_at_ms: i64,
    pub payload_json: String,
    pub state: TimerState,
    /// When it was last claimed.
    pub claimed_at_ms: Option<i64>,
    /// While `claimed`: when the claim lapses and the timer can be claimed again.
    pub lease_expires_at_ms: Option<i64>,
    /// How many times it has been claimed.
    pub attempts: i64,
}

/// The timer queue inside a transaction.
///
/// Life of a timer: `pending` → [`TimerQueue::claim_due_timers`] → `claimed` (with a lease) →
/// [`TimerQueue::complete_timer`] → `done`; or `cancelled` by
/// [`TimerQueue::cancel_timers_for_run`]. A `claimed` timer whose lease has run out is claimable
/// again. Firing is therefore at least once; complete the timer in the same transaction as the
/// run transition it causes, and that transition happens exactly once.
pub trait TimerQueue {
    fn schedule_timer(&mut self, timer: &NewTimer) -> Result<TimerId>;

    /// Cancels the run's pending and claimed timers of `kind`, or of every kind with `None`;
    /// returns how many.
    fn cancel_timers_for_run(&mut self, run_id: Uuid, kind: Option<&str>) -> Result<u64>;

    /// Claims up to `limit` timers that are due at `now_ms` (pending with `due_at_ms <= now_ms`,
    /// or claimed with a lease that has run out), earliest first, each for `lease_ms`. Two
    /// callers never get the same timer within one lease, even from two processes.
    fn claim_due_timers(&mut self, now_ms: i64, limit: u32, lease_ms: i64) -> Result<Vec<Timer>>;

    /// Marks a pending or claimed timer done; `false` if it was already done or cancelled.
    fn complete_timer(&mut self, id: TimerId) -> Result<bool>;

    fn get_timer(&mut self, id: TimerId) -> Result<Option<Timer>>;

    /// Every timer of a run, in the order they were scheduled.
    fn timers_for_run(&mut self, run_id: Uuid) -> Result<Vec<Timer>>;

    /// The earliest time at which [`TimerQueue::claim_due_timers`] will return something (a
    /// pending timer's due time or a claim's lease expiry), if any: how long a scheduler may
    /// sleep, unless a new timer is scheduled meanwhile.
    fn next_claimable_timer_at(&mut self) -> Result<Option<i64>>;

    /// Ends the lease of every claimed timer at `now_ms`, making it claimable at once; returns
    /// how many. Only for a holder known to be dead: a server restarting on a database no other
    /// process uses (SQLite) need not wait out the leases of its own previous life.
    fn end_timer_leases(&mut self, now_ms: i64) -> Result<u64>;
}
