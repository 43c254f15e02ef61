//! Talking to people in Slack: where a destination is, and the few views the server draws
//! itself (the "Loading…" modal, a modal that only says something). The request modal,
//! the flow picker and the request card are the engine's views; everything here is the
//! adapter's plumbing around them.

use serde_json::{json, Value};
use symflow_engine::{Actor, Destination};
use symflow_slack::{SlackApiError, SlackClient};

/// `callback_id` of the modals the server draws itself; their submissions mean nothing.
pub const NOTICE_CALLBACK_ID: &str = "symflow_notice";

/// A channel as Slack's API takes it: ids as they are, `#name` as the name.
pub fn channel_ref(channel: &str) -> String {
    channel.trim().to_string()
}

/// The channel to post to for `destination`: a channel as given, a user's DM (posting to a
/// user id lands in the DM with them), a group DM opened for the group.
pub async fn resolve_destination(
    client: &SlackClient,
    destination: &Destination,
) -> Result<String, SlackApiError> {
    match destination {
        Destination::SlackChannel(channel) => Ok(channel_ref(channel)),
        Destination::SlackUser(user) => user_channel(client, user).await,
        Destination::SlackGroup(users) => {
            let mut ids = Vec::with_capacity(users.len());
            for user in users {
                ids.push(user_channel(client, user).await?);
            }
            let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
            client.conversations_open(&refs).await
        }
        Destination::User(actor) => actor_channel(client, actor).await,
    }
}

/// Where to DM `actor`: their Slack user id, else found by e-mail.
pub async fn actor_channel(client: &SlackClient, actor: &Actor) -> Result<String, SlackApiError> {
    match &actor.slack_user_id {
        Some(id) => Ok(id.clone()),
        None => user_channel(client, &actor.email).await,
    }
}

/// A Slack user named by id, `<@U…>`, or e-mail, as a user id.
async fn user_channel(client: &SlackClient, user: &str) -> Result<String, SlackApiError> {
    let user = user.trim();
    if let Some(id) = user.strip_prefix("<@").and_then(|s| s.strip_suffix('>')) {
        return Ok(id.to_string());
    }
    if user.contains('@') && !user.starts_with('@') {
        if let Some(found) = client.users_lookup_by_email(user).await? {
            return Ok(found.id);
        }
        return Err(SlackApiError::Slack {
            method: "users.lookupByEmail".into(),
            code: "users_not_found".into(),
            warning: None,
            messages: vec![format!("no Slack user has the e-mail {user}")],
        });
    }
    Ok(user.trim_start_matches('@').to_string())
}

fn plain(text: &str) -> Value {
    json!({ "type": "plain_text", "text": text, "emoji": true })
}

fn title(text: &str) -> Value {
    let short: String = if text.chars().count() > 24 {
        text.chars().take(23).chain(['…']).collect()
    } else {
        text.to_string()
    };
    plain(&short)
}

/// Shown while a flow's Python prepares the request modal (`on_prompt`, `@prefetch`).
pub fn loading_modal(flow_label: &str) -> Value {
    json!({
        "type": "modal",
        "callback_id": NOTICE_CALLBACK_ID,
        "title": title(flow_label),
        "close": plain("Cancel"),
        "blocks": [{
            "type": "section",
            "text": { "type": "mrkdwn", "text": format!(":hourglass_flowing_sand: Loading *{flow_label}*…") },
        }],
    })
}

/// A modal that only tells the person something (a refusal, a failure).
pub fn notice_modal(heading: &str, text: &str) -> Value {
    json!({
        "type": "modal",
        "callback_id": NOTICE_CALLBACK_ID,
        "title": title(heading),
        "close": plain("Close"),
        "blocks": [{
            "type": "section",
            "text": { "type": "mrkdwn", "text": text },
        }],
    })
}

/// Blocks for an error-channel message: the report's text, then the traceback as code.
pub fn error_blocks(text: &str, traceback: Option<&str>) -> Value {
    let mut blocks = vec![json!({
        "type": "section",
        "text": { "type": "mrkdwn", "text": truncate(text, 2900) },
    })];
    if let Some(tb) = traceback.map(str::trim).filter(|t| !t.is_empty()) {
        // Keep the end: the last frames and the error are what matter.
        let tail: String = {
            let chars: Vec<char> = tb.chars().collect();
            let start = chars.len().saturating_sub(2800);
            chars[start..].iter().collect()
        };
        blocks.push(json!({
            "type": "section",
            "text": { "type": "mrkdwn", "text": format!("```{tail}```") },
        }));
    }
    Value::Array(blocks)
}

fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        text.chars().take(max - 1).chain(['…']).collect()
    }
}
