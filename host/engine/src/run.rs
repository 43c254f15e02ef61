//! One run of a flow: everything the engine knows about a request, serialisable as
//! JSON so adapters can persist it as one value and resume after a crash.
//!
//! ## Statuses
//!
//! | status | meaning | final? |
//! |---|---|---|
//! | `new` | created, nothing accepted yet (not worth persisting) | no |
//! | `prompting` | `prompt` processed: the request modal is open | no |
//! | `pending` | request cards posted, waiting for Approve / Deny | no |
//! | `approved` | approved; final for approval-only flows, escalation follows otherwise | approval-only |
//! | `denied` | denied | yes |
//! | `escalated` | access granted; ends by scheduled deescalation or revoke | no |
//! | `deescalated` | access removed (`deescalate_type` says `scheduled` or `revoke`) | yes |
//! | `expired` | `request_expire`: the last notification timed out unanswered | yes |
//! | `ignored` | `on_prompt`/`on_request` ignored it, or the modal was closed | yes |
//! | `errored` | the flow failed before access was granted, or removing access kept failing | yes |
//!
//! Statuses only move forward (down this table); `ended_at` is set when the run is final.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::effects::Input;
use crate::flow::{
    ChannelType, Destination, ErrorKind, FlowCall, ForwardContext, Notification, Step,
};
use crate::permissions::ApprovalRule;
use crate::spec::{Actor, Source};
use crate::time::Timestamp;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    New,
    Prompting,
    Pending,
    Approved,
    Denied,
    Escalated,
    Deescalated,
    Expired,
    Ignored,
    Errored,
}

impl RunStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::New => "new",
            RunStatus::Prompting => "prompting",
            RunStatus::Pending => "pending",
            RunStatus::Approved => "approved",
            RunStatus::Denied => "denied",
            RunStatus::Escalated => "escalated",
            RunStatus::Deescalated => "deescalated",
            RunStatus::Expired => "expired",
            RunStatus::Ignored => "ignored",
            RunStatus::Errored => "errored",
        }
    }
}

/// Why access was removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeescalateType {
    /// The requested duration ran out.
    Scheduled,
    /// Someone pressed Revoke (or called `POST /events/deescalate`).
    Revoke,
}

impl DeescalateType {
    pub fn as_str(self) -> &'static str {
        match self {
            DeescalateType::Scheduled => "scheduled",
            DeescalateType::Revoke => "revoke",
        }
    }
}

/// A request card that was posted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostedMessage {
    pub notification_index: usize,
    pub destination_index: usize,
    pub destination: Destination,
    pub channel: String,
    pub ts: String,
}

/// A request card that could not be posted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryFailure {
    pub notification_index: usize,
    pub destination_index: usize,
    pub error: String,
}

/// One processed event, oldest first: what the WIT `event.steps` is built from
/// (`get_actor`, `get_context`, `get_step_output`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepRecord {
    pub event: Step,
    pub actor: Actor,
    pub channel: ChannelType,
    /// The event's own fields (decision message, hook kwargs, deescalate type).
    pub fields: Map<String, Value>,
    /// API context given with the event.
    pub context: Option<Value>,
    /// What the step produced (strategy escalate/deescalate return).
    pub output: Option<Value>,
    pub timestamp: Timestamp,
}

/// A failure recorded on the run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunError {
    pub at: Timestamp,
    pub step: Step,
    /// The handler that failed, if the failure came from the flow.
    pub call: Option<FlowCall>,
    pub kind: Option<ErrorKind>,
    /// The one line to read first.
    pub headline: String,
    pub message: String,
}

/// The event being processed while the engine waits for a flow call. Engine-internal,
/// public only so it serialises with the run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventCtx {
    pub step: Step,
    pub actor: Actor,
    pub channel: ChannelType,
    pub channel_id: Option<String>,
    /// The event's own fields, on top of the run's.
    pub extra: Map<String, Value>,
    /// `on_<step>` already ran (or returned this same step): do not call it again.
    pub gated: bool,
    pub forward: Option<ForwardContext>,
    pub deescalate_type: Option<DeescalateType>,
}

/// The flow call the run is waiting for, and the event it belongs to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InFlight {
    pub call: FlowCall,
    pub ctx: EventCtx,
}

/// One run of a flow.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Run {
    pub id: String,
    /// Flow name (`sym_flow.name`).
    pub flow: String,
    pub status: RunStatus,
    pub source: Option<Source>,
    /// Slack channel the run was started from.
    pub source_channel: Option<String>,
    pub requester: Option<Actor>,
    /// Canonical field values (see [`crate::fields`]).
    pub fields: Map<String, Value>,
    pub target_id: Option<String>,
    pub duration_secs: Option<u64>,
    /// Actor per event name (`prompt`, `request`, `approve`, ...), as `run.actors` in the SDK.
    pub actors: BTreeMap<String, Actor>,
    /// Context per event name (API `context`), as `run.contexts` in the SDK.
    pub contexts: BTreeMap<String, Value>,
    /// Who may approve, fixed at request time.
    pub approval_rule: Option<ApprovalRule>,
    /// The notification chain (first, then backups).
    pub notifications: Vec<Notification>,
    /// Which notification is current.
    pub notification_index: usize,
    /// Move on when a notification times out (always for `get_request_notifications`).
    pub continue_on_timeout: bool,
    /// Move on when every destination of a notification failed.
    pub continue_on_delivery_failure: bool,
    pub messages: Vec<PostedMessage>,
    pub delivery_failures: Vec<DeliveryFailure>,
    /// Output per step (`escalate` → the strategy's returned dict).
    pub step_outputs: BTreeMap<String, Value>,
    pub decision_message: Option<String>,
    pub deescalate_type: Option<DeescalateType>,
    /// Failed scheduled deescalations so far (retried with back-off).
    pub deescalate_attempts: u32,
    /// The message of the `ignore` that ended the run, if any.
    pub ignore_message: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub requested_at: Option<Timestamp>,
    pub decided_at: Option<Timestamp>,
    pub escalated_at: Option<Timestamp>,
    /// When scheduled deescalation happens.
    pub expires_at: Option<Timestamp>,
    pub ended_at: Option<Timestamp>,
    pub errors: Vec<RunError>,
    pub history: Vec<StepRecord>,
    /// Audit events emitted so far (audit ids are `<run id>:<n>`, from 1).
    pub audit_seq: u64,
    /// The flow call being waited for.
    pub in_flight: Option<InFlight>,
    /// Inputs that arrived while a flow call was in flight, handled in order afterwards.
    pub inbox: Vec<Input>,
}

impl Run {
    pub fn new(id: impl Into<String>, flow: impl Into<String>, now: Timestamp) -> Self {
        Run {
            id: id.into(),
            flow: flow.into(),
            status: RunStatus::New,
            source: None,
            source_channel: None,
            requester: None,
            fields: Map::new(),
            target_id: None,
            duration_secs: None,
            actors: BTreeMap::new(),
            contexts: BTreeMap::new(),
            approval_rule: None,
            notifications: Vec::new(),
            notification_index: 0,
            continue_on_timeout: true,
            continue_on_delivery_failure: true,
            messages: Vec::new(),
            delivery_failures: Vec::new(),
            step_outputs: BTreeMap::new(),
            decision_message: None,
            deescalate_type: None,
            deescalate_attempts: 0,
            ignore_message: None,
            created_at: now,
            updated_at: now,
            requested_at: None,
            decided_at: None,
            escalated_at: None,
            expires_at: None,
            ended_at: None,
            errors: Vec::new(),
            history: Vec::new(),
            audit_seq: 0,
            in_flight: None,
            inbox: Vec::new(),
        }
    }

    /// The run is over: nothing but stale timers and late clicks can reach it.
    pub fn is_finished(&self) -> bool {
        self.ended_at.is_some()
    }

    /// Who approved (or auto-approved) the request.
    pub fn approver(&self) -> Option<&Actor> {
        self.actors.get("approve")
    }

    /// The card a click came from: (notification, destination) indexes.
    pub fn find_message(&self, channel: &str, ts: &str) -> Option<&PostedMessage> {
        self.messages
            .iter()
            .find(|m| m.channel == channel && m.ts == ts)
    }

    /// Parse a run persisted with `serde_json::to_string`.
    pub fn from_json(text: &str) -> Result<Run, serde_json::Error> {
        serde_json::from_str(text)
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a run always serialises")
    }
}
