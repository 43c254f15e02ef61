//! What a signed-in person may see and do with a run, by the flow's own rules (spec §4.3):
//! `webapp_view` decides who sees the run in the console (the requester always sees their own
//! requests; admins see everything), `approve_deny` who gets Approve / Deny, and the flow's
//! revoke rule who gets Revoke. The checks are the engine's ([`symflow_engine::permissions`]),
//! so the console never offers a button the engine would refuse; the engine checks again when
//! the click is processed.

use symflow_engine::permissions::{self, ApprovalRule};
use symflow_engine::{Action, Actor, FlowSpec, Role, Run, RunStatus};

/// The run's approval rule; before the flow fixed one, the default (admins only).
fn rule_of(run: &Run) -> ApprovalRule {
    run.approval_rule
        .clone()
        .unwrap_or_else(ApprovalRule::admin_default)
}

fn is_requester(run: &Run, actor: &Actor) -> bool {
    run.requester
        .as_ref()
        .is_some_and(|r| r.is_same_user(actor))
}

/// May `actor` see `run` in the console?
pub fn may_view(run: &Run, actor: &Actor) -> bool {
    actor.role == Role::Admin
        || is_requester(run, actor)
        || permissions::permits(&rule_of(run).webapp_view, actor)
}

/// The buttons `actor` gets on `run` of the flow `spec`.
pub fn allowed_actions(spec: &FlowSpec, run: &Run, actor: &Actor) -> Vec<Action> {
    let Some(requester) = run.requester.as_ref() else {
        return Vec::new();
    };
    let mut actions = Vec::new();
    if run.status == RunStatus::Pending {
        let rule = rule_of(run);
        let self_allowed = permissions::self_approval_allowed(
            &rule,
            &run.notifications,
            run.notification_index,
            None,
        );
        for (action, approving) in [(Action::Approve, true), (Action::Deny, false)] {
            if permissions::check_decision(spec, &rule, actor, requester, approving, self_allowed)
                .is_ok()
            {
                actions.push(action);
            }
        }
    }
    if run.status == RunStatus::Escalated
        && permissions::check_revoke(spec, actor, requester, run.approver()).is_ok()
    {
        actions.push(Action::Revoke);
    }
    actions
}
