//! Slack Block Kit for symflow: the request modal, the flow picker, the request card
//! (before and after each decision), and parsing what Slack sends back.
//!
//! Rendering is pure (`serde_json::Value` out), so the native server and the Spin
//! component draw identical views and tests can check them without Slack.
//!
//! Identifiers the adapter routes on:
//!
//! | what | id |
//! |---|---|
//! | request modal `callback_id` | [`REQUEST_CALLBACK_ID`] (`private_metadata` = [`ModalMetadata`] JSON) |
//! | flow picker `callback_id` | [`FLOW_PICKER_CALLBACK_ID`] |
//! | one input per field | `block_id` = [`field_block_id`]`(name)`, `action_id` = [`VALUE_ACTION_ID`] |
//! | card buttons | `action_id` = [`ACTION_APPROVE`] / [`ACTION_DENY`] / [`ACTION_REVOKE`], `value` = run id |
//! | decision message input on the card | `block_id` = [`DECISION_BLOCK_ID`] |

mod card;
mod modal;

pub use card::{approval_card, decision_message, parse_block_action, Card};
pub use modal::{
    errors_response, field_errors_response, flow_picker_modal, is_field_block, parse_flow_pick,
    parse_request_submission, request_modal, FieldOption, FlowChoice, ModalMetadata, ModalOptions,
};

use serde_json::{json, Value};

pub const REQUEST_CALLBACK_ID: &str = "symflow_request";
pub const FLOW_PICKER_CALLBACK_ID: &str = "symflow_pick_flow";
pub const FLOW_PICKER_BLOCK_ID: &str = "flow";
pub const VALUE_ACTION_ID: &str = "value";
pub const ACTION_APPROVE: &str = "symflow_approve";
pub const ACTION_DENY: &str = "symflow_deny";
pub const ACTION_REVOKE: &str = "symflow_revoke";
pub const DECISION_BLOCK_ID: &str = "decision_message";
pub const ACTIONS_BLOCK_ID: &str = "symflow_actions";

/// Prefix of every field input's `block_id`.
pub const FIELD_BLOCK_PREFIX: &str = "field:";

/// `block_id` of the input for prompt field `name`.
pub fn field_block_id(name: &str) -> String {
    format!("{FIELD_BLOCK_PREFIX}{name}")
}

/// Slack's limits (characters / items).
pub(crate) const MAX_OPTION_TEXT: usize = 75;
pub(crate) const MAX_OPTIONS: usize = 100;
pub(crate) const MAX_TITLE: usize = 24;
pub(crate) const MAX_SECTION_TEXT: usize = 3000;
pub(crate) const MAX_FIELD_TEXT: usize = 2000;

/// Cut `text` to `max` characters, ending with `…` when cut.
pub(crate) fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}

pub(crate) fn plain(text: &str) -> Value {
    json!({ "type": "plain_text", "text": text, "emoji": true })
}

pub(crate) fn mrkdwn(text: &str) -> Value {
    json!({ "type": "mrkdwn", "text": text })
}
