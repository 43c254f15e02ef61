//! A fake Slack Web API on loopback, for tests that need "Slack" without the network.
//!
//! It answers the methods symflow calls with the shapes Slack documents (modelled on the
//! fixtures in `host/slack/tests/fixtures/web-api/`), keeps the messages and views it was asked
//! to create so a test can look at the card as a person would see it, and records every call
//! (method, parsed body, `Authorization` header) for assertions. Failures are scriptable: a
//! Slack error code on the next call of a method, a channel that is always missing, HTTP 429 with
//! `Retry-After` on the next N calls, or any canned answer.
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

use std::collections::{BTreeMap, HashMap, VecDeque};
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

/// The workspace the fake pretends to be, unless told otherwise.
pub const DEFAULT_TEAM_ID: &str = "T0FAKE001";
/// The bot user the fake's token belongs to.
pub const DEFAULT_BOT_USER_ID: &str = "U0FAKEBOT";
/// The bot id the fake's token belongs to.
pub const DEFAULT_BOT_ID: &str = "B0FAKEBOT";

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

fn parse_maybe_json(value: &Value) -> Option<Value> {
    match value {
        Value::String(text) => serde_json::from_str(text).ok(),
        other => Some(other.clone()),
    }
}

fn collect_texts(value: &Value, out: &mut Vec<String>) {
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

/// A user in the fake's directory, answered by `users.info` and `users.lookupByEmail`.
#[derive(Debug, Clone, PartialEq)]
pub struct FakeUser {
    pub id: String,
    pub name: String,
    pub real_name: String,
    pub email: Option<String>,
    pub team_id: Option<String>,
    pub is_admin: bool,
    pub is_owner: bool,
    pub is_bot: bool,
    pub is_restricted: bool,
    pub is_ultra_restricted: bool,
    pub deleted: bool,
    pub tz: String,
}

impl FakeUser {
    /// A full member named `name` (handle), real name = handle, no e-mail.
    pub fn new(id: impl Into<String>, name: impl Into<String>) -> Self {
        let name = name.into();
        Self {
            id: id.into(),
            real_name: name.clone(),
            name,
            email: None,
            team_id: None,
            is_admin: false,
            is_owner: false,
            is_bot: false,
            is_restricted: false,
            is_ultra_restricted: false,
            deleted: false,
            tz: "America/Los_Angeles".to_owned(),
        }
    }

    pub fn email(mut self, email: impl Into<String>) -> Self {
        self.email = Some(email.into());
        self
    }

    pub fn real_name(mut self, real_name: impl Into<String>) -> Self {
        self.real_name = real_name.into();
        self
    }

    /// A workspace admin.
    pub fn admin(mut self) -> Self {
        self.is_admin = true;
        self
    }

    /// A workspace owner (also an admin, as in Slack).
    pub fn owner(mut self) -> Self {
        self.is_owner = true;
        self.is_admin = true;
        self
    }

    /// A multi-channel guest (`is_restricted`).
    pub fn guest(mut self) -> Self {
        self.is_restricted = true;
        self
    }

    /// A single-channel guest (`is_restricted` and `is_ultra_restricted`).
    pub fn single_channel_guest(mut self) -> Self {
        self.is_restricted = true;
        self.is_ultra_restricted = true;
        self
    }

    /// A bot user: Slack gives bots no e-mail.
    pub fn bot(mut self) -> Self {
        self.is_bot = true;
        self.email = None;
        self
    }

    /// A deactivated account.
    pub fn deleted(mut self) -> Self {
        self.deleted = true;
        self
    }

    /// A user of another workspace (Slack Connect or another org team).
    pub fn team(mut self, team_id: impl Into<String>) -> Self {
        self.team_id = Some(team_id.into());
        self
    }

    pub fn tz(mut self, tz: impl Into<String>) -> Self {
        self.tz = tz.into();
        self
    }

    /// The user as Slack's `users.info` shows it (shape of `users.info.ok.json`).
    fn to_json(&self, default_team: &str) -> Value {
        let team = self.team_id.as_deref().unwrap_or(default_team);
        let mut profile = json!({
            "real_name": self.real_name,
            "real_name_normalized": self.real_name,
            "display_name": self.name,
            "display_name_normalized": self.name,
            "status_text": "",
            "status_emoji": "",
            "team": team,
        });
        if let Some(email) = &self.email {
            profile["email"] = json!(email);
        }
        if self.is_bot {
            profile["bot_id"] = json!(format!("B{}", self.id.trim_start_matches(['U', 'W'])));
        }
        json!({
            "id": self.id,
            "team_id": team,
            "name": self.name,
            "deleted": self.deleted,
            "color": "9f69e7",
            "real_name": self.real_name,
            "tz": self.tz,
            "tz_label": "Pacific Standard Time",
            "tz_offset": -28800,
            "profile": profile,
            "is_admin": self.is_admin,
            "is_owner": self.is_owner,
            "is_primary_owner": false,
            "is_restricted": self.is_restricted,
            "is_ultra_restricted": self.is_ultra_restricted,
            "is_bot": self.is_bot,
            "is_app_user": false,
            "has_2fa": false,
            "updated": 1502138686,
        })
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

#[derive(Default)]
struct FakeState {
    calls: Vec<RecordedCall>,
    users: BTreeMap<String, FakeUser>,
    channel_members: HashMap<String, Vec<String>>,
    /// Channels that answer every call naming them with this error code.
    broken_channels: HashMap<String, String>,
    /// Scripted answers, per method, used first-in first-out.
    canned: HashMap<String, VecDeque<CannedResponse>>,
    /// Errors answered on every call of a method until cleared.
    failing_methods: HashMap<String, String>,
    messages: Vec<FakeMessage>,
    ephemeral: Vec<FakeMessage>,
    views: Vec<FakeView>,
    expected_token: Option<String>,
    team_id: String,
    team_name: String,
    next_id: u64,
    ts_base_secs: u64,
}

impl FakeState {
    fn next_number(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    /// Strictly increasing message timestamps, like Slack's `1503435956.000247`.
    fn next_ts(&mut self) -> String {
        let n = self.next_number();
        format!("{}.{:06}", self.ts_base_secs + n / 1_000_000, n % 1_000_000)
    }
}

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

fn slack_error(code: &str) -> Value {
    json!({ "ok": false, "error": code })
}

/// What the fake answers: the JSON it records, and the exact body when a canned answer gave one.
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    json: Value,
    raw_body: Option<String>,
    delay: Option<Duration>,
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
fn answer(
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
            None => return ok(slack_error("invalid_cursor")),
        },
    };
    let page: Vec<&String> = members.iter().skip(offset).take(limit).collect();
    let next = offset + page.len();
    let next_cursor = if next < members.len() {
        format!("offset:{next}")
    } else {
        String::new()
    };
    ok(json!({
        "ok": true,
        "members": page,
        "response_metadata": { "next_cursor": next_cursor },
    }))
}
