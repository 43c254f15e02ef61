//! The run state machine of `sym:template:approval:1.0.0` (spec §4): one input in,
//! a list of effects out, the run updated in place.
//!
//! Every template event is processed the same way:
//!
//! 1. checks (source, guest, permission, self-approval, status) for human actions;
//! 2. `on_<event>` if the flow defines it — it may return nothing (carry on), the same
//!    event (the recursion gate: carry on without calling the hook again), a later
//!    event (processed instead, with channel `sdk`), or `ignore(message)`;
//! 3. the built-in behaviour (reducers at request, strategy calls, cards, DMs, timers);
//! 4. `after_<event>` if defined;
//! 5. the next event, if one follows by itself (approve → escalate for strategy flows).
//!
//! A flow call suspends processing: the run records what it waits for (`in_flight`),
//! the step returns with [`Effect::CallFlow`] last, and [`Input::FlowReturned`] resumes.
//! Inputs arriving meanwhile are queued on the run and handled afterwards, in order.
//!
//! ## When the flow fails
//!
//! | failing handler | what happens to the run |
//! |---|---|
//! | `on_prompt`, `on_request`, `get_permissions`, `get_request_notifications`, `get_approvers` | `errored` (final); the requester is told |
//! | `on_approve`, `on_deny` | the click is refused, the run stays `pending`; the clicker is told |
//! | `on_escalate`, strategy `escalate` | `errored` (final): access was not granted; the requester is DMed |
//! | `on_deescalate` | reported; access is removed anyway |
//! | strategy `deescalate` | stays `escalated`; scheduled: retried 3 times with back-off, then `errored` ("remove access by hand"); revoke: the clicker is told to retry |
//! | `on_request_forward`, `on_request_expire` | reported; forwarding / expiry happens anyway |
//! | any `after_*` | reported; the run carries on (the event already happened) |
//!
//! Every failure is posted to the error channel with the flow, the run, what failed
//! and the Python error's last line.

use serde_json::{json, Map, Value};

use crate::audit;
use crate::effects::{
    Action, DmKind, Effect, ErrorReport, EventInfo, Input, MessageRef, Refusal, TellReason, Timer,
    TimerKind,
};
use crate::fields::{target_json, validate_fields};
use crate::flow::{
    ChannelType, ErrorKind, FlowCall, FlowError, FlowValue, ForwardContext, Notification, Step,
    Transition,
};
use crate::notifications;
use crate::permissions::{self, ApprovalRule};
use crate::run::{
    DeescalateType, DeliveryFailure, EventCtx, InFlight, PostedMessage, Run, RunError, RunStatus,
    StepRecord,
};
use crate::spec::{handler, Actor, FlowSpec, Role, Source};
use crate::text;
use crate::time::Timestamp;

/// Scheduled deescalation is retried this many times before the run is given up.
pub const MAX_DEESCALATE_ATTEMPTS: u32 = 3;
/// First retry delay after a failed scheduled deescalation; doubles each time.
pub const DEESCALATE_RETRY_SECS: u64 = 300;

/// The state machine of one flow. Cheap to keep one per flow; holds no run state.
#[derive(Debug, Clone)]
pub struct Engine {
    spec: FlowSpec,
}

impl Engine {
    pub fn new(spec: FlowSpec) -> Self {
        Engine { spec }
    }

    pub fn spec(&self) -> &FlowSpec {
        &self.spec
    }

    /// A fresh run of this flow (status `new`). Ids come from the adapter.
    pub fn new_run(&self, id: impl Into<String>, now: Timestamp) -> Run {
        Run::new(id, self.spec.name.clone(), now)
    }

    /// Feed one input; returns the effects to carry out, in order. `Persist` comes
    /// first when the run changed; `CallFlow`, when present, comes last.
    pub fn step(&self, run: &mut Run, input: Input, now: Timestamp) -> Vec<Effect> {
        let mut m = Machine {
            spec: &self.spec,
            run,
            now,
            fx: Vec::new(),
            changed: false,
        };
        m.input(input);
        m.drain_inbox();
        m.finish()
    }

    /// After a restart: re-issue the flow call the run was waiting for, or handle
    /// queued inputs. Flow handlers must therefore tolerate being called twice for
    /// one event (Sym requires strategies to be idempotent anyway).
    pub fn resume(&self, run: &mut Run, now: Timestamp) -> Vec<Effect> {
        let mut m = Machine {
            spec: &self.spec,
            run,
            now,
            fx: Vec::new(),
            changed: false,
        };
        if let Some(inflight) = m.run.in_flight.clone() {
            let event = m.event_info(&inflight.ctx);
            m.fx.push(Effect::CallFlow {
                call: inflight.call,
                event,
            });
        } else {
            m.drain_inbox();
        }
        m.finish()
    }
}

struct Machine<'a> {
    spec: &'a FlowSpec,
    run: &'a mut Run,
    now: Timestamp,
    fx: Vec<Effect>,
    changed: bool,
}

/// What a flow call returned, unwrapped to the shape the caller expected.
type Returned<T> = Result<T, FlowError>;

impl Machine<'_> {
    fn finish(mut self) -> Vec<Effect> {
        debug_assert!(
            self.fx
                .iter()
                .rev()
                .skip(1)
                .all(|e| !matches!(e, Effect::CallFlow { .. })),
            "CallFlow must be the last effect of a step"
        );
        if self.changed {
            self.run.updated_at = self.now;
            self.fx.insert(0, Effect::Persist);
        }
        self.fx
    }

    fn emit(&mut self, effect: Effect) {
        self.fx.push(effect);
    }

    fn busy(&self) -> bool {
        self.run.in_flight.is_some()
    }

    fn drain_inbox(&mut self) {
        while !self.busy() && !self.run.inbox.is_empty() {
            let next = self.run.inbox.remove(0);
            self.changed = true;
            self.input(next);
        }
    }

    // ----------------------------------------------------------------- inputs

    fn input(&mut self, input: Input) {
        match input {
            Input::FlowReturned { call, result } => self.flow_returned(call, result),
            Input::CardPosted {
                notification_index,
                destination_index,
                message,
            } => self.card_posted(notification_index, destination_index, message),
            Input::CardFailed {
                notification_index,
                destination_index,
                error,
            } => self.card_failed(notification_index, destination_index, error),
            other if self.busy() => {
                self.run.inbox.push(other);
                self.changed = true;
            }
            Input::Prompt {
                actor,
                source,
                channel,
            } => self.prompt(actor, source, channel),
            Input::PromptClosed { .. } => {
                if self.run.status == RunStatus::Prompting {
                    self.run.status = RunStatus::Ignored;
                    self.run.ended_at = Some(self.now);
                    self.changed = true;
                }
            }
            Input::Request {
                actor,
                source,
                fields,
                context,
                channel,
            } => self.request(actor, source, fields, context, channel),
            Input::Action {
                action,
                actor,
                source,
                decision_message,
                message,
            } => match action {
                Action::Approve | Action::Deny => {
                    self.decide(action, actor, source, decision_message, message)
                }
                Action::Revoke => self.revoke(actor, source, message),
            },
            Input::TimerFired { kind } => self.timer(kind),
        }
    }

    fn refuse(&mut self, to: &Actor, refusal: Refusal) {
        let text = text::refusal(self.spec, self.run, &refusal);
        self.emit(Effect::TellActor {
            to: to.clone(),
            text,
            reason: TellReason::Refused(refusal),
        });
    }

    /// Checks shared by prompt and request.
    fn check_requester(&mut self, actor: &Actor, source: Source) -> bool {
        if !self.spec.allows_source(source) {
            self.refuse(actor, Refusal::SourceNotAllowed { source });
            return false;
        }
        if actor.role == Role::Guest {
            self.refuse(actor, Refusal::GuestCannotRequest);
            return false;
        }
        true
    }

    fn prompt(&mut self, actor: Actor, source: Source, channel: Option<String>) {
        if self.run.status != RunStatus::New {
            self.refuse(&actor, Refusal::AlreadyStarted);
            return;
        }
        if !self.check_requester(&actor, source) {
            return;
        }
        self.changed = true;
        self.run.source = Some(source);
        self.run.source_channel = channel.clone();
        self.run.requester = Some(actor.clone());
        let ctx = self.ctx(Step::Prompt, actor, channel_of(source), channel);
        self.begin(ctx);
    }

    fn request(
        &mut self,
        actor: Actor,
        source: Source,
        fields: Map<String, Value>,
        context: Option<Value>,
        channel: Option<String>,
    ) {
        if !matches!(self.run.status, RunStatus::New | RunStatus::Prompting) {
            self.refuse(&actor, Refusal::AlreadyStarted);
            return;
        }
        if !self.check_requester(&actor, source) {
            return;
        }
        let fields = match validate_fields(self.spec, &fields) {
            Ok(f) => f,
            Err(errors) => {
                self.refuse(&actor, Refusal::InvalidFields { errors });
                return;
            }
        };
        self.changed = true;
        self.run.source = Some(source);
        if channel.is_some() {
            self.run.source_channel = channel.clone();
        }
        self.run.requester = Some(actor.clone());
        self.run.target_id = fields
            .get("target_id")
            .and_then(Value::as_str)
            .map(str::to_string);
        self.run.duration_secs = fields.get("duration").and_then(Value::as_u64);
        self.run.fields = fields;
        self.run.requested_at = Some(self.now);
        if let Some(context) = context {
            self.run.contexts.insert("request".into(), context);
        }
        let ctx = self.ctx(Step::Request, actor, channel_of(source), channel);
        self.begin(ctx);
    }

    fn decide(
        &mut self,
        action: Action,
        actor: Actor,
        source: Source,
        decision_message: Option<String>,
        message: Option<MessageRef>,
    ) {
        if self.run.status != RunStatus::Pending {
            let status = self.run.status.as_str().to_string();
            self.refuse(&actor, Refusal::NotActionable { status });
            return;
        }
        let approving = action == Action::Approve;
        let rule = self
            .run
            .approval_rule
            .clone()
            .unwrap_or_else(ApprovalRule::admin_default);
        let requester = self.requester();
        let clicked = message
            .as_ref()
            .and_then(|m| self.run.find_message(&m.channel, &m.ts))
            .map(|m| (m.notification_index, m.destination_index));
        let self_allowed = permissions::self_approval_allowed(
            &rule,
            &self.run.notifications,
            self.run.notification_index,
            clicked,
        );
        if let Err(refusal) = permissions::check_decision(
            self.spec,
            &rule,
            &actor,
            &requester,
            approving,
            self_allowed,
        ) {
            self.refuse(&actor, refusal);
            return;
        }
        self.changed = true;
        let step = if approving { Step::Approve } else { Step::Deny };
        let mut ctx = self.ctx(step, actor, channel_of(source), message.map(|m| m.channel));
        if let Some(msg) = decision_message
            .map(|m| m.trim().to_string())
            .filter(|m| !m.is_empty())
        {
            ctx.extra
                .insert("decision_message".into(), Value::String(msg));
        }
        self.begin(ctx);
    }

    fn revoke(&mut self, actor: Actor, source: Source, message: Option<MessageRef>) {
        if self.spec.allow_revoke && self.run.status != RunStatus::Escalated {
            let status = self.run.status.as_str().to_string();
            self.refuse(&actor, Refusal::NotActionable { status });
            return;
        }
        let requester = self.requester();
        let approver = self.run.approver().cloned();
        if let Err(refusal) =
            permissions::check_revoke(self.spec, &actor, &requester, approver.as_ref())
        {
            self.refuse(&actor, refusal);
            return;
        }
        self.changed = true;
        let mut ctx = self.ctx(
            Step::Deescalate,
            actor,
            channel_of(source),
            message.map(|m| m.channel),
        );
        ctx.deescalate_type = Some(DeescalateType::Revoke);
        self.begin(ctx);
    }

    fn timer(&mut self, kind: TimerKind) {
        match kind {
            TimerKind::Deescalate => {
                if self.run.status != RunStatus::Escalated {
                    return; // stale: already deescalated or ended
                }
                self.changed = true;
                let actor = self
                    .run
                    .approver()
                    .cloned()
                    .unwrap_or_else(|| self.requester());
                let mut ctx = self.ctx(Step::Deescalate, actor, ChannelType::Internal, None);
                ctx.deescalate_type = Some(DeescalateType::Scheduled);
                self.begin(ctx);
            }
            TimerKind::NotificationTimeout { index } => {
                if self.run.status != RunStatus::Pending || index != self.run.notification_index {
                    return; // stale: decided, or already moved on
                }
                self.changed = true;
                let requester = self.requester();
                let next = index + 1;
                if next < self.run.notifications.len() {
                    let mut ctx =
                        self.ctx(Step::RequestForward, requester, ChannelType::Internal, None);
                    ctx.forward = Some(ForwardContext {
                        all_destinations: self.run.notifications.clone(),
                        current_index: index,
                        next_index: Some(next),
                    });
                    self.begin(ctx);
                } else {
                    let ctx = self.ctx(Step::RequestExpire, requester, ChannelType::Internal, None);
                    self.begin(ctx);
                }
            }
        }
    }

    fn card_posted(
        &mut self,
        notification_index: usize,
        destination_index: usize,
        message: MessageRef,
    ) {
        let destination = self
            .run
            .notifications
            .get(notification_index)
            .and_then(|n| n.destinations.get(destination_index))
            .map(|d| d.destination.clone());
        let Some(destination) = destination else {
            return;
        };
        let posted = PostedMessage {
            notification_index,
            destination_index,
            destination,
            channel: message.channel,
            ts: message.ts,
        };
        if self
            .run
            .messages
            .iter()
            .any(|m| m.channel == posted.channel && m.ts == posted.ts)
        {
            return;
        }
        self.changed = true;
        // The run may have moved on while the card was being posted: bring it up to date.
        let stale = self.run.status != RunStatus::Pending
            || notification_index != self.run.notification_index;
        self.run.messages.push(posted.clone());
        if stale {
            self.emit(Effect::UpdateCard { message: posted });
        }
    }

    fn card_failed(&mut self, notification_index: usize, destination_index: usize, error: String) {
        let Some(notification) = self.run.notifications.get(notification_index).cloned() else {
            return;
        };
        let Some(dest) = notification.destinations.get(destination_index) else {
            return;
        };
        if self.run.delivery_failures.iter().any(|f| {
            f.notification_index == notification_index && f.destination_index == destination_index
        }) {
            return;
        }
        self.changed = true;
        self.run.delivery_failures.push(DeliveryFailure {
            notification_index,
            destination_index,
            error: error.clone(),
        });
        let all_failed = notifications::all_failed(
            &notification,
            notification_index,
            &self.run.delivery_failures,
        );
        let moves_on = all_failed
            && self.run.continue_on_delivery_failure
            && self.run.status == RunStatus::Pending
            && notification_index == self.run.notification_index;
        let consequence =
            text::delivery_consequence(self.run, notification_index, all_failed, moves_on);
        let report =
            text::delivery_report(self.spec, self.run, &dest.destination, &error, &consequence);
        self.emit(Effect::ReportError(report));
        if moves_on {
            // Same as that notification timing out; queued if a flow call is running.
            self.run.inbox.push(Input::TimerFired {
                kind: TimerKind::NotificationTimeout {
                    index: notification_index,
                },
            });
        }
    }

    // ------------------------------------------------------- event processing

    fn ctx(
        &self,
        step: Step,
        actor: Actor,
        channel: ChannelType,
        channel_id: Option<String>,
    ) -> EventCtx {
        EventCtx {
            step,
            actor,
            channel,
            channel_id,
            extra: Map::new(),
            gated: false,
            forward: None,
            deescalate_type: None,
        }
    }

    fn requester(&self) -> Actor {
        self.run
            .requester
            .clone()
            .expect("a run past `new` has a requester")
    }

    fn event_info(&self, ctx: &EventCtx) -> EventInfo {
        let mut fields = self.run.fields.clone();
        for (k, v) in &ctx.extra {
            fields.insert(k.clone(), v.clone());
        }
        if let Some(t) = ctx.deescalate_type {
            fields.insert("deescalate_type".into(), Value::String(t.as_str().into()));
        }
        EventInfo {
            name: ctx.step,
            actor: ctx.actor.clone(),
            channel: ctx.channel,
            channel_id: ctx.channel_id.clone(),
            fields,
            timestamp: self.now,
            forward: ctx.forward.clone(),
            target_id: self.run.target_id.clone(),
        }
    }

    fn call(&mut self, call: FlowCall, ctx: EventCtx) {
        let event = self.event_info(&ctx);
        self.run.in_flight = Some(InFlight { call, ctx });
        self.changed = true;
        self.emit(Effect::CallFlow { call, event });
    }

    /// Start processing an event: its `on_` hook, else its built-in behaviour.
    fn begin(&mut self, ctx: EventCtx) {
        let hook = ctx.step.on_hook();
        if !ctx.gated && self.spec.has_handler(&hook) {
            self.call(FlowCall::On(ctx.step), ctx);
        } else {
            self.default(ctx);
        }
    }

    fn flow_returned(&mut self, call: FlowCall, result: Result<FlowValue, FlowError>) {
        match &self.run.in_flight {
            Some(inflight) if inflight.call == call => {}
            _ => return, // a stale or duplicate answer
        }
        let InFlight { call, ctx } = self.run.in_flight.take().expect("checked above");
        self.changed = true;
        match call {
            FlowCall::On(_) => self.on_returned(ctx, expect_transition(&call, result)),
            FlowCall::GetPermissions => match expect_permissions(&call, result) {
                Ok(Some(permission)) => {
                    if let Err(message) = permissions::validate_permission(&permission) {
                        return self.fail(
                            ctx,
                            Some(call),
                            FlowError::new(ErrorKind::InvalidReturn, message),
                        );
                    }
                    self.run.approval_rule = Some(ApprovalRule::from_permissions(&permission));
                    self.request_notifications(ctx);
                }
                Ok(None) => self.request_notifications(ctx),
                Err(e) => self.fail(ctx, Some(call), e),
            },
            FlowCall::GetRequestNotifications | FlowCall::GetApprovers => {
                match expect_notifications(&call, result) {
                    Ok(Some((list, on_timeout, on_failure))) => {
                        if let Err(message) = notifications::validate(&list) {
                            return self.fail(
                                ctx,
                                Some(call),
                                FlowError::new(
                                    ErrorKind::InvalidReturn,
                                    format!("{} {message}", call.handler_name()),
                                ),
                            );
                        }
                        if self.run.approval_rule.is_none() {
                            self.run.approval_rule = Some(if call == FlowCall::GetApprovers {
                                ApprovalRule::legacy()
                            } else {
                                ApprovalRule::admin_default()
                            });
                        }
                        self.run.notifications = list;
                        self.run.continue_on_timeout = on_timeout;
                        self.run.continue_on_delivery_failure = on_failure;
                        self.post_request(ctx);
                    }
                    Ok(None)
                        if call == FlowCall::GetRequestNotifications
                            && self.spec.has_handler(handler::GET_APPROVERS) =>
                    {
                        self.call(FlowCall::GetApprovers, ctx)
                    }
                    Ok(None) => self.no_destinations(ctx),
                    Err(e) => self.fail(ctx, Some(call), e),
                }
            }
            FlowCall::Escalate => match expect_output(&call, result) {
                Ok(output) => self.escalated(ctx, output),
                Err(e) => self.fail(ctx, Some(call), e),
            },
            FlowCall::Deescalate => match expect_output(&call, result) {
                Ok(output) => self.deescalated(ctx, output),
                Err(e) => self.deescalate_failed(ctx, call, e),
            },
            FlowCall::After(_) => {
                match result {
                    Ok(_) => {}
                    Err(e) if e.kind == ErrorKind::NotDefined => {}
                    Err(e) => {
                        let consequence = text::after_hook_consequence(self.run);
                        self.report(&ctx, Some(&call), &e, &consequence);
                    }
                }
                self.then(ctx);
            }
        }
    }

    fn on_returned(&mut self, mut ctx: EventCtx, result: Returned<Option<Transition>>) {
        let call = FlowCall::On(ctx.step);
        let transition = match result {
            Ok(t) => t,
            Err(e) => return self.hook_failed(ctx, call, e),
        };
        ctx.gated = true;
        let Some(t) = transition else {
            return self.default(ctx);
        };
        if t.step == ctx.step {
            // Recursion gate: the hook asked for its own event; process it once.
            merge_kwargs(&mut ctx.extra, &t);
            return self.default(ctx);
        }
        if t.step == Step::Ignore && ignore_allowed(&ctx) {
            return self.ignore(ctx, t.message);
        }
        if !transition_allowed(ctx.step, t.step) {
            let message = text::invalid_transition(ctx.step, t.step);
            return self.hook_failed(ctx, call, FlowError::new(ErrorKind::InvalidReturn, message));
        }
        // Redirect: the hook fires a later event instead.
        if let Some(secs) = t.duration {
            self.run.duration_secs = Some(secs);
            self.run.fields.insert("duration".into(), json!(secs));
        }
        if let Some(srn) = &t.target_srn {
            if let Some(target) = self
                .spec
                .targets
                .iter()
                .find(|x| x.srn.eq_ignore_ascii_case(srn))
            {
                self.run.target_id = Some(target.id.clone());
                self.run
                    .fields
                    .insert("target_id".into(), Value::String(target.id.clone()));
                self.run.fields.insert("target".into(), target_json(target));
            }
        }
        let mut next = self.ctx(
            t.step,
            ctx.actor.clone(),
            ChannelType::Sdk,
            ctx.channel_id.clone(),
        );
        merge_kwargs(&mut next.extra, &t);
        if matches!(t.step, Step::Approve | Step::Deny)
            && !next.extra.contains_key("decision_message")
        {
            if let Some(reason) = t.kwargs.get("reason").and_then(Value::as_str) {
                next.extra
                    .insert("decision_message".into(), Value::String(reason.to_string()));
            }
        }
        self.begin(next);
    }

    /// The built-in behaviour of each event.
    fn default(&mut self, ctx: EventCtx) {
        match ctx.step {
            Step::Prompt => {
                self.run.status = RunStatus::Prompting;
                self.emit(Effect::ShowRequestModal {
                    actor: ctx.actor.clone(),
                });
                self.record(&ctx, None);
                self.after(ctx);
            }
            Step::Request => {
                if self.spec.has_handler(handler::GET_PERMISSIONS) {
                    self.call(FlowCall::GetPermissions, ctx);
                } else {
                    self.request_notifications(ctx);
                }
            }
            Step::Approve => self.approve(ctx),
            Step::Deny => self.deny(ctx),
            Step::Escalate => self.call(FlowCall::Escalate, ctx),
            Step::Deescalate => self.call(FlowCall::Deescalate, ctx),
            Step::RequestForward => self.forward(ctx),
            Step::RequestExpire => self.expire(ctx),
            Step::Ignore => self.ignore(ctx, None),
        }
    }

    fn request_notifications(&mut self, ctx: EventCtx) {
        if self.spec.has_handler(handler::GET_REQUEST_NOTIFICATIONS) {
            self.call(FlowCall::GetRequestNotifications, ctx);
        } else if self.spec.has_handler(handler::GET_APPROVERS) {
            self.call(FlowCall::GetApprovers, ctx);
        } else {
            self.no_destinations(ctx);
        }
    }

    fn no_destinations(&mut self, ctx: EventCtx) {
        let error = FlowError::new(
            ErrorKind::NotDefined,
            "the flow defines neither get_request_notifications nor get_approvers, so there is nowhere to send the request",
        );
        self.fail(ctx, None, error);
    }

    fn post_request(&mut self, ctx: EventCtx) {
        self.run.status = RunStatus::Pending;
        self.run.notification_index = 0;
        self.post_notification(0);
        if ctx.channel == ChannelType::Slack {
            let text = text::request_sent(self.spec, self.run);
            self.emit(Effect::TellActor {
                to: ctx.actor.clone(),
                text,
                reason: TellReason::Info,
            });
        }
        self.record(&ctx, None);
        self.after(ctx);
    }

    fn post_notification(&mut self, index: usize) {
        let Some(notification) = self.run.notifications.get(index).cloned() else {
            return;
        };
        for (d, dest) in notification.destinations.iter().enumerate() {
            self.emit(Effect::PostCard {
                notification_index: index,
                destination_index: d,
                destination: dest.destination.clone(),
            });
        }
        if let Some(secs) = notification
            .effective_timeout()
            .filter(|_| self.run.continue_on_timeout)
        {
            let kind = TimerKind::NotificationTimeout { index };
            self.emit(Effect::SetTimer(Timer {
                id: Timer::id_for(&self.run.id, kind),
                run_id: self.run.id.clone(),
                at: self.now.plus_secs(secs),
                kind,
            }));
        }
    }

    fn cancel_notification_timer(&mut self) {
        let kind = TimerKind::NotificationTimeout {
            index: self.run.notification_index,
        };
        let has_timer = self
            .run
            .notifications
            .get(self.run.notification_index)
            .and_then(Notification::effective_timeout)
            .is_some()
            && self.run.continue_on_timeout;
        if has_timer {
            self.emit(Effect::CancelTimer {
                id: Timer::id_for(&self.run.id, kind),
            });
        }
    }

    fn update_cards(&mut self) {
        for message in self.run.messages.clone() {
            self.emit(Effect::UpdateCard { message });
        }
    }

    fn dm_requester(&mut self, kind: DmKind) {
        let requester = self.requester();
        let text = text::dm(self.spec, self.run, kind);
        self.emit(Effect::DirectMessage {
            to: requester,
            kind,
            text,
        });
    }

    fn approve(&mut self, ctx: EventCtx) {
        if self.run.status == RunStatus::Pending {
            self.cancel_notification_timer();
        }
        self.run.status = RunStatus::Approved;
        self.run.decided_at = Some(self.now);
        self.run.decision_message = ctx
            .extra
            .get("decision_message")
            .and_then(Value::as_str)
            .map(str::to_string);
        self.record(&ctx, None);
        self.update_cards();
        if !self.spec.has_strategy {
            self.run.ended_at = Some(self.now);
            self.dm_requester(DmKind::Approved);
        }
        self.after(ctx);
    }

    fn deny(&mut self, ctx: EventCtx) {
        if self.run.status == RunStatus::Pending {
            self.cancel_notification_timer();
        }
        self.run.status = RunStatus::Denied;
        self.run.decided_at = Some(self.now);
        self.run.ended_at = Some(self.now);
        self.run.decision_message = ctx
            .extra
            .get("decision_message")
            .and_then(Value::as_str)
            .map(str::to_string);
        self.record(&ctx, None);
        self.update_cards();
        self.dm_requester(DmKind::Denied);
        self.after(ctx);
    }

    fn escalated(&mut self, ctx: EventCtx, output: Option<Value>) {
        self.run.status = RunStatus::Escalated;
        self.run.escalated_at = Some(self.now);
        if let Some(o) = &output {
            self.run.step_outputs.insert("escalate".into(), o.clone());
        }
        if self.spec.schedule_deescalation {
            if let Some(secs) = self.run.duration_secs {
                let at = self.now.plus_secs(secs);
                self.run.expires_at = Some(at);
                self.emit(Effect::SetTimer(Timer {
                    id: Timer::id_for(&self.run.id, TimerKind::Deescalate),
                    run_id: self.run.id.clone(),
                    at,
                    kind: TimerKind::Deescalate,
                }));
            }
        }
        self.record(&ctx, output);
        self.update_cards();
        self.dm_requester(DmKind::AccessGranted);
        self.after(ctx);
    }

    fn deescalated(&mut self, ctx: EventCtx, output: Option<Value>) {
        let kind = ctx.deescalate_type.unwrap_or(DeescalateType::Scheduled);
        self.run.status = RunStatus::Deescalated;
        self.run.deescalate_type = Some(kind);
        self.run.ended_at = Some(self.now);
        if let Some(o) = &output {
            self.run.step_outputs.insert("deescalate".into(), o.clone());
        }
        if self.spec.schedule_deescalation && self.run.expires_at.is_some() {
            self.emit(Effect::CancelTimer {
                id: Timer::id_for(&self.run.id, TimerKind::Deescalate),
            });
        }
        self.record(&ctx, output);
        self.update_cards();
        self.dm_requester(match kind {
            DeescalateType::Scheduled => DmKind::AccessExpired,
            DeescalateType::Revoke => DmKind::Revoked,
        });
        self.after(ctx);
    }

    fn deescalate_failed(&mut self, ctx: EventCtx, call: FlowCall, error: FlowError) {
        self.push_error(&ctx, Some(&call), &error);
        match ctx.deescalate_type {
            Some(DeescalateType::Revoke) => {
                let consequence = text::revoke_failed_consequence();
                self.report_only(&ctx, Some(&call), &error, &consequence);
                let text = text::revoke_failed_to_actor(self.spec);
                self.emit(Effect::TellActor {
                    to: ctx.actor.clone(),
                    text,
                    reason: TellReason::FlowFailed,
                });
            }
            _ => {
                self.run.deescalate_attempts += 1;
                let attempts = self.run.deescalate_attempts;
                if attempts < MAX_DEESCALATE_ATTEMPTS {
                    let delay = DEESCALATE_RETRY_SECS << (attempts - 1);
                    let at = self.now.plus_secs(delay);
                    self.emit(Effect::SetTimer(Timer {
                        id: Timer::id_for(&self.run.id, TimerKind::Deescalate),
                        run_id: self.run.id.clone(),
                        at,
                        kind: TimerKind::Deescalate,
                    }));
                    let consequence = text::deescalate_retry_consequence(attempts, at);
                    self.report_only(&ctx, Some(&call), &error, &consequence);
                } else {
                    self.run.status = RunStatus::Errored;
                    self.run.ended_at = Some(self.now);
                    self.update_cards();
                    let consequence = text::deescalate_gave_up_consequence(attempts);
                    self.report_only(&ctx, Some(&call), &error, &consequence);
                }
            }
        }
        self.audit(&ctx, Some(&error));
    }

    fn forward(&mut self, ctx: EventCtx) {
        let from = self.run.notification_index;
        let to = from + 1;
        self.run.notification_index = to;
        for message in self.run.messages.clone() {
            if message.notification_index == from {
                self.emit(Effect::UpdateCard { message });
            }
        }
        self.post_notification(to);
        self.record(&ctx, None);
        self.after(ctx);
    }

    fn expire(&mut self, ctx: EventCtx) {
        self.run.status = RunStatus::Expired;
        self.run.ended_at = Some(self.now);
        self.record(&ctx, None);
        self.update_cards();
        self.dm_requester(DmKind::RequestExpired);
        self.after(ctx);
    }

    fn ignore(&mut self, ctx: EventCtx, message: Option<String>) {
        let text = text::ignored(self.spec, ctx.step, message.as_deref());
        if matches!(ctx.step, Step::Prompt | Step::Request) {
            self.run.status = RunStatus::Ignored;
            self.run.ended_at = Some(self.now);
            self.run.ignore_message = message.clone();
        }
        let mut record = ctx.clone();
        record.step = Step::Ignore;
        if let Some(m) = &message {
            record
                .extra
                .insert("message".into(), Value::String(m.clone()));
        }
        self.record(&record, None);
        self.emit(Effect::TellActor {
            to: ctx.actor,
            text,
            reason: TellReason::Ignored,
        });
    }

    /// `after_<step>` if defined, then whatever follows.
    fn after(&mut self, ctx: EventCtx) {
        let hook = ctx.step.after_hook();
        if self.spec.has_handler(&hook) {
            self.call(FlowCall::After(ctx.step), ctx);
        } else {
            self.then(ctx);
        }
    }

    /// The event is fully processed: start the next one if it follows by itself.
    fn then(&mut self, ctx: EventCtx) {
        if ctx.step == Step::Approve
            && self.spec.has_strategy
            && self.run.status == RunStatus::Approved
        {
            // Escalation is system-fired, with the approver as actor (spec §4.1).
            let next = self.ctx(Step::Escalate, ctx.actor, ChannelType::Internal, None);
            self.begin(next);
        }
    }

    // ----------------------------------------------------------------- failures

    /// An `on_*` hook failed or returned something unusable.
    fn hook_failed(&mut self, mut ctx: EventCtx, call: FlowCall, error: FlowError) {
        if error.kind == ErrorKind::NotDefined {
            // The spec said the hook exists but the module disagrees: carry on without it.
            ctx.gated = true;
            return self.default(ctx);
        }
        match ctx.step {
            Step::Prompt | Step::Request | Step::Escalate => self.fail(ctx, Some(call), error),
            Step::Approve | Step::Deny => {
                self.push_error(&ctx, Some(&call), &error);
                let consequence = text::click_failed_consequence(ctx.step);
                self.report_only(&ctx, Some(&call), &error, &consequence);
                let text = text::click_failed_to_actor(self.spec, ctx.step, &call);
                self.emit(Effect::TellActor {
                    to: ctx.actor.clone(),
                    text,
                    reason: TellReason::FlowFailed,
                });
                self.audit(&ctx, Some(&error));
            }
            Step::Deescalate | Step::RequestForward | Step::RequestExpire | Step::Ignore => {
                self.push_error(&ctx, Some(&call), &error);
                let consequence = text::carried_on_consequence(ctx.step);
                self.report_only(&ctx, Some(&call), &error, &consequence);
                ctx.gated = true;
                self.default(ctx);
            }
        }
    }

    /// The run cannot go on: it ends `errored`, cleanly.
    fn fail(&mut self, ctx: EventCtx, call: Option<FlowCall>, error: FlowError) {
        self.push_error(&ctx, call.as_ref(), &error);
        let was_pending = self.run.status == RunStatus::Pending;
        if was_pending {
            self.cancel_notification_timer();
        }
        let access_step = ctx.step == Step::Escalate;
        self.run.status = RunStatus::Errored;
        self.run.ended_at = Some(self.now);
        self.update_cards();
        let consequence = text::failed_consequence(ctx.step);
        self.report_only(&ctx, call.as_ref(), &error, &consequence);
        let requester = self.requester();
        let human = matches!(ctx.channel, ChannelType::Slack | ChannelType::Sym);
        if human {
            let text = text::failed_to_actor(self.spec, self.run, ctx.step);
            self.emit(Effect::TellActor {
                to: ctx.actor.clone(),
                text,
                reason: TellReason::FlowFailed,
            });
        }
        if !(human && ctx.actor.is_same_user(&requester)) || access_step {
            self.dm_requester(DmKind::Failed);
        }
        self.audit(&ctx, Some(&error));
    }

    fn push_error(&mut self, ctx: &EventCtx, call: Option<&FlowCall>, error: &FlowError) {
        self.run.errors.push(RunError {
            at: self.now,
            step: ctx.step,
            call: call.cloned(),
            kind: Some(error.kind),
            headline: error.headline(),
            message: error.message.clone(),
        });
    }

    fn report(
        &mut self,
        ctx: &EventCtx,
        call: Option<&FlowCall>,
        error: &FlowError,
        consequence: &str,
    ) {
        self.push_error(ctx, call, error);
        self.report_only(ctx, call, error, consequence);
    }

    fn report_only(
        &mut self,
        ctx: &EventCtx,
        call: Option<&FlowCall>,
        error: &FlowError,
        consequence: &str,
    ) {
        let report: ErrorReport =
            text::error_report(self.spec, self.run, ctx, call, error, consequence);
        self.emit(Effect::ReportError(report));
    }

    // ------------------------------------------------------------- bookkeeping

    /// Record a processed event on the run and in the audit log.
    fn record(&mut self, ctx: &EventCtx, output: Option<Value>) {
        self.run
            .actors
            .insert(ctx.step.as_str().into(), ctx.actor.clone());
        let mut fields = ctx.extra.clone();
        if let Some(t) = ctx.deescalate_type {
            fields.insert("deescalate_type".into(), Value::String(t.as_str().into()));
        }
        let context = self.run.contexts.get(ctx.step.as_str()).cloned();
        self.run.history.push(StepRecord {
            event: ctx.step,
            actor: ctx.actor.clone(),
            channel: ctx.channel,
            fields,
            context,
            output,
            timestamp: self.now,
        });
        self.audit(ctx, None);
    }

    fn audit(&mut self, ctx: &EventCtx, error: Option<&FlowError>) {
        self.run.audit_seq += 1;
        let event = audit::event_json(self.spec, self.run, &self.event_info(ctx), error);
        self.emit(Effect::Audit { event });
    }
}

fn channel_of(source: Source) -> ChannelType {
    match source {
        Source::Slack => ChannelType::Slack,
        Source::Api => ChannelType::Sym,
    }
}

fn merge_kwargs(extra: &mut Map<String, Value>, t: &Transition) {
    for (k, v) in &t.kwargs {
        extra.insert(k.clone(), v.clone());
    }
}

/// Forward-only redirects an `on_*` hook may return (besides its own event and `ignore`).
pub fn transition_allowed(from: Step, to: Step) -> bool {
    matches!(
        (from, to),
        (Step::Request, Step::Approve)
            | (Step::Request, Step::Deny)
            | (Step::RequestForward, Step::Approve)
            | (Step::RequestForward, Step::Deny)
            | (Step::Approve, Step::Deny)
    )
}

/// `ignore` swallows a person's action; it cannot stop escalation, scheduled
/// deescalation, forwarding or expiry.
fn ignore_allowed(ctx: &EventCtx) -> bool {
    match ctx.step {
        Step::Prompt | Step::Request | Step::Approve | Step::Deny => true,
        Step::Deescalate => ctx.deescalate_type == Some(DeescalateType::Revoke),
        _ => false,
    }
}

fn wrong_shape(call: &FlowCall, got: &FlowValue, wanted: &str) -> FlowError {
    let got = match got {
        FlowValue::Permissions(_) => "a RequestPermission",
        FlowValue::Notifications(_) => "a list of Notification",
        FlowValue::Approvers(_) => "approvers",
        FlowValue::Transition(_) => "a transition",
        FlowValue::Done => "nothing",
        FlowValue::StepOutput(_) => "a dict",
    };
    FlowError::new(
        ErrorKind::InvalidReturn,
        format!("{} returned {got}; expected {wanted}", call.handler_name()),
    )
}

fn expect_transition(
    call: &FlowCall,
    r: Result<FlowValue, FlowError>,
) -> Returned<Option<Transition>> {
    match r {
        Ok(FlowValue::Transition(t)) => Ok(t),
        Ok(FlowValue::Done) => Ok(None),
        Ok(other) => Err(wrong_shape(
            call,
            &other,
            "None or ApprovalTemplate.<step>(...)",
        )),
        Err(e) => Err(e),
    }
}

/// `Ok(None)`: the reducer is not defined after all.
fn expect_permissions(
    call: &FlowCall,
    r: Result<FlowValue, FlowError>,
) -> Returned<Option<crate::flow::RequestPermission>> {
    match r {
        Ok(FlowValue::Permissions(p)) => Ok(Some(p)),
        Ok(other) => Err(wrong_shape(call, &other, "a RequestPermission")),
        Err(e) if e.kind == ErrorKind::NotDefined => Ok(None),
        Err(e) => Err(e),
    }
}

/// `Ok(Some((notifications, continue_on_timeout, continue_on_delivery_failure)))`;
/// `Ok(None)`: the reducer is not defined after all.
fn expect_notifications(
    call: &FlowCall,
    r: Result<FlowValue, FlowError>,
) -> Returned<Option<(Vec<Notification>, bool, bool)>> {
    match r {
        Ok(FlowValue::Notifications(list)) => Ok(Some((list, true, true))),
        Ok(FlowValue::Approvers(a)) => Ok(Some((
            a.notifications,
            a.continue_on_timeout,
            a.continue_on_delivery_failure,
        ))),
        Ok(other) => Err(wrong_shape(call, &other, "a list of Notification")),
        Err(e) if e.kind == ErrorKind::NotDefined => Ok(None),
        Err(e) => Err(e),
    }
}

fn expect_output(call: &FlowCall, r: Result<FlowValue, FlowError>) -> Returned<Option<Value>> {
    match r {
        Ok(FlowValue::StepOutput(o)) => Ok(o),
        Ok(FlowValue::Done) => Ok(None),
        Ok(other) => Err(wrong_shape(call, &other, "a dict or None")),
        Err(e) => Err(e),
    }
}
