//! What the fake remembers and what a test scripts: the calls it received, the messages and
//! views it holds, and canned answers for future calls.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// One request the fake received.
#[derive(Debug, Clone)]
pub struct RecordedCall {
    /// The Web API method (`chat.postMessage`), or `response_url` for posts to
    /// [`FakeSlack::response_url`].
    pub method: String,
    /// The URL path that was hit.
    pub path: String,
    /// The arguments: the JSON body, or form and query fields as a JSON object of strings.
    pub args: Value,
    /// The `Authorization` header as sent.
    pub authorization: Option<String>,
    pub content_type: Option<String>,
    /// The HTTP status the fake answered with.
    pub status: u16,
    /// The JSON the fake answered with.
    pub response: Value,
    pub received_at: Instant,
}

impl RecordedCall {
    /// A top-level argument as text (`channel`, `ts`, `text`, `user`...).
    pub fn str_arg(&self, name: &str) -> Option<&str> {
        self.args.get(name).and_then(Value::as_str)
    }

    /// A top-level argument as JSON.
    pub fn arg(&self, name: &str) -> Option<&Value> {
        self.args.get(name)
    }

    /// The bearer token sent, without `Bearer `.
    pub fn bearer_token(&self) -> Option<&str> {
        self.authorization.as_deref()?.strip_prefix("Bearer ")
    }

    /// True when the fake answered `ok: true` with HTTP 200.
    pub fn succeeded(&self) -> bool {
        self.status == 200 && self.response.get("ok") == Some(&Value::Bool(true))
    }

    /// The `blocks` argument parsed (Slack accepts it as JSON or as a JSON string).
    pub fn blocks(&self) -> Option<Value> {
        parse_maybe_json(self.args.get("blocks")?)
    }

    /// The `view` argument parsed (Slack accepts it as JSON or as a JSON string).
    pub fn view(&self) -> Option<Value> {
        parse_maybe_json(self.args.get("view")?)
    }

    /// Every text the message or view shows (`text`, and each `text` in blocks), joined by
    /// newlines: handy for "the card says Approved" assertions.
    pub fn visible_text(&self) -> String {
        let mut texts = Vec::new();
        if let Some(text) = self.str_arg("text") {
            texts.push(text.to_owned());
        }
        if let Some(blocks) = self.blocks() {
            collect_texts(&blocks, &mut texts);
        }
        if let Some(view) = self.view() {
            collect_texts(&view, &mut texts);
        }
        texts.join("\n")
    }
}

pub(crate) fn parse_maybe_json(value: &Value) -> Option<Value> {
    match value {
        Value::String(text) => serde_json::from_str(text).ok(),
        other => Some(other.clone()),
    }
}

pub(crate) fn collect_texts(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, item) in map {
                match (key.as_str(), item) {
                    ("text", Value::String(text)) => out.push(text.clone()),
                    _ => collect_texts(item, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| collect_texts(item, out)),
        _ => {}
    }
}

/// A message as the fake holds it: what `chat.postMessage` created and `chat.update` changed.
#[derive(Debug, Clone, PartialEq)]
pub struct FakeMessage {
    pub channel: String,
    pub ts: String,
    pub thread_ts: Option<String>,
    pub text: String,
    pub blocks: Option<Value>,
    /// How many times `chat.update` changed it.
    pub updates: usize,
}

impl FakeMessage {
    /// `text` and every text in the blocks, joined by newlines.
    pub fn visible_text(&self) -> String {
        let mut texts = vec![self.text.clone()];
        if let Some(blocks) = &self.blocks {
            collect_texts(blocks, &mut texts);
        }
        texts.join("\n")
    }
}

/// A view as the fake holds it (`views.open`, `views.update`, `views.publish`).
#[derive(Debug, Clone, PartialEq)]
pub struct FakeView {
    pub id: String,
    pub external_id: String,
    pub hash: String,
    /// The view JSON the app sent last.
    pub view: Value,
    /// The user whose Home tab it is, for `views.publish`.
    pub user_id: Option<String>,
    pub updates: usize,
}

/// A scripted answer for a future call.
#[derive(Debug, Clone, PartialEq)]
pub struct CannedResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// How long to wait before answering, to make the client time out.
    pub delay: Option<Duration>,
}

impl CannedResponse {
    /// HTTP 200 with `body` (for instance a fixture file's content).
    pub fn ok_body(body: impl Into<String>) -> Self {
        Self {
            status: 200,
            headers: Vec::new(),
            body: body.into(),
            delay: None,
        }
    }

    /// HTTP 200 `{"ok": false, "error": code}`.
    pub fn slack_error(code: &str) -> Self {
        Self::ok_body(json!({ "ok": false, "error": code }).to_string())
    }

    /// HTTP 429 with `Retry-After: retry_after_secs` and Slack's `ratelimited` body.
    pub fn rate_limited(retry_after_secs: u64) -> Self {
        Self {
            status: 429,
            headers: vec![("retry-after".to_owned(), retry_after_secs.to_string())],
            body: json!({ "ok": false, "error": "ratelimited" }).to_string(),
            delay: None,
        }
    }

    /// Any status, for instance a 500 with an HTML page.
    pub fn status(mut self, status: u16) -> Self {
        self.status = status;
        self
    }

    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Answers only after `delay`.
    pub fn delayed(mut self, delay: Duration) -> Self {
        self.delay = Some(delay);
        self
    }
}

/// A test's wait ended without the expected call.
#[derive(Debug, Clone, thiserror::Error)]
#[error("fake Slack: no {method} call matched within {timeout:?}; calls received: {seen}")]
pub struct WaitTimeout {
    pub method: String,
    pub timeout: Duration,
    /// A summary of every call received, to see what happened instead.
    pub seen: String,
}
