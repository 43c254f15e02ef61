//! Carrying out the engine's Slack effects after their step was committed: post the request
//! card (and tell the engine where it went, or that it failed), re-draw a card from the run's
//! current state, DM the requester, answer the person who acted, post to the error channel,
//! show the request modal.

use std::collections::BTreeMap;
use std::sync::Arc;

use symflow_engine::views::{self, FieldOption, ModalOptions};
use symflow_engine::{
    Actor, ChannelType, Destination, Effect, ErrorReport, EventInfo, Input, MessageRef,
    PostedMessage, Run, Step, TellReason,
};
use symflow_sandbox::{FlowInstance, SandboxError};
use symflow_slack::web_api::PostEphemeral;
use symflow_slack::{PostMessage, SlackApiError, SlackClient, UpdateMessage, ViewTarget};
use symflow_store::OutboxItemId;
use uuid::Uuid;

use crate::app::App;
use crate::driver::{now, Cause, Next, RunRef};
use crate::flow_calls::wit_event;
use crate::flows::RuntimeFlow;
use crate::slack_out::{actor_channel, error_blocks, notice_modal, resolve_destination};
use crate::work::Origin;
use crate::worker::{backoff, Outcome};

/// Whether a Slack failure may pass if tried again later.
pub fn is_transient(error: &SlackApiError) -> bool {
    match error {
        SlackApiError::RateLimited { .. }
        | SlackApiError::Timeout { .. }
        | SlackApiError::Transport { .. } => true,
        SlackApiError::HttpStatus { status, .. } => *status >= 500,
        other => other.is_rate_limited(),
    }
}

fn outcome_of(error: SlackApiError, attempts_hint: i64) -> Outcome {
    if is_transient(&error) {
        Outcome::Retry {
            after: backoff(attempts_hint),
            error: error.to_string(),
        }
    } else {
        Outcome::Failed(error.to_string())
    }
}

pub async fn carry_out(
    app: &Arc<App>,
    item: OutboxItemId,
    run_id: Option<Uuid>,
    flow_name: &str,
    effect: Effect,
    origin: Origin,
) -> Outcome {
    let Some(slack) = app.slack.clone() else {
        return Outcome::Failed(
            "SLACK_BOT_TOKEN is not set, so nothing can be sent to Slack".to_string(),
        );
    };
    let Some(flow) = app.flows.get(flow_name).cloned() else {
        return Outcome::Failed(format!("flow {flow_name:?} is no longer configured"));
    };
    match effect {
        Effect::PostCard {
            notification_index,
            destination_index,
            destination,
        } => {
            post_card(
                app,
                &slack,
                &flow,
                item,
                run_id,
                (notification_index, destination_index),
                destination,
            )
            .await
        }
        Effect::UpdateCard { message } => update_card(app, &slack, &flow, run_id, &message).await,
        Effect::DirectMessage { to, text, .. } => match send_dm(&slack, &to, &text).await {
            Ok(()) => Outcome::Done,
            Err(e) => {
                let transient = is_transient(&e);
                if !transient {
                    report_problem(
                        app,
                        &slack,
                        &flow,
                        &format!("Could not send {} a direct message: {e}", to.mention()),
                    )
                    .await;
                }
                outcome_of(e, 0)
            }
        },
        Effect::TellActor { to, text, reason } => {
            tell_actor(&slack, &flow, &origin, &to, &text, &reason).await
        }
        Effect::ReportError(report) => report_error(&slack, &flow, &report).await,
        Effect::ShowRequestModal { actor } => {
            show_request_modal(app, &slack, &flow, run_id, &actor, &origin).await
        }
        Effect::Persist
        | Effect::CallFlow { .. }
        | Effect::SetTimer(_)
        | Effect::CancelTimer { .. }
        | Effect::Audit { .. } => Outcome::Failed(format!(
            "effect {} belongs in the step's transaction, not the outbox",
            crate::work::effect_name(&effect)
        )),
    }
}

async fn load_run(app: &Arc<App>, run_id: Option<Uuid>) -> anyhow::Result<Run> {
    let id = run_id.ok_or_else(|| anyhow::anyhow!("the effect names no run"))?;
    let record = app
        .store
        .transaction_async(move |tx| tx.get_run(id))
        .await?
        .ok_or_else(|| anyhow::anyhow!("run {id} does not exist"))?;
    Ok(Run::from_json(&record.state_json)?)
}

async fn post_card(
    app: &Arc<App>,
    slack: &SlackClient,
    flow: &Arc<RuntimeFlow>,
    item: OutboxItemId,
    run_id: Option<Uuid>,
    (notification_index, destination_index): (usize, usize),
    destination: Destination,
) -> Outcome {
    let run = match load_run(app, run_id).await {
        Ok(run) => run,
        Err(e) => return Outcome::Failed(e.to_string()),
    };
    let card = views::approval_card(flow.spec(), &run, None);
    let posted = async {
        let channel = resolve_destination(slack, &destination).await?;
        slack
            .chat_post_message(
                &PostMessage::new(channel, card.text.clone()).blocks(card.blocks.clone()),
            )
            .await
    }
    .await;
    let input = match posted {
        Ok(message) => Input::CardPosted {
            notification_index,
            destination_index,
            message: MessageRef {
                channel: message.channel,
                ts: message.ts,
            },
        },
        Err(e) if is_transient(&e) => return outcome_of(e, 0),
        Err(e) => Input::CardFailed {
            notification_index,
            destination_index,
            error: e.to_string(),
        },
    };
    let run_id = run_id.expect("load_run checked it");
    match app
        .drive(
            RunRef::Existing(run_id),
            Next::input(input),
            Origin::default(),
            Cause::Outbox(item),
        )
        .await
    {
        Ok(()) => Outcome::Done,
        Err(e) => Outcome::Retry {
            after: backoff(0),
            error: format!("could not record the posted card: {e:#}"),
        },
    }
}

async fn update_card(
    app: &Arc<App>,
    slack: &SlackClient,
    flow: &Arc<RuntimeFlow>,
    run_id: Option<Uuid>,
    message: &PostedMessage,
) -> Outcome {
    let run = match load_run(app, run_id).await {
        Ok(run) => run,
        Err(e) => return Outcome::Failed(e.to_string()),
    };
    let card = views::approval_card(flow.spec(), &run, Some(message));
    let update = UpdateMessage::new(message.channel.clone(), message.ts.clone(), card.text)
        .blocks(card.blocks);
    match slack.chat_update(&update).await {
        Ok(_) => Outcome::Done,
        Err(e) => outcome_of(e, 0),
    }
}

async fn send_dm(slack: &SlackClient, to: &Actor, text: &str) -> Result<(), SlackApiError> {
    let channel = actor_channel(slack, to).await?;
    slack
        .chat_post_message(&PostMessage::new(channel, text))
        .await?;
    Ok(())
}

/// Answers the person who acted where they are looking: the modal they have open, else
/// privately in the channel they acted in, else by DM.
async fn tell_actor(
    slack: &SlackClient,
    flow: &RuntimeFlow,
    origin: &Origin,
    to: &Actor,
    text: &str,
    reason: &TellReason,
) -> Outcome {
    if let Some(view_id) = &origin.view_id {
        let heading = match reason {
            TellReason::Info => flow.spec().display_label().to_string(),
            TellReason::Ignored => "Not this time".to_string(),
            TellReason::Refused(_) => "Not allowed".to_string(),
            TellReason::FlowFailed => "Something went wrong".to_string(),
        };
        let view = notice_modal(&heading, text);
        if slack
            .views_update(&ViewTarget::Id(view_id.clone()), &view, None)
            .await
            .is_ok()
        {
            return Outcome::Done;
        }
    }
    if let (Some(channel), Some(user)) = (&origin.channel_id, &to.slack_user_id) {
        let ephemeral = PostEphemeral::new(channel.clone(), user.clone(), text);
        if slack.chat_post_ephemeral(&ephemeral).await.is_ok() {
            return Outcome::Done;
        }
    }
    match send_dm(slack, to, text).await {
        Ok(()) => Outcome::Done,
        Err(e) => outcome_of(e, 0),
    }
}

async fn report_error(slack: &SlackClient, flow: &RuntimeFlow, report: &ErrorReport) -> Outcome {
    let Some(channel) = &flow.error_channel else {
        tracing::error!(flow = %report.flow, run = %report.run_id, "{}", report.text);
        return Outcome::Done;
    };
    let message = PostMessage::new(channel.clone(), report.text.clone())
        .blocks(error_blocks(&report.text, report.traceback.as_deref()));
    match slack.chat_post_message(&message).await {
        Ok(_) => Outcome::Done,
        Err(e) => {
            tracing::error!(flow = %report.flow, run = %report.run_id, "could not post to the error channel {channel} ({e}): {}", report.text);
            outcome_of(e, 0)
        }
    }
}

/// Something that went wrong outside the engine's view (a DM that cannot be delivered, a
/// prefetch reducer that failed), told to the error channel.
async fn report_problem(app: &Arc<App>, slack: &SlackClient, flow: &RuntimeFlow, text: &str) {
    let channel = flow
        .error_channel
        .clone()
        .or_else(|| app.flows.any_error_channel());
    match channel {
        Some(channel) => {
            let text = format!(":warning: *{}*: {text}", flow.spec().display_label());
            if let Err(e) = slack
                .chat_post_message(&PostMessage::new(channel, text.clone()))
                .await
            {
                tracing::error!("{text} (and the error channel is unreachable: {e})");
            }
        }
        None => tracing::error!(flow = flow.name(), "{text}"),
    }
}

async fn show_request_modal(
    app: &Arc<App>,
    slack: &SlackClient,
    flow: &Arc<RuntimeFlow>,
    run_id: Option<Uuid>,
    actor: &Actor,
    origin: &Origin,
) -> Outcome {
    let run = match load_run(app, run_id).await {
        Ok(run) => run,
        Err(e) => return Outcome::Failed(e.to_string()),
    };
    let prefetched = prefetch(app, slack, flow, &run, actor, origin).await;
    let view = views::request_modal(
        flow.spec(),
        &ModalOptions {
            run_id: Some(run.id.clone()),
            channel: origin.channel_id.clone(),
            prefetched,
            initial: Default::default(),
        },
    );
    let shown = match (&origin.view_id, &origin.trigger_id) {
        (Some(view_id), _) => {
            slack
                .views_update(&ViewTarget::Id(view_id.clone()), &view, None)
                .await
        }
        (None, Some(trigger)) => slack.views_open(trigger, &view).await,
        (None, None) => {
            return Outcome::Failed("no modal is open and no trigger can open one".to_string())
        }
    };
    match shown {
        Ok(_) => Outcome::Done,
        // A trigger id lives 3 s: trying again later cannot help.
        Err(e) => Outcome::Failed(e.to_string()),
    }
}

/// Options of every `prefetch = true` field from the flow's `@prefetch` reducers. A
/// reducer that fails leaves its field empty and is reported to the error channel.
async fn prefetch(
    app: &Arc<App>,
    slack: &SlackClient,
    flow: &Arc<RuntimeFlow>,
    run: &Run,
    actor: &Actor,
    origin: &Origin,
) -> BTreeMap<String, Vec<FieldOption>> {
    let fields: Vec<String> = flow
        .spec()
        .prompt_fields
        .iter()
        .filter(|f| f.prefetch)
        .map(|f| f.name.clone())
        .collect();
    if fields.is_empty() {
        return BTreeMap::new();
    }
    let event = EventInfo {
        name: Step::Prompt,
        actor: actor.clone(),
        channel: ChannelType::Slack,
        channel_id: origin.channel_id.clone(),
        fields: run.fields.clone(),
        timestamp: now(),
        forward: None,
        target_id: None,
    };
    let runner = app.runner.clone();
    let flow_for_call = flow.clone();
    let run = run.clone();
    let joined = tokio::task::spawn_blocking(move || {
        let wit = wit_event(&flow_for_call, &run, &event, &runner.store);
        let caps = runner
            .capabilities
            .for_event(Some(&flow_for_call), Some(&run));
        let mut instance = FlowInstance::new(
            &flow_for_call.loaded.component,
            caps,
            flow_for_call.loaded.limits,
        )?;
        let mut options = BTreeMap::new();
        let mut failures = Vec::new();
        for field in fields {
            match instance.prefetch(&field, &wit) {
                Ok(list) => {
                    options.insert(
                        field,
                        list.into_iter()
                            .map(|o| FieldOption {
                                value: o.value,
                                label: o.label,
                            })
                            .collect(),
                    );
                }
                Err(e) => {
                    failures.push((field.clone(), e.to_string()));
                    options.insert(field, Vec::new());
                }
            }
        }
        Ok::<_, SandboxError>((options, failures))
    })
    .await;
    match joined {
        Ok(Ok((options, failures))) => {
            for (field, error) in failures {
                let text = format!(
                    "The `@prefetch` reducer of the `{field}` field failed, so {} saw an empty list: {error}",
                    actor.mention()
                );
                report_problem(app, slack, flow, &text).await;
            }
            options
        }
        Ok(Err(e)) => {
            tracing::error!(flow = flow.name(), "prefetch could not run: {e}");
            BTreeMap::new()
        }
        Err(e) => {
            tracing::error!(flow = flow.name(), "prefetch stopped: {e}");
            BTreeMap::new()
        }
    }
}
