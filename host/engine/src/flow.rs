//! What the engine asks of a flow's Python and what comes back.
//!
//! These mirror the `sym:flow` WIT contract (`guest-wit/wit/types.wit`): the engine
//! emits [`FlowCall`]s, the adapter runs them in the sandbox and feeds back a
//! [`FlowValue`] or a [`FlowError`]. Keeping the shapes here (not the wasmtime
//! bindings) is what lets the engine stay pure.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::spec::Actor;

/// A template step (`ApprovalTemplateStep`, spec §4.1), plus `ignore`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    Prompt,
    Request,
    RequestForward,
    RequestExpire,
    Approve,
    Deny,
    Escalate,
    Deescalate,
    Ignore,
}

impl Step {
    pub fn as_str(self) -> &'static str {
        match self {
            Step::Prompt => "prompt",
            Step::Request => "request",
            Step::RequestForward => "request_forward",
            Step::RequestExpire => "request_expire",
            Step::Approve => "approve",
            Step::Deny => "deny",
            Step::Escalate => "escalate",
            Step::Deescalate => "deescalate",
            Step::Ignore => "ignore",
        }
    }

    pub fn parse(name: &str) -> Option<Step> {
        Some(match name {
            "prompt" => Step::Prompt,
            "request" => Step::Request,
            "request_forward" => Step::RequestForward,
            "request_expire" => Step::RequestExpire,
            "approve" => Step::Approve,
            "deny" => Step::Deny,
            "escalate" => Step::Escalate,
            "deescalate" => Step::Deescalate,
            "ignore" => Step::Ignore,
            _ => return None,
        })
    }

    /// `on_<step>`.
    pub fn on_hook(self) -> String {
        format!("on_{}", self.as_str())
    }

    /// `after_<step>`.
    pub fn after_hook(self) -> String {
        format!("after_{}", self.as_str())
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `Channel.type` of an event (spec §5.5): who fired it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChannelType {
    /// A person in Slack.
    Slack,
    /// The Events API.
    Sym,
    /// Fired by a hook (`ApprovalTemplate.<step>()`).
    Sdk,
    /// Fired by symflow itself (escalate after approve, timers).
    Internal,
}

impl ChannelType {
    pub fn as_str(self) -> &'static str {
        match self {
            ChannelType::Slack => "slack",
            ChannelType::Sym => "sym",
            ChannelType::Sdk => "sdk",
            ChannelType::Internal => "internal",
        }
    }
}

/// One call into the flow's component. The adapter maps it onto the WIT export of
/// the same name and answers with [`crate::Input::FlowReturned`] carrying this value back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "call", content = "step", rename_all = "snake_case")]
pub enum FlowCall {
    GetPermissions,
    GetRequestNotifications,
    /// Legacy reducer (pre-2024).
    GetApprovers,
    /// `on_<step>`; answered with [`FlowValue::Transition`].
    On(Step),
    /// `after_<step>`; answered with [`FlowValue::Done`].
    After(Step),
    /// The strategy's `escalate(target_id, event)`; answered with [`FlowValue::StepOutput`].
    Escalate,
    /// The strategy's `deescalate(target_id, event)`; answered with [`FlowValue::StepOutput`].
    Deescalate,
}

impl FlowCall {
    /// The Python name, for messages and logs: `get_permissions`, `on_request`, ...
    pub fn handler_name(&self) -> String {
        match self {
            FlowCall::GetPermissions => "get_permissions".into(),
            FlowCall::GetRequestNotifications => "get_request_notifications".into(),
            FlowCall::GetApprovers => "get_approvers".into(),
            FlowCall::On(step) => step.on_hook(),
            FlowCall::After(step) => step.after_hook(),
            FlowCall::Escalate => "escalate".into(),
            FlowCall::Deescalate => "deescalate".into(),
        }
    }

    /// How to describe the call to an engineer: "`on_request` hook", "strategy `escalate`".
    pub fn describe(&self) -> String {
        match self {
            FlowCall::GetPermissions
            | FlowCall::GetRequestNotifications
            | FlowCall::GetApprovers => {
                format!("`{}` reducer", self.handler_name())
            }
            FlowCall::On(_) | FlowCall::After(_) => format!("`{}` hook", self.handler_name()),
            FlowCall::Escalate => "access strategy's `escalate` (granting access)".to_string(),
            FlowCall::Deescalate => "access strategy's `deescalate` (removing access)".to_string(),
        }
    }
}

/// What a successful call returned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "value", content = "data", rename_all = "snake_case")]
pub enum FlowValue {
    Permissions(RequestPermission),
    Notifications(Vec<Notification>),
    Approvers(Approvers),
    /// `on_*` hooks: `None` = carry on; `Some` = `ApprovalTemplate.<step>(...)`.
    Transition(Option<Transition>),
    /// `after_*` hooks.
    Done,
    /// Strategy escalate/deescalate: the returned dict, if any.
    StepOutput(Option<serde_json::Value>),
}

/// WIT `error-kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    SymException,
    PythonException,
    InvalidReturn,
    NotDefined,
    /// The sandbox stopped the call (deadline, memory, trap), not Python.
    Sandbox,
}

/// WIT `flow-error`: why a handler failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlowError {
    pub kind: ErrorKind,
    /// `Type:NAME` for a `SymException`.
    pub error_code: Option<String>,
    pub message: String,
    pub hint: Option<String>,
    /// Full Python traceback text (may be empty).
    pub traceback: String,
}

impl FlowError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        FlowError {
            kind,
            error_code: None,
            message: message.into(),
            hint: None,
            traceback: String::new(),
        }
    }

    /// The line an engineer wants first: the traceback's last line
    /// (`KeyError: 'reason'`), else the message.
    pub fn headline(&self) -> String {
        let last = self
            .traceback
            .lines()
            .rev()
            .map(str::trim)
            .find(|l| !l.is_empty());
        let line = match last {
            Some(line) => line.to_string(),
            None => self.message.trim().to_string(),
        };
        match &self.error_code {
            Some(code) if !line.contains(code.as_str()) => format!("{line} ({code})"),
            _ => line,
        }
    }
}

/// `PermissionLevel` (`admin` ⊃ `member` ⊃ `all_users`) or explicit Sym user ids.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    Admin,
    Member,
    AllUsers,
    UserIds(Vec<String>),
}

/// `RequestPermission` from `get_permissions`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestPermission {
    pub webapp_view: Permission,
    pub approve_deny: Permission,
    pub allow_self_approval: bool,
}

/// Where a request card goes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "to", rename_all = "snake_case")]
pub enum Destination {
    /// `#name` or a channel id.
    SlackChannel(String),
    /// A Slack user (id, email or `@name`), by DM.
    SlackUser(String),
    /// A group DM of 1-7 Slack users.
    SlackGroup(Vec<String>),
    /// A Sym user, notified by DM in Slack.
    User(Actor),
}

impl Destination {
    /// Short readable form for messages: `#sym-requests`, `@U123`, `alice@example.com`.
    pub fn describe(&self) -> String {
        match self {
            Destination::SlackChannel(c) if c.starts_with('#') => c.clone(),
            Destination::SlackChannel(c) => format!("<#{c}>"),
            Destination::SlackUser(u) if u.starts_with('U') || u.starts_with('W') => {
                format!("<@{u}>")
            }
            Destination::SlackUser(u) => u.clone(),
            Destination::SlackGroup(us) => us
                .iter()
                .map(|u| format!("<@{u}>"))
                .collect::<Vec<_>>()
                .join(", "),
            Destination::User(a) => a.mention(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestDestination {
    pub destination: Destination,
    /// Legacy `allow_self` on the destination.
    pub allow_self: bool,
    /// Legacy per-destination timeout (seconds).
    pub timeout: Option<u64>,
}

impl RequestDestination {
    pub fn new(destination: Destination) -> Self {
        RequestDestination {
            destination,
            allow_self: false,
            timeout: None,
        }
    }
}

/// One `Notification`: destinations tried together, then a timeout.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notification {
    pub destinations: Vec<RequestDestination>,
    /// Seconds without an answer before moving on.
    pub timeout: Option<u64>,
}

impl Notification {
    /// The notification's timeout, else the first destination timeout (legacy).
    pub fn effective_timeout(&self) -> Option<u64> {
        self.timeout
            .or_else(|| self.destinations.iter().find_map(|d| d.timeout))
    }
}

/// What legacy `get_approvers` returned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Approvers {
    pub notifications: Vec<Notification>,
    pub continue_on_delivery_failure: bool,
    pub continue_on_timeout: bool,
}

/// `ApprovalTemplate.<step>(...)` returned by an `on_*` hook.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Transition {
    pub step: Step,
    /// `message=` of `ignore`.
    pub message: Option<String>,
    pub target_srn: Option<String>,
    /// Seconds.
    pub duration: Option<u64>,
    /// Other keyword arguments; they join the fired event's fields.
    pub kwargs: serde_json::Map<String, serde_json::Value>,
}

impl Transition {
    pub fn to(step: Step) -> Self {
        Transition {
            step,
            message: None,
            target_srn: None,
            duration: None,
            kwargs: Default::default(),
        }
    }

    /// `ApprovalTemplate.ignore(message=...)`.
    pub fn ignore(message: impl Into<String>) -> Self {
        Transition {
            message: Some(message.into()),
            ..Transition::to(Step::Ignore)
        }
    }
}

/// `RequestForwardContext` for `on_request_forward` / `after_request_forward`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForwardContext {
    pub all_destinations: Vec<Notification>,
    pub current_index: usize,
    pub next_index: Option<usize>,
}
