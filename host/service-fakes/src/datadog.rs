//! A fake Datadog Logs intake on loopback, for the log destinations of type `datadog`:
//! `POST /api/v2/logs` with the API key in `DD-API-KEY`, a JSON array of log entries (or one
//! entry), answered `202 {}` as Datadog does. It records each entry, refuses a wrong key
//! (403), and can be told to answer the next calls with HTTP 500.

use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, Uri};
use axum::response::Response;
use axum::Router;
use serde_json::{json, Value};
use url::Url;

use crate::{header, json_reply, serve};

/// The API key the fake takes.
pub const DATADOG_API_KEY: &str = "datadog-test-api-key";

/// What the fake Datadog took and saw.
#[derive(Debug, Default)]
pub struct DatadogState {
    /// Log entries taken, in arrival order.
    pub logs: Vec<Value>,
    /// Every call, taken or refused.
    pub attempts: usize,
    fail: usize,
}

impl DatadogState {
    /// Answers the next `calls` calls with HTTP 500.
    pub fn fail_calls(&mut self, calls: usize) {
        self.fail = calls;
    }
}

/// Serves the fake Datadog Logs intake.
pub async fn datadog() -> (Url, Arc<Mutex<DatadogState>>) {
    let state = Arc::new(Mutex::new(DatadogState::default()));
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

fn error(status: u16, title: &str, detail: &str) -> Response {
    json_reply(
        status,
        json!({"errors": [{"status": status.to_string(), "title": title, "detail": detail}]}),
    )
}

fn handle(
    state: &mut DatadogState,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    state.attempts += 1;
    if method != Method::POST || uri.path() != "/api/v2/logs" {
        return error(404, "Not Found", "no such route");
    }
    if header(&headers, "dd-api-key") != DATADOG_API_KEY {
        return error(403, "Forbidden", "Authentication failed: invalid API key");
    }
    if !header(&headers, "content-type").starts_with("application/json") {
        return error(400, "Bad Request", "expected application/json");
    }
    let entries = match serde_json::from_slice::<Value>(&body) {
        Ok(Value::Array(list)) if list.iter().all(Value::is_object) => list,
        Ok(entry @ Value::Object(_)) => vec![entry],
        _ => return error(400, "Bad Request", "expected a JSON array of log entries"),
    };
    if state.fail > 0 {
        state.fail -= 1;
        return error(500, "Internal Server Error", "try again");
    }
    state.logs.extend(entries);
    json_reply(202, json!({}))
}
