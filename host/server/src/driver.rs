//! The driver loop: feeds one input to a run's engine, commits what the engine decided,
//! runs the flow call it asked for, feeds the answer back, and so on until the engine waits
//! for the outside world again.
//!
//! Each engine step is one store transaction ([`symflow_store::Transaction::apply_transition`]):
//! the new run state, its audit events, its timers, and its Slack effects as outbox items.
//! The first commit also marks done the outbox item or timer that caused the input, so a
//! retried delivery or a timer fired twice acts once. Flow calls run between commits,
//! outside any transaction; a crash during one leaves the run with `in_flight` set, and
//! [`crate::app::App::resume_unfinished`] asks the engine to re-issue it on the next start.
//!
//! One run is driven by one task at a time in this process ([`RunLocks`]). Across replicas
//! sharing a PostgreSQL database (issue 8, see [`crate::replicas`]) nothing is held between
//! steps; instead each commit checks the run's version, and a step that lost a race with
//! another replica's step on the same run is decided again on the run re-read
//! ([`MAX_CONFLICT_RETRIES`] times at most). The first commit also checks that its cause is
//! still open: a Slack request or timer that another replica already acted on is dropped
//! ([`Duplicate`]). While a flow call is in flight the run holds a resume timer
//! ([`RESUME_TIMER_KIND`]), so a replica that dies mid-call does not leave the run stuck.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use serde_json::Value;
use symflow_engine::{Effect, Input, Run, Timer, TimerKind, Timestamp};
use symflow_store::{
    NewEvent, NewOutboxItem, NewRun, NewTimer, OutboxItemId, RunChange, TimerId, Transaction,
    Transition, DEFAULT_TENANT,
};
use uuid::Uuid;

use crate::app::App;
use crate::flow_calls::EventSlot;
use crate::flows::RuntimeFlow;
use crate::replicas::{is_conflict, millis, Duplicate, RESUME_TIMER_KIND};
use crate::work::{Origin, Work};

/// What caused the input; completed together with the first step it causes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    Outbox(OutboxItemId),
    Timer(TimerId),
    /// Nothing to complete: start-up resumption, or the caller completes its own item.
    Untracked,
}

/// The run an input is for.
pub enum RunRef {
    Existing(Uuid),
    /// A run the input starts (prompt or request); stored with its first step.
    New {
        id: Uuid,
        flow: Arc<RuntimeFlow>,
        requester: Uuid,
    },
}

impl RunRef {
    fn id(&self) -> Uuid {
        match self {
            RunRef::Existing(id) | RunRef::New { id, .. } => *id,
        }
    }
}

/// How many times one input is decided again after losing a race with another replica.
pub const MAX_CONFLICT_RETRIES: u32 = 10;

/// What a commit does with the run's resume timer ([`RESUME_TIMER_KIND`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum ResumeGuard {
    #[default]
    Keep,
    /// A flow call starts: (re)schedule it.
    Refresh,
    /// The call ended: cancel it.
    Clear,
}

/// The first thing to do with the run.
#[derive(Clone)]
pub enum Next {
    Input(Box<Input>),
    /// After a restart: re-issue the flow call the run was waiting for.
    Resume,
}

impl Next {
    pub fn input(input: Input) -> Next {
        Next::Input(Box::new(input))
    }
}

/// One async mutex per run that is being driven.
#[derive(Default)]
pub struct RunLocks {
    locks: Mutex<HashMap<Uuid, Arc<tokio::sync::Mutex<()>>>>,
}

pub struct RunGuard<'a> {
    locks: &'a RunLocks,
    id: Uuid,
    guard: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl Drop for RunGuard<'_> {
    fn drop(&mut self) {
        self.guard.take();
        let mut locks = self.locks.locks.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(lock) = locks.get(&self.id) {
            // Only the map holds it: nobody is waiting.
            if Arc::strong_count(lock) == 1 {
                locks.remove(&self.id);
            }
        }
    }
}

impl RunLocks {
    pub async fn lock(&self, id: Uuid) -> RunGuard<'_> {
        let lock = {
            let mut locks = self.locks.lock().unwrap_or_else(|e| e.into_inner());
            locks.entry(id).or_default().clone()
        };
        let guard = lock.lock_owned().await;
        RunGuard {
            locks: self,
            id,
            guard: Some(guard),
        }
    }
}

/// What one engine step asks to write.
#[derive(Default)]
struct Batch {
    persist: bool,
    events: Vec<Value>,
    /// Timer kinds touched by the step, and the timer each ends up with (`None`: cancelled).
    timers: BTreeMap<String, Option<Timer>>,
    outbox: Vec<Work>,
    /// The run's resume timer.
    resume: ResumeGuard,
}

pub fn now() -> Timestamp {
    Timestamp(u64::try_from(symflow_store::now_ms()).unwrap_or(0))
}

/// `<run id>/deescalate` → `deescalate`: the store keys timers by run and kind.
fn timer_kind(run_id: &str, timer_id: &str) -> String {
    timer_id
        .strip_prefix(run_id)
        .and_then(|rest| rest.strip_prefix('/'))
        .unwrap_or(timer_id)
        .to_string()
}

impl App {
    /// Drives `target` from `first` until the engine waits again. Errors are the store's
    /// (the cause then stays claimed and is handed out again after its lease).
    pub async fn drive(
        self: &Arc<Self>,
        target: RunRef,
        first: Next,
        origin: Origin,
        cause: Cause,
    ) -> anyhow::Result<()> {
        let run_id = target.id();
        let _guard = self.run_locks.lock(run_id).await;
        let (flow, mut run, mut version, requester) = match target {
            RunRef::Existing(id) => {
                let record = self
                    .store
                    .transaction_async(move |tx| tx.get_run(id))
                    .await?;
                let Some(record) = record else {
                    tracing::warn!(run = %id, "input for a run that does not exist; dropped");
                    self.complete(cause).await?;
                    return Ok(());
                };
                let Some(flow) = self.flows.get(&record.flow).cloned() else {
                    tracing::warn!(run = %id, flow = %record.flow, "the run's flow is no longer configured; input dropped");
                    self.complete(cause).await?;
                    return Ok(());
                };
                let run = Run::from_json(&record.state_json)?;
                (flow, run, Some(record.version), record.requester_user_id)
            }
            RunRef::New {
                id,
                flow,
                requester,
            } => {
                let run = flow.engine.new_run(id.to_string(), now());
                (flow, run, None, requester)
            }
        };

        let mut queue = VecDeque::from([first]);
        let mut cause = Some(cause);
        let mut slot = EventSlot::default();
        // A stored run waiting for a call holds a resume timer.
        let mut guarded = run.in_flight.is_some();
        let mut conflicts = 0;
        while let Some(next) = queue.pop_front() {
            let retry = next.clone();
            let at = now();
            let effects = match next {
                Next::Input(input) => flow.engine.step(&mut run, *input, at),
                Next::Resume => flow.engine.resume(&mut run, at),
            };
            let mut batch = Batch::default();
            let mut call = None;
            for effect in effects {
                match effect {
                    Effect::Persist => batch.persist = true,
                    Effect::Audit { event } => batch.events.push(event),
                    Effect::SetTimer(timer) => {
                        let kind = timer_kind(&run.id, &timer.id);
                        batch.timers.insert(kind, Some(timer));
                    }
                    Effect::CancelTimer { id } => {
                        batch.timers.insert(timer_kind(&run.id, &id), None);
                    }
                    Effect::CallFlow { call: c, event } => call = Some((c, event)),
                    other => batch.outbox.push(Work::Effect {
                        run_id: None, // set at commit, once it is known the run is stored
                        flow: flow.name().to_string(),
                        effect: other,
                        origin: origin.clone(),
                    }),
                }
            }
            let guard = if call.is_some() {
                ResumeGuard::Refresh
            } else if guarded && batch.persist {
                ResumeGuard::Clear
            } else {
                ResumeGuard::Keep
            };
            batch.resume = guard;
            let step_cause = cause.take();
            let committed = self
                .commit(&run, flow.name(), version, requester, batch, step_cause)
                .await;
            match committed {
                Ok(new_version) => version = new_version,
                Err(e) if e.is::<Duplicate>() => {
                    tracing::info!(run = %run_id, cause = ?step_cause, "input dropped: {e}");
                    return Ok(());
                }
                Err(e) if is_conflict(&e) && conflicts < MAX_CONFLICT_RETRIES => {
                    conflicts += 1;
                    tracing::info!(run = %run_id, attempt = conflicts, "the run moved on meanwhile (another replica's step): deciding again on the run as it is now");
                    let Some(record) = self
                        .store
                        .transaction_async(move |tx| tx.get_run(run_id))
                        .await?
                    else {
                        anyhow::bail!("run {run_id} disappeared while it was being driven");
                    };
                    run = Run::from_json(&record.state_json)?;
                    version = Some(record.version);
                    guarded = run.in_flight.is_some();
                    cause = step_cause;
                    queue.push_front(retry);
                    continue;
                }
                Err(e) => return Err(e),
            }
            match guard {
                ResumeGuard::Refresh => guarded = true,
                ResumeGuard::Clear => guarded = false,
                ResumeGuard::Keep => {}
            }
            if let Some((call, event)) = call {
                let result = self.runner.call(&flow, &run, call, &event, &mut slot).await;
                queue.push_back(Next::input(Input::FlowReturned { call, result }));
            }
        }
        Ok(())
    }

    /// Marks `cause` done on its own (the input changed nothing).
    pub async fn complete(&self, cause: Cause) -> anyhow::Result<()> {
        self.store
            .transaction_async(move |tx| complete_in(tx, Some(cause)).map(|_| ()))
            .await?;
        Ok(())
    }

    async fn commit(
        self: &Arc<Self>,
        run: &Run,
        flow: &str,
        version: Option<i64>,
        requester: Uuid,
        batch: Batch,
        cause: Option<Cause>,
    ) -> anyhow::Result<Option<i64>> {
        let guard = batch.resume;
        let run_id = Uuid::parse_str(&run.id)?;
        let state_json = run.to_json();
        let status = run.status.as_str().to_string();
        let finished = run.is_finished();
        let flow = flow.to_string();
        let wakes_worker = !batch.outbox.is_empty();
        let touches_timers = !batch.timers.is_empty();
        let at_ms = symflow_store::now_ms();
        let resume_at_ms = at_ms.saturating_add(millis(self.leases.in_flight));
        let new_version = self
            .store
            .transaction_async(move |tx| -> anyhow::Result<Option<i64>> {
                let stored = version.is_some() || batch.persist;
                let outbox: Vec<NewOutboxItem> = batch
                    .outbox
                    .into_iter()
                    .map(|mut work| {
                        if let Work::Effect { run_id: r, .. } = &mut work {
                            *r = stored.then_some(run_id);
                        }
                        NewOutboxItem {
                            tenant: DEFAULT_TENANT.to_string(),
                            run_id: work.ordered_by_run(),
                            kind: work.kind(),
                            payload_json: work.to_json(),
                        }
                    })
                    .collect();
                let mut events = Vec::with_capacity(batch.events.len());
                for event in batch.events {
                    events.push(new_event(tx, run_id, event, at_ms)?);
                }
                // Checked first: a cause another replica already acted on changes nothing.
                if !complete_in(tx, cause)? {
                    return Err(Duplicate.into());
                }
                let resume_timer = NewTimer {
                    run_id,
                    kind: RESUME_TIMER_KIND.to_string(),
                    due_at_ms: resume_at_ms,
                    payload_json: "{}".to_string(),
                };
                if !batch.persist {
                    if version.is_some() {
                        for event in &events {
                            tx.append_event(event)?;
                        }
                        if guard != ResumeGuard::Keep {
                            tx.cancel_timers_for_run(run_id, Some(RESUME_TIMER_KIND))?;
                        }
                        if guard == ResumeGuard::Refresh {
                            tx.schedule_timer(&resume_timer)?;
                        }
                    }
                    for item in &outbox {
                        tx.enqueue_outbox(item)?;
                    }
                    return Ok(version);
                }
                let expected_version = match version {
                    Some(v) => v,
                    None => {
                        tx.create_run(&NewRun {
                            id: run_id,
                            tenant: DEFAULT_TENANT.to_string(),
                            flow,
                            status: status.clone(),
                            requester_user_id: requester,
                            state_json: state_json.clone(),
                        })?
                        .version
                    }
                };
                let mut transition = Transition::new(
                    run_id,
                    expected_version,
                    RunChange {
                        status,
                        finished,
                        state_json,
                    },
                );
                transition.events = events;
                transition.outbox = outbox;
                for (kind, timer) in batch.timers {
                    if let Some(timer) = timer {
                        transition.schedule_timers.push(NewTimer {
                            run_id,
                            kind: kind.clone(),
                            due_at_ms: i64::try_from(timer.at.0).unwrap_or(i64::MAX),
                            payload_json: serde_json::to_string(&timer.kind)?,
                        });
                    }
                    transition.cancel_timer_kinds.push(kind);
                }
                if guard != ResumeGuard::Keep && !finished {
                    transition
                        .cancel_timer_kinds
                        .push(RESUME_TIMER_KIND.to_string());
                }
                if guard == ResumeGuard::Refresh {
                    transition.schedule_timers.push(resume_timer);
                }
                let applied = tx.apply_transition(&transition)?;
                Ok(Some(applied.new_version))
            })
            .await?;
        if wakes_worker {
            self.work_ready.notify_one();
        }
        if touches_timers {
            self.timers_changed.notify_one();
        }
        Ok(new_version)
    }
}

/// Marks `cause` done; `false` if it was done (or cancelled) already, i.e. acted on by another
/// replica or an earlier attempt.
fn complete_in(tx: &mut dyn Transaction, cause: Option<Cause>) -> symflow_store::Result<bool> {
    match cause {
        Some(Cause::Outbox(item)) => tx.mark_outbox_done(item),
        Some(Cause::Timer(timer)) => tx.complete_timer(timer),
        Some(Cause::Untracked) | None => Ok(true),
    }
}

/// An engine audit event as a row of the store's event log. The event gets a UUID (spec §7
/// `id`), replacing the engine's sequence-based id.
fn new_event(
    tx: &mut dyn Transaction,
    run_id: Uuid,
    mut event: Value,
    at_ms: i64,
) -> symflow_store::Result<NewEvent> {
    let id = Uuid::new_v4();
    event["id"] = Value::String(id.to_string());
    let event_type = event
        .pointer("/event/type")
        .and_then(Value::as_str)
        .unwrap_or("unknown")
        .to_string();
    // "<org>:user:normal:<uuid>:latest"
    let actor_user_id = event
        .pointer("/actor/user")
        .and_then(Value::as_str)
        .and_then(|srn| srn.split(':').nth(3))
        .and_then(|id| Uuid::parse_str(id).ok());
    let actor_user_id = match actor_user_id {
        Some(id) if tx.get_user(id)?.is_some() => Some(id),
        _ => None,
    };
    let target_id = event
        .pointer("/fields/target_id")
        .and_then(Value::as_str)
        .map(str::to_string);
    let errored = event.pointer("/state/status").and_then(Value::as_str) == Some("error");
    Ok(NewEvent {
        id,
        run_id,
        event_type,
        actor_user_id,
        target_id,
        errored,
        occurred_at_ms: at_ms,
        event_json: event.to_string(),
    })
}

/// A stored timer's payload back as the engine's timer kind.
pub fn timer_kind_of(payload_json: &str) -> Option<TimerKind> {
    serde_json::from_str(payload_json).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timer_kinds_are_the_engine_ids_without_the_run() {
        assert_eq!(timer_kind("r1", "r1/deescalate"), "deescalate");
        assert_eq!(timer_kind("r1", "r1/notification/2"), "notification/2");
    }

    #[test]
    fn timer_payloads_round_trip() {
        let kind = TimerKind::NotificationTimeout { index: 1 };
        let json = serde_json::to_string(&kind).unwrap();
        assert_eq!(timer_kind_of(&json), Some(kind));
    }
}
