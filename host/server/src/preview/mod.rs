//! The Slack preview (`/preview`): try a flow end to end without a Slack workspace.
//!
//! When symflow runs without Slack credentials, `symflow up` starts a built-in local Slack
//! ([`PreviewSlack`]: the `symflow-slack-fake` Web API on loopback, with a bot token and a
//! signing secret made up at start-up) and points the server's Slack client at it. Nothing
//! else changes: the server opens modals, posts and updates cards and sends DMs through the
//! same Web API calls it makes to Slack, and the local Slack keeps them.
//!
//! The preview page shows what that Slack holds, drawn from the Block Kit JSON the engine sent
//! ([`blockkit`]): the request modal open for the signed-in person, the cards in each channel,
//! their DMs. Its forms turn a person's input into exactly what Slack would post (a `/sym req`
//! slash command, a `view_submission`, a `block_actions` click, a `view_closed`), signed with
//! the preview's signing secret, and hand them to the server's own Slack routes — so the
//! request goes through signature checks, the outbox and the engine like a real one.
//!
//! The person acting is the one signed in to the console: they appear in the local Slack as a
//! user with their e-mail, and Slack users map to symflow users by e-mail, so the flow's
//! permissions apply as they would in Slack.

pub mod blockkit;

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::sync::{Arc, Mutex};

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, Request, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use serde_json::Value;
use symflow_engine::{views, Source};
use symflow_slack_fake::requests::{
    inputs, new_trigger_id, view_closed, ButtonClick, SlackRequest, SlashCommand, ViewSubmission,
};
use symflow_slack_fake::{FakeSlack, FakeUser, DEFAULT_TEAM_ID};
use tower::ServiceExt;

use crate::app::SlackSettings;
use crate::console::html::{self, esc};
use crate::console::{auth, Console, SignedIn};

/// The channel the preview's slash commands are typed in.
pub const PREVIEW_CHANNEL: &str = "CPREVIEW";

/// The request modal a person has open in the local Slack.
#[derive(Debug, Clone, Default)]
struct OpenModal {
    /// The trigger the modal was opened with (`views.open` names it).
    trigger: String,
    /// Field errors the server answered the last submission with, by block id.
    errors: BTreeMap<String, String>,
    /// A view the server answered a submission with (`response_action: update`).
    replaced: Option<Value>,
}

/// The built-in local Slack behind the preview.
pub struct PreviewSlack {
    slack: FakeSlack,
    bot_token: String,
    signing_secret: String,
    /// Open modal per Slack user id.
    modals: Mutex<HashMap<String, OpenModal>>,
    /// Everyone who has used the preview: Slack user id → label (for people pickers).
    people: Mutex<BTreeMap<String, String>>,
}

impl PreviewSlack {
    /// Starts the local Slack on a free loopback port.
    pub async fn start() -> Arc<PreviewSlack> {
        let slack = FakeSlack::start().await;
        let bot_token = format!("xoxb-preview-{}", auth::random_token());
        slack.require_token(bot_token.clone());
        Arc::new(PreviewSlack {
            slack,
            bot_token,
            signing_secret: auth::random_token(),
            modals: Mutex::new(HashMap::new()),
            people: Mutex::new(BTreeMap::new()),
        })
    }

    /// What the server's Slack client should use: the local Slack.
    pub fn slack_settings(&self) -> SlackSettings {
        SlackSettings {
            bot_token: Some(self.bot_token.clone()),
            signing_secret: Some(self.signing_secret.clone()),
            api_base_url: Some(self.slack.base_url()),
        }
    }

    /// The local Slack's Web API base URL.
    pub fn api_url(&self) -> String {
        self.slack.base_url()
    }

    /// The local Slack itself (tests look at what it holds).
    pub fn slack(&self) -> &FakeSlack {
        &self.slack
    }

    fn modals(&self) -> std::sync::MutexGuard<'_, HashMap<String, OpenModal>> {
        self.modals.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The local Slack user of a console user, added to the workspace on first use.
    fn slack_user(&self, signed_in: &SignedIn) -> String {
        let id = slack_user_id(&signed_in.session.user_id);
        let actor = &signed_in.actor;
        let name = if actor.name.is_empty() {
            actor.email.split('@').next().unwrap_or("user").to_string()
        } else {
            actor.name.clone()
        };
        let mut people = self.people.lock().unwrap_or_else(|e| e.into_inner());
        if !people.contains_key(&id) {
            self.slack.add_user(
                FakeUser::new(&id, actor.email.split('@').next().unwrap_or("user"))
                    .email(&actor.email)
                    .real_name(&name),
            );
            people.insert(id.clone(), format!("{name} ({})", actor.email));
        }
        id
    }

    fn people(&self) -> Vec<blockkit::PickerUser> {
        self.people
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .map(|(id, label)| (id.clone(), label.clone()))
            .collect()
    }

    /// The modal `user` has open: its view id and current view, once Slack opened it.
    fn open_view(&self, user: &str) -> Option<(String, Value, OpenModal)> {
        let modal = self.modals().get(user).cloned()?;
        let opened = self
            .slack
            .calls_to("views.open")
            .into_iter()
            .find(|c| c.str_arg("trigger_id") == Some(modal.trigger.as_str()))?;
        let view_id = opened.response["view"]["id"].as_str()?.to_string();
        let view = match &modal.replaced {
            Some(view) => view.clone(),
            None => self
                .slack
                .views()
                .into_iter()
                .find(|v| v.id == view_id)
                .map(|v| v.view)
                .or_else(|| opened.view())?,
        };
        Some((view_id, view, modal))
    }
}

/// `U` + 10 hex digits of the symflow user id: stable across restarts.
fn slack_user_id(user_id: &uuid::Uuid) -> String {
    format!("UPV{}", &user_id.simple().to_string()[..9].to_uppercase())
}

pub fn routes() -> Router<Arc<Console>> {
    Router::new()
        .route("/preview", get(page))
        .route("/preview/version", get(version))
        .route("/preview/request", post(request))
        .route("/preview/submit", post(submit))
        .route("/preview/cancel", post(cancel))
        .route("/preview/click", post(click))
}

/// Posts `request`, signed as Slack signs, to the server's own Slack route `path`.
async fn post_as_slack(
    console: &Console,
    preview: &PreviewSlack,
    path: &str,
    request: &SlackRequest,
) -> (StatusCode, String) {
    let mut builder = Request::post(path);
    for (name, value) in request.signed_now(&preview.signing_secret) {
        builder = builder.header(name, value);
    }
    let Ok(http_request) = builder.body(Body::from(request.body.clone())) else {
        return (StatusCode::INTERNAL_SERVER_ERROR, String::new());
    };
    let router = crate::http::router(console.app.clone());
    match router.oneshot(http_request).await {
        Ok(response) => {
            let status = response.status();
            let body = axum::body::to_bytes(response.into_body(), 1 << 20)
                .await
                .map(|b| String::from_utf8_lossy(&b).into_owned())
                .unwrap_or_default();
            (status, body)
        }
        Err(never) => match never {},
    }
}

fn no_preview(signed_in: &SignedIn) -> Response {
    let body = "<h1>Slack preview</h1><div class=\"notice\" id=\"preview-off\">This server talks to a real Slack \
                workspace (SLACK_BOT_TOKEN is set), so there is no local Slack to preview. Run \
                <code>symflow up</code> without Slack credentials to try flows here.</div>";
    html::page("Slack preview", Some(&signed_in.header()), body)
}

/// The number of Web API calls the local Slack has seen: the page reloads when it changes.
async fn version(State(console): State<Arc<Console>>, headers: HeaderMap) -> Response {
    if console.sessions.from_headers(&headers).is_none() {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    let count = console
        .preview
        .as_ref()
        .map(|p| p.slack.calls().len())
        .unwrap_or(0);
    count.to_string().into_response()
}

fn message_html(
    csrf: &str,
    channel: &str,
    ts: &str,
    text: &str,
    blocks: Option<&Value>,
    people: &[blockkit::PickerUser],
) -> String {
    let seconds: i64 = ts
        .split('.')
        .next()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let content = match blocks {
        Some(blocks) if blocks.as_array().is_some_and(|b| !b.is_empty()) => {
            blockkit::render(blocks, people)
        }
        _ => blockkit::mrkdwn(text),
    };
    format!(
        "<form class=\"sk-msg\" method=\"post\" action=\"/preview/click\" data-channel=\"{c}\" data-ts=\"{t}\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\"><input type=\"hidden\" name=\"channel\" value=\"{c}\">\
         <input type=\"hidden\" name=\"ts\" value=\"{t}\"><div class=\"sk-avatar\">S</div><div class=\"sk-body\">\
         <div class=\"sk-meta\"><b>symflow</b><span class=\"muted\">{time}</span></div>{content}</div></form>",
        c = esc(channel),
        t = esc(ts),
        csrf = esc(csrf),
        time = html::time_ms(seconds * 1000),
    )
}

async fn page(State(console): State<Arc<Console>>, headers: HeaderMap) -> Response {
    let signed_in = match console.signed_in(&headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let Some(preview) = console.preview.clone() else {
        return no_preview(&signed_in);
    };
    let me = preview.slack_user(&signed_in);
    let people = preview.people();
    let csrf = esc(&signed_in.session.csrf);
    let mut body = format!(
        "<style>{}</style><h1>Slack preview</h1>\
         <p class=\"muted\">A local Slack inside symflow: what you do here is posted to symflow exactly as Slack would post it \
         (signed), and what symflow sends back is drawn from its Block Kit. You are <b>{}</b> (Slack user <code>{me}</code>).</p>",
        blockkit::STYLE,
        esc(&signed_in.session.email)
    );

    // The flows one may request from Slack.
    body.push_str("<div class=\"card\"><b>Request access</b> <span class=\"muted\">(as <code>/sym req &lt;flow&gt;</code>)</span><div class=\"actions\" style=\"margin-top:8px\">");
    for flow in console
        .app
        .flows
        .all()
        .filter(|f| f.spec().allows_source(Source::Slack))
    {
        let _ = write!(
            body,
            "<form method=\"post\" action=\"/preview/request\" class=\"inline\"><input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
             <input type=\"hidden\" name=\"flow\" value=\"{name}\"><button id=\"request-{name}\">{label}</button></form>",
            name = esc(flow.name()),
            label = esc(flow.spec().display_label()),
        );
    }
    body.push_str("</div></div>");

    // The modal.
    if let Some((view_id, view, modal)) = preview.open_view(&me) {
        let title = view
            .pointer("/title/text")
            .and_then(Value::as_str)
            .unwrap_or("Modal");
        let submit = view.pointer("/submit/text").and_then(Value::as_str);
        let mut errors = String::new();
        for (block, message) in &modal.errors {
            let _ = write!(
                errors,
                "<div class=\"error\">{}: {}</div>",
                esc(block),
                esc(message)
            );
        }
        let _ = write!(
            body,
            "<div class=\"sk-modal\" id=\"modal\" data-callback=\"{cb}\"><div class=\"sk-modal-title\">{title}</div>\
             <form method=\"post\" action=\"/preview/submit\" id=\"modal-form\"><div class=\"sk-modal-body\">{errors}{blocks}</div>\
             <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\"><input type=\"hidden\" name=\"view_id\" value=\"{vid}\">\
             <div class=\"sk-modal-foot\"><button type=\"submit\" form=\"modal-cancel\" id=\"modal-cancel-button\">{close}</button>{submit}</div></form>\
             <form method=\"post\" action=\"/preview/cancel\" id=\"modal-cancel\"><input type=\"hidden\" name=\"csrf\" value=\"{csrf}\"></form></div>",
            cb = esc(view.get("callback_id").and_then(Value::as_str).unwrap_or_default()),
            title = esc(title),
            blocks = blockkit::render(view.get("blocks").unwrap_or(&Value::Null), &people),
            vid = esc(&view_id),
            close = esc(view.pointer("/close/text").and_then(Value::as_str).unwrap_or("Cancel")),
            submit = submit
                .map(|s| format!("<button class=\"primary\" id=\"modal-submit\">{}</button>", esc(s)))
                .unwrap_or_default(),
        );
    } else if preview.modals().contains_key(&me) {
        body.push_str("<div class=\"notice\" id=\"modal-opening\">Opening the request form…</div>");
    }

    // Channels, then DMs to me, then what only I can see.
    let messages = preview.slack.messages();
    let mut channels: BTreeMap<String, Vec<_>> = BTreeMap::new();
    let my_dm = FakeSlack::dm_channel_id(&me);
    for message in &messages {
        if message.channel.starts_with('D') && message.channel != my_dm {
            continue;
        }
        channels
            .entry(message.channel.clone())
            .or_default()
            .push(message);
    }
    body.push_str("<h2>Slack</h2>");
    if channels.is_empty() {
        body.push_str(
            "<p class=\"muted\" id=\"no-messages\">No messages yet. Request access above.</p>",
        );
    }
    for (channel, list) in &channels {
        let heading = if channel == &my_dm {
            "Direct messages from symflow".to_string()
        } else {
            format!("#{}", channel.trim_start_matches('#'))
        };
        let _ = write!(
            body,
            "<div class=\"card\" style=\"padding:0\" data-channel=\"{}\"><div class=\"sk-channel\">{}</div>",
            esc(channel),
            esc(&heading)
        );
        for m in list {
            body.push_str(&message_html(
                &signed_in.session.csrf,
                &m.channel,
                &m.ts,
                &m.text,
                m.blocks.as_ref(),
                &people,
            ));
        }
        body.push_str("</div>");
    }
    let ephemeral: Vec<_> = preview
        .slack
        .calls_to("chat.postEphemeral")
        .into_iter()
        .filter(|c| c.str_arg("user") == Some(me.as_str()))
        .collect();
    if !ephemeral.is_empty() {
        body.push_str("<div class=\"card\" style=\"padding:0\" id=\"ephemeral\"><div class=\"sk-channel\">Only visible to you</div>");
        for call in ephemeral.iter().rev().take(10) {
            let _ = write!(
                body,
                "<div class=\"sk-msg\"><div class=\"sk-avatar\">S</div><div class=\"sk-body\">{}</div></div>",
                blockkit::mrkdwn(call.str_arg("text").unwrap_or_default())
            );
        }
        body.push_str("</div>");
    }
    // Reload when the local Slack changes, unless the person is typing in the modal.
    body.push_str(
        "<script>(function(){var seen=null;function poll(){fetch('/preview/version',{credentials:'same-origin'})\
         .then(function(r){return r.text()}).then(function(v){if(seen!==null&&v!==seen){var a=document.activeElement;\
         if(!a||!a.closest||!a.closest('form')||a.tagName==='BUTTON'||a.tagName==='BODY'){location.reload();return}}seen=v;})\
         .finally(function(){setTimeout(poll,1000)})}poll();})();</script>",
    );
    html::page("Slack preview", Some(&signed_in.header()), &body)
}

/// The form fields of a posted form, in order (repeated names kept).
fn form_pairs(body: &[u8]) -> Vec<(String, String)> {
    serde_urlencoded::from_bytes(body).unwrap_or_default()
}

fn field<'a>(pairs: &'a [(String, String)], name: &str) -> &'a str {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or_default()
}

/// Signed in, CSRF checked, and the preview on.
async fn preview_form(
    console: &Console,
    headers: &HeaderMap,
    pairs: &[(String, String)],
) -> Result<(SignedIn, Arc<PreviewSlack>), Response> {
    let signed_in = console
        .signed_in_form(headers, field(pairs, "csrf"))
        .await?;
    let preview = console
        .preview
        .clone()
        .ok_or_else(|| no_preview(&signed_in))?;
    Ok((signed_in, preview))
}

fn back() -> Response {
    Redirect::to("/preview").into_response()
}

async fn request(State(console): State<Arc<Console>>, headers: HeaderMap, body: Bytes) -> Response {
    let pairs = form_pairs(&body);
    let (signed_in, preview) = match preview_form(&console, &headers, &pairs).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let me = preview.slack_user(&signed_in);
    let trigger = new_trigger_id();
    let command = SlashCommand::new(
        DEFAULT_TEAM_ID,
        &me,
        "/sym",
        &format!("req {}", field(&pairs, "flow")),
    )
    .channel(PREVIEW_CHANNEL, "preview")
    .trigger_id(&trigger);
    preview.modals().insert(
        me.clone(),
        OpenModal {
            trigger,
            ..OpenModal::default()
        },
    );
    let (status, text) =
        post_as_slack(&console, &preview, "/slack/commands", &command.request()).await;
    if !status.is_success() {
        tracing::warn!("the preview's slash command was refused: {status} {text}");
    }
    back()
}

/// The submission's value of one input element, as Slack puts it in `view.state.values`.
fn input_value(element: &Value, values: &[&str]) -> Value {
    let first = values.first().copied().unwrap_or_default();
    let kind = element
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let none = |key: &str| serde_json::json!({ "type": kind, key: null });
    match kind {
        "plain_text_input" if first.is_empty() => inputs::empty_text(),
        "plain_text_input" => inputs::plain_text(first),
        "email_text_input" => inputs::email(first),
        "url_text_input" => inputs::url(first),
        "number_input" => inputs::number(first),
        "static_select" if first.is_empty() => none("selected_option"),
        "static_select" => inputs::static_select(first),
        "external_select" if first.is_empty() => none("selected_option"),
        "external_select" => inputs::external_select(first),
        "radio_buttons" if first.is_empty() => none("selected_option"),
        "radio_buttons" => inputs::radio_buttons(first),
        "multi_static_select" | "multi_external_select" => inputs::multi_static_select(values),
        "checkboxes" => inputs::checkboxes(values),
        "datepicker" if first.is_empty() => none("selected_date"),
        "datepicker" => inputs::datepicker(first),
        "timepicker" if first.is_empty() => none("selected_time"),
        "timepicker" => inputs::timepicker(first),
        "users_select" if first.is_empty() => none("selected_user"),
        "users_select" => inputs::users_select(first),
        "multi_users_select" => inputs::multi_users_select(values),
        "conversations_select" => inputs::conversations_select(first),
        "channels_select" => inputs::channels_select(first),
        _ => inputs::plain_text(first),
    }
}

async fn submit(State(console): State<Arc<Console>>, headers: HeaderMap, body: Bytes) -> Response {
    let pairs = form_pairs(&body);
    let (signed_in, preview) = match preview_form(&console, &headers, &pairs).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let me = preview.slack_user(&signed_in);
    let Some((view_id, view, _)) = preview.open_view(&me) else {
        return back();
    };
    let callback_id = view
        .get("callback_id")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let mut submission = ViewSubmission::new(DEFAULT_TEAM_ID, &me, &view_id, callback_id)
        .private_metadata(
            view.get("private_metadata")
                .and_then(Value::as_str)
                .unwrap_or_default(),
        );
    for block in view
        .get("blocks")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if block.get("type").and_then(Value::as_str) != Some("input") {
            continue;
        }
        let Some(block_id) = block.get("block_id").and_then(Value::as_str) else {
            continue;
        };
        let element = block.get("element").cloned().unwrap_or(Value::Null);
        let action_id = element
            .get("action_id")
            .and_then(Value::as_str)
            .unwrap_or(views::VALUE_ACTION_ID);
        let values: Vec<&str> = pairs
            .iter()
            .filter(|(k, _)| k == block_id)
            .map(|(_, v)| v.as_str())
            .collect();
        submission = submission.input(block_id, action_id, input_value(&element, &values));
    }
    let (status, answer) = post_as_slack(
        &console,
        &preview,
        "/slack/interactivity",
        &submission.request(),
    )
    .await;
    let answer: Value = serde_json::from_str(&answer).unwrap_or(Value::Null);
    let mut modals = preview.modals();
    match answer.get("response_action").and_then(Value::as_str) {
        Some("errors") if status.is_success() => {
            if let Some(modal) = modals.get_mut(&me) {
                modal.errors = answer["errors"]
                    .as_object()
                    .map(|o| {
                        o.iter()
                            .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                            .collect()
                    })
                    .unwrap_or_default();
            }
        }
        Some("update") if status.is_success() => {
            if let Some(modal) = modals.get_mut(&me) {
                modal.errors.clear();
                modal.replaced = answer.get("view").cloned();
            }
        }
        _ => {
            modals.remove(&me);
        }
    }
    back()
}

async fn cancel(State(console): State<Arc<Console>>, headers: HeaderMap, body: Bytes) -> Response {
    let pairs = form_pairs(&body);
    let (signed_in, preview) = match preview_form(&console, &headers, &pairs).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let me = preview.slack_user(&signed_in);
    if let Some((view_id, view, _)) = preview.open_view(&me) {
        let closed = view_closed(
            DEFAULT_TEAM_ID,
            &me,
            &view_id,
            view.get("callback_id")
                .and_then(Value::as_str)
                .unwrap_or_default(),
            view.get("private_metadata")
                .and_then(Value::as_str)
                .unwrap_or_default(),
        );
        post_as_slack(&console, &preview, "/slack/interactivity", &closed).await;
    }
    preview.modals().remove(&me);
    back()
}

async fn click(State(console): State<Arc<Console>>, headers: HeaderMap, body: Bytes) -> Response {
    let pairs = form_pairs(&body);
    let (signed_in, preview) = match preview_form(&console, &headers, &pairs).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let me = preview.slack_user(&signed_in);
    let mut parts = field(&pairs, "button").splitn(3, '|');
    let (Some(block_id), Some(action_id), Some(value)) = (parts.next(), parts.next(), parts.next())
    else {
        return back();
    };
    let mut click = ButtonClick::on_message(
        DEFAULT_TEAM_ID,
        &me,
        field(&pairs, "channel"),
        field(&pairs, "ts"),
        action_id,
    )
    .value(value)
    .block_id(block_id);
    let typed = field(&pairs, views::DECISION_BLOCK_ID);
    if !typed.is_empty() {
        click = click.input(
            views::DECISION_BLOCK_ID,
            views::VALUE_ACTION_ID,
            inputs::plain_text(typed),
        );
    }
    post_as_slack(&console, &preview, "/slack/interactivity", &click.request()).await;
    back()
}
