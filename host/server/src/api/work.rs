//! Carrying out an accepted API event in the outbox worker, through the same driver as a Slack
//! request: the engine decides, the step is committed together with the completion of the
//! outbox item (so a retry after a crash acts once), effects such as the approval card go
//! to Slack as usual. Afterwards the API event is marked finished, with the reason when the
//! engine did not take it.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use symflow_engine::{Action, Actor, Input, Run, RunStatus, Source};
use symflow_store::OutboxItemId;
use uuid::Uuid;

use crate::app::App;
use crate::driver::{Cause, Next, RunRef};
use crate::work::Origin;
use crate::worker::{backoff, Outcome};

/// An API event, accepted and waiting for the worker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "api", rename_all = "snake_case")]
pub enum ApiWork {
    /// `POST /events/request`: start a run with these inputs.
    Request {
        event_id: Uuid,
        run_id: Uuid,
        flow: String,
        requester: Actor,
        fields: Map<String, Value>,
        context: Option<Value>,
    },
    /// `POST /events/deescalate`: remove the access of an escalated run.
    Deescalate {
        event_id: Uuid,
        run_id: Uuid,
        /// The token's bot user.
        actor: Actor,
    },
}

impl ApiWork {
    pub fn name(&self) -> &'static str {
        match self {
            ApiWork::Request { .. } => "request",
            ApiWork::Deescalate { .. } => "deescalate",
        }
    }
}

pub async fn handle(app: &Arc<App>, item: OutboxItemId, work: ApiWork) -> Outcome {
    let (event_id, run_id) = match &work {
        ApiWork::Request {
            event_id, run_id, ..
        }
        | ApiWork::Deescalate {
            event_id, run_id, ..
        } => (*event_id, *run_id),
    };
    let deescalating = matches!(work, ApiWork::Deescalate { .. });
    let driven = match work {
        ApiWork::Request {
            flow,
            requester,
            fields,
            context,
            ..
        } => {
            let Some(flow) = app.flows.get(&flow).cloned() else {
                return finish(
                    app,
                    item,
                    event_id,
                    Some(format!("flow {flow:?} is no longer configured")),
                )
                .await;
            };
            let target = RunRef::New {
                id: run_id,
                flow,
                requester: Uuid::parse_str(&requester.user_id).unwrap_or_default(),
            };
            let input = Input::Request {
                actor: requester,
                source: Source::Api,
                fields,
                context,
                channel: None,
            };
            app.drive(
                target,
                Next::input(input),
                Origin::default(),
                Cause::Outbox(item),
            )
            .await
        }
        ApiWork::Deescalate { actor, .. } => {
            let input = Input::Action {
                action: Action::Revoke,
                actor,
                source: Source::Api,
                decision_message: None,
                message: None,
            };
            app.drive(
                RunRef::Existing(run_id),
                Next::input(input),
                Origin::default(),
                Cause::Outbox(item),
            )
            .await
        }
    };
    if let Err(e) = driven {
        return Outcome::Retry {
            after: backoff(0),
            error: format!("{e:#}"),
        };
    }
    let error = match outcome_of(app, run_id, deescalating).await {
        Ok(error) => error,
        Err(e) => {
            return Outcome::Retry {
                after: backoff(0),
                error: format!("{e:#}"),
            }
        }
    };
    finish(app, item, event_id, error).await
}

/// What became of the event, judged from the run it was for: `None` when it happened.
async fn outcome_of(
    app: &Arc<App>,
    run_id: Uuid,
    deescalating: bool,
) -> anyhow::Result<Option<String>> {
    let record = app
        .store
        .transaction_async(move |tx| tx.get_run(run_id))
        .await?;
    let Some(record) = record else {
        return Ok(Some(
            "the request was refused; the requester was told why in Slack".to_string(),
        ));
    };
    let run = Run::from_json(&record.state_json)?;
    let last_error = run.errors.last().map(|e| e.headline.clone());
    if deescalating {
        return Ok(match (run.status, last_error) {
            (RunStatus::Deescalated, _) => None,
            (status, Some(error)) => Some(format!(
                "access was not removed (the run is {}): {error}",
                status.as_str()
            )),
            (status, None) => Some(format!(
                "access was not removed: the run is {}",
                status.as_str()
            )),
        });
    }
    Ok(match run.status {
        RunStatus::Errored => Some(
            run.errors
                .last()
                .map(|e| format!("the flow failed: {}", e.headline))
                .unwrap_or_else(|| "the flow failed".to_string()),
        ),
        _ => None,
    })
}

async fn finish(
    app: &Arc<App>,
    item: OutboxItemId,
    event_id: Uuid,
    error: Option<String>,
) -> Outcome {
    let at = symflow_store::now_ms();
    let result = app
        .store
        .transaction_async(move |tx| {
            tx.finish_api_event(event_id, at, error.as_deref())?;
            tx.mark_outbox_done(item)
        })
        .await;
    match result {
        Ok(_) => Outcome::Done,
        Err(e) => Outcome::Retry {
            after: backoff(0),
            error: e.to_string(),
        },
    }
}
