//! The driver loop under Spin: feed an input to the run's engine, carry out every effect it
//! returns (Slack calls, flow calls, timers, audit), feed the answers back, until the engine
//! waits for the outside world again. The run is written back to the key-value store at each
//! `Persist` and at the end.
//!
//! Concurrent requests: a run is written only if nobody wrote it since it was read, and its
//! first write before any flow or Slack call is a claim (both in [`crate::state`]). A
//! conflict there stops the drive ([`DriveError::Conflict`]) so the caller
//! re-reads the run and feeds the input again; after that, what this request did (a grant, a
//! card) must not be forgotten, so it is written anyway and the conflict is reported in the
//! error channel. Timers are one key per tenant: this drive's changes are applied to the list
//! as it is stored at the end, not to the list it read at the start.
//!
//! Unlike the native server there is no outbox: a Spin request is the unit of work, and a
//! Slack call that fails is reported (error channel, component log) rather than retried later.

use std::collections::VecDeque;

use serde_json::json;
use symflow_engine::views::{self, ModalOptions};
use symflow_engine::{Effect, ErrorReport, Input, MessageRef, TellReason, Timer, Timestamp};

use crate::flow_call;
use crate::slack::notice_modal;
use crate::state::{RunRecord, SaveError};
use crate::Ctx;

/// Now, from WASI's wall clock.
pub fn now() -> Timestamp {
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or_default();
    Timestamp(ms)
}

/// Why a drive stopped.
#[derive(Debug)]
pub enum DriveError {
    /// Another request wrote the run first; nothing was done: re-read it and try again.
    Conflict,
    Failed(String),
}

impl From<String> for DriveError {
    fn from(e: String) -> Self {
        DriveError::Failed(e)
    }
}

enum TimerChange {
    Set(Timer),
    Cancel(String),
}

pub async fn drive(ctx: &Ctx, record: &mut RunRecord, input: Input) -> Result<(), DriveError> {
    let tenant = &ctx.tenant;
    let flow = tenant
        .flow(&record.flow)
        .ok_or_else(|| format!("flow {:?} is no longer configured", record.flow))?;
    let engine = flow.engine();
    let mut timer_changes = Vec::new();
    // Whether this request has called the flow or Slack (after which it cannot start over).
    let mut acted = false;
    let mut claimed = false;
    let mut written = serde_json::to_value(&*record).ok();
    let mut queue = VecDeque::from([input]);
    while let Some(input) = queue.pop_front() {
        for effect in engine.step(&mut record.run, input, now()) {
            if !matches!(
                effect,
                Effect::Persist
                    | Effect::SetTimer(_)
                    | Effect::CancelTimer { .. }
                    | Effect::Audit { .. }
            ) {
                acted = true;
            }
            match effect {
                Effect::Persist => {
                    if !claimed && !acted {
                        // The first write before acting: only one request may go on.
                        match ctx.store.claim_run(&tenant.name, record) {
                            Ok(()) => claimed = true,
                            Err(SaveError::Conflict { .. }) => return Err(DriveError::Conflict),
                            Err(SaveError::Failed(e)) => return Err(DriveError::Failed(e)),
                        }
                    } else {
                        save(ctx, flow.error_channel.as_deref(), record, acted).await?;
                    }
                    written = serde_json::to_value(&*record).ok();
                }
                Effect::CallFlow { call, event } => {
                    let result = flow_call::call(
                        tenant,
                        &ctx.store,
                        flow,
                        &ctx.slack_api_base,
                        &record.run,
                        call,
                        &event,
                    );
                    queue.push_back(Input::FlowReturned { call, result });
                }
                Effect::PostCard {
                    notification_index,
                    destination_index,
                    destination,
                } => {
                    let card = views::approval_card(&flow.spec, &record.run, None);
                    let posted = match ctx.slack.channel_of(&destination).await {
                        Ok(channel) => {
                            ctx.slack
                                .post(&channel, &card.text, Some(&card.blocks))
                                .await
                        }
                        Err(e) => Err(e),
                    };
                    queue.push_back(match posted {
                        Ok((channel, ts)) => Input::CardPosted {
                            notification_index,
                            destination_index,
                            message: MessageRef { channel, ts },
                        },
                        Err(error) => Input::CardFailed {
                            notification_index,
                            destination_index,
                            error,
                        },
                    });
                }
                Effect::UpdateCard { message } => {
                    let card = views::approval_card(&flow.spec, &record.run, Some(&message));
                    if let Err(e) = ctx
                        .slack
                        .update(&message.channel, &message.ts, &card.text, &card.blocks)
                        .await
                    {
                        problem(
                            ctx,
                            flow.error_channel.as_deref(),
                            &format!("Could not update the request card: {e}"),
                        )
                        .await;
                    }
                }
                Effect::ShowRequestModal { actor } => {
                    let (prefetched, failures) = flow_call::prefetch(
                        tenant,
                        &ctx.store,
                        flow,
                        &ctx.slack_api_base,
                        &record.run,
                        &actor,
                    );
                    for (field, error) in failures {
                        let text = format!(
                            "The `@prefetch` reducer of the `{field}` field of flow `{}` failed, so {} saw an empty list: {error}",
                            flow.name(),
                            actor.mention()
                        );
                        problem(ctx, flow.error_channel.as_deref(), &text).await;
                    }
                    let view = views::request_modal(
                        &flow.spec,
                        &ModalOptions {
                            run_id: Some(record.run.id.clone()),
                            channel: record.origin.channel_id.clone(),
                            prefetched,
                            initial: Default::default(),
                        },
                    );
                    let shown = match (&record.origin.view_id, record.origin.trigger_id.take()) {
                        (Some(view_id), _) => ctx.slack.views_update(view_id, &view).await,
                        (None, Some(trigger)) => ctx
                            .slack
                            .views_open(&trigger, &view)
                            .await
                            .map(|id| record.origin.view_id = Some(id)),
                        (None, None) => Err("no modal is open and no trigger can open one".into()),
                    };
                    if let Err(e) = shown {
                        eprintln!(
                            "run {}: could not show the request modal: {e}",
                            record.run.id
                        );
                    }
                }
                Effect::DirectMessage { to, text, .. } => {
                    let sent = match ctx.slack.actor_channel(&to).await {
                        Ok(channel) => ctx.slack.post(&channel, &text, None).await.map(drop),
                        Err(e) => Err(e),
                    };
                    if let Err(e) = sent {
                        problem(
                            ctx,
                            flow.error_channel.as_deref(),
                            &format!("Could not send {} a direct message: {e}", to.mention()),
                        )
                        .await;
                    }
                }
                Effect::TellActor { to, text, reason } => {
                    tell(ctx, record, flow.spec.display_label(), &to, &text, &reason).await;
                }
                Effect::ReportError(report) => {
                    report_error(ctx, flow.error_channel.as_deref(), &report).await
                }
                Effect::SetTimer(timer) => timer_changes.push(TimerChange::Set(timer)),
                Effect::CancelTimer { id } => timer_changes.push(TimerChange::Cancel(id)),
                Effect::Audit { event } => record.audit.push(event),
            }
        }
    }
    // Origin and audit change outside the engine's Persist: write what is left, if anything.
    if serde_json::to_value(&*record).ok() != written {
        save(ctx, flow.error_channel.as_deref(), record, acted).await?;
    }
    if !timer_changes.is_empty() {
        let mut timers = ctx.store.timers(&tenant.name)?;
        for change in timer_changes {
            match change {
                TimerChange::Set(timer) => {
                    timers.retain(|t| t.id != timer.id);
                    timers.push(timer);
                }
                TimerChange::Cancel(id) => timers.retain(|t| t.id != id),
            }
        }
        ctx.store.save_timers(&tenant.name, &timers)?;
    }
    Ok(())
}

/// Writes the run; see the module doc for what a conflict means before and after acting.
async fn save(
    ctx: &Ctx,
    error_channel: Option<&str>,
    record: &mut RunRecord,
    acted: bool,
) -> Result<(), DriveError> {
    match ctx.store.save_run(&ctx.tenant.name, record) {
        Ok(()) => Ok(()),
        Err(SaveError::Conflict { .. }) if !acted => Err(DriveError::Conflict),
        Err(conflict @ SaveError::Conflict { .. }) => {
            ctx.store.overwrite_run(&ctx.tenant.name, record)?;
            problem(
                ctx,
                error_channel,
                &format!(
                    "Run {}: {conflict}, after this request had already acted on it. This request's state was kept (so access it granted is still removed on time); check the run's card.",
                    record.run.id
                ),
            )
            .await;
            Ok(())
        }
        Err(SaveError::Failed(e)) => Err(DriveError::Failed(e)),
    }
}

/// Tells the person who acted: in the open modal, else ephemerally where they typed, else by DM.
async fn tell(
    ctx: &Ctx,
    record: &RunRecord,
    label: &str,
    to: &symflow_engine::Actor,
    text: &str,
    reason: &TellReason,
) {
    if let Some(view_id) = &record.origin.view_id {
        let heading = match reason {
            TellReason::Info => label.to_string(),
            TellReason::Ignored => "Not this time".to_string(),
            TellReason::Refused(_) => "Not allowed".to_string(),
            TellReason::FlowFailed => "Something went wrong".to_string(),
        };
        if ctx
            .slack
            .views_update(view_id, &notice_modal(&heading, text))
            .await
            .is_ok()
        {
            return;
        }
    }
    if let (Some(channel), Some(user)) = (&record.origin.channel_id, &to.slack_user_id) {
        if ctx.slack.ephemeral(channel, user, text).await.is_ok() {
            return;
        }
    }
    if let Ok(channel) = ctx.slack.actor_channel(to).await {
        if let Err(e) = ctx.slack.post(&channel, text, None).await {
            eprintln!("could not tell {}: {e} ({text})", to.mention());
        }
    }
}

async fn report_error(ctx: &Ctx, channel: Option<&str>, report: &ErrorReport) {
    let Some(channel) = channel.or_else(|| ctx.tenant.any_error_channel()) else {
        eprintln!(
            "flow {} run {}: {}",
            report.flow, report.run_id, report.text
        );
        return;
    };
    let mut blocks =
        vec![json!({ "type": "section", "text": { "type": "mrkdwn", "text": report.text } })];
    if let Some(tb) = report
        .traceback
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        let tail: String = {
            let chars: Vec<char> = tb.chars().collect();
            chars[chars.len().saturating_sub(2800)..].iter().collect()
        };
        blocks.push(json!({ "type": "section", "text": { "type": "mrkdwn", "text": format!("```{tail}```") } }));
    }
    if let Err(e) = ctx
        .slack
        .post(channel, &report.text, Some(&json!(blocks)))
        .await
    {
        eprintln!(
            "could not post to the error channel {channel} ({e}): {}",
            report.text
        );
    }
}

/// Something went wrong talking to Slack: said in the error channel, else in the log.
pub async fn problem(ctx: &Ctx, channel: Option<&str>, text: &str) {
    match channel.or_else(|| ctx.tenant.any_error_channel()) {
        Some(channel) => {
            let text = format!(":warning: {text}");
            if let Err(e) = ctx.slack.post(channel, &text, None).await {
                eprintln!("{text} (and the error channel is unreachable: {e})");
            }
        }
        None => eprintln!("{text}"),
    }
}
