//! Every sentence symflow says to a person, in one place: refusals, DMs to the
//! requester, and error-channel reports. Written for someone busy: what happened,
//! why, and what (if anything) to do next — in that order, in Slack mrkdwn.

use crate::duration::humanize_duration;
use crate::effects::{DmKind, ErrorReport, Refusal};
use crate::flow::{Destination, FlowCall, FlowError, Permission, Step};
use crate::notifications;
use crate::run::{EventCtx, Run, RunStatus};
use crate::spec::{FlowSpec, Source};
use crate::time::Timestamp;

fn flow_name(spec: &FlowSpec) -> String {
    format!("*{}*", spec.display_label())
}

/// What the access is to: the chosen target's label, else the flow's label.
pub fn access_name(spec: &FlowSpec, run: &Run) -> String {
    run.target_id
        .as_deref()
        .and_then(|id| spec.target(id))
        .map(|t| t.display_label().to_string())
        .unwrap_or_else(|| spec.display_label().to_string())
}

fn decision_suffix(run: &Run) -> String {
    match &run.decision_message {
        Some(m) if !m.is_empty() => format!("\n> {}", m.replace('\n', "\n> ")),
        _ => String::new(),
    }
}

fn mention_of(run: &Run, event: &str) -> String {
    run.actors
        .get(event)
        .map(|a| a.mention())
        .unwrap_or_else(|| "someone".to_string())
}

/// A Slack date that shows in the reader's time zone, with a UTC fallback.
pub fn slack_date(at: Timestamp) -> String {
    format!(
        "<!date^{}^{{date_short_pretty}} at {{time}}|{}>",
        at.as_secs(),
        at.to_human()
    )
}

/// Past tense of a status, for "this request was already ...".
pub fn status_phrase(run: &Run) -> String {
    let by = |event: &str| format!(" by {}", mention_of(run, event));
    match run.status {
        RunStatus::New | RunStatus::Prompting => "not submitted yet".to_string(),
        RunStatus::Pending => "waiting for approval".to_string(),
        RunStatus::Approved => format!("approved{}", by("approve")),
        RunStatus::Denied => format!("denied{}", by("deny")),
        RunStatus::Escalated => format!("approved{} and access is active", by("approve")),
        RunStatus::Deescalated => "finished: access was removed".to_string(),
        RunStatus::Expired => "expired: nobody answered in time".to_string(),
        RunStatus::Ignored => "cancelled".to_string(),
        RunStatus::Errored => "stopped by an error in the flow".to_string(),
    }
}

/// The text for a refused action.
pub fn refusal(spec: &FlowSpec, run: &Run, refusal: &Refusal) -> String {
    let flow = flow_name(spec);
    match refusal {
        Refusal::SourceNotAllowed { source } => match &spec.allowed_sources {
            Some(list) if list.is_empty() => format!(
                "{flow} is switched off: its `allowed_sources` is empty, so it can't be requested from anywhere."
            ),
            _ => format!(
                "{flow} can't be requested from {}: the flow's `allowed_sources` doesn't include `{}`.",
                match source {
                    Source::Slack => "Slack",
                    Source::Api => "the API",
                },
                source.as_str()
            ),
        },
        Refusal::GuestCannotRequest => {
            "Guests can't start requests. Ask a member of the workspace to request access for you.".to_string()
        }
        Refusal::GuestNotAllowed => {
            format!("Guests can't approve, deny or revoke requests in {flow}, so nothing changed.")
        }
        Refusal::NotAnApprover => {
            let who = match run.approval_rule.as_ref().map(|r| &r.approve_deny) {
                Some(Permission::Member) => "workspace members",
                Some(Permission::UserIds(_)) => "the approvers this flow names",
                Some(Permission::AllUsers) => "its approvers",
                _ => "Sym admins",
            };
            format!("You can't approve or deny {flow} requests: only {who} can. Nothing changed.")
        }
        Refusal::SelfApproval => {
            "You can't approve your own request: someone else has to. Nothing changed.".to_string()
        }
        Refusal::RevokeDisabled => format!(
            "Revoking early is turned off for {flow} (`allow_revoke = false`); access ends by itself when its time runs out."
        ),
        Refusal::NotARevoker => {
            "Only the requester, the approver or an admin can revoke this access. Nothing changed.".to_string()
        }
        Refusal::NotActionable { .. } => format!("This request was already {}, so nothing changed.", status_phrase(run)),
        Refusal::InvalidFields { errors } => {
            let mut text = format!("Your request for {flow} wasn't sent:");
            for e in errors {
                text.push_str(&format!("\n• {}", e.message));
            }
            text
        }
        Refusal::AlreadyStarted => "This request was already submitted; nothing changed.".to_string(),
    }
}

/// A DM to the requester.
pub fn dm(spec: &FlowSpec, run: &Run, kind: DmKind) -> String {
    let flow = flow_name(spec);
    let access = access_name(spec, run);
    let auto = run
        .history
        .iter()
        .any(|s| s.event == Step::Approve && s.channel == crate::flow::ChannelType::Sdk);
    let approved_by = if auto {
        "approved automatically by the flow".to_string()
    } else {
        format!("approved by {}", mention_of(run, "approve"))
    };
    match kind {
        DmKind::Approved => format!("✅ Your request for {flow} was {approved_by}.{}", decision_suffix(run)),
        DmKind::AccessGranted => {
            let until = match (run.expires_at, run.duration_secs) {
                (Some(at), Some(secs)) => {
                    format!("until {} ({})", slack_date(at), humanize_duration(secs))
                }
                _ => "until it is revoked".to_string(),
            };
            format!("✅ Your request for {flow} was {approved_by}. You have access to *{access}* {until}.{}", decision_suffix(run))
        }
        DmKind::Denied => {
            let by = if run.history.iter().any(|s| s.event == Step::Deny && s.channel == crate::flow::ChannelType::Sdk) {
                "denied automatically by the flow".to_string()
            } else {
                format!("denied by {}", mention_of(run, "deny"))
            };
            format!("❌ Your request for {flow} was {by}.{}", decision_suffix(run))
        }
        DmKind::RequestExpired => format!(
            "⌛ Your request for {flow} expired: nobody approved or denied it in time. Submit it again if you still need access."
        ),
        DmKind::AccessExpired => {
            let dur = run.duration_secs.map(|s| format!(" after {}", humanize_duration(s))).unwrap_or_default();
            format!("🔒 Your access to *{access}* ({flow}) has ended{dur}, as requested. Request it again if you need more time.")
        }
        DmKind::Revoked => {
            let by = match (run.actors.get("deescalate"), &run.requester) {
                (Some(a), Some(r)) if a.is_same_user(r) => "You revoked".to_string(),
                (Some(a), _) => format!("{} revoked", a.mention()),
                _ => "Someone revoked".to_string(),
            };
            format!("🔒 {by} your access to *{access}* ({flow}). It has been removed.")
        }
        DmKind::Failed => {
            if run.actors.contains_key("approve") {
                format!(
                    "⚠️ Your request for {flow} was approved, but granting access failed, so you don't have access. \
                     The admins have been told; try again later or ask them."
                )
            } else {
                format!(
                    "⚠️ Your request for {flow} couldn't be completed because the flow hit an error. \
                     The admins have been told; try again later or ask them."
                )
            }
        }
    }
}

/// Told to the requester once the request cards are on their way.
pub fn request_sent(spec: &FlowSpec, run: &Run) -> String {
    let to = notifications::describe(run, 0);
    format!(
        "📨 Your request for {} was sent to {to}. You'll get a DM when someone approves or denies it.",
        flow_name(spec)
    )
}

/// Told to the acting user when a hook ignored their action.
pub fn ignored(spec: &FlowSpec, step: Step, message: Option<&str>) -> String {
    match message {
        Some(m) if !m.trim().is_empty() => m.to_string(),
        _ => match step {
            Step::Prompt | Step::Request => format!(
                "Your request for {} wasn't sent: the flow declined it.",
                flow_name(spec)
            ),
            Step::Approve => format!(
                "Nothing changed: {} declined this approval.",
                flow_name(spec)
            ),
            Step::Deny => format!("Nothing changed: {} declined this denial.", flow_name(spec)),
            Step::Deescalate => format!(
                "Nothing changed: {} declined this revoke; access is still active.",
                flow_name(spec)
            ),
            other => format!(
                "Nothing changed: {} declined this `{other}`.",
                flow_name(spec)
            ),
        },
    }
}

/// Told to the requester when their request failed.
pub fn failed_to_actor(spec: &FlowSpec, run: &Run, step: Step) -> String {
    match step {
        Step::Prompt | Step::Request => format!(
            "⚠️ Your request for {} couldn't be processed: the flow hit an error. The admins have been told (run `{}`).",
            flow_name(spec),
            run.id
        ),
        _ => format!(
            "⚠️ That didn't work: {} hit an error and the request was stopped. The admins have been told (run `{}`).",
            flow_name(spec),
            run.id
        ),
    }
}

/// Told to the clicker when `on_approve` / `on_deny` failed.
pub fn click_failed_to_actor(spec: &FlowSpec, step: Step, call: &FlowCall) -> String {
    let verb = if step == Step::Approve {
        "approval"
    } else {
        "denial"
    };
    format!(
        "⚠️ Your {verb} didn't go through: {}'s `{}` hook hit an error. The request is still pending and the admins have been told.",
        flow_name(spec),
        call.handler_name()
    )
}

pub fn revoke_failed_to_actor(spec: &FlowSpec) -> String {
    format!(
        "⚠️ Revoking didn't work: removing access for {} hit an error, so access may still be active. \
         The admins have been told; try Revoke again in a minute.",
        flow_name(spec)
    )
}

pub fn invalid_transition(from: Step, to: Step) -> String {
    format!(
        "on_{from} returned ApprovalTemplate.{to}(), but a run can't go from `{from}` to `{to}` \
         (transitions only move forward; allowed from on_{from}: {})",
        allowed_from(from)
    )
}

fn allowed_from(from: Step) -> &'static str {
    match from {
        Step::Prompt => "None, prompt(), ignore()",
        Step::Request => "None, request(), approve(), deny(), ignore()",
        Step::RequestForward => "None, approve(), deny()",
        Step::Approve => "None, approve(), deny(), ignore()",
        Step::Deny => "None, deny(), ignore()",
        Step::Deescalate => "None, deescalate(), and ignore() for a revoke",
        _ => "None",
    }
}

// ------------------------------------------------------------ error reports

pub fn failed_consequence(step: Step) -> String {
    match step {
        Step::Escalate => "The request was approved but access was *not granted*; the run is stopped (errored) and the requester was told. \
                           If the strategy did part of its work, check the target by hand."
            .to_string(),
        _ => "The run is stopped (errored); no access was granted and the requester was told.".to_string(),
    }
}

pub fn click_failed_consequence(step: Step) -> String {
    format!(
        "The {} click was refused; the request is still pending and can be acted on again.",
        step.as_str()
    )
}

pub fn carried_on_consequence(step: Step) -> String {
    match step {
        Step::Deescalate => "Access is being removed anyway.".to_string(),
        Step::RequestForward => "The request is being forwarded anyway.".to_string(),
        Step::RequestExpire => "The request expires anyway.".to_string(),
        _ => "The run carried on.".to_string(),
    }
}

pub fn after_hook_consequence(run: &Run) -> String {
    format!(
        "The run carried on (it is {}); only the hook's own work is missing.",
        run.status.as_str()
    )
}

pub fn revoke_failed_consequence() -> String {
    "*Access may still be active.* The run stays escalated; the person who pressed Revoke was asked to try again. \
     Remove the access by hand if it keeps failing."
        .to_string()
}

pub fn deescalate_retry_consequence(attempt: u32, next: Timestamp) -> String {
    format!(
        "*Access is still active.* Retrying automatically at {} (attempt {} of {}).",
        slack_date(next),
        attempt + 1,
        crate::machine::MAX_DEESCALATE_ATTEMPTS
    )
}

pub fn deescalate_gave_up_consequence(attempts: u32) -> String {
    format!(
        "*Access is probably still active.* Removing it failed {attempts} times, so symflow stopped trying \
         (run errored). Remove the access by hand."
    )
}

pub fn delivery_consequence(run: &Run, index: usize, all_failed: bool, moves_on: bool) -> String {
    if !all_failed {
        return "Other destinations of this notification received it.".to_string();
    }
    if !moves_on {
        return "No destination of this notification received the request, and this flow does not move on after delivery failures.".to_string();
    }
    if notifications::has_next(run, index) {
        format!(
            "No destination received it; forwarding to the backup: {}.",
            notifications::describe(run, index + 1)
        )
    } else {
        "No destination received it and there is no backup, so the request expires; the requester will be told.".to_string()
    }
}

/// A card could not be posted.
pub fn delivery_report(
    spec: &FlowSpec,
    run: &Run,
    dest: &Destination,
    error: &str,
    consequence: &str,
) -> ErrorReport {
    let what = format!("posting the request card to {}", dest.describe());
    let text = format!(
        ":warning: *Flow `{}`: couldn't post a request card* — run `{}`\n*Destination:* {}\n*Slack said:* `{}`\n*Run now:* {}\n\
         _Check that the channel exists and the symflow app is in it._",
        spec.name,
        run.id,
        dest.describe(),
        error,
        consequence
    );
    ErrorReport {
        flow: spec.name.clone(),
        run_id: run.id.clone(),
        what,
        headline: error.to_string(),
        text,
        traceback: None,
    }
}

/// A flow call failed.
pub fn error_report(
    spec: &FlowSpec,
    run: &Run,
    ctx: &EventCtx,
    call: Option<&FlowCall>,
    error: &FlowError,
    consequence: &str,
) -> ErrorReport {
    let what = match call {
        Some(c) => c.describe(),
        None => "the flow's configuration".to_string(),
    };
    let by = match ctx.channel {
        crate::flow::ChannelType::Internal => String::new(),
        _ => format!(" from {}", ctx.actor.mention()),
    };
    let headline = error.headline();
    let mut text = format!(
        ":rotating_light: *Flow `{}` failed* — run `{}`\n*What failed:* {what}, while handling `{}`{by}\n*Error:* `{}`",
        spec.name,
        run.id,
        ctx.step.as_str(),
        headline.replace('`', "'")
    );
    if let Some(hint) = error.hint.as_deref().filter(|h| !h.is_empty()) {
        text.push_str(&format!("\n*Hint:* {hint}"));
    }
    if let Some(requester) = &run.requester {
        let mut line = format!(
            "\n*Request:* {} → *{}*",
            requester.mention(),
            access_name(spec, run)
        );
        if let Some(approver) = run.approver() {
            line.push_str(&format!(", approved by {}", approver.mention()));
        }
        text.push_str(&line);
    }
    text.push_str(&format!("\n*Run now:* {consequence}"));
    let traceback = Some(error.traceback.clone()).filter(|t| !t.trim().is_empty());
    if traceback.is_some() {
        text.push_str("\n_Python traceback attached._");
    }
    ErrorReport {
        flow: spec.name.clone(),
        run_id: run.id.clone(),
        what,
        headline,
        text,
        traceback,
    }
}
