//! The audit trail: an append-only log of what happened in each run (spec §7 event JSON), with
//! a gap-free sequence number per run. There is no API to change or remove an event, and the
//! SQLite schema refuses UPDATE and DELETE on the table with triggers.

use uuid::Uuid;

use crate::Result;

/// An event to append to a run's log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvent {
    /// The event's id, the same as `id` inside `event_json`.
    pub id: Uuid,
    pub run_id: Uuid,
    /// The step name: `prompt`, `request`, `approve`, `escalate`, ...
    pub event_type: String,
    /// Who acted; `None` for nobody in particular.
    pub actor_user_id: Option<Uuid>,
    /// The access target the event is about, when there is one (for `get_event_count`'s
    /// `filter_on="target"`).
    pub target_id: Option<String>,
    /// True if handling the event failed (spec §7 `state.errors` not empty).
    pub errored: bool,
    /// When it happened, unix milliseconds.
    pub occurred_at_ms: i64,
    /// The event in spec §7 shape.
    pub event_json: String,
}

/// An event as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRecord {
    /// Position in the whole log, increasing with every append: a cursor for streaming events
    /// to log destinations.
    pub position: i64,
    pub id: Uuid,
    pub run_id: Uuid,
    /// 1, 2, 3, ... within the run, with no gaps.
    pub seq: i64,
    pub event_type: String,
    pub actor_user_id: Option<Uuid>,
    pub target_id: Option<String>,
    pub errored: bool,
    pub occurred_at_ms: i64,
    pub event_json: String,
}

/// Which events [`EventLog::count_events`] counts, as `User.get_event_count` asks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventCountQuery {
    /// Events this user acted in.
    pub actor_user_id: Uuid,
    /// Of this step (`request`, `approve`, ...).
    pub event_type: String,
    pub scope: EventCountScope,
    /// Inclusive lower bound on `occurred_at_ms`.
    pub since_ms: Option<i64>,
    /// Exclusive upper bound on `occurred_at_ms`.
    pub until_ms: Option<i64>,
    /// Count events whose handling failed too.
    pub include_errored: bool,
}

/// `filter_on` of `User.get_event_count`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventCountScope {
    /// Events of runs of this flow.
    Flow(String),
    /// Events about this access target.
    Target(String),
    /// Every event of the user.
    Any,
}

/// Appending to and reading the audit trail inside a transaction.
pub trait EventLog {
    /// Appends an event at the end of its run's log and returns it with its `seq` and
    /// `position`. [`crate::Error::NotFound`] if the run does not exist.
    fn append_event(&mut self, event: &NewEvent) -> Result<EventRecord>;

    /// A run's events in order.
    fn events_for_run(&mut self, run_id: Uuid) -> Result<Vec<EventRecord>>;

    /// Up to `limit` events with `position` greater than `after_position`, in order. Positions
    /// never show up out of order, so a cursor never skips an event; on PostgreSQL this waits
    /// for appends in flight, so call it in a transaction of its own.
    fn events_after(&mut self, after_position: i64, limit: u32) -> Result<Vec<EventRecord>>;

    /// How many events match (for `User.get_event_count`).
    fn count_events(&mut self, query: &EventCountQuery) -> Result<u64>;
}
