//! The engine's vocabulary with the outside world: [`Input`]s the adapter feeds in,
//! [`Effect`]s it must carry out. Everything here is plain data (serde), so a host can
//! log it, store it in an outbox, or send it across a process boundary.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::fields::FieldError;
use crate::flow::{ChannelType, Destination, FlowCall, FlowError, FlowValue, ForwardContext, Step};
use crate::run::PostedMessage;
use crate::spec::{Actor, Source};
use crate::time::Timestamp;

/// A button on a request card, or the API's deescalate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Approve,
    Deny,
    Revoke,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Approve => "approve",
            Action::Deny => "deny",
            Action::Revoke => "revoke",
        }
    }
}

/// A Slack message: channel id and timestamp, enough to update it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageRef {
    pub channel: String,
    pub ts: String,
}

/// Which timer fired. Stale timers (the run moved on) are ignored, so adapters may
/// deliver a timer more than once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TimerKind {
    /// Access expires: scheduled deescalation (also its retries).
    Deescalate,
    /// Nobody answered notification `index` in time.
    NotificationTimeout { index: usize },
}

/// A durable timer the adapter keeps and fires with [`Input::TimerFired`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timer {
    /// Deterministic (`<run id>/deescalate`, `<run id>/notification/<i>`): setting a
    /// timer with an existing id replaces it.
    pub id: String,
    pub run_id: String,
    pub at: Timestamp,
    pub kind: TimerKind,
}

impl Timer {
    pub fn id_for(run_id: &str, kind: TimerKind) -> String {
        match kind {
            TimerKind::Deescalate => format!("{run_id}/deescalate"),
            TimerKind::NotificationTimeout { index } => format!("{run_id}/notification/{index}"),
        }
    }
}

/// Something that happened to a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "input", rename_all = "snake_case")]
pub enum Input {
    /// `/sym req <flow>`: the request modal is about to open (runs `on_prompt`).
    /// Optional: a host may start a run directly with [`Input::Request`].
    Prompt {
        actor: Actor,
        source: Source,
        /// Slack channel the command was typed in.
        channel: Option<String>,
    },
    /// The request modal was closed without submitting.
    PromptClosed {
        actor: Actor,
    },
    /// The request modal was submitted, or `POST /events/request`.
    Request {
        actor: Actor,
        source: Source,
        /// Field values (from [`crate::views::parse_request_submission`] or API `flow_inputs`).
        fields: Map<String, Value>,
        /// API `context`, available to hooks as `event.get_context("request")`.
        context: Option<Value>,
        channel: Option<String>,
    },
    /// Approve / Deny / Revoke clicked (or `POST /events/deescalate`, as `Revoke` with source `api`).
    Action {
        action: Action,
        actor: Actor,
        source: Source,
        /// The optional decision message typed on the card.
        decision_message: Option<String>,
        /// The card that was clicked, when known.
        message: Option<MessageRef>,
    },
    TimerFired {
        kind: TimerKind,
    },
    /// The answer to an [`Effect::CallFlow`].
    FlowReturned {
        call: FlowCall,
        result: Result<FlowValue, FlowError>,
    },
    /// A [`Effect::PostCard`] succeeded.
    CardPosted {
        notification_index: usize,
        destination_index: usize,
        message: MessageRef,
    },
    /// A [`Effect::PostCard`] failed (channel not found, bot not in channel, ...).
    CardFailed {
        notification_index: usize,
        destination_index: usize,
        error: String,
    },
}

/// Why the engine said no to someone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "refusal", rename_all = "snake_case")]
pub enum Refusal {
    /// The flow's `allowed_sources` excludes this source.
    SourceNotAllowed { source: Source },
    /// Guests cannot start requests.
    GuestCannotRequest,
    /// A guest clicked and the flow does not set `allow_guest_interaction`.
    GuestNotAllowed,
    /// The clicker lacks the flow's `approve_deny` permission.
    NotAnApprover,
    /// The requester tried to approve their own request.
    SelfApproval,
    /// The flow has `allow_revoke = false`.
    RevokeDisabled,
    /// Only the requester, the approver or an admin may revoke.
    NotARevoker,
    /// The run is not in a state where this action means anything (late clicks).
    NotActionable { status: String },
    /// The request's fields did not pass validation.
    InvalidFields { errors: Vec<FieldError> },
    /// The run was already started; a second request for it is refused.
    AlreadyStarted,
}

/// Why an acting user is being told something.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum TellReason {
    /// The action was refused (an API adapter answers 4xx).
    Refused(Refusal),
    /// A hook returned `ApprovalTemplate.ignore(message=...)`.
    Ignored,
    /// The flow failed while handling this user's action (an API adapter answers 5xx).
    FlowFailed,
    /// A confirmation (e.g. "your request was sent to #sym-requests").
    Info,
}

/// What a direct message to the requester is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DmKind {
    /// Approval-only flow: approved.
    Approved,
    /// Strategy flow: approved and access granted.
    AccessGranted,
    Denied,
    /// Nobody answered in time.
    RequestExpired,
    /// The access duration ran out.
    AccessExpired,
    /// Access was revoked early.
    Revoked,
    /// The flow failed; the request did not complete.
    Failed,
}

/// A message for the error-logger channel, written for a busy on-call engineer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorReport {
    pub flow: String,
    pub run_id: String,
    /// What failed, e.g. "`on_request` hook".
    pub what: String,
    /// The Python error's last line, e.g. `KeyError: 'reason'`.
    pub headline: String,
    /// Complete Slack mrkdwn text: what failed, the error, what happened to the run.
    pub text: String,
    /// Python traceback to attach (as a snippet or code block), if any.
    pub traceback: Option<String>,
}

/// The event a [`FlowCall`] is about: what the adapter needs (with the run and the
/// spec) to build the WIT `event` record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventInfo {
    pub name: Step,
    /// `event.user`: who acted (the approver for escalate/deescalate, as in Sym).
    pub actor: Actor,
    pub channel: ChannelType,
    /// Slack channel id where it happened, if any.
    pub channel_id: Option<String>,
    /// `event.payload.fields`: the run's fields plus this event's own
    /// (`decision_message`, `deescalate_type`, hook kwargs).
    pub fields: Map<String, Value>,
    pub timestamp: Timestamp,
    /// For `on_request_forward` / `after_request_forward`.
    pub forward: Option<ForwardContext>,
    /// For strategy `escalate` / `deescalate`.
    pub target_id: Option<String>,
}

/// What the adapter must do, in order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "effect", rename_all = "snake_case")]
pub enum Effect {
    /// Save the run (it changed). Always first in a step's list, so the new state is
    /// durable before anything is sent; a crash after it resumes with
    /// [`crate::Engine::resume`].
    Persist,
    /// Run a handler in the flow's sandbox and answer with [`Input::FlowReturned`].
    /// Always the last effect of a step: the engine waits for the answer.
    CallFlow {
        call: FlowCall,
        event: EventInfo,
    },
    /// The prompt was accepted: open (or `views.update`) the request modal
    /// ([`crate::views::request_modal`]).
    ShowRequestModal {
        actor: Actor,
    },
    /// Post the request card ([`crate::views::approval_card`]) to one destination and
    /// answer with [`Input::CardPosted`] or [`Input::CardFailed`].
    PostCard {
        notification_index: usize,
        destination_index: usize,
        destination: Destination,
    },
    /// Re-render an existing card from the run's current state (`chat.update`).
    UpdateCard {
        message: PostedMessage,
    },
    /// DM the requester.
    DirectMessage {
        to: Actor,
        kind: DmKind,
        text: String,
    },
    /// Tell the acting user (ephemeral in the channel of the interaction, or the API
    /// response).
    TellActor {
        to: Actor,
        text: String,
        reason: TellReason,
    },
    /// Post to the environment's error-logger channel.
    ReportError(ErrorReport),
    SetTimer(Timer),
    CancelTimer {
        id: String,
    },
    /// Append to the audit log / log destinations (spec §7 shape).
    Audit {
        event: Value,
    },
}
