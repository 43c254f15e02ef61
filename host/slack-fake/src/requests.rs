//! What Slack sends to the app, built for end-to-end tests and the load generator: slash command
//! forms, interactivity payloads (button clicks, modal submissions and closes), Events API bodies,
//! and the signature headers that make the app accept them.
//!
//! Shapes follow the recorded payloads in `host/slack/tests/fixtures/requests/`. Signing is
//! implemented here independently of the app's verifier, so the two check each other.
//!
//! ```
//! use symflow_slack_fake::requests::{inputs, SlashCommand, ViewSubmission};
//! let command = SlashCommand::new("T1", "U1", "/sym", "req aws-access").request();
//! let headers = command.signature_headers("signing-secret", 1_700_000_000);
//! let submit = ViewSubmission::new("T1", "U1", "V1", "sym_request")
//!     .private_metadata(r#"{"flow":"aws-access"}"#)
//!     .input("reason", "value", inputs::plain_text("deploy hotfix"))
//!     .input("duration", "value", inputs::static_select("1h"))
//!     .request();
//! # let _ = (headers, submit);
//! ```

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use hmac::{Hmac, Mac};
use serde_json::{json, Map, Value};
use sha2::Sha256;

/// A request body as Slack would post it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlackRequest {
    pub body: Vec<u8>,
    pub content_type: &'static str,
}

impl SlackRequest {
    /// A form body (`a=b&c=d`), as slash commands are sent.
    pub fn form(fields: &[(&str, &str)]) -> Self {
        Self {
            body: serde_urlencoded::to_string(fields)
                .expect("string pairs always form-encode")
                .into_bytes(),
            content_type: "application/x-www-form-urlencoded",
        }
    }

    /// An interactivity body: `payload=<url-encoded JSON>`.
    pub fn interaction(payload: &Value) -> Self {
        Self::form(&[("payload", &payload.to_string())])
    }

    /// A JSON body, as Events API deliveries are sent.
    pub fn json(value: &Value) -> Self {
        Self {
            body: value.to_string().into_bytes(),
            content_type: "application/json",
        }
    }

    /// `Content-Type`, `X-Slack-Request-Timestamp` and `X-Slack-Signature` for this body signed at
    /// `timestamp` (Unix seconds) with `signing_secret`.
    pub fn signature_headers(
        &self,
        signing_secret: &str,
        timestamp: i64,
    ) -> Vec<(&'static str, String)> {
        vec![
            ("Content-Type", self.content_type.to_owned()),
            ("X-Slack-Request-Timestamp", timestamp.to_string()),
            (
                "X-Slack-Signature",
                sign(signing_secret, timestamp, &self.body),
            ),
        ]
    }

    /// [`SlackRequest::signature_headers`] signed now.
    pub fn signed_now(&self, signing_secret: &str) -> Vec<(&'static str, String)> {
        self.signature_headers(signing_secret, unix_now())
    }

    /// The body as text (it always is).
    pub fn body_text(&self) -> &str {
        std::str::from_utf8(&self.body).unwrap_or_default()
    }
}

/// Slack's `v0=<hex HMAC-SHA256 of "v0:{timestamp}:{body}">`.
pub fn sign(signing_secret: &str, timestamp: i64, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(signing_secret.as_bytes())
        .expect("HMAC accepts keys of any length");
    mac.update(format!("v0:{timestamp}:").as_bytes());
    mac.update(body);
    format!("v0={}", hex::encode(mac.finalize().into_bytes()))
}

/// The current Unix time in seconds.
pub fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

static SEQUENCE: AtomicU64 = AtomicU64::new(1);

/// A fresh trigger id in Slack's format (`1234.5678.hex`).
pub fn new_trigger_id() -> String {
    let n = SEQUENCE.fetch_add(1, Ordering::Relaxed);
    format!("{n}.4242424242.fake{n:028x}")
}

fn action_ts() -> String {
    let n = SEQUENCE.fetch_add(1, Ordering::Relaxed);
    format!("{}.{:06}", unix_now(), n % 1_000_000)
}

fn user_json(team_id: &str, user_id: &str, user_name: &str) -> Value {
    json!({ "id": user_id, "username": user_name, "name": user_name, "team_id": team_id })
}

fn team_json(team_id: &str) -> Value {
    json!({ "id": team_id, "domain": "fake-workspace" })
}

/// Values of input elements as Slack puts them in `view.state.values`.
pub mod inputs {
    use serde_json::{json, Value};

    fn option(value: &str) -> Value {
        json!({ "text": { "type": "plain_text", "text": value, "emoji": true }, "value": value })
    }

    pub fn plain_text(value: &str) -> Value {
        json!({ "type": "plain_text_input", "value": value })
    }
    /// A text input left empty.
    pub fn empty_text() -> Value {
        json!({ "type": "plain_text_input", "value": null })
    }
    pub fn email(value: &str) -> Value {
        json!({ "type": "email_text_input", "value": value })
    }
    pub fn url(value: &str) -> Value {
        json!({ "type": "url_text_input", "value": value })
    }
    /// Slack sends the number as the text typed.
    pub fn number(value: &str) -> Value {
        json!({ "type": "number_input", "value": value })
    }
    pub fn static_select(value: &str) -> Value {
        json!({ "type": "static_select", "selected_option": option(value) })
    }
    pub fn external_select(value: &str) -> Value {
        json!({ "type": "external_select", "selected_option": option(value) })
    }
    pub fn multi_static_select(values: &[&str]) -> Value {
        let options: Vec<Value> = values.iter().map(|v| option(v)).collect();
        json!({ "type": "multi_static_select", "selected_options": options })
    }
    pub fn radio_buttons(value: &str) -> Value {
        json!({ "type": "radio_buttons", "selected_option": option(value) })
    }
    pub fn checkboxes(values: &[&str]) -> Value {
        let options: Vec<Value> = values.iter().map(|v| option(v)).collect();
        json!({ "type": "checkboxes", "selected_options": options })
    }
    pub fn users_select(user_id: &str) -> Value {
        json!({ "type": "users_select", "selected_user": user_id })
    }
    pub fn multi_users_select(user_ids: &[&str]) -> Value {
        json!({ "type": "multi_users_select", "selected_users": user_ids })
    }
    pub fn conversations_select(conversation_id: &str) -> Value {
        json!({ "type": "conversations_select", "selected_conversation": conversation_id })
    }
    pub fn channels_select(channel_id: &str) -> Value {
        json!({ "type": "channels_select", "selected_channel": channel_id })
    }
    /// `YYYY-MM-DD`.
    pub fn datepicker(date: &str) -> Value {
        json!({ "type": "datepicker", "selected_date": date })
    }
    /// `HH:MM`.
    pub fn timepicker(time: &str) -> Value {
        json!({ "type": "timepicker", "selected_time": time, "timezone": "America/Los_Angeles" })
    }
}

/// A slash command, as posted to the commands URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlashCommand {
    pub team_id: String,
    pub user_id: String,
    pub user_name: String,
    pub command: String,
    pub text: String,
    pub channel_id: String,
    pub channel_name: String,
    pub trigger_id: String,
    pub response_url: String,
    pub api_app_id: String,
}

impl SlashCommand {
    /// `command` (with its slash) typed by `user_id` in a channel of `team_id`.
    pub fn new(team_id: &str, user_id: &str, command: &str, text: &str) -> Self {
        Self {
            team_id: team_id.to_owned(),
            user_id: user_id.to_owned(),
            user_name: user_id.to_lowercase(),
            command: command.to_owned(),
            text: text.to_owned(),
            channel_id: "C0FAKEGENERAL".to_owned(),
            channel_name: "general".to_owned(),
            trigger_id: new_trigger_id(),
            response_url: "https://hooks.slack.com/commands/T0/1/fake".to_owned(),
            api_app_id: "A0FAKEAPP".to_owned(),
        }
    }

    pub fn channel(mut self, channel_id: &str, channel_name: &str) -> Self {
        self.channel_id = channel_id.to_owned();
        self.channel_name = channel_name.to_owned();
        self
    }

    /// Where the app's delayed answers go; use [`crate::FakeSlack::response_url`] to record them.
    pub fn response_url(mut self, url: &str) -> Self {
        self.response_url = url.to_owned();
        self
    }

    pub fn trigger_id(mut self, trigger_id: &str) -> Self {
        self.trigger_id = trigger_id.to_owned();
        self
    }

    pub fn request(&self) -> SlackRequest {
        SlackRequest::form(&[
            ("token", "fake-verification-token"),
            ("team_id", &self.team_id),
            ("team_domain", "fake-workspace"),
            ("channel_id", &self.channel_id),
            ("channel_name", &self.channel_name),
            ("user_id", &self.user_id),
            ("user_name", &self.user_name),
            ("command", &self.command),
            ("text", &self.text),
            ("api_app_id", &self.api_app_id),
            ("is_enterprise_install", "false"),
            ("response_url", &self.response_url),
            ("trigger_id", &self.trigger_id),
        ])
    }
}

/// A button click (`block_actions`) on a message, such as Approve on a request card.
#[derive(Debug, Clone, PartialEq)]
pub struct ButtonClick {
    pub team_id: String,
    pub user_id: String,
    pub channel_id: String,
    pub message_ts: String,
    pub block_id: String,
    pub action_id: String,
    pub value: Option<String>,
    pub trigger_id: String,
    pub response_url: String,
    /// The message's input state (`state.values`), e.g. a decision message typed on the card.
    pub state_values: Map<String, Value>,
}

impl ButtonClick {
    /// `user_id` clicks the button `action_id` on the message `message_ts` in `channel_id`.
    pub fn on_message(
        team_id: &str,
        user_id: &str,
        channel_id: &str,
        message_ts: &str,
        action_id: &str,
    ) -> Self {
        Self {
            team_id: team_id.to_owned(),
            user_id: user_id.to_owned(),
            channel_id: channel_id.to_owned(),
            message_ts: message_ts.to_owned(),
            block_id: "actions".to_owned(),
            action_id: action_id.to_owned(),
            value: None,
            trigger_id: new_trigger_id(),
            response_url: "https://hooks.slack.com/actions/T0/1/fake".to_owned(),
            state_values: Map::new(),
        }
    }

    pub fn value(mut self, value: &str) -> Self {
        self.value = Some(value.to_owned());
        self
    }

    pub fn block_id(mut self, block_id: &str) -> Self {
        self.block_id = block_id.to_owned();
        self
    }

    pub fn response_url(mut self, url: &str) -> Self {
        self.response_url = url.to_owned();
        self
    }

    /// Adds an input value of the message (see [`inputs`]).
    pub fn input(mut self, block_id: &str, action_id: &str, value: Value) -> Self {
        insert_input(&mut self.state_values, block_id, action_id, value);
        self
    }

    pub fn payload(&self) -> Value {
        let mut action = json!({
            "action_id": self.action_id,
            "block_id": self.block_id,
            "text": { "type": "plain_text", "text": self.action_id, "emoji": true },
            "type": "button",
            "action_ts": action_ts(),
        });
        if let Some(value) = &self.value {
            action["value"] = json!(value);
        }
        json!({
            "type": "block_actions",
            "user": user_json(&self.team_id, &self.user_id, &self.user_id.to_lowercase()),
            "api_app_id": "A0FAKEAPP",
            "token": "fake-verification-token",
            "container": {
                "type": "message",
                "message_ts": self.message_ts,
                "channel_id": self.channel_id,
                "is_ephemeral": false
            },
            "trigger_id": self.trigger_id,
            "team": team_json(&self.team_id),
            "enterprise": null,
            "is_enterprise_install": false,
            "channel": { "id": self.channel_id, "name": "fake-channel" },
            "message": {
                "type": "message",
                "ts": self.message_ts,
                "bot_id": crate::DEFAULT_BOT_ID,
                "text": "",
                "blocks": []
            },
            "state": { "values": self.state_values },
            "response_url": self.response_url,
            "actions": [action],
        })
    }

    pub fn request(&self) -> SlackRequest {
        SlackRequest::interaction(&self.payload())
    }
}

fn insert_input(values: &mut Map<String, Value>, block_id: &str, action_id: &str, value: Value) {
    let block = values
        .entry(block_id.to_owned())
        .or_insert_with(|| json!({}));
    block[action_id] = value;
}

/// A modal's Submit (`view_submission`).
#[derive(Debug, Clone, PartialEq)]
pub struct ViewSubmission {
    pub team_id: String,
    pub user_id: String,
    pub view_id: String,
    pub callback_id: String,
    pub private_metadata: String,
    pub hash: String,
    pub trigger_id: String,
    pub state_values: Map<String, Value>,
}

impl ViewSubmission {
    /// `user_id` submits the modal `view_id` (opened with `callback_id`).
    pub fn new(team_id: &str, user_id: &str, view_id: &str, callback_id: &str) -> Self {
        Self {
            team_id: team_id.to_owned(),
            user_id: user_id.to_owned(),
            view_id: view_id.to_owned(),
            callback_id: callback_id.to_owned(),
            private_metadata: String::new(),
            hash: "1700000000.fakehash".to_owned(),
            trigger_id: new_trigger_id(),
            state_values: Map::new(),
        }
    }

    pub fn private_metadata(mut self, metadata: &str) -> Self {
        self.private_metadata = metadata.to_owned();
        self
    }

    /// Adds an input value (see [`inputs`]).
    pub fn input(mut self, block_id: &str, action_id: &str, value: Value) -> Self {
        insert_input(&mut self.state_values, block_id, action_id, value);
        self
    }

    pub fn payload(&self) -> Value {
        json!({
            "type": "view_submission",
            "team": team_json(&self.team_id),
            "user": user_json(&self.team_id, &self.user_id, &self.user_id.to_lowercase()),
            "api_app_id": "A0FAKEAPP",
            "token": "fake-verification-token",
            "trigger_id": self.trigger_id,
            "view": view_json(&self.team_id, &self.view_id, &self.callback_id, &self.private_metadata, &self.hash, &self.state_values),
            "response_urls": [],
            "is_enterprise_install": false,
            "enterprise": null,
        })
    }

    pub fn request(&self) -> SlackRequest {
        SlackRequest::interaction(&self.payload())
    }
}

fn view_json(
    team_id: &str,
    view_id: &str,
    callback_id: &str,
    private_metadata: &str,
    hash: &str,
    state_values: &Map<String, Value>,
) -> Value {
    json!({
        "id": view_id,
        "team_id": team_id,
        "type": "modal",
        "blocks": [],
        "private_metadata": private_metadata,
        "callback_id": callback_id,
        "state": { "values": state_values },
        "hash": hash,
        "title": { "type": "plain_text", "text": "Fake modal", "emoji": true },
        "clear_on_close": false,
        "notify_on_close": true,
        "previous_view_id": null,
        "root_view_id": view_id,
        "app_id": "A0FAKEAPP",
        "external_id": "",
        "app_installed_team_id": team_id,
        "bot_id": crate::DEFAULT_BOT_ID,
    })
}

/// A modal closed with Cancel (`view_closed`).
pub fn view_closed(
    team_id: &str,
    user_id: &str,
    view_id: &str,
    callback_id: &str,
    private_metadata: &str,
) -> SlackRequest {
    SlackRequest::interaction(&json!({
        "type": "view_closed",
        "team": team_json(team_id),
        "user": user_json(team_id, user_id, &user_id.to_lowercase()),
        "api_app_id": "A0FAKEAPP",
        "token": "fake-verification-token",
        "view": view_json(team_id, view_id, callback_id, private_metadata, "1700000000.fakehash", &Map::new()),
        "is_cleared": false,
        "is_enterprise_install": false,
        "enterprise": null,
    }))
}

/// A global shortcut (`shortcut`) run by `user_id`.
pub fn global_shortcut(team_id: &str, user_id: &str, callback_id: &str) -> SlackRequest {
    SlackRequest::interaction(&json!({
        "type": "shortcut",
        "token": "fake-verification-token",
        "action_ts": action_ts(),
        "team": team_json(team_id),
        "user": { "id": user_id, "username": user_id.to_lowercase(), "team_id": team_id },
        "is_enterprise_install": false,
        "enterprise": null,
        "callback_id": callback_id,
        "trigger_id": new_trigger_id(),
    }))
}

/// The Events API URL check.
pub fn url_verification(challenge: &str) -> SlackRequest {
    SlackRequest::json(&json!({
        "token": "fake-verification-token",
        "challenge": challenge,
        "type": "url_verification",
    }))
}

/// An Events API delivery of `event` (its JSON, with a `type`).
pub fn event_callback(team_id: &str, event_id: &str, event: Value) -> SlackRequest {
    SlackRequest::json(&json!({
        "token": "fake-verification-token",
        "team_id": team_id,
        "api_app_id": "A0FAKEAPP",
        "event": event,
        "type": "event_callback",
        "event_id": event_id,
        "event_time": unix_now(),
        "authed_users": [],
    }))
}
