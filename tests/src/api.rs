//! Helpers for the Events API and log destination tests: an API client with a bearer token,
//! tokens issued the way `symflow tokens issue` issues them, a restart with an edited
//! configuration, and a local HTTP receiver of audit events that can refuse its first
//! deliveries.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use serde_json::Value;
use symflow_config::Config;

use crate::{Harness, LoadedEnv, PATIENCE};

/// What an API call answered: status and JSON body.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub body: Value,
    pub content_type: String,
}

/// Calls `/api/v1` of a test server.
#[derive(Clone)]
pub struct ApiClient {
    pub base: String,
    pub token: Option<String>,
    http: reqwest::Client,
}

impl ApiClient {
    pub fn new(harness: &Harness, token: Option<&str>) -> ApiClient {
        ApiClient {
            base: harness.url("/api/v1"),
            token: token.map(str::to_string),
            http: reqwest::Client::new(),
        }
    }

    async fn answer(response: reqwest::Response) -> Answer {
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        let text = response.text().await.unwrap_or_default();
        let body = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("the API answered {status} with non-JSON {text:?}: {e}"));
        Answer {
            status,
            body,
            content_type,
        }
    }

    fn authorised(&self, builder: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.token {
            Some(token) => builder.bearer_auth(token),
            None => builder,
        }
    }

    pub async fn post(&self, path: &str, body: &Value) -> Answer {
        let builder = self
            .http
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/json")
            .body(body.to_string());
        Self::answer(
            self.authorised(builder)
                .send()
                .await
                .expect("the server answers"),
        )
        .await
    }

    pub async fn get(&self, path: &str) -> Answer {
        let builder = self.http.get(format!("{}{path}", self.base));
        Self::answer(
            self.authorised(builder)
                .send()
                .await
                .expect("the server answers"),
        )
        .await
    }

    /// Polls `GET /events/{id}` until it is no longer `pending`.
    pub async fn wait_event(&self, event_id: &str) -> Value {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let answer = self.get(&format!("/events/{event_id}")).await;
            assert_eq!(answer.status, 200, "{:?}", answer.body);
            if answer.body["status"] != "pending" {
                return answer.body;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "event {event_id} stayed pending"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Harness {
    /// A token, issued as `symflow tokens issue --name <name>` issues it.
    pub fn issue_token(&self, name: &str, valid_for: Option<Duration>) -> String {
        // The blocking store client (PostgreSQL's runs its own runtime): off the async threads.
        let store = self.store();
        crate::blocking(|| symflow_server::api::tokens::issue(&store, name, valid_for))
            .expect("a token is issued")
            .secret
    }

    /// An API client with `token`.
    pub fn api(&self, token: &str) -> ApiClient {
        ApiClient::new(self, Some(token))
    }

    /// Restarts the server on the same data directory with the configuration `edit` made.
    pub async fn restart_with_config(&mut self, edit: impl FnOnce(&mut Config)) {
        self.stop().await;
        let mut config = self.env.config.clone();
        edit(&mut config);
        self.env = Arc::new(LoadedEnv {
            name: self.env.name.clone(),
            config,
            sandbox: self.env.sandbox.clone(),
            catalog: self.env.catalog.clone(),
        });
        self.start_again().await;
    }
}

/// The `e2e` environment's configuration with two log destinations in its environment's
/// `log_destination_ids`: `http` to `url` and `file` to `file`. Loaded from a copy of
/// `tests/envs/e2e` with the two resources added, so it is what a user would write.
pub fn config_with_log_destinations(url: &str, file: &Path) -> (tempfile::TempDir, Config) {
    config_with_log_destination_resources(
        &["receiver", "jsonl"],
        &format!(
            r#"resource "sym_log_destination" "receiver" {{
  type     = "http"
  settings = {{ url = "{url}" }}
}}

resource "sym_log_destination" "jsonl" {{
  type     = "file"
  settings = {{ path = "{}" }}
}}
"#,
            file.display()
        ),
    )
}

/// The `e2e` environment's configuration with the `sym_log_destination`s `names` in its
/// environment's `log_destination_ids`, declared (with whatever else they need) by
/// `resources`, which is written to `log_destinations.tf` of a copy of `tests/envs/e2e`.
/// The configuration must load without a warning.
pub fn config_with_log_destination_resources(
    names: &[&str],
    resources: &str,
) -> (tempfile::TempDir, Config) {
    let source = crate::env_dir("e2e");
    let copy = tempfile::tempdir().expect("a temporary directory");
    copy_dir(&source, copy.path());
    let environment = copy.path().join("environment.tf");
    let text = std::fs::read_to_string(&environment).expect("environment.tf");
    let ids: Vec<String> = names
        .iter()
        .map(|name| format!("sym_log_destination.{name}.id"))
        .collect();
    let patched = text.replacen(
        "  name            = \"e2e\"\n",
        &format!(
            "  name            = \"e2e\"\n  log_destination_ids = [{}]\n",
            ids.join(", ")
        ),
        1,
    );
    assert_ne!(patched, text, "environment.tf has the expected name line");
    std::fs::write(&environment, patched).expect("environment.tf written");
    std::fs::write(copy.path().join("log_destinations.tf"), resources)
        .expect("log_destinations.tf written");
    let loaded = symflow_config::load_dir(copy.path(), &Default::default())
        .unwrap_or_else(|e| panic!("the configuration with log destinations loads:\n{e}"));
    assert!(
        loaded.diagnostics.is_empty(),
        "no warnings: {:?}",
        loaded.diagnostics
    );
    (copy, loaded.config)
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            if entry.file_name() != ".symflow" {
                copy_dir(&entry.path(), &target);
            }
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// One delivery that reached the receiver.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// The `Idempotency-Key` header.
    pub key: String,
    pub event: Value,
}

#[derive(Default)]
struct ReceiverState {
    /// Attempts still to refuse with 503.
    refuse: usize,
    attempts: usize,
    accepted: Vec<Delivery>,
}

/// A log receiver on loopback: takes `POST /events`, refusing the first attempts it is told to.
#[derive(Clone)]
pub struct Receiver {
    pub url: String,
    state: Arc<Mutex<ReceiverState>>,
}

impl Receiver {
    pub async fn start() -> Receiver {
        let state = Arc::new(Mutex::new(ReceiverState::default()));
        let router = Router::new()
            .route("/events", post(receive))
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .expect("the receiver listens");
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        Receiver {
            url: format!("http://{addr}/events"),
            state,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ReceiverState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Refuses the next `n` attempts with 503.
    pub fn refuse_next(&self, n: usize) {
        self.lock().refuse = n;
    }

    /// Every attempt, refused or not.
    pub fn attempts(&self) -> usize {
        self.lock().attempts
    }

    pub fn accepted(&self) -> Vec<Delivery> {
        self.lock().accepted.clone()
    }

    /// Waits until deliveries with every id in `ids` were accepted; returns them all.
    pub async fn wait_for_ids(&self, ids: &[String]) -> Vec<Delivery> {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let accepted = self.accepted();
            if ids.iter().all(|id| accepted.iter().any(|d| &d.key == id)) {
                return accepted;
            }
            if tokio::time::Instant::now() > deadline {
                let got: Vec<&String> = accepted.iter().map(|d| &d.key).collect();
                panic!("the receiver never got all of {ids:?}; it got {got:?}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

async fn receive(
    State(state): State<Arc<Mutex<ReceiverState>>>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let mut state = state.lock().unwrap_or_else(|e| e.into_inner());
    state.attempts += 1;
    if state.refuse > 0 {
        state.refuse -= 1;
        return StatusCode::SERVICE_UNAVAILABLE;
    }
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let event: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(_) => return StatusCode::BAD_REQUEST,
    };
    state.accepted.push(Delivery { key, event });
    StatusCode::OK
}
