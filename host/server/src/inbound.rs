//! Acting on an accepted Slack request (after the ack): who the person is, which run it is
//! about, and the engine input it becomes. Commands that start nothing (`/sym whoami`, the
//! flow picker, help) are answered here directly.

use std::sync::Arc;

use symflow_engine::views::{self, FlowChoice};
use symflow_engine::{Actor, Input, MessageRef, Role, Source};
use symflow_sandbox::types::FlowSummary;
use symflow_sandbox::FlowInstance;
use symflow_slack::web_api::PostEphemeral;
use symflow_slack::{PostMessage, SlackClient, ViewTarget};
use symflow_store::OutboxItemId;
use uuid::Uuid;

use crate::app::App;
use crate::driver::{Cause, Next, RunRef};
use crate::effects::is_transient;
use crate::flows::RuntimeFlow;
use crate::slack_out::{loading_modal, notice_modal};
use crate::users::{wit_user, UserError};
use crate::work::{Inbound, Origin, SlackUserRef};
use crate::worker::{backoff, Outcome};

pub async fn handle(app: &Arc<App>, item: OutboxItemId, inbound: Inbound) -> Outcome {
    let user = match &inbound {
        Inbound::Command { user, .. }
        | Inbound::Prompt { user, .. }
        | Inbound::Submit { user, .. }
        | Inbound::ModalClosed { user, .. }
        | Inbound::Click { user, .. } => user.clone(),
    };
    let actor = match app.directory.actor(&user.team_id, &user.user_id).await {
        Ok(actor) => actor,
        Err(UserError::Slack { source, .. }) if is_transient(&source) => {
            return Outcome::Retry {
                after: backoff(0),
                error: source.to_string(),
            }
        }
        Err(e) => return Outcome::Failed(e.to_string()),
    };
    let result = match inbound {
        Inbound::Command { text, origin, .. } => {
            return command(app, &actor, &text, origin).await;
        }
        Inbound::Prompt { flow, origin, .. } => prompt(app, item, &actor, &flow, origin).await,
        Inbound::Submit {
            flow,
            run_id,
            fields,
            origin,
            ..
        } => {
            if let Some(id) = run_id {
                match crate::guards::check_form(app, &actor, Some(&flow), id).await {
                    Ok(Ok(())) => {}
                    Ok(Err(refused)) => {
                        crate::guards::tell(app, &actor, None, &refused).await;
                        return Outcome::Done;
                    }
                    Err(e) => return retry(e),
                }
            }
            let target = match run_id {
                Some(id) => RunRef::Existing(id),
                None => match app.flows.get(&flow) {
                    Some(flow) => new_run(flow, &actor),
                    None => return Outcome::Failed(format!("flow {flow:?} is not configured")),
                },
            };
            let input = Input::Request {
                actor,
                source: Source::Slack,
                fields,
                context: None,
                channel: origin.channel_id.clone(),
            };
            app.drive(target, Next::input(input), origin, Cause::Outbox(item))
                .await
        }
        Inbound::ModalClosed { run_id, .. } => {
            match crate::guards::check_form(app, &actor, None, run_id).await {
                Ok(Ok(())) => {}
                Ok(Err(refused)) => {
                    tracing::warn!(user = %actor.email, "ignored closing a form: {}", refused.0);
                    return Outcome::Done;
                }
                Err(e) => return retry(e),
            }
            app.drive(
                RunRef::Existing(run_id),
                Next::input(Input::PromptClosed { actor }),
                Origin::default(),
                Cause::Outbox(item),
            )
            .await
        }
        Inbound::Click {
            run_id,
            action,
            decision_message,
            channel_id,
            message_ts,
            origin,
            ..
        } => {
            let check = crate::guards::check_click(
                app,
                &actor,
                &user.team_id,
                run_id,
                message_ts.as_deref(),
            )
            .await;
            match check {
                Ok(Ok(())) => {}
                Ok(Err(refused)) => {
                    crate::guards::tell(app, &actor, channel_id.as_deref(), &refused).await;
                    return Outcome::Done;
                }
                Err(e) => return retry(e),
            }
            let message = match (channel_id, message_ts) {
                (Some(channel), Some(ts)) => Some(MessageRef { channel, ts }),
                _ => None,
            };
            let input = Input::Action {
                action,
                actor,
                source: Source::Slack,
                decision_message,
                message,
            };
            app.drive(
                RunRef::Existing(run_id),
                Next::input(input),
                origin,
                Cause::Outbox(item),
            )
            .await
        }
    };
    match result {
        Ok(()) => Outcome::Done,
        Err(e) => retry(e),
    }
}

fn retry(e: anyhow::Error) -> Outcome {
    Outcome::Retry {
        after: backoff(0),
        error: format!("{e:#}"),
    }
}

fn new_run(flow: &Arc<RuntimeFlow>, actor: &Actor) -> RunRef {
    RunRef::New {
        id: Uuid::new_v4(),
        flow: flow.clone(),
        requester: Uuid::parse_str(&actor.user_id).unwrap_or_default(),
    }
}

/// `/sym`, `/sym req [flow]`, `/sym whoami`, `/sym help`.
async fn command(app: &Arc<App>, actor: &Actor, text: &str, origin: Origin) -> Outcome {
    let Some(slack) = app.slack.clone() else {
        return Outcome::Failed("SLACK_BOT_TOKEN is not set".into());
    };
    let words: Vec<&str> = text.split_whitespace().collect();
    let flow_named = |name: &str| app.flows.get(name).cloned();
    match words.as_slice() {
        [] | ["req" | "request"] => picker(app, &slack, actor, origin).await,
        ["whoami"] => {
            let role = match actor.role {
                Role::Admin => "an admin",
                Role::Member => "a member",
                Role::Guest => "a guest",
            };
            let text = format!(
                "You are *{}*, {role} of symflow (org `{}`). Slack user `{}` in workspace `{}`.",
                actor.email,
                app.flows.org,
                actor.slack_user_id.as_deref().unwrap_or("?"),
                actor.slack_team_id.as_deref().unwrap_or("?"),
            );
            reply(&slack, actor, &origin, &text).await
        }
        ["req" | "request", name, ..] => match flow_named(name) {
            Some(flow) => enqueue_prompt(app, actor, &flow, origin).await,
            None => picker(app, &slack, actor, origin).await,
        },
        [name] if flow_named(name).is_some() => {
            let flow = flow_named(name).expect("checked");
            enqueue_prompt(app, actor, &flow, origin).await
        }
        // `help`, `support`, and anything not understood.
        _ => {
            let flows: Vec<String> = app.flows.all().map(|f| format!("`{}`", f.name())).collect();
            let text = format!(
                "*symflow* — request access, get it approved in Slack.\n\
                 • `/sym` or `/sym req` — choose a flow and request access\n\
                 • `/sym req <flow>` — request access with one flow ({})\n\
                 • `/sym whoami` — who symflow thinks you are",
                if flows.is_empty() {
                    "none configured".to_string()
                } else {
                    flows.join(", ")
                }
            );
            reply(&slack, actor, &origin, &text).await
        }
    }
}

/// Starts the prompt in this same item: the trigger id will not last a round trip through
/// the outbox.
async fn enqueue_prompt(
    app: &Arc<App>,
    actor: &Actor,
    flow: &Arc<RuntimeFlow>,
    origin: Origin,
) -> Outcome {
    match prompt_now(app, actor, flow, origin, Cause::Untracked).await {
        Ok(()) => Outcome::Done,
        Err(e) => Outcome::Failed(format!("{e:#}")),
    }
}

async fn prompt(
    app: &Arc<App>,
    item: OutboxItemId,
    actor: &Actor,
    flow: &str,
    origin: Origin,
) -> anyhow::Result<()> {
    let Some(flow) = app.flows.get(flow).cloned() else {
        if let (Some(slack), Some(view_id)) = (&app.slack, &origin.view_id) {
            let view = notice_modal(
                "Request access",
                &format!(
                    "There is no flow called `{flow}` any more. Ask an admin which flow to use."
                ),
            );
            let _ = slack
                .views_update(&ViewTarget::Id(view_id.clone()), &view, None)
                .await;
        }
        app.complete(Cause::Outbox(item)).await?;
        return Ok(());
    };
    prompt_now(app, actor, &flow, origin, Cause::Outbox(item)).await
}

/// Opens "Loading…" first when the flow's Python must run before the modal can be drawn,
/// then starts the run with the prompt.
async fn prompt_now(
    app: &Arc<App>,
    actor: &Actor,
    flow: &Arc<RuntimeFlow>,
    mut origin: Origin,
    cause: Cause,
) -> anyhow::Result<()> {
    if flow.needs_python_before_modal() && origin.view_id.is_none() {
        if let (Some(slack), Some(trigger)) = (&app.slack, origin.trigger_id.take()) {
            let view = slack
                .views_open(&trigger, &loading_modal(flow.spec().display_label()))
                .await?;
            origin.view_id = Some(view.id);
        }
    }
    let input = Input::Prompt {
        actor: actor.clone(),
        source: Source::Slack,
        channel: origin.channel_id.clone(),
    };
    app.drive(new_run(flow, actor), Next::input(input), origin, cause)
        .await
}

/// The flow picker: every flow that takes requests from Slack, narrowed by the flows
/// filter's `get_flows` when there is one.
async fn picker(app: &Arc<App>, slack: &SlackClient, actor: &Actor, origin: Origin) -> Outcome {
    let mut flows: Vec<&Arc<RuntimeFlow>> = app
        .flows
        .all()
        .filter(|f| f.spec().allows_source(Source::Slack))
        .collect();
    let mut origin = origin;
    if let Some(filter) = &app.flows.filter {
        if let Some(trigger) = origin.trigger_id.take() {
            match slack
                .views_open(&trigger, &loading_modal("Request access"))
                .await
            {
                Ok(view) => origin.view_id = Some(view.id),
                Err(e) => return Outcome::Failed(e.to_string()),
            }
        }
        let summaries: Vec<FlowSummary> = flows
            .iter()
            .map(|f| FlowSummary {
                name: f.name().to_string(),
                srn: f.info.srn.clone(),
                label: f.info.label.clone(),
                vars_json: f.info.vars_json.clone(),
            })
            .collect();
        let component = filter.loaded.component.clone();
        let limits = filter.loaded.limits;
        let vars = filter.vars_json.clone();
        let runner = app.runner.clone();
        let actor_for_call = actor.clone();
        let allowed = tokio::task::spawn_blocking(move || {
            let user = wit_user(&actor_for_call, &runner.store);
            let caps = runner.capabilities.for_event(None, None);
            let mut instance = FlowInstance::new(&component, caps, limits)?;
            instance.get_flows(&user, &summaries, &vars)
        })
        .await;
        match allowed {
            Ok(Ok(names)) => flows.retain(|f| names.iter().any(|n| n == f.name())),
            Ok(Err(e)) => {
                tracing::error!("the flows filter failed; showing every flow: {e}");
                if let Some(channel) = app.flows.any_error_channel() {
                    let text = format!(":warning: The flows filter (`get_flows`) failed, so {} saw every flow: {e}", actor.mention());
                    let _ = slack
                        .chat_post_message(&PostMessage::new(channel, text))
                        .await;
                }
            }
            Err(e) => tracing::error!("the flows filter stopped: {e}"),
        }
    }
    let choices: Vec<FlowChoice> = flows
        .iter()
        .map(|f| FlowChoice {
            name: f.name().to_string(),
            label: f.spec().display_label().to_string(),
        })
        .collect();
    let mut view = views::flow_picker_modal(&choices);
    // The picker remembers where the command was typed, for the modal that follows.
    view["private_metadata"] = serde_json::Value::String(
        serde_json::to_string(&PickerMetadata {
            channel: origin.channel_id.clone(),
        })
        .expect("metadata serialises"),
    );
    let shown = match (&origin.view_id, &origin.trigger_id) {
        (Some(view_id), _) => {
            slack
                .views_update(&ViewTarget::Id(view_id.clone()), &view, None)
                .await
        }
        (None, Some(trigger)) => slack.views_open(trigger, &view).await,
        (None, None) => return Outcome::Failed("no trigger to open the flow picker".into()),
    };
    match shown {
        Ok(_) => Outcome::Done,
        Err(e) => Outcome::Failed(e.to_string()),
    }
}

/// What the flow picker carries in `private_metadata`.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct PickerMetadata {
    pub channel: Option<String>,
}

/// A private answer to a command: ephemeral in the channel, else a DM.
async fn reply(slack: &SlackClient, actor: &Actor, origin: &Origin, text: &str) -> Outcome {
    if let (Some(channel), Some(user)) = (&origin.channel_id, &actor.slack_user_id) {
        if slack
            .chat_post_ephemeral(&PostEphemeral::new(channel.clone(), user.clone(), text))
            .await
            .is_ok()
        {
            return Outcome::Done;
        }
    }
    let Some(user) = &actor.slack_user_id else {
        return Outcome::Failed("the person has no Slack id".into());
    };
    match slack
        .chat_post_message(&PostMessage::new(user.clone(), text))
        .await
    {
        Ok(_) => Outcome::Done,
        Err(e) => Outcome::Failed(e.to_string()),
    }
}

/// The Slack user an accepted request came from.
pub fn user_ref(team_id: &str, user_id: &str) -> SlackUserRef {
    SlackUserRef {
        team_id: team_id.to_string(),
        user_id: user_id.to_string(),
    }
}
