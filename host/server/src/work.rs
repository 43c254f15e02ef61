//! The work the server promises durably before it answers Slack: one outbox item per
//! accepted Slack request ([`Inbound`]) and one per effect the engine asked for
//! ([`Work::Effect`]). Items are JSON in the store's outbox, so a crash between the ack and
//! the work, or between a commit and its Slack calls, loses nothing.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use symflow_engine::{Action, Effect};
use uuid::Uuid;

/// Where a person is looking when the server answers them: the channel of the command or
/// card, the modal that is open, the trigger that may open one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Origin {
    pub team_id: Option<String>,
    /// Slack user who acted.
    pub user_id: Option<String>,
    pub channel_id: Option<String>,
    /// Opens a modal for about 3 s.
    pub trigger_id: Option<String>,
    /// A modal of ours that is open ("Loading…" or the flow picker) and can be replaced.
    pub view_id: Option<String>,
}

/// Someone in Slack.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlackUserRef {
    pub team_id: String,
    pub user_id: String,
}

/// A Slack request accepted and acknowledged, still to be acted on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "inbound", rename_all = "snake_case")]
pub enum Inbound {
    /// `/sym ...` or the global shortcut.
    Command {
        user: SlackUserRef,
        text: String,
        origin: Origin,
    },
    /// A flow was chosen in the picker, or named in `/sym req <flow>`: open its modal.
    Prompt {
        user: SlackUserRef,
        flow: String,
        origin: Origin,
    },
    /// The request modal was submitted with valid fields.
    Submit {
        user: SlackUserRef,
        flow: String,
        run_id: Option<Uuid>,
        fields: Map<String, Value>,
        origin: Origin,
    },
    /// The request modal was closed.
    ModalClosed { user: SlackUserRef, run_id: Uuid },
    /// Approve / Deny / Revoke on a card.
    Click {
        user: SlackUserRef,
        run_id: Uuid,
        action: Action,
        decision_message: Option<String>,
        channel_id: Option<String>,
        message_ts: Option<String>,
        origin: Origin,
    },
}

/// One outbox item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "work", rename_all = "snake_case")]
pub enum Work {
    Inbound(Inbound),
    /// An engine effect to carry out after its step was committed.
    /// An event accepted by the Events API (`crate::api`).
    Api(crate::api::ApiWork),
    Effect {
        /// The run it belongs to (absent when the run was never stored, e.g. a refused prompt).
        run_id: Option<Uuid>,
        flow: String,
        effect: Effect,
        origin: Origin,
    },
    /// Approve / Deny / Revoke pressed in the web console.
    Console(crate::console::actions::ConsoleClick),
}

impl Work {
    /// The outbox `kind`, for logs and the database.
    pub fn kind(&self) -> String {
        match self {
            Work::Inbound(inbound) => format!(
                "slack.{}",
                match inbound {
                    Inbound::Command { .. } => "command",
                    Inbound::Prompt { .. } => "prompt",
                    Inbound::Submit { .. } => "submit",
                    Inbound::ModalClosed { .. } => "modal_closed",
                    Inbound::Click { .. } => "click",
                }
            ),
            Work::Effect { effect, .. } => format!("effect.{}", effect_name(effect)),
            Work::Api(api) => format!("api.{}", api.name()),
            Work::Console(click) => click.kind(),
        }
    }

    /// The run whose items must be carried out in order with this one, one at a time.
    ///
    /// Only what people see change in sequence needs it: a card posted before it is
    /// updated, the modal and the DMs in the order the run produced them. Accepted Slack
    /// requests need no order among themselves (the driver takes each run's lock, and the
    /// engine queues what arrives mid-step), nor do answers to the person who acted or
    /// error reports; leaving them unordered keeps a burst of clicks on one card from
    /// queueing behind each other.
    pub fn ordered_by_run(&self) -> Option<Uuid> {
        match self {
            Work::Inbound(_) | Work::Api(_) | Work::Console(_) => None,
            Work::Effect { run_id, effect, .. } => match effect {
                Effect::TellActor { .. } | Effect::ReportError(_) => None,
                _ => *run_id,
            },
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("work items always serialise")
    }
}

pub fn effect_name(effect: &Effect) -> &'static str {
    match effect {
        Effect::Persist => "persist",
        Effect::CallFlow { .. } => "call_flow",
        Effect::ShowRequestModal { .. } => "show_request_modal",
        Effect::PostCard { .. } => "post_card",
        Effect::UpdateCard { .. } => "update_card",
        Effect::DirectMessage { .. } => "direct_message",
        Effect::TellActor { .. } => "tell_actor",
        Effect::ReportError(_) => "report_error",
        Effect::SetTimer(_) => "set_timer",
        Effect::CancelTimer { .. } => "cancel_timer",
        Effect::Audit { .. } => "audit",
    }
}
