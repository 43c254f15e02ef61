//! What a Slack request asks for, carried out after the answer is sent: who the person is,
//! which run it is about, and the engine input it becomes (as the native server's `inbound`).

use serde_json::{json, Map, Value};
use symflow_engine::views::{self, FlowChoice};
use symflow_engine::{Action, Actor, Input, MessageRef, Role, Source};

use crate::driver::{drive, now, DriveError};
use crate::slack::notice_modal;
use crate::state::{Origin, RunRecord};
use crate::tenant::TenantFlow;
use crate::{users, Ctx};

pub struct SlackUser {
    pub team_id: String,
    pub user_id: String,
}

pub enum Work {
    /// `/sym ...`.
    Command {
        user: SlackUser,
        text: String,
        origin: Origin,
    },
    /// Start a run of `flow` with the request modal (picked, or named in the command).
    Prompt {
        user: SlackUser,
        flow: String,
        origin: Origin,
    },
    /// The request modal was submitted.
    Submit {
        user: SlackUser,
        flow: String,
        run_id: Option<String>,
        fields: Map<String, Value>,
        origin: Origin,
    },
    /// Approve / Deny / Revoke on a card.
    Click {
        user: SlackUser,
        run_id: String,
        action: Action,
        decision_message: Option<String>,
        message: Option<MessageRef>,
    },
    /// The request modal was closed without submitting.
    Closed { user: SlackUser, run_id: String },
}

pub async fn carry_out(ctx: &Ctx, work: Work) {
    if let Err(e) = run(ctx, work).await {
        eprintln!("symflow could not finish a Slack request: {e}");
    }
}

async fn run(ctx: &Ctx, work: Work) -> Result<(), String> {
    let user = match &work {
        Work::Command { user, .. }
        | Work::Prompt { user, .. }
        | Work::Submit { user, .. }
        | Work::Click { user, .. }
        | Work::Closed { user, .. } => user,
    };
    let actor = users::actor(ctx, &user.team_id, &user.user_id).await?;
    match work {
        Work::Command { text, origin, .. } => command(ctx, &actor, &text, origin).await,
        Work::Prompt { flow, origin, .. } => {
            let flow = ctx
                .tenant
                .flow(&flow)
                .ok_or_else(|| format!("flow {flow:?} is not configured"))?;
            prompt(ctx, &actor, flow, origin).await
        }
        Work::Submit {
            flow,
            run_id,
            fields,
            origin,
            ..
        } => {
            let input = Input::Request {
                actor,
                source: Source::Slack,
                fields,
                context: None,
                channel: origin.channel_id.clone(),
            };
            let origin = Origin {
                view_id: None,
                trigger_id: None,
                ..origin
            };
            let stored = match run_id.as_deref() {
                Some(id) => ctx.store.run(&ctx.tenant.name, id)?.is_some(),
                None => false,
            };
            if stored {
                let id = run_id.expect("a stored run has an id");
                return drive_stored(ctx, &id, |r| r.origin = origin.clone(), input).await;
            }
            let flow = ctx
                .tenant
                .flow(&flow)
                .ok_or_else(|| format!("flow {flow:?} is not configured"))?;
            let mut record = new_record(flow, origin);
            drive(ctx, &mut record, input).await.map_err(failed)
        }
        Work::Click {
            run_id,
            action,
            decision_message,
            message,
            ..
        } => {
            let input = Input::Action {
                action,
                actor,
                source: Source::Slack,
                decision_message,
                message,
            };
            drive_stored(ctx, &run_id, |r| r.origin.view_id = None, input).await
        }
        Work::Closed { run_id, .. } => {
            if ctx.store.run(&ctx.tenant.name, &run_id)?.is_none() {
                return Ok(());
            }
            drive_stored(ctx, &run_id, |_| {}, Input::PromptClosed { actor }).await
        }
    }
}

/// How often a request re-reads a run another request keeps writing before it gives up.
const ATTEMPTS: usize = 5;

/// Feeds `input` to the stored run `run_id`; when another request wrote the run first, reads
/// it again and feeds the input to the run as it is now (the engine then sees the other
/// request's decision, e.g. a second Approve on an approved run is ignored and said so).
pub async fn drive_stored(
    ctx: &Ctx,
    run_id: &str,
    prepare: impl Fn(&mut RunRecord),
    input: Input,
) -> Result<(), String> {
    for _ in 0..ATTEMPTS {
        let mut record = ctx
            .store
            .run(&ctx.tenant.name, run_id)?
            .ok_or_else(|| format!("run {run_id} does not exist"))?;
        prepare(&mut record);
        match drive(ctx, &mut record, input.clone()).await {
            Ok(()) => return Ok(()),
            Err(DriveError::Conflict) => continue,
            Err(DriveError::Failed(e)) => return Err(e),
        }
    }
    Err(format!(
        "run {run_id} was changed by other requests {ATTEMPTS} times while this one tried to act on it; nothing was done"
    ))
}

fn failed(e: DriveError) -> String {
    match e {
        DriveError::Conflict => {
            "a new run was written by another request at the same moment".into()
        }
        DriveError::Failed(e) => e,
    }
}

fn new_record(flow: &TenantFlow, origin: Origin) -> RunRecord {
    RunRecord {
        flow: flow.name().to_string(),
        run: flow.engine().new_run(users::new_run_id(), now()),
        origin,
        audit: Vec::new(),
        version: 0,
        lineage: Vec::new(),
    }
}

/// Opens "Loading…" first when Python must run before the modal can be drawn, then starts
/// the run with the prompt (the engine asks for the request modal).
async fn prompt(
    ctx: &Ctx,
    actor: &Actor,
    flow: &TenantFlow,
    mut origin: Origin,
) -> Result<(), String> {
    let needs_python =
        flow.defines("on_prompt") || flow.spec.prompt_fields.iter().any(|f| f.prefetch);
    if needs_python && origin.view_id.is_none() {
        if let Some(trigger) = origin.trigger_id.take() {
            let loading = notice_modal(
                flow.spec.display_label(),
                &format!(
                    ":hourglass_flowing_sand: Loading *{}*…",
                    flow.spec.display_label()
                ),
            );
            origin.view_id = Some(ctx.slack.views_open(&trigger, &loading).await?);
        }
    }
    let channel = origin.channel_id.clone();
    let mut record = new_record(flow, origin);
    let input = Input::Prompt {
        actor: actor.clone(),
        source: Source::Slack,
        channel,
    };
    drive(ctx, &mut record, input).await.map_err(failed)
}

/// `/sym`, `/sym req [flow]`, `/sym <flow>`, `/sym whoami`, `/sym help`.
async fn command(ctx: &Ctx, actor: &Actor, text: &str, origin: Origin) -> Result<(), String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let named = |name: &str| ctx.tenant.flow(name);
    match words.as_slice() {
        [] | ["req" | "request"] => picker(ctx, actor, origin).await,
        ["whoami"] => {
            let role = match actor.role {
                Role::Admin => "an admin",
                Role::Member => "a member",
                Role::Guest => "a guest",
            };
            let text = format!(
                "You are *{}*, {role} of symflow (org `{}`). Slack user `{}` in workspace `{}`.",
                actor.email,
                ctx.tenant.org,
                actor.slack_user_id.as_deref().unwrap_or("?"),
                actor.slack_team_id.as_deref().unwrap_or("?"),
            );
            reply(ctx, actor, &origin, &text).await
        }
        ["req" | "request", name, ..] => match named(name) {
            Some(flow) => prompt(ctx, actor, flow, origin).await,
            None => picker(ctx, actor, origin).await,
        },
        [name] if named(name).is_some() => {
            prompt(ctx, actor, named(name).expect("checked"), origin).await
        }
        _ => {
            let flows: Vec<String> = ctx
                .tenant
                .flows
                .iter()
                .map(|f| format!("`{}`", f.name()))
                .collect();
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
            reply(ctx, actor, &origin, &text).await
        }
    }
}

/// The flow picker: every flow that takes requests from Slack, narrowed by the flows filter's
/// `get_flows` when the environment has one (a failing filter shows every flow and is
/// reported in the error channel, as on the native server).
async fn picker(ctx: &Ctx, actor: &Actor, origin: Origin) -> Result<(), String> {
    let mut flows: Vec<&TenantFlow> = ctx
        .tenant
        .flows
        .iter()
        .filter(|f| f.spec.allows_source(Source::Slack))
        .collect();
    let mut trigger = origin.trigger_id.clone();
    let mut view_id = None;
    if let Some(filter) = &ctx.tenant.flows_filter {
        // The filter is Python: show a modal before the 3 s trigger expires.
        if let Some(trigger) = trigger.take() {
            let loading = notice_modal("Request access", ":hourglass_flowing_sand: Loading…");
            view_id = Some(ctx.slack.views_open(&trigger, &loading).await?);
        }
        match crate::flow_call::get_flows(
            &ctx.tenant,
            &ctx.store,
            &ctx.slack_api_base,
            filter,
            actor,
            &flows,
        ) {
            Ok(names) => flows.retain(|f| names.iter().any(|n| n == f.name())),
            Err(e) => {
                let text = format!(
                    "The flows filter (`get_flows`) failed, so {} saw every flow: {}",
                    actor.mention(),
                    e.message
                );
                crate::driver::problem(ctx, None, &text).await;
            }
        }
    }
    let choices: Vec<FlowChoice> = flows
        .iter()
        .map(|f| FlowChoice {
            name: f.name().to_string(),
            label: f.spec.display_label().to_string(),
        })
        .collect();
    let mut view = views::flow_picker_modal(&choices);
    view["private_metadata"] = Value::String(json!({ "channel": origin.channel_id }).to_string());
    match (view_id, trigger) {
        (Some(view_id), _) => ctx.slack.views_update(&view_id, &view).await,
        (None, Some(trigger)) => ctx.slack.views_open(&trigger, &view).await.map(drop),
        (None, None) => Err("no trigger to open the flow picker".into()),
    }
}

async fn reply(ctx: &Ctx, actor: &Actor, origin: &Origin, text: &str) -> Result<(), String> {
    if let (Some(channel), Some(user)) = (&origin.channel_id, &actor.slack_user_id) {
        if ctx.slack.ephemeral(channel, user, text).await.is_ok() {
            return Ok(());
        }
    }
    let channel = ctx.slack.actor_channel(actor).await?;
    ctx.slack.post(&channel, text, None).await.map(drop)
}
