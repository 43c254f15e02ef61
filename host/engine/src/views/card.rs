//! The request card posted to approvers, drawn from the run's current state: the
//! fields and the requester, Approve / Deny (and the optional decision message) while
//! pending, then who decided, access status, and Revoke while access is active.
//! Parsing a button click back into an action is here too.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{
    mrkdwn, plain, truncate, ACTIONS_BLOCK_ID, ACTION_APPROVE, ACTION_DENY, ACTION_REVOKE,
    DECISION_BLOCK_ID, MAX_FIELD_TEXT, MAX_SECTION_TEXT, VALUE_ACTION_ID,
};
use crate::duration::humanize_duration;
use crate::effects::Action;
use crate::flow::{ChannelType, Step};
use crate::notifications;
use crate::run::{DeescalateType, PostedMessage, Run, RunStatus};
use crate::spec::{FieldType, FlowSpec};
use crate::text::{access_name, slack_date};

/// A rendered message: fallback `text` (notifications, screen readers) and `blocks`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Card {
    pub text: String,
    pub blocks: Value,
}

fn display_value(spec: &FlowSpec, ty: FieldType, name: &str, value: &Value) -> String {
    if name == "target_id" {
        if let Some(t) = value.as_str().and_then(|id| spec.target(id)) {
            return t.display_label().to_string();
        }
    }
    match (ty, value) {
        (FieldType::Duration, Value::Number(n)) => n
            .as_u64()
            .map(humanize_duration)
            .unwrap_or_else(|| n.to_string()),
        (FieldType::Bool, Value::Bool(b)) => if *b { "Yes" } else { "No" }.to_string(),
        (FieldType::SlackUser, v) => user_mention(v),
        (_, Value::Array(items)) => items
            .iter()
            .map(|i| match i {
                Value::Object(_) => user_mention(i),
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect::<Vec<_>>()
            .join(", "),
        (_, Value::String(s)) => s.clone(),
        (_, other) => other.to_string(),
    }
}

fn user_mention(v: &Value) -> String {
    match v.get("user_id").and_then(Value::as_str) {
        Some(id) => format!("<@{id}>"),
        None => v.as_str().map(|s| format!("<@{s}>")).unwrap_or_default(),
    }
}

fn quote(text: &str) -> String {
    format!("> {}", text.replace('\n', "\n> "))
}

/// The card for `run`. `message` is the card being drawn (for updates); cards of an
/// earlier notification show that the request moved on to the backup approvers.
pub fn approval_card(spec: &FlowSpec, run: &Run, message: Option<&PostedMessage>) -> Card {
    let requester = run
        .requester
        .as_ref()
        .map(|a| a.mention())
        .unwrap_or_else(|| "Someone".into());
    let access = access_name(spec, run);
    let headline = if spec.has_strategy {
        format!("{requester} requests access to *{access}*")
    } else {
        format!(
            "{requester} requests approval for *{}*",
            spec.display_label()
        )
    };
    let mut blocks = vec![
        json!({ "type": "section", "block_id": "summary", "text": mrkdwn(&truncate(&headline, MAX_SECTION_TEXT)) }),
    ];

    let mut field_texts = Vec::new();
    for field in spec.effective_prompt_fields().iter().filter(|f| f.visible) {
        if let Some(value) = run.fields.get(&field.name) {
            let shown = display_value(spec, field.field_type, &field.name, value);
            if !shown.is_empty() {
                field_texts.push(truncate(
                    &format!("*{}*\n{}", field.display_label(), shown),
                    MAX_FIELD_TEXT,
                ));
            }
        }
    }
    for (i, chunk) in field_texts.chunks(10).enumerate() {
        let fields: Vec<Value> = chunk.iter().map(|t| mrkdwn(t)).collect();
        blocks.push(
            json!({ "type": "section", "block_id": format!("fields_{i}"), "fields": fields }),
        );
    }

    let requested = run
        .requested_at
        .map(|t| format!(" · requested {}", slack_date(t)))
        .unwrap_or_default();
    blocks.push(json!({
        "type": "context",
        "block_id": "meta",
        "elements": [mrkdwn(&format!("{} · run `{}`{requested}", spec.display_label(), run.id))],
    }));

    let is_current = message.is_none_or(|m| m.notification_index == run.notification_index);
    let by = |event: &str| {
        run.actors
            .get(event)
            .map(|a| a.mention())
            .unwrap_or_else(|| "someone".into())
    };
    let auto = |step: Step| {
        run.history
            .iter()
            .any(|s| s.event == step && s.channel == ChannelType::Sdk)
    };
    let decided = |icon: &str, verb: &str, step: Step, event: &str| {
        let who = if auto(step) {
            "automatically by the flow".to_string()
        } else {
            format!("by {}", by(event))
        };
        let mut s = format!("{icon} *{verb}* {who}");
        if let Some(m) = run.decision_message.as_deref().filter(|m| !m.is_empty()) {
            s.push('\n');
            s.push_str(&quote(m));
        }
        s
    };
    let mut status_text = None;
    let mut buttons = Vec::new();
    match run.status {
        RunStatus::Pending if is_current => {
            if spec.include_decision_message {
                blocks.push(json!({
                    "type": "input",
                    "block_id": DECISION_BLOCK_ID,
                    "optional": true,
                    "label": plain("Decision message (optional)"),
                    "element": {
                        "type": "plain_text_input",
                        "action_id": VALUE_ACTION_ID,
                        "multiline": true,
                        "placeholder": plain("Why are you approving or denying?"),
                    },
                }));
            }
            buttons.push(button(
                "Approve",
                ACTION_APPROVE,
                &run.id,
                Some("primary"),
                None,
            ));
            buttons.push(button("Deny", ACTION_DENY, &run.id, Some("danger"), None));
        }
        RunStatus::Pending => {
            let to = notifications::describe(run, run.notification_index);
            status_text = Some(format!("↪️ No answer here in time: forwarded to {to}."));
        }
        RunStatus::Approved if spec.has_strategy => {
            status_text = Some(format!(
                "{}\n⏳ Granting access…",
                decided("✅", "Approved", Step::Approve, "approve")
            ));
        }
        RunStatus::Approved => {
            status_text = Some(decided("✅", "Approved", Step::Approve, "approve"))
        }
        RunStatus::Denied => status_text = Some(decided("❌", "Denied", Step::Deny, "deny")),
        RunStatus::Escalated => {
            let until = match run.expires_at {
                Some(at) => format!("until {}", slack_date(at)),
                None => "until revoked".to_string(),
            };
            status_text = Some(format!(
                "{}\n🔓 Access active {until}",
                decided("✅", "Approved", Step::Approve, "approve")
            ));
            if spec.allow_revoke {
                let confirm = json!({
                    "title": plain("Revoke access?"),
                    "text": mrkdwn(&format!("This removes {requester}'s access to *{access}* now.")),
                    "confirm": plain("Revoke"),
                    "deny": plain("Cancel"),
                    "style": "danger",
                });
                buttons.push(button(
                    "Revoke",
                    ACTION_REVOKE,
                    &run.id,
                    Some("danger"),
                    Some(confirm),
                ));
            }
        }
        RunStatus::Deescalated => {
            let ended = run.ended_at.map(slack_date).unwrap_or_default();
            let how = match run.deescalate_type {
                Some(DeescalateType::Revoke) => {
                    format!("🔒 Access revoked by {} · {ended}", by("deescalate"))
                }
                _ => {
                    let dur = run
                        .duration_secs
                        .map(|s| format!(" after {}", humanize_duration(s)))
                        .unwrap_or_default();
                    format!("🔒 Access ended{dur} · {ended}")
                }
            };
            status_text = Some(format!(
                "{}\n{how}",
                decided("✅", "Approved", Step::Approve, "approve")
            ));
        }
        RunStatus::Expired => {
            status_text = Some("⌛ *Expired*: nobody approved or denied it in time.".to_string())
        }
        RunStatus::Errored => {
            status_text =
                Some("⚠️ *Stopped*: the flow hit an error; the admins have been told.".to_string())
        }
        RunStatus::Ignored => status_text = Some("Cancelled.".to_string()),
        RunStatus::New | RunStatus::Prompting => {}
    }
    if let Some(text) = &status_text {
        blocks.push(json!({ "type": "section", "block_id": "status", "text": mrkdwn(&truncate(text, MAX_SECTION_TEXT)) }));
    }
    if !buttons.is_empty() {
        blocks
            .push(json!({ "type": "actions", "block_id": ACTIONS_BLOCK_ID, "elements": buttons }));
    }
    let text = match &status_text {
        Some(s) => format!("{headline}: {}", s.lines().next().unwrap_or_default()),
        None => headline.clone(),
    };
    Card {
        text,
        blocks: Value::Array(blocks),
    }
}

fn button(
    text: &str,
    action_id: &str,
    run_id: &str,
    style: Option<&str>,
    confirm: Option<Value>,
) -> Value {
    let mut b =
        json!({ "type": "button", "text": plain(text), "action_id": action_id, "value": run_id });
    if let Some(s) = style {
        b["style"] = Value::String(s.to_string());
    }
    if let Some(c) = confirm {
        b["confirm"] = c;
    }
    b
}

/// A `block_actions` action (one element of `payload.actions`) → the card action and
/// the run id, or `None` if it is not one of symflow's buttons.
pub fn parse_block_action(action: &Value) -> Option<(Action, String)> {
    let kind = match action.get("action_id").and_then(Value::as_str)? {
        ACTION_APPROVE => Action::Approve,
        ACTION_DENY => Action::Deny,
        ACTION_REVOKE => Action::Revoke,
        _ => return None,
    };
    let run_id = action
        .get("value")
        .and_then(Value::as_str)
        .filter(|v| !v.is_empty())?;
    Some((kind, run_id.to_string()))
}

/// The decision message typed on the card, from a `block_actions` payload's `state`
/// (or `state.values`).
pub fn decision_message(state: &Value) -> Option<String> {
    let values = state.get("values").unwrap_or(state);
    values
        .get(DECISION_BLOCK_ID)
        .and_then(|b| b.get(VALUE_ACTION_ID))
        .and_then(|el| el.get("value"))
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}
