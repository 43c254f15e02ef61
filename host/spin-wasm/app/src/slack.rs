//! The few Slack Web API methods the app calls, over Spin's outbound HTTP (`allowed_outbound_hosts`
//! must list `https://slack.com`). JSON bodies for methods that take them, form bodies for the
//! read methods Slack documents as form-only.

use serde_json::{json, Value};
use spin_sdk::http::{Method, Request, Response};
use symflow_engine::{Actor, Destination};

pub const DEFAULT_API_BASE: &str = "https://slack.com/api/";

pub struct Slack {
    base: String,
    token: String,
}

/// A Slack answer that was not `ok`, or a transport failure, in words.
pub type SlackError = String;

impl Slack {
    pub fn new(base: String, token: String) -> Self {
        let base = if base.ends_with('/') {
            base
        } else {
            format!("{base}/")
        };
        Slack { base, token }
    }

    async fn call(
        &self,
        method: &str,
        body: Vec<u8>,
        content_type: &str,
    ) -> Result<Value, SlackError> {
        let request = Request::builder()
            .method(Method::Post)
            .uri(format!("{}{method}", self.base))
            .header("authorization", format!("Bearer {}", self.token))
            .header("content-type", content_type)
            .body(body)
            .build();
        let response: Response = spin_sdk::http::send(request)
            .await
            .map_err(|e| format!("Slack's {method} could not be reached: {e}"))?;
        if *response.status() >= 300 {
            return Err(format!(
                "Slack's {method} answered HTTP {}",
                response.status()
            ));
        }
        let value: Value = serde_json::from_slice(response.body())
            .map_err(|e| format!("Slack's {method} answered something that is not JSON: {e}"))?;
        if value["ok"].as_bool() == Some(true) {
            Ok(value)
        } else {
            Err(format!(
                "Slack's {method} failed: {}",
                value["error"].as_str().unwrap_or("unknown error")
            ))
        }
    }

    pub async fn json(&self, method: &str, args: Value) -> Result<Value, SlackError> {
        self.call(
            method,
            args.to_string().into_bytes(),
            "application/json; charset=utf-8",
        )
        .await
    }

    async fn form(&self, method: &str, args: &[(&str, &str)]) -> Result<Value, SlackError> {
        let body = serde_urlencoded_pairs(args);
        self.call(
            method,
            body.into_bytes(),
            "application/x-www-form-urlencoded",
        )
        .await
    }

    pub async fn views_open(&self, trigger_id: &str, view: &Value) -> Result<String, SlackError> {
        let answer = self
            .json(
                "views.open",
                json!({ "trigger_id": trigger_id, "view": view }),
            )
            .await?;
        Ok(answer["view"]["id"]
            .as_str()
            .unwrap_or_default()
            .to_string())
    }

    pub async fn views_update(&self, view_id: &str, view: &Value) -> Result<(), SlackError> {
        self.json("views.update", json!({ "view_id": view_id, "view": view }))
            .await
            .map(drop)
    }

    /// Posts a message; `(channel, ts)` of the posted message.
    pub async fn post(
        &self,
        channel: &str,
        text: &str,
        blocks: Option<&Value>,
    ) -> Result<(String, String), SlackError> {
        let mut args = json!({ "channel": channel, "text": text });
        if let Some(blocks) = blocks {
            args["blocks"] = blocks.clone();
        }
        let answer = self.json("chat.postMessage", args).await?;
        Ok((
            answer["channel"].as_str().unwrap_or(channel).to_string(),
            answer["ts"].as_str().unwrap_or_default().to_string(),
        ))
    }

    pub async fn update(
        &self,
        channel: &str,
        ts: &str,
        text: &str,
        blocks: &Value,
    ) -> Result<(), SlackError> {
        self.json(
            "chat.update",
            json!({ "channel": channel, "ts": ts, "text": text, "blocks": blocks }),
        )
        .await
        .map(drop)
    }

    pub async fn ephemeral(&self, channel: &str, user: &str, text: &str) -> Result<(), SlackError> {
        self.json(
            "chat.postEphemeral",
            json!({ "channel": channel, "user": user, "text": text }),
        )
        .await
        .map(drop)
    }

    pub async fn users_info(&self, user: &str) -> Result<Value, SlackError> {
        Ok(self.form("users.info", &[("user", user)]).await?["user"].take())
    }

    async fn lookup_by_email(&self, email: &str) -> Result<String, SlackError> {
        let answer = self
            .form("users.lookupByEmail", &[("email", email)])
            .await?;
        Ok(answer["user"]["id"]
            .as_str()
            .unwrap_or_default()
            .to_string())
    }

    async fn open_group(&self, users: &[String]) -> Result<String, SlackError> {
        let answer = self
            .json("conversations.open", json!({ "users": users.join(",") }))
            .await?;
        Ok(answer["channel"]["id"]
            .as_str()
            .unwrap_or_default()
            .to_string())
    }

    /// Where to post for a destination the flow or the engine named.
    pub async fn channel_of(&self, destination: &Destination) -> Result<String, SlackError> {
        match destination {
            Destination::SlackChannel(channel) => Ok(channel.trim().to_string()),
            Destination::SlackUser(user) => self.user_channel(user).await,
            Destination::SlackGroup(users) => {
                let mut ids = Vec::with_capacity(users.len());
                for user in users {
                    ids.push(self.user_channel(user).await?);
                }
                self.open_group(&ids).await
            }
            Destination::User(actor) => self.actor_channel(actor).await,
        }
    }

    pub async fn actor_channel(&self, actor: &Actor) -> Result<String, SlackError> {
        match &actor.slack_user_id {
            Some(id) => Ok(id.clone()),
            None => self.user_channel(&actor.email).await,
        }
    }

    async fn user_channel(&self, user: &str) -> Result<String, SlackError> {
        let user = user.trim();
        if let Some(id) = user.strip_prefix("<@").and_then(|s| s.strip_suffix('>')) {
            return Ok(id.to_string());
        }
        if user.contains('@') && !user.starts_with('@') {
            return self.lookup_by_email(user).await;
        }
        Ok(user.trim_start_matches('@').to_string())
    }
}

fn serde_urlencoded_pairs(args: &[(&str, &str)]) -> String {
    fn encode(s: &str) -> String {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect()
    }
    args.iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Modals the app draws itself (the engine draws the request modal, picker and card).
pub fn notice_modal(heading: &str, text: &str) -> Value {
    let title: String = if heading.chars().count() > 24 {
        heading.chars().take(23).chain(['…']).collect()
    } else {
        heading.to_string()
    };
    json!({
        "type": "modal",
        "callback_id": "symflow_notice",
        "title": { "type": "plain_text", "text": title, "emoji": true },
        "close": { "type": "plain_text", "text": "Close", "emoji": true },
        "blocks": [{ "type": "section", "text": { "type": "mrkdwn", "text": text } }],
    })
}
