//! Slack's read helpers and thread replies under Spin (`send_thread_message`, `list_users`,
//! `is_user_in_group`, `users_in_channel`): the native capability's Web API calls, made with
//! the bot token over Spin's outbound HTTP. Reads are sent form-encoded, which every Web API
//! method accepts (not all read methods take JSON bodies).

use serde_json::{json, Value};

use crate::bindings::exports::sym::flow::types::{CapabilityError, User, UserIdentity};
use crate::bindings::exports::symflow::spin::context::CallContext;
use crate::outbound::{self, encode};
use crate::{error, kv, slack_call, user_for_email, variable};

/// Pages followed for a cursor-paged list (200 per page).
const MAX_PAGES: usize = 25;

/// A read method of Slack's Web API, form-encoded.
fn slack_read(
    ctx: &CallContext,
    method: &str,
    params: &[(&str, String)],
) -> Result<Value, CapabilityError> {
    let token = variable("slack_bot_token").ok_or_else(|| {
        error(
            "slack",
            "not-configured",
            "the Spin variable slack_bot_token is not set",
        )
    })?;
    let base = ctx.slack_api_base.trim_end_matches('/');
    let body: Vec<String> = params
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect();
    let response = outbound::send(
        "POST",
        &format!("{base}/{method}"),
        &[
            ("authorization".into(), format!("Bearer {token}")),
            (
                "content-type".into(),
                "application/x-www-form-urlencoded".into(),
            ),
        ],
        Some(body.join("&").into_bytes()),
    )
    .map_err(|e| error("slack", "unreachable", e))?;
    let value: Value = serde_json::from_slice(&response.body)
        .map_err(|e| error("slack", "bad-answer", e.to_string()))?;
    if value["ok"].as_bool() == Some(true) {
        Ok(value)
    } else {
        let code = value["error"].as_str().unwrap_or("error");
        Err(error("slack", code, format!("Slack's {method} failed: {code}")))
    }
}

/// Every item under `key` of a cursor-paged read.
fn slack_list(
    ctx: &CallContext,
    method: &str,
    key: &str,
    params: &[(&str, String)],
) -> Result<Vec<Value>, CapabilityError> {
    let mut items = Vec::new();
    let mut cursor = String::new();
    for _ in 0..MAX_PAGES {
        let mut paged = params.to_vec();
        paged.push(("limit", "200".into()));
        if !cursor.is_empty() {
            paged.push(("cursor", cursor.clone()));
        }
        let page = slack_read(ctx, method, &paged)?;
        items.extend(page[key].as_array().cloned().unwrap_or_default());
        cursor = page["response_metadata"]["next_cursor"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        if cursor.is_empty() {
            break;
        }
    }
    Ok(items)
}

/// A Slack member object (`users.info`, `users.list`) as a symflow user with their Slack
/// identity; `None` for members without an e-mail (bots, some guests).
fn person(member: &Value) -> Option<User> {
    let id = member["id"].as_str()?;
    let email = member["profile"]["email"].as_str()?;
    let mut user = user_for_email(email);
    user.first_name = member["profile"]["first_name"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    user.last_name = member["profile"]["last_name"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    user.identities.retain(|i| i.service != "slack");
    user.identities.push(UserIdentity {
        service: "slack".into(),
        service_id: member["team_id"].as_str().unwrap_or_default().to_string(),
        user_id: id.to_string(),
    });
    Some(user)
}

/// The Slack user id of `user`: their Slack identity, else looked up by e-mail.
fn slack_id(ctx: &CallContext, user: &User) -> Result<String, CapabilityError> {
    if let Some(identity) = user.identities.iter().find(|i| i.service == "slack") {
        return Ok(identity.user_id.clone());
    }
    let found = slack_read(ctx, "users.lookupByEmail", &[("email", user.email.clone())])?;
    found["user"]["id"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| error("slack", "not-found", format!("no Slack user has the e-mail {}", user.email)))
}

/// Replies in the thread of run `run_id`'s request card; a flow may reply only in its own
/// runs' threads.
pub fn send_thread_message(
    ctx: &CallContext,
    run_id: &str,
    message: &str,
) -> Result<(), CapabilityError> {
    let run_id = if run_id.is_empty() {
        ctx.run_id.clone().unwrap_or_default()
    } else {
        run_id.to_string()
    };
    let key = format!("{}/run/{run_id}", ctx.tenant);
    let stored = kv()?
        .get(&key)
        .map_err(|e| error("slack", "unavailable", e.to_string()))?
        .ok_or_else(|| error("slack", "not-found", format!("no run {run_id}")))?;
    let record: Value = serde_json::from_slice(&stored)
        .map_err(|e| error("slack", "bad-state", e.to_string()))?;
    if record["flow"].as_str() != Some(ctx.flow.as_str()) {
        return Err(error(
            "slack",
            "refused",
            format!("run {run_id} belongs to another flow; a flow may reply only in its own runs' threads"),
        ));
    }
    let card = &record["run"]["messages"][0];
    let (Some(channel), Some(ts)) = (card["channel"].as_str(), card["ts"].as_str()) else {
        return Err(error(
            "slack",
            "not-found",
            "this request has no Slack message to reply to yet",
        ));
    };
    slack_call(
        ctx,
        "chat.postMessage",
        json!({ "channel": channel, "thread_ts": ts, "text": message }),
    )
    .map(drop)
}

/// Every member of the workspace as a symflow user (no bots; no deactivated members when
/// `active_only`).
pub fn list_users(ctx: &CallContext, active_only: bool) -> Result<Vec<User>, CapabilityError> {
    Ok(slack_list(ctx, "users.list", "members", &[])?
        .iter()
        .filter(|m| m["is_bot"].as_bool() != Some(true) && m["id"] != "USLACKBOT")
        .filter(|m| !active_only || m["deleted"].as_bool() != Some(true))
        .filter_map(person)
        .collect())
}

/// Is `user` a member of the Slack user group `group_id` (`S…`)?
pub fn is_user_in_group(
    ctx: &CallContext,
    user: &User,
    group_id: &str,
) -> Result<bool, CapabilityError> {
    let id = slack_id(ctx, user)?;
    let members = slack_read(ctx, "usergroups.users.list", &[("usergroup", group_id.to_string())])?;
    Ok(members["users"]
        .as_array()
        .is_some_and(|users| users.iter().any(|u| u.as_str() == Some(id.as_str()))))
}

/// The members of `channel` (`#name` is not accepted by Slack here: a channel id `C…`) as
/// symflow users.
pub fn users_in_channel(ctx: &CallContext, channel: &str) -> Result<Vec<User>, CapabilityError> {
    let channel = channel.trim_start_matches('#');
    let ids = slack_list(ctx, "conversations.members", "members", &[("channel", channel.to_string())])?;
    let mut users = Vec::new();
    for id in ids.iter().filter_map(Value::as_str) {
        let info = slack_read(ctx, "users.info", &[("user", id.to_string())])?;
        if info["user"]["is_bot"].as_bool() == Some(true) {
            continue;
        }
        users.extend(person(&info["user"]));
    }
    Ok(users)
}
