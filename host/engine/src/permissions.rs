//! Who may approve, deny and revoke (spec §4.3, §8).
//!
//! Two models exist. The current one: `get_permissions` returns a
//! `RequestPermission` (levels `admin` ⊃ `member` ⊃ `all_users`, or a list of user
//! ids, plus `allow_self_approval`). The legacy one: only `get_approvers`, whose
//! destinations carry `allow_self`, and anyone who sees the card may act. With
//! neither, only admins may act. Admins may always approve or deny; nobody approves
//! their own request unless the flow allows it; guests may not click unless the flow
//! sets `allow_guest_interaction`.

use serde::{Deserialize, Serialize};

use crate::effects::Refusal;
use crate::flow::{Notification, Permission, RequestPermission};
use crate::spec::{Actor, FlowSpec, Role};

/// Where the run's approval rule came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleOrigin {
    /// `get_permissions`.
    GetPermissions,
    /// Legacy `get_approvers`: anyone who sees the card, `allow_self` per destination.
    LegacyApprovers,
    /// Neither reducer: admins only.
    AdminDefault,
}

/// Whether the requester may approve their own request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SelfApproval {
    Allowed,
    Refused,
    /// Legacy: the `allow_self` of the destination the card was posted to.
    PerDestination,
}

/// The run's approval rule, fixed when the request is processed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovalRule {
    pub origin: RuleOrigin,
    pub webapp_view: Permission,
    pub approve_deny: Permission,
    pub self_approval: SelfApproval,
}

impl ApprovalRule {
    /// Admins only, no self-approval: what a flow gets when it says nothing.
    pub fn admin_default() -> Self {
        ApprovalRule {
            origin: RuleOrigin::AdminDefault,
            webapp_view: Permission::Admin,
            approve_deny: Permission::Admin,
            self_approval: SelfApproval::Refused,
        }
    }

    pub fn from_permissions(p: &RequestPermission) -> Self {
        ApprovalRule {
            origin: RuleOrigin::GetPermissions,
            webapp_view: p.webapp_view.clone(),
            approve_deny: p.approve_deny.clone(),
            self_approval: if p.allow_self_approval {
                SelfApproval::Allowed
            } else {
                SelfApproval::Refused
            },
        }
    }

    /// Legacy `get_approvers`: whoever can see the card.
    pub fn legacy() -> Self {
        ApprovalRule {
            origin: RuleOrigin::LegacyApprovers,
            webapp_view: Permission::AllUsers,
            approve_deny: Permission::AllUsers,
            self_approval: SelfApproval::PerDestination,
        }
    }
}

/// Check a `RequestPermission` returned by `get_permissions`: an empty user-id list
/// is an error in Sym (it would lock everyone but admins out silently).
pub fn validate_permission(p: &RequestPermission) -> Result<(), String> {
    for (name, perm) in [
        ("webapp_view", &p.webapp_view),
        ("approve_deny", &p.approve_deny),
    ] {
        if let Permission::UserIds(ids) = perm {
            if ids.is_empty() || ids.iter().any(|id| id.trim().is_empty()) {
                return Err(format!(
                    "get_permissions returned an empty or blank user id list for `{name}`; \
                     use a PermissionLevel or at least one user id"
                ));
            }
        }
    }
    Ok(())
}

/// Whether `actor` holds `permission`. Admins hold every permission.
pub fn permits(permission: &Permission, actor: &Actor) -> bool {
    if actor.role == Role::Admin {
        return true;
    }
    match permission {
        Permission::Admin => false,
        Permission::Member => actor.role == Role::Member,
        Permission::AllUsers => true,
        Permission::UserIds(ids) => ids.iter().any(|id| id == &actor.user_id),
    }
}

/// Whether the requester may approve their own request under `rule`.
/// `clicked` is the (notification, destination) of the card that was clicked, when known.
pub fn self_approval_allowed(
    rule: &ApprovalRule,
    notifications: &[Notification],
    current_notification: usize,
    clicked: Option<(usize, usize)>,
) -> bool {
    match rule.self_approval {
        SelfApproval::Allowed => true,
        SelfApproval::Refused => false,
        SelfApproval::PerDestination => match clicked {
            Some((n, d)) => notifications
                .get(n)
                .and_then(|n| n.destinations.get(d))
                .map(|d| d.allow_self)
                .unwrap_or(false),
            None => notifications
                .get(current_notification)
                .map(|n| n.destinations.iter().any(|d| d.allow_self))
                .unwrap_or(false),
        },
    }
}

/// Guests act only where the flow allows it.
pub fn check_guest(spec: &FlowSpec, actor: &Actor) -> Result<(), Refusal> {
    if actor.role == Role::Guest && !spec.allow_guest_interaction {
        Err(Refusal::GuestNotAllowed)
    } else {
        Ok(())
    }
}

/// May `actor` approve (`approving`) or deny a request made by `requester`?
pub fn check_decision(
    spec: &FlowSpec,
    rule: &ApprovalRule,
    actor: &Actor,
    requester: &Actor,
    approving: bool,
    self_allowed: bool,
) -> Result<(), Refusal> {
    check_guest(spec, actor)?;
    if !permits(&rule.approve_deny, actor) {
        return Err(Refusal::NotAnApprover);
    }
    // Self-approval is refused for admins too: being an admin is not a second pair of eyes.
    if approving && actor.is_same_user(requester) && !self_allowed {
        return Err(Refusal::SelfApproval);
    }
    Ok(())
}

/// May `actor` revoke access early? The requester, the approver, or an admin, when
/// the flow has `allow_revoke`.
pub fn check_revoke(
    spec: &FlowSpec,
    actor: &Actor,
    requester: &Actor,
    approver: Option<&Actor>,
) -> Result<(), Refusal> {
    if !spec.allow_revoke {
        return Err(Refusal::RevokeDisabled);
    }
    check_guest(spec, actor)?;
    let is_approver = approver.is_some_and(|a| a.is_same_user(actor));
    if actor.role == Role::Admin || actor.is_same_user(requester) || is_approver {
        Ok(())
    } else {
        Err(Refusal::NotARevoker)
    }
}
