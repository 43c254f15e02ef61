//! The four endpoints: what each accepts, what it checks before promising anything (token,
//! flow, `allowed_sources`, requester, inputs, run state), and what it answers.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use symflow_engine::effects::Refusal;
use symflow_engine::{validate_fields, Actor, Role, Run, RunStatus, Source};
use symflow_store::{ApiEvent, NewOutboxItem, DEFAULT_TENANT};
use uuid::Uuid;

use crate::api::auth::Caller;
use crate::api::error::ApiError;
use crate::api::work::ApiWork;
use crate::app::App;
use crate::driver::now;
use crate::flows::RuntimeFlow;
use crate::users::actor_of;
use crate::work::Work;

/// `POST /events/request`.
#[derive(Debug, Deserialize)]
struct RequestBody {
    /// The flow: its slug (`breakglass`) or SRN (`acme:flow:breakglass:latest`).
    flow_srn: Option<String>,
    #[serde(default)]
    flow_inputs: Option<Map<String, Value>>,
    /// Returned to hooks by `event.get_context("request")`; `{}` when absent or null.
    #[serde(default)]
    context: Option<Value>,
    user_email: Option<String>,
    user_id: Option<String>,
}

/// `POST /events/deescalate`.
#[derive(Debug, Deserialize)]
struct DeescalateBody {
    run_id: Option<String>,
}

fn parse_body<T: for<'de> Deserialize<'de>>(body: &Bytes) -> Result<T, ApiError> {
    if body.is_empty() {
        return Err(ApiError::invalid(
            "the request has no body: send a JSON object",
        ));
    }
    serde_json::from_slice(body).map_err(|e| {
        ApiError::invalid(format!("the body is not the JSON this endpoint takes: {e}"))
    })
}

fn parse_id(what: &str, text: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(text.trim())
        .map_err(|_| ApiError::invalid(format!("{what} {text:?} is not a UUID")))
}

/// The flow a `flow_srn` names.
fn flow_named(app: &App, flow_srn: &str) -> Result<Arc<RuntimeFlow>, ApiError> {
    let parts: Vec<&str> = flow_srn.trim().split(':').collect();
    let slug = match parts.as_slice() {
        [slug] => *slug,
        [_org, "flow", slug, ..] => *slug,
        _ => {
            return Err(ApiError::invalid(format!(
                "flow_srn {flow_srn:?} is neither a flow slug nor a flow SRN like `{}:flow:<slug>:latest`",
                app.flows.org
            )))
        }
    };
    app.flows.get(slug).cloned().ok_or_else(|| {
        let known: Vec<String> = app.flows.all().map(|f| f.name().to_string()).collect();
        ApiError::not_found(format!(
            "there is no flow {slug:?}; flows here: {}",
            if known.is_empty() {
                "none".to_string()
            } else {
                known.join(", ")
            }
        ))
    })
}

/// The requester, by symflow user id or e-mail (then found in Slack if symflow has not met
/// them yet, as a first Slack interaction would).
async fn requester(
    app: &Arc<App>,
    email: Option<&str>,
    user_id: Option<&str>,
) -> Result<Actor, ApiError> {
    // A `user_id` that is given must be a user id, even when blank.
    let user = match (user_id, email.map(str::trim).filter(|s| !s.is_empty())) {
        (Some(id), _) => {
            let id = parse_id("user_id", id)?;
            let found = app
                .store
                .transaction_async(move |tx| tx.get_user(id))
                .await?;
            Some(found.ok_or_else(|| {
                ApiError::not_found(format!(
                    "there is no symflow user with id {id}; use user_email instead"
                ))
            })?)
        }
        (None, Some(email)) => {
            let key = email.to_string();
            app.store
                .transaction_async(move |tx| tx.find_user_by_email(DEFAULT_TENANT, &key))
                .await?
        }
        (None, None) => {
            return Err(ApiError::invalid(
                "say who requests access: give `user_email` (or `user_id`, a symflow user id)",
            ))
        }
    };
    if let Some(user) = user {
        let id = user.id;
        let identities = app
            .store
            .transaction_async(move |tx| tx.identities_of(id))
            .await?;
        return Ok(match identities.iter().find(|i| i.key.service == "slack") {
            Some(slack) => actor_of(&user, &slack.key.service_id, &slack.key.external_user_id),
            None => {
                let mut actor = actor_of(&user, "", "");
                actor.slack_team_id = None;
                actor.slack_user_id = None;
                actor
            }
        });
    }
    let email = email.unwrap_or_default().trim().to_string();
    let Some(slack) = &app.slack else {
        return Err(ApiError::not_found(format!(
            "symflow has no user with e-mail {email:?} and cannot look them up in Slack (SLACK_BOT_TOKEN is not set)"
        )));
    };
    let found = slack.users_lookup_by_email(&email).await.map_err(|e| {
        ApiError::unavailable(format!(
            "could not look up {email:?} in Slack: {e}; try again"
        ))
    })?;
    let Some(found) = found else {
        return Err(ApiError::not_found(format!(
            "nobody with e-mail {email:?} is in symflow or in the Slack workspace"
        )));
    };
    let team = found.team_id.clone().unwrap_or_default();
    app.directory.actor(&team, &found.id).await.map_err(|e| {
        ApiError::unavailable(format!("could not set up {email:?} as a symflow user: {e}"))
    })
}

/// Records the API event and its work item in one transaction, then wakes the worker.
async fn accept(app: &Arc<App>, event: ApiEvent, work: ApiWork) -> Result<(), ApiError> {
    let work = Work::Api(work);
    app.store
        .transaction_async(move |tx| -> symflow_store::Result<()> {
            tx.record_api_event(&event)?;
            tx.enqueue_outbox(&NewOutboxItem {
                tenant: DEFAULT_TENANT.to_string(),
                run_id: work.ordered_by_run(),
                kind: work.kind(),
                payload_json: work.to_json(),
            })?;
            Ok(())
        })
        .await?;
    app.work_ready.notify_one();
    Ok(())
}

fn api_event(caller: &Caller, run_id: Uuid, event_type: &str) -> ApiEvent {
    ApiEvent {
        id: Uuid::new_v4(),
        tenant: DEFAULT_TENANT.to_string(),
        run_id,
        event_type: event_type.to_string(),
        token_id: caller.token.id,
        created_at_ms: symflow_store::now_ms(),
        finished_at_ms: None,
        error: None,
    }
}

/// `POST /api/v1/events/request`.
pub async fn request(
    State(app): State<Arc<App>>,
    caller: Caller,
    body: Bytes,
) -> Result<Response, ApiError> {
    let body: RequestBody = parse_body(&body)?;
    let flow_srn = body
        .flow_srn
        .as_deref()
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| ApiError::invalid("`flow_srn` is required: the flow's slug or SRN"))?;
    let flow = flow_named(&app, flow_srn)?;
    if !flow.spec().allows_source(Source::Api) {
        let run = flow.engine.new_run(Uuid::nil().to_string(), now());
        let text = symflow_engine::text::refusal(
            flow.spec(),
            &run,
            &Refusal::SourceNotAllowed {
                source: Source::Api,
            },
        );
        return Err(ApiError::forbidden(format!(
            "{text} Add \"api\" to its allowed_sources to request it by API."
        )));
    }
    if let Some(context) = &body.context {
        if !context.is_object() {
            return Err(ApiError::invalid("`context` must be a JSON object"));
        }
    }
    let inputs = body.flow_inputs.unwrap_or_default();
    if let Err(errors) = validate_fields(flow.spec(), &inputs) {
        let message = errors
            .iter()
            .map(|e| format!("{}: {}", e.field, e.message))
            .collect::<Vec<_>>()
            .join("; ");
        let fields: Map<String, Value> = errors
            .into_iter()
            .map(|e| (e.field, Value::String(e.message)))
            .collect();
        return Err(
            ApiError::invalid(format!("flow_inputs are not valid: {message}"))
                .with_details(json!({ "fields": fields })),
        );
    }
    let actor = requester(&app, body.user_email.as_deref(), body.user_id.as_deref()).await?;
    if actor.role == Role::Guest {
        return Err(ApiError::forbidden(format!(
            "{} is a guest, and guests can't start requests; ask a member to request access for them",
            actor.email
        )));
    }
    let run_id = Uuid::new_v4();
    let event = api_event(&caller, run_id, "request");
    let event_id = event.id;
    accept(
        &app,
        event,
        ApiWork::Request {
            event_id,
            run_id,
            flow: flow.name().to_string(),
            requester: actor,
            fields: inputs,
            context: body.context,
        },
    )
    .await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({ "run_id": run_id, "event_id": event_id, "status": "pending" })),
    )
        .into_response())
}

/// `POST /api/v1/events/deescalate`.
pub async fn deescalate(
    State(app): State<Arc<App>>,
    caller: Caller,
    body: Bytes,
) -> Result<Response, ApiError> {
    let body: DeescalateBody = parse_body(&body)?;
    let run_id = body
        .run_id
        .as_deref()
        .ok_or_else(|| ApiError::invalid("`run_id` is required: the run whose access to remove"))?;
    let run_id = parse_id("run_id", run_id)?;
    let (_, run) = load_run(&app, run_id).await?;
    let flow = app.flows.get(&run.flow).cloned().ok_or_else(|| {
        ApiError::conflict(format!(
            "run {run_id} belongs to flow {:?}, which is no longer configured",
            run.flow
        ))
    })?;
    if !flow.spec().allow_revoke {
        return Err(ApiError::conflict(format!(
            "flow {:?} sets allow_revoke = false, so its access can't be removed early; it ends when its duration runs out",
            flow.name()
        )));
    }
    if run.status != RunStatus::Escalated {
        return Err(ApiError::conflict(format!(
            "run {run_id} is {}: only a run whose access was granted (escalated) can be deescalated",
            run.status.as_str()
        )));
    }
    let bot_id = caller.token.user_id;
    let bot = app
        .store
        .transaction_async(move |tx| tx.get_user(bot_id))
        .await?
        .ok_or_else(|| ApiError::internal("the token's bot user is missing from the store"))?;
    let mut actor = actor_of(&bot, "", "");
    actor.slack_team_id = None;
    actor.slack_user_id = None;
    let event = api_event(&caller, run_id, "deescalate");
    let event_id = event.id;
    accept(
        &app,
        event,
        ApiWork::Deescalate {
            event_id,
            run_id,
            actor,
        },
    )
    .await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({ "run_id": run_id, "event_id": event_id, "status": "pending" })),
    )
        .into_response())
}

async fn load_run(
    app: &Arc<App>,
    run_id: Uuid,
) -> Result<(symflow_store::RunRecord, Run), ApiError> {
    let record = app
        .store
        .transaction_async(move |tx| tx.get_run(run_id))
        .await?
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "there is no run {run_id} (a request accepted a moment ago may not have started yet: poll GET /api/v1/events/<event_id>)"
            ))
        })?;
    let run = Run::from_json(&record.state_json)
        .map_err(|e| ApiError::internal(format!("run {run_id} cannot be read: {e}")))?;
    Ok((record, run))
}

fn actor_json(actor: &Actor) -> Value {
    json!({
        "user_id": actor.user_id,
        "email": actor.email,
        "username": actor.username,
        "name": actor.name,
    })
}

/// `GET /api/v1/runs/{run_id}`.
pub async fn get_run(
    State(app): State<Arc<App>>,
    _caller: Caller,
    Path(run_id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let run_id = parse_id("run id", &run_id)?;
    let (record, run) = load_run(&app, run_id).await?;
    let events = app
        .store
        .transaction_async(move |tx| tx.events_for_run(run_id))
        .await?;
    let flow = app.flows.get(&run.flow);
    let events: Vec<Value> = events
        .iter()
        .map(|e| {
            json!({
                "id": e.id,
                "type": e.event_type,
                "occurred_at_ms": e.occurred_at_ms,
                "status": if e.errored { "error" } else { "success" },
            })
        })
        .collect();
    let errors: Vec<Value> = run
        .errors
        .iter()
        .map(|e| json!({ "step": e.step, "headline": e.headline, "message": e.message }))
        .collect();
    Ok(Json(json!({
        "id": run_id,
        "srn": flow.map(|f| f.spec().run_srn(&run.id)),
        "flow": run.flow,
        "flow_srn": flow.map(|f| f.spec().srn.clone()),
        "status": run.status.as_str(),
        "finished": record.finished,
        "requester": run.requester.as_ref().map(actor_json),
        "fields": run.fields,
        "created_at_ms": record.created_at_ms,
        "updated_at_ms": record.updated_at_ms,
        "expires_at_ms": run.expires_at.map(|t| t.0),
        "errors": errors,
        "events": events,
    })))
}

/// `GET /api/v1/events/{event_id}`: `pending` until the worker has carried the event out,
/// then `success` or `error` (with `errors`).
pub async fn get_event(
    State(app): State<Arc<App>>,
    _caller: Caller,
    Path(event_id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let event_id = parse_id("event id", &event_id)?;
    let event = app
        .store
        .transaction_async(move |tx| tx.get_api_event(event_id))
        .await?
        .ok_or_else(|| ApiError::not_found(format!("there is no API event {event_id}")))?;
    let (status, errors) = match (&event.error, event.finished_at_ms) {
        (Some(error), _) => ("error", vec![error.clone()]),
        (None, Some(_)) => ("success", Vec::new()),
        (None, None) => {
            // The worker may have stopped between the step and recording its end: the run's
            // own audit trail says whether the event happened.
            let run_id = event.run_id;
            let events = app
                .store
                .transaction_async(move |tx| tx.events_for_run(run_id))
                .await?;
            let happened = events.iter().any(|e| {
                e.event_type == event.event_type && e.occurred_at_ms >= event.created_at_ms
            });
            (if happened { "success" } else { "pending" }, Vec::new())
        }
    };
    Ok(Json(json!({
        "id": event.id,
        "type": event.event_type,
        "run_id": event.run_id,
        "status": status,
        "errors": errors,
        "created_at_ms": event.created_at_ms,
        "finished_at_ms": event.finished_at_ms,
    })))
}
