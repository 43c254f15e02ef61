//! How the fake answers each Web API method: canned answers first, then authentication, scripted
//! failures, and finally the method's normal behaviour modelled on Slack's documented answers.

use std::collections::VecDeque;
use std::time::Duration;

use serde_json::{json, Value};

use crate::records::{parse_maybe_json, FakeMessage, FakeView};
use crate::state::FakeState;
use crate::{FakeSlack, DEFAULT_BOT_ID, DEFAULT_BOT_USER_ID};

fn slack_error(code: &str) -> Value {
    json!({ "ok": false, "error": code })
}

/// What the fake answers: the JSON it records, and the exact body when a canned answer gave one.
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) json: Value,
    pub(crate) raw_body: Option<String>,
    pub(crate) delay: Option<Duration>,
}

fn ok(json: Value) -> Answer {
    Answer {
        status: 200,
        headers: Vec::new(),
        json,
        raw_body: None,
        delay: None,
    }
}

/// Decides the answer to one call. Canned answers come first, then authentication, scripted
/// failures, and finally the method's normal behaviour.
pub(crate) fn answer(
    state: &mut FakeState,
    method: &str,
    args: &Value,
    authorization: Option<&str>,
) -> Answer {
    if let Some(canned) = state.canned.get_mut(method).and_then(VecDeque::pop_front) {
        // Send the body byte for byte (a fixture's `\/` escapes included); record it parsed.
        return Answer {
            status: canned.status,
            headers: canned.headers,
            json: serde_json::from_str(&canned.body).unwrap_or(Value::String(canned.body.clone())),
            raw_body: Some(canned.body),
            delay: canned.delay,
        };
    }
    if let Some(expected) = &state.expected_token {
        let sent = authorization
            .and_then(|a| a.strip_prefix("Bearer "))
            .or(args.get("token").and_then(Value::as_str));
        match sent {
            None => return ok(slack_error("not_authed")),
            Some(token) if token != expected => return ok(slack_error("invalid_auth")),
            Some(_) => {}
        }
    }
    if let Some(error) = state.failing_methods.get(method) {
        return ok(slack_error(error));
    }
    let arg = |name: &str| args.get(name).and_then(Value::as_str).unwrap_or("");
    if let Some(error) = state.broken_channels.get(arg("channel")) {
        return ok(slack_error(error));
    }

    match method {
        "auth.test" => ok(json!({
            "ok": true,
            "url": "https://fake-workspace.slack.com/",
            "team": state.team_name,
            "user": "symflow",
            "team_id": state.team_id,
            "user_id": DEFAULT_BOT_USER_ID,
            "bot_id": DEFAULT_BOT_ID,
            "is_enterprise_install": false,
        })),
        "chat.postMessage" => post_message(state, args),
        "chat.update" => update_message(state, args),
        "chat.postEphemeral" => post_ephemeral(state, args),
        "views.open" | "views.push" => open_view(state, args, None),
        "views.publish" => {
            let user_id = arg("user_id").to_owned();
            if user_id.is_empty() {
                return ok(slack_error("invalid_arguments"));
            }
            open_view(state, args, Some(user_id))
        }
        "views.update" => update_view(state, args),
        "users.info" => match state.users.get(arg("user")) {
            Some(user) => ok(json!({ "ok": true, "user": user.to_json(&state.team_id) })),
            None => ok(slack_error("user_not_found")),
        },
        "users.lookupByEmail" => {
            let email = arg("email");
            match state.users.values().find(|u| {
                u.email
                    .as_deref()
                    .is_some_and(|e| e.eq_ignore_ascii_case(email))
            }) {
                Some(user) => ok(json!({ "ok": true, "user": user.to_json(&state.team_id) })),
                None => ok(slack_error("users_not_found")),
            }
        }
        "conversations.members" => conversation_members(state, args),
        "users.list" => users_list(state, args),
        "usergroups.users.list" => match state.usergroups.get(arg("usergroup")) {
            Some(users) => ok(json!({ "ok": true, "users": users })),
            None => ok(slack_error("no_such_subteam")),
        },
        "conversations.open" => {
            let users: Vec<&str> = arg("users")
                .split(',')
                .map(str::trim)
                .filter(|u| !u.is_empty())
                .collect();
            match users.as_slice() {
                [] => ok(slack_error("users_list_not_supplied")),
                [one] => {
                    ok(json!({ "ok": true, "channel": { "id": FakeSlack::dm_channel_id(one) } }))
                }
                several if several.len() > 8 => ok(slack_error("too_many_users")),
                several => {
                    let mut sorted = several.to_vec();
                    sorted.sort_unstable();
                    let id = format!("G{}", sorted.join("").replace(['U', 'W'], ""));
                    ok(json!({ "ok": true, "channel": { "id": id } }))
                }
            }
        }
        "conversations.info" => {
            let channel = arg("channel");
            if channel.is_empty() {
                return ok(slack_error("channel_not_found"));
            }
            let members = state.channel_members.get(channel);
            let mut info = json!({
                "id": channel,
                "name": channel.trim_start_matches('#').to_lowercase(),
                "is_channel": channel.starts_with('C'),
                "is_group": channel.starts_with('G'),
                "is_im": channel.starts_with('D'),
                "is_mpim": false,
                "is_private": channel.starts_with('G'),
                "is_archived": false,
                "is_member": true,
            });
            if let Some(members) = members {
                info["num_members"] = json!(members.len());
            }
            ok(json!({ "ok": true, "channel": info }))
        }
        _ => ok(slack_error("unknown_method")),
    }
}

fn required<'a>(args: &'a Value, name: &str) -> Option<&'a str> {
    args.get(name)
        .and_then(Value::as_str)
        .filter(|value| !value.is_empty())
}

fn blocks_of(args: &Value) -> Option<Value> {
    args.get("blocks").and_then(parse_maybe_json)
}

/// Posting to a user id lands in the DM with that user, as in Slack.
fn resolve_channel(channel: &str) -> String {
    if channel.starts_with('U') || channel.starts_with('W') {
        FakeSlack::dm_channel_id(channel)
    } else {
        channel.to_owned()
    }
}

fn post_message(state: &mut FakeState, args: &Value) -> Answer {
    let Some(channel) = required(args, "channel") else {
        return ok(slack_error("channel_not_found"));
    };
    let text = args.get("text").and_then(Value::as_str).unwrap_or("");
    let blocks = blocks_of(args);
    if text.is_empty() && blocks.is_none() {
        return ok(slack_error("no_text"));
    }
    let channel = resolve_channel(channel);
    let ts = state.next_ts();
    let message = FakeMessage {
        channel: channel.clone(),
        ts: ts.clone(),
        thread_ts: required(args, "thread_ts").map(str::to_owned),
        text: text.to_owned(),
        blocks: blocks.clone(),
        updates: 0,
    };
    state.messages.push(message);
    let mut echoed = json!({
        "type": "message",
        "subtype": "bot_message",
        "text": text,
        "ts": ts,
        "bot_id": DEFAULT_BOT_ID,
    });
    if let Some(blocks) = blocks {
        echoed["blocks"] = blocks;
    }
    ok(json!({ "ok": true, "channel": channel, "ts": ts, "message": echoed }))
}

fn update_message(state: &mut FakeState, args: &Value) -> Answer {
    let (Some(channel), Some(ts)) = (required(args, "channel"), required(args, "ts")) else {
        return ok(slack_error("message_not_found"));
    };
    let channel = resolve_channel(channel);
    let Some(message) = state
        .messages
        .iter_mut()
        .find(|m| m.channel == channel && m.ts == ts)
    else {
        return ok(slack_error("message_not_found"));
    };
    if let Some(text) = args.get("text").and_then(Value::as_str) {
        message.text = text.to_owned();
    }
    if let Some(blocks) = blocks_of(args) {
        message.blocks = Some(blocks);
    }
    message.updates += 1;
    let text = message.text.clone();
    ok(json!({
        "ok": true,
        "channel": channel,
        "ts": ts,
        "text": text,
        "message": { "text": text, "user": DEFAULT_BOT_USER_ID },
    }))
}

fn post_ephemeral(state: &mut FakeState, args: &Value) -> Answer {
    let (Some(channel), Some(_user)) = (required(args, "channel"), required(args, "user")) else {
        return ok(slack_error("invalid_arguments"));
    };
    let ts = state.next_ts();
    state.ephemeral.push(FakeMessage {
        channel: channel.to_owned(),
        ts: ts.clone(),
        thread_ts: None,
        text: args
            .get("text")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned(),
        blocks: blocks_of(args),
        updates: 0,
    });
    ok(json!({ "ok": true, "message_ts": ts }))
}

fn view_json(view: &FakeView, team_id: &str) -> Value {
    let field = |name: &str| view.view.get(name).cloned().unwrap_or(Value::Null);
    json!({
        "id": view.id,
        "team_id": team_id,
        "type": view.view.get("type").cloned().unwrap_or(json!("modal")),
        "blocks": view.view.get("blocks").cloned().unwrap_or(json!([])),
        "private_metadata": view.view.get("private_metadata").cloned().unwrap_or(json!("")),
        "callback_id": view.view.get("callback_id").cloned().unwrap_or(json!("")),
        "state": { "values": {} },
        "hash": view.hash,
        "title": field("title"),
        "close": field("close"),
        "submit": field("submit"),
        "clear_on_close": false,
        "notify_on_close": view.view.get("notify_on_close").cloned().unwrap_or(json!(false)),
        "previous_view_id": null,
        "root_view_id": view.id,
        "app_id": "A0FAKEAPP",
        "external_id": view.external_id,
        "bot_id": DEFAULT_BOT_ID,
    })
}

fn view_hash(state: &mut FakeState) -> String {
    let n = state.next_number();
    format!("{}.fake{n:04}", state.ts_base_secs)
}

fn open_view(state: &mut FakeState, args: &Value, user_id: Option<String>) -> Answer {
    if user_id.is_none() && required(args, "trigger_id").is_none() {
        return ok(slack_error("invalid_trigger_id"));
    }
    let Some(view) = args.get("view").and_then(parse_maybe_json) else {
        return ok(json!({
            "ok": false,
            "error": "invalid_arguments",
            "response_metadata": { "messages": ["[ERROR] missing required field: view"] },
        }));
    };
    if view.get("type").and_then(Value::as_str).is_none() {
        return ok(json!({
            "ok": false,
            "error": "invalid_arguments",
            "response_metadata": {
                "messages": ["[ERROR] missing required field: type [json-pointer:/view]"]
            },
        }));
    }
    let external_id = view
        .get("external_id")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    let hash = view_hash(state);
    // views.publish replaces the user's Home tab rather than stacking a new one.
    if let Some(user) = &user_id {
        if let Some(existing) = state
            .views
            .iter_mut()
            .find(|v| v.user_id.as_ref() == Some(user))
        {
            existing.view = view;
            existing.hash = hash;
            existing.updates += 1;
            let existing = existing.clone();
            return ok(json!({ "ok": true, "view": view_json(&existing, &state.team_id) }));
        }
    }
    let id = format!("V0FAKE{:05}", state.next_number());
    let stored = FakeView {
        id,
        external_id,
        hash,
        view,
        user_id,
        updates: 0,
    };
    let answer = view_json(&stored, &state.team_id);
    state.views.push(stored);
    ok(json!({ "ok": true, "view": answer }))
}

fn update_view(state: &mut FakeState, args: &Value) -> Answer {
    let Some(view) = args.get("view").and_then(parse_maybe_json) else {
        return ok(slack_error("invalid_arguments"));
    };
    let view_id = required(args, "view_id");
    let external_id = required(args, "external_id");
    if view_id.is_none() && external_id.is_none() {
        return ok(slack_error("invalid_arguments"));
    }
    let hash = required(args, "hash").map(str::to_owned);
    let new_hash = view_hash(state);
    let team_id = state.team_id.clone();
    let Some(stored) = state.views.iter_mut().find(|v| {
        view_id.is_some_and(|id| v.id == id)
            || external_id.is_some_and(|id| !v.external_id.is_empty() && v.external_id == id)
    }) else {
        return ok(slack_error("not_found"));
    };
    if hash.is_some_and(|h| h != stored.hash) {
        return ok(slack_error("hash_conflict"));
    }
    if let Some(new_external) = view.get("external_id").and_then(Value::as_str) {
        stored.external_id = new_external.to_owned();
    }
    stored.view = view;
    stored.hash = new_hash;
    stored.updates += 1;
    ok(json!({ "ok": true, "view": view_json(stored, &team_id) }))
}

fn conversation_members(state: &mut FakeState, args: &Value) -> Answer {
    let Some(members) = required(args, "channel").and_then(|c| state.channel_members.get(c)) else {
        return ok(slack_error("channel_not_found"));
    };
    let members: Vec<Value> = members.iter().map(|m| json!(m)).collect();
    match page_of(args, &members) {
        Ok((page, next_cursor)) => ok(json!({
            "ok": true,
            "members": page,
            "response_metadata": { "next_cursor": next_cursor },
        })),
        Err(answer) => answer,
    }
}

/// One page of `items` by the request's `limit` (default 100) and opaque `cursor`, and the
/// next page's cursor (empty on the last page): Slack's cursor paging.
fn page_of(args: &Value, items: &[Value]) -> Result<(Vec<Value>, String), Answer> {
    let limit = args
        .get("limit")
        .and_then(|v| {
            v.as_u64()
                .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
        })
        .filter(|&l| l > 0)
        .unwrap_or(100) as usize;
    // The cursor is opaque to clients; here it is the offset of the next page.
    let offset = match required(args, "cursor") {
        None => 0,
        Some(cursor) => match cursor.strip_prefix("offset:").and_then(|n| n.parse().ok()) {
            Some(offset) => offset,
            None => return Err(ok(slack_error("invalid_cursor"))),
        },
    };
    let page: Vec<Value> = items.iter().skip(offset).take(limit).cloned().collect();
    let next = offset + page.len();
    let next_cursor = if next < items.len() {
        format!("offset:{next}")
    } else {
        String::new()
    };
    Ok((page, next_cursor))
}

/// `users.list`: every user of the workspace as `users.info` shows them, paged by `limit` and
/// an opaque `cursor` (`response_metadata.next_cursor`, empty on the last page).
fn users_list(state: &mut FakeState, args: &Value) -> Answer {
    let team = state.team_id.clone();
    let all: Vec<Value> = state.users.values().map(|u| u.to_json(&team)).collect();
    match page_of(args, &all) {
        Ok((page, next_cursor)) => ok(json!({
            "ok": true,
            "members": page,
            "cache_ts": 0,
            "response_metadata": { "next_cursor": next_cursor },
        })),
        Err(answer) => answer,
    }
}
