//! What lets several `symflow up` replicas share one PostgreSQL database with no leader
//! (issue 8), in one place:
//!
//! - **Leases** ([`Leases`]): how long a claimed outbox item, a claimed timer and a run's flow
//!   call in flight belong to the replica that took them. A replica that dies (or stops) keeps
//!   its claims until they lapse; then another replica takes them over. Shorter leases recover
//!   sooner; a lease shorter than the work it covers lets a second replica start the same work
//!   while the first is still at it (its result is then dropped, see below, but a flow call
//!   would run twice).
//! - **Stalled runs** ([`RESUME_TIMER_KIND`]): while a run waits for a flow call, the store
//!   holds a timer of this kind, due when the call's lease lapses. The step that ends the call
//!   cancels it. If the replica running the call died, the timer fires on another replica,
//!   which re-issues the call (the engine's `resume`). On SQLite (one process owns the file)
//!   a restarted server also resumes such runs at once; on PostgreSQL it cannot tell a dead
//!   replica's runs from a live one's, so only the timers resume them.
//! - **Conflicts** ([`is_conflict`]): each step of a run is committed against the version it
//!   read. A step that lost a race with another replica's step on the same run is decided
//!   again on the run as it is now (the driver re-reads it); a step whose cause (a Slack
//!   request, a timer) another replica already acted on is dropped ([`Duplicate`]).
//! - Slack retries are de-duplicated in the store (the delivery log), so they are global.

use std::time::Duration;

/// The timer kind that resumes a run whose flow call was cut short by a dead replica.
pub const RESUME_TIMER_KIND: &str = "symflow.resume";

/// How long each kind of claim lasts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Leases {
    /// A claimed outbox item (a Slack request or an effect being carried out).
    pub outbox: Duration,
    /// A claimed timer being fired.
    pub timer: Duration,
    /// A run's flow call in flight: when another replica may resume the run.
    pub in_flight: Duration,
}

impl Default for Leases {
    fn default() -> Self {
        Leases {
            outbox: Duration::from_secs(60),
            timer: Duration::from_secs(120),
            in_flight: Duration::from_secs(120),
        }
    }
}

impl Leases {
    /// Every lease the same `duration` (tests and `--lease`).
    pub fn all(duration: Duration) -> Leases {
        Leases {
            outbox: duration,
            timer: duration,
            in_flight: duration,
        }
    }
}

pub fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

/// The cause of a step (a Slack request, a timer) was already acted on, by another replica or
/// by an earlier attempt that outlived its lease: the step is not taken again.
#[derive(Debug, thiserror::Error)]
#[error("already handled (by another replica, or by an earlier attempt)")]
pub struct Duplicate;

/// Whether `error` is the store saying another transaction changed the run first (a stale
/// version; on PostgreSQL also a deadlock or a lock wait that timed out).
pub fn is_conflict(error: &anyhow::Error) -> bool {
    error
        .downcast_ref::<symflow_store::Error>()
        .is_some_and(symflow_store::Error::is_conflict)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_stores_conflicts_count_as_conflicts() {
        let stale = symflow_store::Error::Conflict {
            run_id: uuid::Uuid::nil(),
            expected_version: 1,
            actual_version: 2,
        };
        assert!(is_conflict(&anyhow::Error::new(stale)));
        assert!(!is_conflict(&anyhow::anyhow!("something else")));
        assert!(!is_conflict(&anyhow::Error::new(Duplicate)));
    }
}
