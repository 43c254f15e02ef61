//! A fake Slack Web API on loopback, for tests that need "Slack" without the network.
//!
//! It answers the methods symflow calls with the shapes Slack documents (modelled on the
//! fixtures in `host/slack/tests/fixtures/web-api/`), keeps the messages and views it was asked
//! to create so a test can look at the card as a person would see it, and records every call
//! (method, parsed body, `Authorization` header) for assertions. Failures are scriptable: a
//! Slack error code on the next call of a method, a channel that is always missing, HTTP 429 with
//! `Retry-After` on the next N calls, or any canned answer.
//!
//! [`requests`] builds the other direction, what Slack posts to the app (slash commands, clicks,
//! submissions) with valid signatures.
//!
//! It does not depend on the client crate on purpose: a fake that shared the client's types could
//! agree with a client bug.
//!
//! ```no_run
//! # async fn demo() {
//! use symflow_slack_fake::{FakeSlack, FakeUser};
//! let slack = FakeSlack::start().await;
//! slack.add_user(FakeUser::new("U1", "alice").email("alice@example.com").admin());
//! // point the code under test at slack.base_url(), then:
//! let card = slack
//!     .wait_for("chat.postMessage", |call| call.str_arg("channel") == Some("C1"), std::time::Duration::from_secs(5))
//!     .await
//!     .expect("the card is posted");
//! # }
//! ```

mod methods;
mod records;
pub mod requests;
mod state;
mod users;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use axum::Router;
use serde_json::{json, Map, Value};
use tokio::sync::{oneshot, watch};

pub use records::{CannedResponse, FakeMessage, FakeView, RecordedCall, WaitTimeout};
pub use users::FakeUser;

use methods::answer;
use state::FakeState;

/// The workspace the fake pretends to be, unless told otherwise.
pub const DEFAULT_TEAM_ID: &str = "T0FAKE001";
/// The bot user the fake's token belongs to.
pub const DEFAULT_BOT_USER_ID: &str = "U0FAKEBOT";
/// The bot id the fake's token belongs to.
pub const DEFAULT_BOT_ID: &str = "B0FAKEBOT";

struct Shared {
    state: Mutex<FakeState>,
    call_count: watch::Sender<usize>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, FakeState> {
        // A panicking test thread must not hide the calls from the others.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The fake Slack server. Stops when dropped.
pub struct FakeSlack {
    shared: Arc<Shared>,
    address: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
}

impl FakeSlack {
    /// Starts the fake on `127.0.0.1` on a free port, accepting any token.
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
            .await
            .expect("fake Slack: cannot bind a port on 127.0.0.1");
        let address = listener
            .local_addr()
            .expect("fake Slack: the bound socket has an address");
        let ts_base_secs = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(1_700_000_000);
        let state = FakeState {
            team_id: DEFAULT_TEAM_ID.to_owned(),
            team_name: "Fake Workspace".to_owned(),
            ts_base_secs,
            ..FakeState::default()
        };
        let (call_count, _) = watch::channel(0);
        let shared = Arc::new(Shared {
            state: Mutex::new(state),
            call_count,
        });
        let app = Router::new()
            .route("/api/{method}", any(handle_api))
            .route("/response-url/{*path}", any(handle_response_url))
            .with_state(shared.clone());
        let (shutdown, stopped) = oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
        });
        Self {
            shared,
            address,
            shutdown: Some(shutdown),
        }
    }

    /// The Web API base URL to give the code under test: `http://127.0.0.1:PORT/api/`.
    pub fn base_url(&self) -> String {
        format!("http://{}/api/", self.address)
    }

    /// The socket address the fake listens on.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// A URL to use as a slash command's or action's `response_url`; posts to it are recorded
    /// with method `response_url`.
    pub fn response_url(&self, name: &str) -> String {
        format!("http://{}/response-url/{name}", self.address)
    }

    // ----- configuration ---------------------------------------------------------------------

    /// Requires `Authorization: Bearer <token>`: no token answers `not_authed`, another token
    /// `invalid_auth`, as Slack does.
    pub fn require_token(&self, token: impl Into<String>) {
        self.shared.lock().expected_token = Some(token.into());
    }

    /// The workspace id and name the fake reports (default [`DEFAULT_TEAM_ID`]).
    pub fn set_team(&self, team_id: impl Into<String>, team_name: impl Into<String>) {
        let mut state = self.shared.lock();
        state.team_id = team_id.into();
        state.team_name = team_name.into();
    }

    /// The workspace id the fake reports.
    pub fn team_id(&self) -> String {
        self.shared.lock().team_id.clone()
    }

    /// Adds (or replaces) a user in the directory.
    pub fn add_user(&self, user: FakeUser) {
        self.shared.lock().users.insert(user.id.clone(), user);
    }

    /// Sets the members of a user group (`S…`), for `usergroups.users.list`.
    pub fn set_usergroup_members<I, S>(&self, usergroup: &str, members: I)
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let members = members.into_iter().map(Into::into).collect();
        self.shared
            .lock()
            .usergroups
            .insert(usergroup.to_owned(), members);
    }

    /// Sets who is in a channel, for `conversations.members` (and makes the channel known).
    pub fn set_channel_members<I, S>(&self, channel: &str, members: I)
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let members = members.into_iter().map(Into::into).collect();
        self.shared
            .lock()
            .channel_members
            .insert(channel.to_owned(), members);
    }

    /// Answers the next call of `method` with `{"ok": false, "error": error}`.
    pub fn fail_next(&self, method: &str, error: &str) {
        self.respond_next(method, CannedResponse::slack_error(error));
    }

    /// Answers every call of `method` with `{"ok": false, "error": error}` until
    /// [`FakeSlack::stop_failing`].
    pub fn fail_always(&self, method: &str, error: &str) {
        self.shared
            .lock()
            .failing_methods
            .insert(method.to_owned(), error.to_owned());
    }

    /// Undoes [`FakeSlack::fail_always`].
    pub fn stop_failing(&self, method: &str) {
        self.shared.lock().failing_methods.remove(method);
    }

    /// Answers every call that names `channel` (as `channel`) with `error`, e.g.
    /// `channel_not_found` or `not_in_channel`.
    pub fn fail_channel(&self, channel: &str, error: &str) {
        self.shared
            .lock()
            .broken_channels
            .insert(channel.to_owned(), error.to_owned());
    }

    /// Answers the next `n` calls of `method` with HTTP 429 and `Retry-After: retry_after_secs`.
    pub fn rate_limit_next(&self, method: &str, n: usize, retry_after_secs: u64) {
        for _ in 0..n {
            self.respond_next(method, CannedResponse::rate_limited(retry_after_secs));
        }
    }

    /// Answers the next call of `method` with exactly `response` (queued after earlier ones).
    pub fn respond_next(&self, method: &str, response: CannedResponse) {
        self.shared
            .lock()
            .canned
            .entry(method.to_owned())
            .or_default()
            .push_back(response);
    }

    // ----- assertions ------------------------------------------------------------------------

    /// Every call received, oldest first.
    pub fn calls(&self) -> Vec<RecordedCall> {
        self.shared.lock().calls.clone()
    }

    /// Every call of one method, oldest first.
    pub fn calls_to(&self, method: &str) -> Vec<RecordedCall> {
        self.shared
            .lock()
            .calls
            .iter()
            .filter(|call| call.method == method)
            .cloned()
            .collect()
    }

    /// Forgets the calls received so far (messages, views and configuration stay).
    pub fn clear_calls(&self) {
        self.shared.lock().calls.clear();
    }

    /// The first call of `method` (already received or still to come) for which `predicate`
    /// holds, waiting up to `timeout`.
    pub async fn wait_for<P>(
        &self,
        method: &str,
        predicate: P,
        timeout: Duration,
    ) -> Result<RecordedCall, WaitTimeout>
    where
        P: Fn(&RecordedCall) -> bool,
    {
        let mut changes = self.shared.call_count.subscribe();
        let deadline = tokio::time::Instant::now() + timeout;
        let mut checked = 0;
        loop {
            // Mark the current count as seen before looking, so a call recorded after the look
            // wakes `changed` below; none is missed.
            changes.borrow_and_update();
            {
                let state = self.shared.lock();
                if let Some(call) = state.calls[checked.min(state.calls.len())..]
                    .iter()
                    .find(|call| call.method == method && predicate(call))
                {
                    return Ok(call.clone());
                }
                checked = state.calls.len();
            }
            if tokio::time::timeout_at(deadline, changes.changed())
                .await
                .is_err()
            {
                return Err(WaitTimeout {
                    method: method.to_owned(),
                    timeout,
                    seen: self.summary(),
                });
            }
        }
    }

    /// Waits until `method` has been called at least `count` times; returns those calls.
    pub async fn wait_for_count(
        &self,
        method: &str,
        count: usize,
        timeout: Duration,
    ) -> Result<Vec<RecordedCall>, WaitTimeout> {
        let deadline = tokio::time::Instant::now() + timeout;
        let mut changes = self.shared.call_count.subscribe();
        loop {
            changes.borrow_and_update();
            let calls = self.calls_to(method);
            if calls.len() >= count {
                return Ok(calls);
            }
            if tokio::time::timeout_at(deadline, changes.changed())
                .await
                .is_err()
            {
                return Err(WaitTimeout {
                    method: format!("{method} (x{count})"),
                    timeout,
                    seen: self.summary(),
                });
            }
        }
    }

    /// One line per call received: `method(channel) -> status ok|error`.
    pub fn summary(&self) -> String {
        let state = self.shared.lock();
        if state.calls.is_empty() {
            return "none".to_owned();
        }
        state
            .calls
            .iter()
            .map(|call| {
                let target = ["channel", "user", "view_id", "email", "trigger_id"]
                    .iter()
                    .find_map(|key| call.str_arg(key))
                    .unwrap_or("");
                let outcome = match call.response.get("error").and_then(Value::as_str) {
                    Some(error) => error.to_owned(),
                    None => "ok".to_owned(),
                };
                format!("{}({target}) -> {} {outcome}", call.method, call.status)
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Every message posted (current content, after updates), oldest first.
    pub fn messages(&self) -> Vec<FakeMessage> {
        self.shared.lock().messages.clone()
    }

    /// Messages posted in `channel` (for a DM, see [`FakeSlack::dm_channel_id`]).
    pub fn messages_in(&self, channel: &str) -> Vec<FakeMessage> {
        self.shared
            .lock()
            .messages
            .iter()
            .filter(|m| m.channel == channel)
            .cloned()
            .collect()
    }

    /// The message `ts` in `channel`, as it is now.
    pub fn message(&self, channel: &str, ts: &str) -> Option<FakeMessage> {
        self.shared
            .lock()
            .messages
            .iter()
            .find(|m| m.channel == channel && m.ts == ts)
            .cloned()
    }

    /// Ephemeral messages (`chat.postEphemeral`); `channel` holds `channel`, `thread_ts` is unused.
    pub fn ephemeral_messages(&self) -> Vec<FakeMessage> {
        self.shared.lock().ephemeral.clone()
    }

    /// Every view opened or published, as it is now.
    pub fn views(&self) -> Vec<FakeView> {
        self.shared.lock().views.clone()
    }

    /// The DM channel id the fake uses for a user (what posting to the user id lands in, and
    /// what `conversations.open` returns for that user alone).
    pub fn dm_channel_id(user_id: &str) -> String {
        format!("D{}", user_id.trim_start_matches(['U', 'W']))
    }
}

impl Drop for FakeSlack {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Request handling
// ---------------------------------------------------------------------------------------------

fn header_text(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// Reads arguments from the query string and the body (JSON or form), as Slack accepts both.
fn parse_args(query: Option<&str>, content_type: Option<&str>, body: &[u8]) -> Value {
    let mut args = Map::new();
    let mut add_form = |text: &[u8]| {
        if let Ok(pairs) = serde_urlencoded::from_bytes::<Vec<(String, String)>>(text) {
            for (key, value) in pairs {
                args.insert(key, Value::String(value));
            }
        }
    };
    if let Some(query) = query {
        add_form(query.as_bytes());
    }
    let is_json = content_type.is_some_and(|t| t.starts_with("application/json"))
        || body.first() == Some(&b'{');
    if is_json {
        if let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(body) {
            args.extend(map);
        }
    } else {
        add_form(body);
    }
    Value::Object(args)
}

async fn handle_response_url(
    State(shared): State<Arc<Shared>>,
    Path(path): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let content_type = header_text(&headers, "content-type");
    let args = parse_args(None, content_type.as_deref(), &body);
    let response = json!({ "ok": true });
    record(
        &shared,
        RecordedCall {
            method: "response_url".to_owned(),
            path: format!("/response-url/{path}"),
            args,
            authorization: header_text(&headers, "authorization"),
            content_type,
            status: 200,
            response: response.clone(),
            received_at: Instant::now(),
        },
    );
    axum::Json(response).into_response()
}

async fn handle_api(
    State(shared): State<Arc<Shared>>,
    Path(method): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let content_type = header_text(&headers, "content-type");
    let authorization = header_text(&headers, "authorization");
    let args = parse_args(query.as_deref(), content_type.as_deref(), &body);

    let answer = {
        let mut state = shared.lock();
        answer(&mut state, &method, &args, authorization.as_deref())
    };
    let body = answer.raw_body.unwrap_or_else(|| answer.json.to_string());
    record(
        &shared,
        RecordedCall {
            method: method.clone(),
            path: format!("/api/{method}"),
            args,
            authorization,
            content_type,
            status: answer.status,
            response: answer.json,
            received_at: Instant::now(),
        },
    );

    if let Some(delay) = answer.delay {
        tokio::time::sleep(delay).await;
    }
    let mut http_response = (
        StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        [(
            "content-type",
            HeaderValue::from_static("application/json; charset=utf-8"),
        )],
        body,
    )
        .into_response();
    for (name, value) in answer.headers {
        if let (Ok(name), Ok(value)) = (
            axum::http::HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(&value),
        ) {
            http_response.headers_mut().insert(name, value);
        }
    }
    http_response
}

fn record(shared: &Shared, call: RecordedCall) {
    let count = {
        let mut state = shared.lock();
        state.calls.push(call);
        state.calls.len()
    };
    shared.call_count.send_replace(count);
}
