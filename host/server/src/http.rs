//! Slack's HTTP endpoints. Every request is checked against the signing secret before its
//! body is read for anything else; a request that fails is refused with 401 and leaves no
//! trace. An accepted request is recorded (its body hash, so a retried delivery is
//! recognised and acked without acting twice) together with the work it asks for, in one
//! transaction, and only then acknowledged: the work is promised durably, and done after the
//! ack by the outbox worker. Nothing here waits on Slack or on a flow.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use symflow_engine::views::{self, ModalMetadata};
use symflow_slack::{EventsApiRequest, InteractionPayload, SlashCommand};
use symflow_store::{NewOutboxItem, DEFAULT_TENANT};
use uuid::Uuid;

use crate::app::App;
use crate::inbound::{user_ref, PickerMetadata};
use crate::slack_out::{loading_modal, notice_modal};
use crate::work::{Inbound, Origin, Work};

/// How long a delivery is remembered: Slack retries within minutes.
const REMEMBER_DELIVERIES_MS: i64 = 60 * 60 * 1000;

pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/slack/commands", post(commands))
        .route("/slack/interactivity", post(interactivity))
        .route("/slack/events", post(events))
        .route("/healthz", get(healthz))
        .with_state(app)
}

async fn healthz(State(app): State<Arc<App>>) -> Response {
    let ok = app
        .store
        .transaction_async(|tx| tx.next_claimable_timer_at())
        .await
        .is_ok();
    let body = json!({
        "status": if ok { "ok" } else { "store unavailable" },
        "flows": app.flows.len(),
        "slack_bot_token": app.slack.is_some(),
        "slack_signing_secret": app.verifier.is_some(),
    });
    let status = if ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(body)).into_response()
}

fn text(status: StatusCode, body: &str) -> Response {
    Refusal::new(status, body).into_response()
}

/// A request symflow will not act on: the status and a sentence saying why.
struct Refusal {
    status: StatusCode,
    message: String,
}

impl Refusal {
    fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Refusal {
            status,
            message: message.into(),
        }
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        (
            self.status,
            [("content-type", "text/plain; charset=utf-8")],
            self.message,
        )
            .into_response()
    }
}

/// Checks the signature.
fn verify(app: &App, headers: &HeaderMap, body: &[u8]) -> Result<(), Refusal> {
    let Some(verifier) = &app.verifier else {
        return Err(Refusal::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "symflow is running without SLACK_SIGNING_SECRET, so it cannot check that this request comes from Slack. Set it to the Signing Secret of your Slack app and restart symflow.",
        ));
    };
    verifier.verify(headers, body).map_err(|e| {
        tracing::warn!("refused a request: {e}");
        Refusal::new(StatusCode::UNAUTHORIZED, e.to_string())
    })
}

fn no_bot_token() -> Response {
    text(
        StatusCode::SERVICE_UNAVAILABLE,
        "symflow is running without SLACK_BOT_TOKEN, so it cannot answer in Slack. Set it to the Bot User OAuth Token (xoxb-…) of your Slack app and restart symflow.",
    )
}

fn internal(error: impl std::fmt::Display) -> Refusal {
    tracing::error!("could not accept a Slack request: {error}");
    Refusal::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "symflow could not record this request; Slack will retry it.",
    )
}

/// Records the delivery and the work in one transaction. `Ok(false)`: seen before, ignored.
async fn accept(app: &Arc<App>, body: &[u8], work: Work) -> Result<bool, Refusal> {
    let key = format!("slack:{}", hex::encode(Sha256::digest(body)));
    let first = app
        .store
        .transaction_async(move |tx| -> symflow_store::Result<bool> {
            let now = symflow_store::now_ms();
            if !tx.record_delivery(&key, now, REMEMBER_DELIVERIES_MS)? {
                return Ok(false);
            }
            tx.enqueue_outbox(&NewOutboxItem {
                tenant: DEFAULT_TENANT.to_string(),
                run_id: work.ordered_by_run(),
                kind: work.kind(),
                payload_json: work.to_json(),
            })?;
            Ok(true)
        })
        .await
        .map_err(internal)?;
    if first {
        app.work_ready.notify_one();
    } else {
        tracing::info!("a repeated Slack delivery was acknowledged and ignored");
    }
    Ok(first)
}

async fn commands(State(app): State<Arc<App>>, headers: HeaderMap, body: Bytes) -> Response {
    if let Err(refused) = verify(&app, &headers, &body) {
        return refused.into_response();
    }
    let command = match SlashCommand::from_form(&body) {
        Ok(c) => c,
        Err(e) => return text(StatusCode::BAD_REQUEST, &e.to_string()),
    };
    if app.slack.is_none() {
        // Shown to the person who typed the command.
        return Json(json!({
            "response_type": "ephemeral",
            "text": "symflow is not connected to Slack yet (SLACK_BOT_TOKEN is not set). Ask whoever runs symflow to set it.",
        }))
        .into_response();
    }
    let work = Work::Inbound(Inbound::Command {
        user: user_ref(&command.team_id, &command.user_id),
        text: command.text.clone(),
        origin: Origin {
            team_id: Some(command.team_id.clone()),
            user_id: Some(command.user_id.clone()),
            channel_id: Some(command.channel_id.clone()).filter(|c| !c.is_empty()),
            trigger_id: Some(command.trigger_id.clone()).filter(|t| !t.is_empty()),
            view_id: None,
        },
    });
    match accept(&app, &body, work).await {
        Ok(_) => StatusCode::OK.into_response(),
        Err(refused) => refused.into_response(),
    }
}

/// `payload=<JSON>` as JSON.
fn payload_json(body: &[u8]) -> Option<Value> {
    #[derive(serde::Deserialize)]
    struct Form {
        payload: String,
    }
    let form: Form = serde_urlencoded::from_bytes(body).ok()?;
    serde_json::from_str(&form.payload).ok()
}

async fn interactivity(State(app): State<Arc<App>>, headers: HeaderMap, body: Bytes) -> Response {
    if let Err(refused) = verify(&app, &headers, &body) {
        return refused.into_response();
    }
    let Some(raw) = payload_json(&body) else {
        return text(
            StatusCode::BAD_REQUEST,
            "the body has no JSON `payload` field",
        );
    };
    let payload = match InteractionPayload::from_value(raw.clone()) {
        Ok(p) => p,
        Err(e) => return text(StatusCode::BAD_REQUEST, &e.to_string()),
    };
    if app.slack.is_none() {
        return no_bot_token();
    }
    let team_id = payload.team_id().unwrap_or_default().to_string();
    let Some(user_id) = payload.user_id().map(str::to_string) else {
        return text(StatusCode::BAD_REQUEST, "the payload names no user");
    };
    let user = user_ref(&team_id, &user_id);
    let origin = Origin {
        team_id: Some(team_id.clone()),
        user_id: Some(user_id.clone()),
        ..Origin::default()
    };
    let (work, response) = match &payload {
        InteractionPayload::BlockActions(p) => {
            let Some((action, run_id)) = raw
                .get("actions")
                .and_then(Value::as_array)
                .and_then(|a| a.first())
                .and_then(views::parse_block_action)
            else {
                // Typing into the card's decision message, or a button of someone else's.
                return StatusCode::OK.into_response();
            };
            let Ok(run_id) = Uuid::parse_str(&run_id) else {
                return StatusCode::OK.into_response();
            };
            let (channel_id, message_ts) = match p.message_location() {
                Some((c, t)) => (Some(c.to_string()), Some(t.to_string())),
                None => (None, None),
            };
            let decision_message = raw.get("state").and_then(views::decision_message);
            let origin = Origin {
                channel_id: channel_id.clone(),
                trigger_id: p.trigger_id.clone(),
                ..origin
            };
            let work = Inbound::Click {
                user,
                run_id,
                action,
                decision_message,
                channel_id,
                message_ts,
                origin,
            };
            (work, StatusCode::OK.into_response())
        }
        InteractionPayload::ViewSubmission(p) => {
            let view = &p.view;
            let state = raw.pointer("/view/state").cloned().unwrap_or(Value::Null);
            match view.callback_id.as_str() {
                views::REQUEST_CALLBACK_ID => {
                    let Ok(metadata) =
                        serde_json::from_str::<ModalMetadata>(&view.private_metadata)
                    else {
                        return text(
                            StatusCode::BAD_REQUEST,
                            "the modal's metadata is unreadable",
                        );
                    };
                    let Some(flow) = app.flows.get(&metadata.flow) else {
                        let notice = notice_modal(
                            "Request access",
                            &format!(
                                "The flow `{}` is no longer available, so this request was not sent. Run `/sym` to see the flows you can use.",
                                metadata.flow
                            ),
                        );
                        return Json(json!({ "response_action": "update", "view": notice }))
                            .into_response();
                    };
                    let fields = match views::parse_request_submission(flow.spec(), &state) {
                        Ok(fields) => fields,
                        Err(errors) => {
                            return Json(views::errors_response(&errors)).into_response()
                        }
                    };
                    let run_id = metadata
                        .run_id
                        .as_deref()
                        .and_then(|r| Uuid::parse_str(r).ok());
                    let work = Inbound::Submit {
                        user,
                        flow: flow.name().to_string(),
                        run_id,
                        fields,
                        origin: Origin {
                            channel_id: metadata.channel.clone(),
                            ..origin
                        },
                    };
                    (work, StatusCode::OK.into_response())
                }
                views::FLOW_PICKER_CALLBACK_ID => {
                    let Some(flow) =
                        views::parse_flow_pick(&state).and_then(|f| app.flows.get(&f).cloned())
                    else {
                        return Json(json!({
                            "response_action": "errors",
                            "errors": { views::FLOW_PICKER_BLOCK_ID: "Choose a flow." },
                        }))
                        .into_response();
                    };
                    let picker: PickerMetadata =
                        serde_json::from_str(&view.private_metadata).unwrap_or_default();
                    let work = Inbound::Prompt {
                        user,
                        flow: flow.name().to_string(),
                        origin: Origin {
                            channel_id: picker.channel,
                            view_id: Some(view.id.clone()),
                            ..origin
                        },
                    };
                    // The picker turns into "Loading…" now; the worker replaces it with the
                    // request modal (or says why not).
                    let response = Json(json!({
                        "response_action": "update",
                        "view": loading_modal(flow.spec().display_label()),
                    }))
                    .into_response();
                    (work, response)
                }
                _ => return StatusCode::OK.into_response(),
            }
        }
        InteractionPayload::ViewClosed(p) => {
            if p.view.callback_id != views::REQUEST_CALLBACK_ID {
                return StatusCode::OK.into_response();
            }
            let run_id = serde_json::from_str::<ModalMetadata>(&p.view.private_metadata)
                .ok()
                .and_then(|m| m.run_id)
                .and_then(|r| Uuid::parse_str(&r).ok());
            let Some(run_id) = run_id else {
                return StatusCode::OK.into_response();
            };
            (
                Inbound::ModalClosed { user, run_id },
                StatusCode::OK.into_response(),
            )
        }
        InteractionPayload::Shortcut(p) => {
            let work = Inbound::Command {
                user,
                text: String::new(),
                origin: Origin {
                    trigger_id: Some(p.trigger_id.clone()),
                    ..origin
                },
            };
            (work, StatusCode::OK.into_response())
        }
        _ => return StatusCode::OK.into_response(),
    };
    match accept(&app, &body, Work::Inbound(work)).await {
        Ok(_) => response,
        Err(refused) => refused.into_response(),
    }
}

async fn events(State(app): State<Arc<App>>, headers: HeaderMap, body: Bytes) -> Response {
    if let Err(refused) = verify(&app, &headers, &body) {
        return refused.into_response();
    }
    match EventsApiRequest::from_json(&body) {
        Ok(request) => match request.challenge_response() {
            Some(challenge) => Json(challenge).into_response(),
            None => StatusCode::OK.into_response(),
        },
        Err(e) => text(StatusCode::BAD_REQUEST, &e.to_string()),
    }
}
