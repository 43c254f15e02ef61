//! The client for Slack's Web API (`https://slack.com/api/{method}`), with the handful of methods
//! symflow calls: post and update the request cards, DM requesters, open and update modals, and
//! look users up.
//!
//! Slack answers HTTP 200 with `{"ok": false, "error": "<code>"}` when a call fails; that becomes
//! [`SlackApiError::Slack`] with the code, so callers can match on it. HTTP 429 means rate limited:
//! the client waits the `Retry-After` seconds Slack asks for and retries a bounded number of
//! times before giving up with [`SlackApiError::RateLimited`]. Every request has a timeout. The
//! base URL is configurable so tests and emulators can stand in for Slack.

use std::fmt;
use std::time::Duration;

use reqwest::header::{HeaderValue, AUTHORIZATION, CONTENT_TYPE, RETRY_AFTER};
use reqwest::StatusCode;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Slack's production Web API.
pub const DEFAULT_API_BASE_URL: &str = "https://slack.com/api/";

const JSON_CONTENT_TYPE: &str = "application/json; charset=utf-8";
const FORM_CONTENT_TYPE: &str = "application/x-www-form-urlencoded";
/// How much of an unreadable response body to keep in an error.
const BODY_SNIPPET_CHARS: usize = 300;

/// How the client reaches Slack.
#[derive(Clone)]
pub struct SlackClientConfig {
    /// Base URL the method name is appended to; [`DEFAULT_API_BASE_URL`] unless testing.
    pub api_base_url: String,
    /// The bot token (`xoxb-...`), sent as `Authorization: Bearer`.
    pub bot_token: String,
    /// Limit for one HTTP exchange, connection included.
    pub request_timeout: Duration,
    /// Limit for establishing the connection.
    pub connect_timeout: Duration,
    /// How many times a call answered with HTTP 429 is retried before giving up.
    pub max_rate_limit_retries: u32,
    /// The longest `Retry-After` the client will sleep for; a longer one fails at once, so an
    /// event handler never stalls for minutes.
    pub max_retry_after: Duration,
}

impl SlackClientConfig {
    /// Production settings for `bot_token`.
    pub fn new(bot_token: impl Into<String>) -> Self {
        Self {
            api_base_url: DEFAULT_API_BASE_URL.to_owned(),
            bot_token: bot_token.into(),
            request_timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(5),
            max_rate_limit_retries: 3,
            max_retry_after: Duration::from_secs(60),
        }
    }

    /// Points the client at another Slack API base (a fake or an emulator).
    pub fn with_api_base_url(mut self, url: impl Into<String>) -> Self {
        self.api_base_url = url.into();
        self
    }
}

impl fmt::Debug for SlackClientConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SlackClientConfig")
            .field("api_base_url", &self.api_base_url)
            .field("bot_token", &"<redacted>")
            .field("request_timeout", &self.request_timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("max_rate_limit_retries", &self.max_rate_limit_retries)
            .field("max_retry_after", &self.max_retry_after)
            .finish()
    }
}

/// Why a Web API call failed.
#[derive(Debug, thiserror::Error)]
pub enum SlackApiError {
    /// Slack answered `ok: false`.
    #[error("Slack {method} failed with \"{code}\"{}", describe_slack_error(.code, .warning, .messages))]
    Slack {
        method: String,
        /// Slack's error code: `channel_not_found`, `not_in_channel`, `expired_trigger_id`...
        code: String,
        warning: Option<String>,
        /// `response_metadata.messages`: details such as which part of a view was invalid.
        messages: Vec<String>,
    },
    #[error(
        "Slack {method} is rate limited: still HTTP 429 after {attempts} attempt(s){}",
        describe_retry_after(.retry_after)
    )]
    RateLimited {
        method: String,
        attempts: u32,
        /// What Slack asked to wait, when it said.
        retry_after: Option<Duration>,
    },
    #[error("Slack {method} did not answer within {after:?}; Slack may be slow or unreachable from this host")]
    Timeout { method: String, after: Duration },
    #[error("could not reach Slack for {method} at {url}: {source}")]
    Transport {
        method: String,
        url: String,
        #[source]
        source: reqwest::Error,
    },
    #[error("Slack {method} answered HTTP {status}: {body_snippet}")]
    HttpStatus {
        method: String,
        status: u16,
        body_snippet: String,
    },
    #[error("Slack {method} answered something unexpected ({detail}): {body_snippet}")]
    InvalidResponse {
        method: String,
        detail: String,
        body_snippet: String,
    },
    #[error("Slack client is misconfigured: {0}")]
    Config(String),
}

fn describe_slack_error(code: &str, warning: &Option<String>, messages: &[String]) -> String {
    let mut text = String::new();
    if !messages.is_empty() {
        text.push_str(": ");
        text.push_str(&messages.join("; "));
    }
    if let Some(warning) = warning {
        text.push_str(&format!(" (warning: {warning})"));
    }
    if let Some(hint) = hint_for(code) {
        text.push_str(" — ");
        text.push_str(hint);
    }
    text
}

/// What to do about the Slack error codes an operator can fix.
fn hint_for(code: &str) -> Option<&'static str> {
    Some(match code {
        "not_authed" | "invalid_auth" | "token_revoked" | "token_expired" | "account_inactive" => {
            "check SLACK_BOT_TOKEN: it must be the app's current xoxb- bot token"
        }
        "missing_scope" => "add the needed scope in the Slack app's OAuth settings and reinstall the app",
        "channel_not_found" => {
            "the channel does not exist or the app cannot see it; for a private channel, invite the app"
        }
        "not_in_channel" => "invite the app to the channel (/invite @app-name)",
        "is_archived" => "the channel is archived; unarchive it or point the flow at another channel",
        "expired_trigger_id" | "invalid_trigger_id" => {
            "the modal was opened too late (trigger ids last about 3 s) or twice"
        }
        "user_not_found" | "users_not_found" => "no such user in this workspace",
        "ratelimited" | "rate_limited" => "Slack is rate limiting this app; retry later",
        _ => return None,
    })
}

fn describe_retry_after(retry_after: &Option<Duration>) -> String {
    match retry_after {
        Some(wait) => format!("; Slack asked to wait {} s", wait.as_secs()),
        None => String::new(),
    }
}

impl SlackApiError {
    /// Slack's error code when Slack answered `ok: false`.
    pub fn slack_code(&self) -> Option<&str> {
        match self {
            Self::Slack { code, .. } => Some(code),
            _ => None,
        }
    }

    /// True for HTTP 429 after retries, or an `ok: false` with `ratelimited`.
    pub fn is_rate_limited(&self) -> bool {
        matches!(self, Self::RateLimited { .. })
            || matches!(self.slack_code(), Some("ratelimited" | "rate_limited"))
    }

    /// The Web API method that failed.
    pub fn method(&self) -> Option<&str> {
        match self {
            Self::Slack { method, .. }
            | Self::RateLimited { method, .. }
            | Self::Timeout { method, .. }
            | Self::Transport { method, .. }
            | Self::HttpStatus { method, .. }
            | Self::InvalidResponse { method, .. } => Some(method),
            Self::Config(_) => None,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------------------------

/// `chat.postMessage` arguments. `text` is the notification fallback when `blocks` are given.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PostMessage {
    /// A channel id, a user id (posts to the DM with that user) or `#name`.
    pub channel: String,
    pub text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blocks: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thread_ts: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reply_broadcast: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unfurl_links: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unfurl_media: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Value>,
}

impl PostMessage {
    pub fn new(channel: impl Into<String>, text: impl Into<String>) -> Self {
        Self {
            channel: channel.into(),
            text: text.into(),
            ..Self::default()
        }
    }

    pub fn blocks(mut self, blocks: Value) -> Self {
        self.blocks = Some(blocks);
        self
    }

    pub fn in_thread(mut self, thread_ts: impl Into<String>) -> Self {
        self.thread_ts = Some(thread_ts.into());
        self
    }
}

/// `chat.update` arguments: replaces the text and blocks of the message `ts` in `channel`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct UpdateMessage {
    pub channel: String,
    pub ts: String,
    pub text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blocks: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Value>,
}

impl UpdateMessage {
    pub fn new(channel: impl Into<String>, ts: impl Into<String>, text: impl Into<String>) -> Self {
        Self {
            channel: channel.into(),
            ts: ts.into(),
            text: text.into(),
            ..Self::default()
        }
    }

    pub fn blocks(mut self, blocks: Value) -> Self {
        self.blocks = Some(blocks);
        self
    }
}

/// `chat.postEphemeral` arguments: a message only `user` sees, in `channel`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PostEphemeral {
    pub channel: String,
    pub user: String,
    pub text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blocks: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thread_ts: Option<String>,
}

impl PostEphemeral {
    pub fn new(
        channel: impl Into<String>,
        user: impl Into<String>,
        text: impl Into<String>,
    ) -> Self {
        Self {
            channel: channel.into(),
            user: user.into(),
            text: text.into(),
            ..Self::default()
        }
    }

    pub fn blocks(mut self, blocks: Value) -> Self {
        self.blocks = Some(blocks);
        self
    }
}

/// Which view `views.update` replaces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ViewTarget {
    /// The id Slack gave the view (`V...`).
    Id(String),
    /// The `external_id` the app set when opening it.
    ExternalId(String),
}

// ---------------------------------------------------------------------------------------------
// Responses
// ---------------------------------------------------------------------------------------------

/// Where a message was posted: the key to update it later.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct PostedMessage {
    /// The channel id; for a post to a user id, the DM channel (`D...`).
    pub channel: String,
    pub ts: String,
}

/// A message after `chat.update`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct UpdatedMessage {
    pub channel: String,
    pub ts: String,
    pub text: Option<String>,
}

/// A view as Slack stored it after `views.open` / `views.update` / `views.publish`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct OpenedView {
    pub id: String,
    pub hash: Option<String>,
    pub root_view_id: Option<String>,
    pub previous_view_id: Option<String>,
    pub external_id: Option<String>,
    pub callback_id: Option<String>,
    pub private_metadata: Option<String>,
    pub team_id: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
}

/// The profile part of a Slack user.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct UserProfile {
    /// Absent for bots, and when the token lacks `users:read.email`.
    pub email: Option<String>,
    pub real_name: Option<String>,
    pub display_name: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub bot_id: Option<String>,
    pub team: Option<String>,
}

/// A Slack user from `users.info` or `users.lookupByEmail`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct SlackUser {
    pub id: String,
    pub team_id: Option<String>,
    /// The handle (`spengler`).
    #[serde(default)]
    pub name: String,
    pub real_name: Option<String>,
    #[serde(default)]
    pub profile: UserProfile,
    #[serde(default)]
    pub deleted: bool,
    #[serde(default)]
    pub is_bot: bool,
    #[serde(default)]
    pub is_app_user: bool,
    #[serde(default)]
    pub is_admin: bool,
    #[serde(default)]
    pub is_owner: bool,
    #[serde(default)]
    pub is_primary_owner: bool,
    /// A multi-channel guest.
    #[serde(default)]
    pub is_restricted: bool,
    /// A single-channel guest.
    #[serde(default)]
    pub is_ultra_restricted: bool,
    #[serde(default)]
    pub is_stranger: bool,
    pub tz: Option<String>,
    pub tz_offset: Option<i64>,
}

impl SlackUser {
    /// A guest of the workspace (multi- or single-channel).
    pub fn is_guest(&self) -> bool {
        self.is_restricted || self.is_ultra_restricted
    }

    /// The e-mail address, when Slack shared it.
    pub fn email(&self) -> Option<&str> {
        self.profile.email.as_deref().filter(|e| !e.is_empty())
    }

    /// The best name to show a person: display name, real name, then handle.
    pub fn display_name(&self) -> &str {
        [
            self.profile.display_name.as_deref(),
            self.real_name.as_deref(),
            self.profile.real_name.as_deref(),
        ]
        .into_iter()
        .flatten()
        .find(|name| !name.is_empty())
        .unwrap_or(&self.name)
    }
}

/// One page of `conversations.members`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MembersPage {
    pub members: Vec<String>,
    /// Pass to the next call; `None` on the last page.
    pub next_cursor: Option<String>,
}

/// A channel from `conversations.info`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct ConversationInfo {
    pub id: String,
    pub name: Option<String>,
    #[serde(default)]
    pub is_channel: bool,
    #[serde(default)]
    pub is_group: bool,
    #[serde(default)]
    pub is_im: bool,
    #[serde(default)]
    pub is_mpim: bool,
    #[serde(default)]
    pub is_private: bool,
    #[serde(default)]
    pub is_archived: bool,
    #[serde(default)]
    pub is_member: bool,
    #[serde(default)]
    pub is_ext_shared: bool,
    /// Only present for group DMs and some private channels.
    #[serde(default)]
    pub members: Vec<String>,
}

/// Who the token belongs to, from `auth.test`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct AuthIdentity {
    pub url: Option<String>,
    pub team: Option<String>,
    pub team_id: Option<String>,
    pub user: Option<String>,
    pub user_id: String,
    pub bot_id: Option<String>,
    pub enterprise_id: Option<String>,
    #[serde(default)]
    pub is_enterprise_install: bool,
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct ResponseMetadata {
    messages: Vec<String>,
    warnings: Vec<String>,
    next_cursor: Option<String>,
}

#[derive(Deserialize)]
struct Envelope {
    ok: bool,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    warning: Option<String>,
    #[serde(default)]
    response_metadata: Option<ResponseMetadata>,
}

// ---------------------------------------------------------------------------------------------
// The client
// ---------------------------------------------------------------------------------------------

/// An async Slack Web API client for one bot token. Cheap to clone; clones share connections.
#[derive(Clone)]
pub struct SlackClient {
    http: reqwest::Client,
    base_url: String,
    authorization: HeaderValue,
    config: SlackClientConfig,
}

impl fmt::Debug for SlackClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SlackClient")
            .field("config", &self.config)
            .finish()
    }
}

enum Body {
    Json(Vec<u8>),
    Form(String),
}

/// What one HTTP exchange produced, before `ok` is looked at.
enum Exchange {
    Answered { status: StatusCode, body: Vec<u8> },
    RateLimited { retry_after: Option<Duration> },
}

impl SlackClient {
    /// Builds a client. Fails only on an unusable configuration (a token that cannot be a header,
    /// a base URL that is not http(s)).
    pub fn new(config: SlackClientConfig) -> Result<Self, SlackApiError> {
        let http = reqwest::Client::builder()
            .timeout(config.request_timeout)
            .connect_timeout(config.connect_timeout)
            .user_agent(concat!("symflow-slack/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| SlackApiError::Config(format!("cannot build the HTTP client: {e}")))?;
        Self::with_http_client(config, http)
    }

    /// Builds a client over an existing `reqwest::Client` (to share its connection pool).
    pub fn with_http_client(
        config: SlackClientConfig,
        http: reqwest::Client,
    ) -> Result<Self, SlackApiError> {
        let base = config.api_base_url.trim();
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(SlackApiError::Config(format!(
                "the Slack API URL {base:?} must start with http:// or https://"
            )));
        }
        let base_url = if base.ends_with('/') {
            base.to_owned()
        } else {
            format!("{base}/")
        };
        let authorization = bearer(&config.bot_token)?;
        Ok(Self {
            http,
            base_url,
            authorization,
            config,
        })
    }

    /// The same client acting with another bot token (another workspace), sharing connections.
    pub fn for_bot_token(&self, bot_token: impl Into<String>) -> Result<Self, SlackApiError> {
        let mut config = self.config.clone();
        config.bot_token = bot_token.into();
        Ok(Self {
            http: self.http.clone(),
            base_url: self.base_url.clone(),
            authorization: bearer(&config.bot_token)?,
            config,
        })
    }

    /// The base URL methods are appended to, always ending in `/`.
    pub fn api_base_url(&self) -> &str {
        &self.base_url
    }

    /// Calls any Web API method with a JSON body and reads the answer as `T` (after checking
    /// `ok`). For methods this client has no typed wrapper for.
    pub async fn call_json<T: DeserializeOwned>(
        &self,
        method: &str,
        args: &impl Serialize,
    ) -> Result<T, SlackApiError> {
        let body = serde_json::to_vec(args).map_err(|e| {
            SlackApiError::Config(format!("cannot encode the arguments of {method}: {e}"))
        })?;
        let raw = self.call(method, Body::Json(body)).await?;
        decode(method, raw)
    }

    /// Calls any Web API method with form-encoded arguments (what Slack's read methods expect)
    /// and reads the answer as `T`.
    pub async fn call_form<T: DeserializeOwned>(
        &self,
        method: &str,
        args: &[(&str, &str)],
    ) -> Result<T, SlackApiError> {
        let body = serde_urlencoded::to_string(args).map_err(|e| {
            SlackApiError::Config(format!("cannot encode the arguments of {method}: {e}"))
        })?;
        let raw = self.call(method, Body::Form(body)).await?;
        decode(method, raw)
    }

    /// `chat.postMessage`.
    pub async fn chat_post_message(
        &self,
        message: &PostMessage,
    ) -> Result<PostedMessage, SlackApiError> {
        self.call_json("chat.postMessage", message).await
    }

    /// `chat.update`.
    pub async fn chat_update(
        &self,
        update: &UpdateMessage,
    ) -> Result<UpdatedMessage, SlackApiError> {
        self.call_json("chat.update", update).await
    }

    /// `chat.postEphemeral`; returns the ephemeral message's ts.
    pub async fn chat_post_ephemeral(
        &self,
        message: &PostEphemeral,
    ) -> Result<String, SlackApiError> {
        #[derive(Deserialize)]
        struct Answer {
            message_ts: String,
        }
        let answer: Answer = self.call_json("chat.postEphemeral", message).await?;
        Ok(answer.message_ts)
    }

    /// `views.open`: opens a modal. The `trigger_id` lives about 3 seconds.
    pub async fn views_open(
        &self,
        trigger_id: &str,
        view: &Value,
    ) -> Result<OpenedView, SlackApiError> {
        let args = serde_json::json!({ "trigger_id": trigger_id, "view": view });
        self.call_view("views.open", &args).await
    }

    /// `views.update`: replaces a modal. With `hash`, Slack refuses (`hash_conflict`) if the view
    /// changed since that hash was read.
    pub async fn views_update(
        &self,
        target: &ViewTarget,
        view: &Value,
        hash: Option<&str>,
    ) -> Result<OpenedView, SlackApiError> {
        let mut args = serde_json::json!({ "view": view });
        match target {
            ViewTarget::Id(id) => args["view_id"] = Value::from(id.as_str()),
            ViewTarget::ExternalId(id) => args["external_id"] = Value::from(id.as_str()),
        }
        if let Some(hash) = hash {
            args["hash"] = Value::from(hash);
        }
        self.call_view("views.update", &args).await
    }

    /// `views.publish`: sets a user's Home tab.
    pub async fn views_publish(
        &self,
        user_id: &str,
        view: &Value,
    ) -> Result<OpenedView, SlackApiError> {
        let args = serde_json::json!({ "user_id": user_id, "view": view });
        self.call_view("views.publish", &args).await
    }

    async fn call_view(&self, method: &str, args: &Value) -> Result<OpenedView, SlackApiError> {
        #[derive(Deserialize)]
        struct Answer {
            view: OpenedView,
        }
        let answer: Answer = self.call_json(method, args).await?;
        Ok(answer.view)
    }

    /// `users.info`.
    pub async fn users_info(&self, user_id: &str) -> Result<SlackUser, SlackApiError> {
        #[derive(Deserialize)]
        struct Answer {
            user: SlackUser,
        }
        let answer: Answer = self.call_form("users.info", &[("user", user_id)]).await?;
        Ok(answer.user)
    }

    /// `users.lookupByEmail`. No such user (Slack's `users_not_found`) is `Ok(None)`.
    pub async fn users_lookup_by_email(
        &self,
        email: &str,
    ) -> Result<Option<SlackUser>, SlackApiError> {
        #[derive(Deserialize)]
        struct Answer {
            user: SlackUser,
        }
        match self
            .call_form::<Answer>("users.lookupByEmail", &[("email", email)])
            .await
        {
            Ok(answer) => Ok(Some(answer.user)),
            Err(error) if error.slack_code() == Some("users_not_found") => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// One page of `conversations.members`. `limit` is Slack's page size (it allows up to 1000).
    pub async fn conversations_members(
        &self,
        channel: &str,
        cursor: Option<&str>,
        limit: u32,
    ) -> Result<MembersPage, SlackApiError> {
        #[derive(Deserialize)]
        struct Answer {
            #[serde(default)]
            members: Vec<String>,
            #[serde(default)]
            response_metadata: Option<ResponseMetadata>,
        }
        let limit = limit.to_string();
        let mut args = vec![("channel", channel), ("limit", limit.as_str())];
        if let Some(cursor) = cursor.filter(|c| !c.is_empty()) {
            args.push(("cursor", cursor));
        }
        let answer: Answer = self.call_form("conversations.members", &args).await?;
        Ok(MembersPage {
            members: answer.members,
            next_cursor: answer
                .response_metadata
                .and_then(|m| m.next_cursor)
                .filter(|c| !c.is_empty()),
        })
    }

    /// Every member of a conversation, following `conversations.members` pages.
    pub async fn conversations_members_all(
        &self,
        channel: &str,
    ) -> Result<Vec<String>, SlackApiError> {
        const PAGE_SIZE: u32 = 200;
        const MAX_PAGES: usize = 500;
        let mut members = Vec::new();
        let mut cursor: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let page = self
                .conversations_members(channel, cursor.as_deref(), PAGE_SIZE)
                .await?;
            members.extend(page.members);
            match page.next_cursor {
                Some(next) if Some(&next) != cursor.as_ref() => cursor = Some(next),
                _ => return Ok(members),
            }
        }
        Err(SlackApiError::InvalidResponse {
            method: "conversations.members".to_owned(),
            detail: format!("still paginating after {MAX_PAGES} pages of {channel}"),
            body_snippet: String::new(),
        })
    }

    /// `conversations.open`: the DM with one user, or the group DM with several (up to 8).
    /// Returns the conversation id to post to.
    pub async fn conversations_open(&self, user_ids: &[&str]) -> Result<String, SlackApiError> {
        #[derive(Deserialize)]
        struct Channel {
            id: String,
        }
        #[derive(Deserialize)]
        struct Answer {
            channel: Channel,
        }
        let args = serde_json::json!({ "users": user_ids.join(",") });
        let answer: Answer = self.call_json("conversations.open", &args).await?;
        Ok(answer.channel.id)
    }

    /// `conversations.info`.
    pub async fn conversations_info(
        &self,
        channel: &str,
    ) -> Result<ConversationInfo, SlackApiError> {
        #[derive(Deserialize)]
        struct Answer {
            channel: ConversationInfo,
        }
        let answer: Answer = self
            .call_form("conversations.info", &[("channel", channel)])
            .await?;
        Ok(answer.channel)
    }

    /// `auth.test`: checks the token and says whose it is.
    pub async fn auth_test(&self) -> Result<AuthIdentity, SlackApiError> {
        self.call_form("auth.test", &[]).await
    }

    /// Sends one call, retrying on HTTP 429 as Slack asks, and returns the body once `ok` is true.
    async fn call(&self, method: &str, body: Body) -> Result<Value, SlackApiError> {
        let url = format!("{}{}", self.base_url, method);
        let mut attempts = 0;
        loop {
            attempts += 1;
            match self.exchange(method, &url, &body).await? {
                Exchange::Answered { status, body } => return check_ok(method, status, &body),
                Exchange::RateLimited { retry_after } => {
                    let wait = retry_after.unwrap_or(Duration::from_secs(1));
                    if attempts > self.config.max_rate_limit_retries
                        || wait > self.config.max_retry_after
                    {
                        return Err(SlackApiError::RateLimited {
                            method: method.to_owned(),
                            attempts,
                            retry_after,
                        });
                    }
                    tracing::warn!(
                        method,
                        attempt = attempts,
                        wait_secs = wait.as_secs_f64(),
                        "Slack rate limited the call (HTTP 429); retrying after Retry-After"
                    );
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }

    async fn exchange(
        &self,
        method: &str,
        url: &str,
        body: &Body,
    ) -> Result<Exchange, SlackApiError> {
        let request = self
            .http
            .post(url)
            .header(AUTHORIZATION, self.authorization.clone());
        let request = match body {
            Body::Json(bytes) => request
                .header(CONTENT_TYPE, JSON_CONTENT_TYPE)
                .body(bytes.clone()),
            Body::Form(text) => request
                .header(CONTENT_TYPE, FORM_CONTENT_TYPE)
                .body(text.clone()),
        };
        let transport_error = |source: reqwest::Error| {
            if source.is_timeout() {
                SlackApiError::Timeout {
                    method: method.to_owned(),
                    after: self.config.request_timeout,
                }
            } else {
                SlackApiError::Transport {
                    method: method.to_owned(),
                    url: url.to_owned(),
                    source,
                }
            }
        };
        let response = request.send().await.map_err(transport_error)?;
        let status = response.status();
        if status == StatusCode::TOO_MANY_REQUESTS {
            let retry_after = response
                .headers()
                .get(RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(Duration::from_secs);
            return Ok(Exchange::RateLimited { retry_after });
        }
        let body = response.bytes().await.map_err(transport_error)?.to_vec();
        Ok(Exchange::Answered { status, body })
    }
}

fn bearer(token: &str) -> Result<HeaderValue, SlackApiError> {
    let token = token.trim();
    if token.is_empty() {
        return Err(SlackApiError::Config(
            "the Slack bot token is empty; set SLACK_BOT_TOKEN to the app's xoxb- token".to_owned(),
        ));
    }
    let mut value = HeaderValue::from_str(&format!("Bearer {token}")).map_err(|_| {
        SlackApiError::Config(
            "the Slack bot token contains characters that cannot go in an HTTP header".to_owned(),
        )
    })?;
    value.set_sensitive(true);
    Ok(value)
}

fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let mut cut: String = text.chars().take(BODY_SNIPPET_CHARS).collect();
    if text.chars().count() > BODY_SNIPPET_CHARS {
        cut.push('…');
    }
    cut
}

/// Turns an HTTP answer into the JSON body, or the error it describes.
fn check_ok(method: &str, status: StatusCode, body: &[u8]) -> Result<Value, SlackApiError> {
    let parsed: Result<Value, _> = serde_json::from_slice(body);
    let Ok(value) = parsed else {
        return Err(if status.is_success() {
            SlackApiError::InvalidResponse {
                method: method.to_owned(),
                detail: "the body is not JSON".to_owned(),
                body_snippet: snippet(body),
            }
        } else {
            SlackApiError::HttpStatus {
                method: method.to_owned(),
                status: status.as_u16(),
                body_snippet: snippet(body),
            }
        });
    };
    let envelope: Envelope = match serde_json::from_value(value.clone()) {
        Ok(envelope) => envelope,
        Err(_) if !status.is_success() => {
            return Err(SlackApiError::HttpStatus {
                method: method.to_owned(),
                status: status.as_u16(),
                body_snippet: snippet(body),
            })
        }
        Err(_) => {
            return Err(SlackApiError::InvalidResponse {
                method: method.to_owned(),
                detail: "no boolean \"ok\" field".to_owned(),
                body_snippet: snippet(body),
            })
        }
    };
    let metadata = envelope.response_metadata.unwrap_or_default();
    if !envelope.ok {
        let mut messages = metadata.messages;
        // `missing_scope` answers say which scope the token lacks.
        if let Some(needed) = value.get("needed").and_then(Value::as_str) {
            messages.push(format!("needed scope: {needed}"));
        }
        return Err(SlackApiError::Slack {
            method: method.to_owned(),
            code: envelope
                .error
                .unwrap_or_else(|| format!("unknown_error (HTTP {})", status.as_u16())),
            warning: envelope.warning,
            messages,
        });
    }
    if !status.is_success() {
        return Err(SlackApiError::HttpStatus {
            method: method.to_owned(),
            status: status.as_u16(),
            body_snippet: snippet(body),
        });
    }
    if envelope.warning.is_some() || !metadata.warnings.is_empty() {
        tracing::warn!(
            method,
            warning = envelope.warning.as_deref().unwrap_or_default(),
            warnings = ?metadata.warnings,
            "Slack accepted the call with a warning"
        );
    }
    Ok(value)
}

fn decode<T: DeserializeOwned>(method: &str, value: Value) -> Result<T, SlackApiError> {
    T::deserialize(&value).map_err(|e| SlackApiError::InvalidResponse {
        method: method.to_owned(),
        detail: format!("missing or mistyped field: {e}"),
        body_snippet: snippet(value.to_string().as_bytes()),
    })
}

/// Reads a Web API answer body the way the client does: the JSON body when `ok` is true, the
/// typed error otherwise. For replaying recorded answers in tests and tools.
pub fn parse_response<T: DeserializeOwned>(method: &str, body: &[u8]) -> Result<T, SlackApiError> {
    decode(method, check_ok(method, StatusCode::OK, body)?)
}
