//! Who may approve and deny (spec §4.3): both permission models, self-approval,
//! guests, admins, explicit user-id lists — each row drives a real run.

mod common;

use common::*;
use serde_json::json;
use symflow_engine::*;

#[derive(Clone)]
enum Model {
    /// `get_permissions` returning this `approve_deny` and `allow_self_approval`.
    Permissions(Permission, bool),
    /// Legacy `get_approvers`: one channel with this `allow_self`.
    Legacy(bool),
    /// Neither: admins only.
    Nothing,
}

fn run_with(model: &Model, allow_guests: bool, requester: Actor) -> Harness {
    let handlers: &[&str] = match model {
        Model::Permissions(..) => &["get_permissions", "get_request_notifications"],
        Model::Legacy(_) => &["get_approvers"],
        Model::Nothing => &["get_request_notifications"],
    };
    let mut spec = approval_spec(handlers);
    spec.allow_guest_interaction = allow_guests;
    let mut h = Harness::new(spec);
    match model {
        Model::Permissions(p, self_ok) => {
            h.answer(FlowCall::GetPermissions, Ok(perms(p.clone(), *self_ok)));
            h.notifications(vec![notification(vec![channel("#r")], None)]);
        }
        Model::Legacy(allow_self) => {
            let mut dest = channel("#r");
            dest.allow_self = *allow_self;
            h.answer(
                FlowCall::GetApprovers,
                Ok(FlowValue::Approvers(Approvers {
                    notifications: vec![notification(vec![dest], None)],
                    continue_on_delivery_failure: true,
                    continue_on_timeout: false,
                })),
            );
        }
        Model::Nothing => {
            h.notifications(vec![notification(vec![channel("#r")], None)]);
        }
    }
    h.request(requester, fields(&[("reason", json!("x"))]));
    assert_eq!(h.run.status, RunStatus::Pending);
    h
}

#[test]
fn approve_and_deny_permission_table() {
    let dave = actor("dave", Role::Member);
    let listed = Permission::UserIds(vec!["uid-bob".into()]);
    use Model::*;
    // (case, model, allow_guest_interaction, requester, clicker, action, expected refusal or None = accepted)
    type Row = (
        &'static str,
        Model,
        bool,
        Actor,
        Actor,
        Action,
        Option<&'static str>,
    );
    let rows: Vec<Row> = vec![
        (
            "member level, member approves",
            Permissions(Permission::Member, false),
            false,
            alice(),
            bob(),
            Action::Approve,
            None,
        ),
        (
            "member level, member denies",
            Permissions(Permission::Member, false),
            false,
            alice(),
            bob(),
            Action::Deny,
            None,
        ),
        (
            "admin level, member refused",
            Permissions(Permission::Admin, false),
            false,
            alice(),
            bob(),
            Action::Approve,
            Some("not_an_approver"),
        ),
        (
            "admin level, admin approves",
            Permissions(Permission::Admin, false),
            false,
            alice(),
            carol_admin(),
            Action::Approve,
            None,
        ),
        (
            "user list, listed user approves",
            Permissions(listed.clone(), false),
            false,
            alice(),
            bob(),
            Action::Approve,
            None,
        ),
        (
            "user list, unlisted member refused",
            Permissions(listed.clone(), false),
            false,
            alice(),
            dave.clone(),
            Action::Deny,
            Some("not_an_approver"),
        ),
        (
            "user list, admin always approves",
            Permissions(listed.clone(), false),
            false,
            alice(),
            carol_admin(),
            Action::Approve,
            None,
        ),
        (
            "all users, guest refused by default",
            Permissions(Permission::AllUsers, false),
            false,
            alice(),
            gus_guest(),
            Action::Approve,
            Some("guest_not_allowed"),
        ),
        (
            "all users, guest allowed by flow",
            Permissions(Permission::AllUsers, false),
            true,
            alice(),
            gus_guest(),
            Action::Approve,
            None,
        ),
        (
            "member level, allowed guest still not a member",
            Permissions(Permission::Member, false),
            true,
            alice(),
            gus_guest(),
            Action::Approve,
            Some("not_an_approver"),
        ),
        (
            "self-approval refused",
            Permissions(Permission::Member, false),
            false,
            alice(),
            alice(),
            Action::Approve,
            Some("self_approval"),
        ),
        (
            "self-approval allowed",
            Permissions(Permission::Member, true),
            false,
            alice(),
            alice(),
            Action::Approve,
            None,
        ),
        (
            "self-approval refused for admins too",
            Permissions(Permission::Admin, false),
            false,
            carol_admin(),
            carol_admin(),
            Action::Approve,
            Some("self_approval"),
        ),
        (
            "requester may deny own request",
            Permissions(Permission::Member, false),
            false,
            alice(),
            alice(),
            Action::Deny,
            None,
        ),
        (
            "legacy: anyone seeing the card approves",
            Legacy(false),
            false,
            alice(),
            dave.clone(),
            Action::Approve,
            None,
        ),
        (
            "legacy: allow_self false refuses self",
            Legacy(false),
            false,
            alice(),
            alice(),
            Action::Approve,
            Some("self_approval"),
        ),
        (
            "legacy: allow_self true allows self",
            Legacy(true),
            false,
            alice(),
            alice(),
            Action::Approve,
            None,
        ),
        (
            "legacy: guests still gated",
            Legacy(true),
            false,
            alice(),
            gus_guest(),
            Action::Approve,
            Some("guest_not_allowed"),
        ),
        (
            "nothing defined: member refused",
            Nothing,
            false,
            alice(),
            bob(),
            Action::Approve,
            Some("not_an_approver"),
        ),
        (
            "nothing defined: admin approves",
            Nothing,
            false,
            alice(),
            carol_admin(),
            Action::Approve,
            None,
        ),
    ];
    for (case, model, guests, requester, clicker, action, expected) in rows {
        let mut h = run_with(&model, guests, requester);
        let fx = h.click(action, clicker.clone());
        match expected {
            None => {
                let status = if action == Action::Approve {
                    RunStatus::Approved
                } else {
                    RunStatus::Denied
                };
                assert_eq!(h.run.status, status, "{case}: {:?}", summary(&fx));
                let event = if action == Action::Approve {
                    "approve"
                } else {
                    "deny"
                };
                assert_eq!(h.run.actors[event], clicker, "{case}");
            }
            Some(code) => {
                assert_eq!(summary(&fx), [format!("refused {code}")], "{case}");
                assert_eq!(h.run.status, RunStatus::Pending, "{case}");
                let (to, _) = &told(&fx)[0];
                assert_eq!(to, &clicker, "{case}: the clicker is the one told");
            }
        }
    }
}

#[test]
fn refusal_messages_say_why() {
    let rows: Vec<(Model, Actor, Actor, &str)> = vec![
        (
            Model::Permissions(Permission::Member, false),
            alice(),
            alice(),
            "can't approve your own request",
        ),
        (Model::Nothing, alice(), bob(), "only Sym admins can"),
        (
            Model::Permissions(Permission::Member, false),
            alice(),
            gus_guest(),
            "Guests can't approve",
        ),
        (
            Model::Permissions(Permission::UserIds(vec!["x".into()]), false),
            alice(),
            bob(),
            "only the approvers this flow names",
        ),
    ];
    for (model, requester, clicker, needle) in rows {
        let mut h = run_with(&model, false, requester);
        let fx = h.click(Action::Approve, clicker);
        let text = &told(&fx)[0].1;
        assert!(text.contains(needle), "{text:?} should contain {needle:?}");
        assert!(
            text.contains("Nothing changed") || text.contains("nothing changed"),
            "{text}"
        );
    }
}

#[test]
fn legacy_self_approval_follows_the_clicked_cards_destination() {
    // Two destinations in one notification: only the second allows self-approval.
    let mut h = Harness::new(approval_spec(&["get_approvers"]));
    let strict = channel("#strict");
    let mut lenient = channel("#lenient");
    lenient.allow_self = true;
    h.answer(
        FlowCall::GetApprovers,
        Ok(FlowValue::Approvers(Approvers {
            notifications: vec![notification(vec![strict, lenient], None)],
            continue_on_delivery_failure: true,
            continue_on_timeout: true,
        })),
    );
    h.request(alice(), fields(&[("reason", json!("x"))]));
    let card = |h: &Harness, d: usize| {
        let m = h
            .run
            .messages
            .iter()
            .find(|m| m.destination_index == d)
            .unwrap();
        Some(MessageRef {
            channel: m.channel.clone(),
            ts: m.ts.clone(),
        })
    };
    let click = |message| Input::Action {
        action: Action::Approve,
        actor: alice(),
        source: Source::Slack,
        decision_message: None,
        message,
    };
    let m0 = card(&h, 0);
    let fx = h.send(click(m0));
    assert_eq!(summary(&fx), ["refused self_approval"]);
    let m1 = card(&h, 1);
    h.send(click(m1));
    assert_eq!(h.run.status, RunStatus::Approved);
}

#[test]
fn permission_helpers() {
    use symflow_engine::permissions::{permits, validate_permission};
    let member = alice();
    let admin = carol_admin();
    let guest = gus_guest();
    assert!(permits(&Permission::AllUsers, &guest));
    assert!(!permits(&Permission::Member, &guest));
    assert!(permits(&Permission::Member, &member));
    assert!(!permits(&Permission::Admin, &member));
    assert!(permits(&Permission::Admin, &admin));
    assert!(permits(&Permission::UserIds(vec!["nobody".into()]), &admin));
    assert!(!permits(
        &Permission::UserIds(vec!["nobody".into()]),
        &member
    ));
    let bad = RequestPermission {
        webapp_view: Permission::UserIds(vec![]),
        approve_deny: Permission::Admin,
        allow_self_approval: false,
    };
    assert!(validate_permission(&bad)
        .unwrap_err()
        .contains("webapp_view"));
    let blank = RequestPermission {
        webapp_view: Permission::Admin,
        approve_deny: Permission::UserIds(vec![" ".into()]),
        allow_self_approval: false,
    };
    assert!(validate_permission(&blank).is_err());
}
