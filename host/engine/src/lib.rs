//! symflow's decision logic for `sym:template:approval:1.0.0`, with no I/O.
//!
//! The engine decides; adapters act. A host feeds an [`Input`] (a request, a click, a
//! timer, a flow call's answer) and the current time into [`Engine::step`], gets back
//! a list of [`Effect`]s (call the flow's Python, post or update a Slack card, DM,
//! set a timer, append an audit event, persist), carries them out in order, and
//! feeds the answers back as further inputs. No clock, no randomness, no network:
//! the same code runs in the native server and in the Spin component
//! (`wasm32-wasip2`).
//!
//! ```text
//! Input ──► Engine::step(&mut Run, input, now) ──► [Persist, PostCard.., Audit.., CallFlow]
//!              ▲                                                    │
//!              └──────── Input::FlowReturned / CardPosted ◄─────────┘ (adapter)
//! ```
//!
//! ## The driver loop an adapter writes
//!
//! ```
//! use std::collections::VecDeque;
//! use symflow_engine::*;
//!
//! // What the adapter plugs in (sandbox, Slack, store, scheduler); stubs here.
//! fn call_flow(call: FlowCall, _event: &EventInfo) -> Result<FlowValue, FlowError> {
//!     match call {
//!         FlowCall::GetRequestNotifications => Ok(FlowValue::Notifications(vec![Notification {
//!             destinations: vec![RequestDestination::new(Destination::SlackChannel("#sym-requests".into()))],
//!             timeout: None,
//!         }])),
//!         FlowCall::On(_) => Ok(FlowValue::Transition(None)),
//!         FlowCall::Escalate | FlowCall::Deescalate => Ok(FlowValue::StepOutput(None)),
//!         _ => Ok(FlowValue::Done),
//!     }
//! }
//!
//! fn drive(engine: &Engine, run: &mut Run, input: Input, now: Timestamp) {
//!     let mut queue = VecDeque::from([input]);
//!     while let Some(input) = queue.pop_front() {
//!         for effect in engine.step(run, input, now) {
//!             match effect {
//!                 Effect::Persist => { /* store.save(run) — in one transaction */ }
//!                 Effect::CallFlow { call, event } => {
//!                     let result = call_flow(call, &event); // sandbox: fresh instance per event
//!                     queue.push_back(Input::FlowReturned { call, result });
//!                 }
//!                 Effect::PostCard { notification_index, destination_index, destination: _ } => {
//!                     // let card = views::approval_card(engine.spec(), run, None);
//!                     // chat.postMessage(destination, card.text, card.blocks) → (channel, ts) or error
//!                     let message = MessageRef { channel: "C1".into(), ts: "1.0".into() };
//!                     queue.push_back(Input::CardPosted { notification_index, destination_index, message });
//!                 }
//!                 Effect::UpdateCard { message: _ } => { /* views::approval_card(spec, run, Some(&message)) → chat.update */ }
//!                 Effect::ShowRequestModal { .. } => { /* views::request_modal → views.open / views.update */ }
//!                 Effect::DirectMessage { .. } => { /* DM the requester */ }
//!                 Effect::TellActor { .. } => { /* ephemeral / API response */ }
//!                 Effect::ReportError(_report) => { /* post report.text (+ traceback) to the error channel */ }
//!                 Effect::SetTimer(_timer) => { /* upsert by timer.id */ }
//!                 Effect::CancelTimer { .. } => { /* delete by id */ }
//!                 Effect::Audit { .. } => { /* append to the event log, stream to log destinations */ }
//!             }
//!         }
//!     }
//! }
//!
//! let mut spec = FlowSpec::new("approval", "acme:flow:approval:latest");
//! spec.handlers.insert("get_request_notifications".into());
//! let engine = Engine::new(spec);
//! let mut run = engine.new_run("3f1c…", Timestamp(1_700_000_000_000));
//! let alice = Actor {
//!     user_id: "u-alice".into(), email: "alice@example.com".into(), username: "alice@example.com".into(),
//!     name: "Alice".into(), role: Role::Member, slack_user_id: Some("UALICE".into()), slack_team_id: None,
//! };
//! let now = Timestamp(1_700_000_000_000);
//! drive(&engine, &mut run, Input::Request {
//!     actor: alice, source: Source::Slack, fields: Default::default(), context: None, channel: None,
//! }, now);
//! assert_eq!(run.status, RunStatus::Pending);
//! ```
//!
//! Hold a per-run lock around `drive` (or let inputs queue on the run: the engine
//! keeps inputs that arrive during a flow call in `run.inbox`). After a restart call
//! [`Engine::resume`] for runs with `in_flight` set, and feed due timers as
//! [`Input::TimerFired`]: stale or repeated timers are no-ops.
//!
//! Modules, one job each: [`spec`] (the flow as the engine sees it), [`flow`] (calls
//! into the flow's Python and their answers), [`run`] (the persisted run), [`machine`]
//! (the state machine), [`permissions`], [`notifications`], [`duration`], [`fields`],
//! [`audit`], [`text`] (every sentence shown to people), [`views`] (Slack Block Kit),
//! [`returned`] (what a flow returned, decoded and bounded before it is trusted).

pub mod audit;
pub mod duration;
pub mod effects;
pub mod fields;
pub mod flow;
pub mod machine;
pub mod notifications;
pub mod permissions;
pub mod returned;
pub mod run;
pub mod spec;
pub mod text;
pub mod time;
pub mod views;

pub use duration::{format_duration, humanize_duration, parse_duration, DurationError};
pub use effects::{
    Action, DmKind, Effect, ErrorReport, EventInfo, Input, MessageRef, Refusal, TellReason, Timer,
    TimerKind,
};
pub use fields::{validate_fields, FieldError};
pub use flow::{
    Approvers, ChannelType, Destination, ErrorKind, FlowCall, FlowError, FlowValue, ForwardContext,
    Notification, Permission, RequestDestination, RequestPermission, Step, Transition,
};
pub use machine::Engine;
pub use permissions::{ApprovalRule, RuleOrigin, SelfApproval};
pub use run::{DeescalateType, PostedMessage, Run, RunStatus, StepRecord};
pub use spec::{
    Actor, FieldType, FlowSpec, PromptFieldSpec, Role, Source, TargetSpec, TEMPLATE_SRN,
};
pub use time::Timestamp;
