//! One transaction over the whole store, whatever the backend: every state change of symflow is
//! one call of [`crate::Store::transaction`], so it lands whole or not at all. [`Transition`]
//! bundles the usual shape of a run's step (new run state + events + timers + outbox items) into
//! one atomic operation.

use uuid::Uuid;

use crate::api::{ApiRecords, LogCursors};
use crate::deliveries::DeliveryLog;
use crate::events::{EventLog, EventRecord, NewEvent};
use crate::kv::KeyValueStore;
use crate::outbox::{NewOutboxItem, Outbox, OutboxItemId};
use crate::runs::{RunChange, RunStore};
use crate::timers::{NewTimer, TimerId, TimerQueue};
use crate::users::UserDirectory;
use crate::Result;

/// Everything the store can do inside one transaction. A backend (SQLite today, PostgreSQL
/// later) implements each part; callers get `&mut dyn Transaction` and call any part's methods
/// on it directly.
pub trait Transaction:
    RunStore
    + EventLog
    + UserDirectory
    + TimerQueue
    + DeliveryLog
    + KeyValueStore
    + Outbox
    + ApiRecords
    + LogCursors
{
    /// Applies one step of a run atomically (within the enclosing transaction): checks and bumps
    /// the run's version, appends the events, completes the timer or outbox item that caused the
    /// step, cancels timers (all of the run's open timers if the step finishes the run), schedules
    /// timers, and enqueues the effects. Any failure fails the whole transaction.
    fn apply_transition(&mut self, transition: &Transition) -> Result<AppliedTransition> {
        let new_version = self.update_run(
            transition.run_id,
            transition.expected_version,
            &transition.change,
        )?;
        let mut events = Vec::with_capacity(transition.events.len());
        for event in &transition.events {
            events.push(self.append_event(event)?);
        }
        if let Some(timer) = transition.complete_timer {
            self.complete_timer(timer)?;
        }
        if let Some(item) = transition.complete_outbox_item {
            self.mark_outbox_done(item)?;
        }
        if transition.change.finished {
            self.cancel_timers_for_run(transition.run_id, None)?;
        }
        for kind in &transition.cancel_timer_kinds {
            self.cancel_timers_for_run(transition.run_id, Some(kind))?;
        }
        let mut timers = Vec::with_capacity(transition.schedule_timers.len());
        for timer in &transition.schedule_timers {
            timers.push(self.schedule_timer(timer)?);
        }
        let mut outbox = Vec::with_capacity(transition.outbox.len());
        for item in &transition.outbox {
            outbox.push(self.enqueue_outbox(item)?);
        }
        Ok(AppliedTransition {
            new_version,
            events,
            timers,
            outbox,
        })
    }
}

/// One step of a run, applied by [`Transaction::apply_transition`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    pub run_id: Uuid,
    /// The version the engine read the run at; the step fails with
    /// [`crate::Error::Conflict`] if the run moved since.
    pub expected_version: i64,
    pub change: RunChange,
    /// Appended in order.
    pub events: Vec<NewEvent>,
    /// The timer whose firing caused this step, marked done with it, so the step happens once
    /// even though timers fire at least once.
    pub complete_timer: Option<TimerId>,
    /// The outbox item whose handling caused this step (e.g. a queued Slack interaction), marked
    /// done with it, for the same reason.
    pub complete_outbox_item: Option<OutboxItemId>,
    /// Kinds of the run's timers to cancel (e.g. `notification_timeout` once a decision is made).
    pub cancel_timer_kinds: Vec<String>,
    pub schedule_timers: Vec<NewTimer>,
    /// Effects to carry out after commit.
    pub outbox: Vec<NewOutboxItem>,
}

impl Transition {
    /// A step that only changes the run; add the rest with the public fields.
    pub fn new(run_id: Uuid, expected_version: i64, change: RunChange) -> Self {
        Transition {
            run_id,
            expected_version,
            change,
            events: Vec::new(),
            complete_timer: None,
            complete_outbox_item: None,
            cancel_timer_kinds: Vec::new(),
            schedule_timers: Vec::new(),
            outbox: Vec::new(),
        }
    }
}

/// What [`Transaction::apply_transition`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppliedTransition {
    pub new_version: i64,
    pub events: Vec<EventRecord>,
    pub timers: Vec<TimerId>,
    pub outbox: Vec<OutboxItemId>,
}
