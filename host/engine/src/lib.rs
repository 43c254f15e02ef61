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
//! Modules, one job each: [`spec`] (the flow as the engine sees it), [`flow`] (calls
//! into the flow's Python and their answers), [`run`] (the persisted run), [`machine`]
//! (the state machine), [`permissions`], [`notifications`], [`duration`], [`fields`],
//! [`audit`], [`text`] (every sentence shown to people), [`views`] (Slack Block Kit).

pub mod audit;
pub mod duration;
pub mod effects;
pub mod fields;
pub mod flow;
pub mod machine;
pub mod notifications;
pub mod permissions;
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
