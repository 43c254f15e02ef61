//! A fake Segment HTTP Tracking API on loopback, for the log destinations of type `segment`:
//! `POST /v1/track` with HTTP basic auth (the source's write key as user, no password), as
//! Segment documents it. It records each message it takes, refuses a wrong write key (401)
//! and a message without `event`, `userId`/`anonymousId` or `messageId` (400), and can be told
//! to answer the next calls with HTTP 500.

use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, Uri};
use axum::response::Response;
use axum::Router;
use base64::Engine as _;
use serde_json::{json, Value};
use url::Url;

use crate::{header, json_reply, serve};

/// The write key the fake takes.
pub const SEGMENT_WRITE_KEY: &str = "segment-test-write-key";

/// What the fake Segment took and saw.
#[derive(Debug, Default)]
pub struct SegmentState {
    /// Messages taken, in arrival order.
    pub tracked: Vec<Value>,
    /// Every call, taken or refused.
    pub attempts: usize,
    /// Calls refused because of their write key.
    pub unauthorized: usize,
    fail: usize,
}

impl SegmentState {
    /// Answers the next `calls` calls with HTTP 500.
    pub fn fail_calls(&mut self, calls: usize) {
        self.fail = calls;
    }
}

/// Serves the fake Segment API.
pub async fn segment() -> (Url, Arc<Mutex<SegmentState>>) {
    let state = Arc::new(Mutex::new(SegmentState::default()));
    let shared = state.clone();
    let router = Router::new().fallback(
        move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
            let state = shared.clone();
            async move {
                let mut state = state.lock().unwrap_or_else(|e| e.into_inner());
                handle(&mut state, method, uri, headers, body)
            }
        },
    );
    (serve(router).await, state)
}

fn handle(
    state: &mut SegmentState,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    state.attempts += 1;
    if method != Method::POST || uri.path() != "/v1/track" {
        return json_reply(404, json!({"success": false, "message": "not found"}));
    }
    let expected = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{SEGMENT_WRITE_KEY}:"))
    );
    if header(&headers, "authorization") != expected {
        state.unauthorized += 1;
        return json_reply(
            401,
            json!({"success": false, "message": "invalid write key"}),
        );
    }
    if !header(&headers, "content-type").starts_with("application/json") {
        return json_reply(400, json!({"success": false, "message": "expected JSON"}));
    }
    let message: Value = match serde_json::from_slice(&body) {
        Ok(Value::Object(map)) => Value::Object(map),
        _ => return json_reply(400, json!({"success": false, "message": "invalid JSON"})),
    };
    let text = |key: &str| message[key].as_str().is_some_and(|v| !v.is_empty());
    if !text("event") || !(text("userId") || text("anonymousId")) || !text("messageId") {
        return json_reply(
            400,
            json!({"success": false, "message": "a track call needs event, userId or anonymousId, and messageId"}),
        );
    }
    if state.fail > 0 {
        state.fail -= 1;
        return json_reply(500, json!({"success": false, "message": "internal error"}));
    }
    state.tracked.push(message);
    json_reply(200, json!({"success": true}))
}
