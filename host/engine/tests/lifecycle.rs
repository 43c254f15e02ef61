//! The run lifecycle end to end through the engine: every path of spec §4, asserted
//! on the exact effects and on the run state.

mod common;

use common::*;
use serde_json::json;
use symflow_engine::*;

fn basic(h: &mut Harness) {
    h.answer(
        FlowCall::GetPermissions,
        Ok(perms(Permission::Member, false)),
    );
    h.notifications(vec![notification(vec![channel("#sym-requests")], None)]);
}

#[test]
fn approval_only_request_then_approve() {
    let mut h = Harness::new(approval_spec(&[
        "get_permissions",
        "get_request_notifications",
        "after_approve",
    ]));
    basic(&mut h);

    let fx = h.request_reason(alice());
    assert_eq!(
        summary(&fx),
        [
            "persist",
            "call get_permissions",
            "persist",
            "call get_request_notifications",
            "persist",
            "post 0.0",
            "tell info",
            "audit request",
            "persist"
        ]
    );
    assert_eq!(
        told(&fx),
        [(
            alice(),
            "📨 Your request for *Approval* was sent to #sym-requests. You'll get a DM when someone approves or denies it."
                .to_string()
        )]
    );
    assert_eq!(h.run.status, RunStatus::Pending);
    assert_eq!(h.run.fields["reason"], json!("prod incident"));
    assert_eq!(h.run.messages.len(), 1);
    assert_eq!(
        h.run.approval_rule.as_ref().unwrap().origin,
        RuleOrigin::GetPermissions
    );

    let fx = h.click_with(Action::Approve, bob(), Some("  looks fine  "));
    assert_eq!(
        summary(&fx),
        [
            "persist",
            "audit approve",
            "update 0.0",
            "dm approved",
            "call after_approve",
            "persist"
        ]
    );
    assert_eq!(h.run.status, RunStatus::Approved);
    assert!(h.run.is_finished());
    assert_eq!(h.run.decision_message.as_deref(), Some("looks fine"));
    assert_eq!(h.run.actors["approve"], bob());
    let (_, text) = &dms(&fx)[0];
    assert!(
        text.contains("approved by <@UBOB>") && text.contains("> looks fine"),
        "{text}"
    );
    // after_approve saw the decision message in its event.
    assert_eq!(
        h.events.last().unwrap().fields["decision_message"],
        json!("looks fine")
    );
    assert_eq!(
        h.calls,
        [
            FlowCall::GetPermissions,
            FlowCall::GetRequestNotifications,
            FlowCall::After(Step::Approve)
        ]
    );
}

#[test]
fn strategy_flow_escalates_then_deescalates_on_schedule_once() {
    let mut h = Harness::new(strategy_spec(&[
        "get_permissions",
        "get_request_notifications",
    ]));
    basic(&mut h);
    h.request(
        alice(),
        fields(&[("reason", json!("debug")), ("duration", json!("10m"))]),
    );
    assert_eq!(h.run.status, RunStatus::Pending);
    assert_eq!(h.run.duration_secs, Some(600));
    assert_eq!(
        h.run.target_id.as_deref(),
        Some("t1"),
        "single target chosen automatically"
    );
    assert_eq!(
        h.run.fields["target"]["settings"]["group_id"],
        json!("00g-t1")
    );

    let fx = h.click(Action::Approve, bob());
    assert_eq!(
        summary(&fx),
        [
            "persist",
            "audit approve",
            "update 0.0",
            "call escalate",
            "persist",
            "timer deescalate",
            "audit escalate",
            "update 0.0",
            "dm access_granted",
        ]
    );
    assert_eq!(h.run.status, RunStatus::Escalated);
    assert_eq!(h.run.step_outputs["escalate"], json!({ "granted": true }));
    assert_eq!(h.run.expires_at, Some(h.now.plus_secs(600)));
    assert_eq!(timers(&fx)["run-1/deescalate"], h.now.plus_secs(600));
    let escalate = h.events.last().unwrap();
    assert_eq!(
        (escalate.name, escalate.channel),
        (Step::Escalate, ChannelType::Internal)
    );
    assert_eq!(escalate.actor, bob(), "escalate actor is the approver");
    assert_eq!(escalate.target_id.as_deref(), Some("t1"));
    assert!(dms(&fx)[0].1.contains("until <!date^"), "{}", dms(&fx)[0].1);

    h.advance(600);
    let fx = h.fire(TimerKind::Deescalate);
    assert_eq!(
        summary(&fx),
        [
            "persist",
            "call deescalate",
            "persist",
            "cancel deescalate",
            "audit deescalate",
            "update 0.0",
            "dm access_expired",
        ]
    );
    assert_eq!(h.run.status, RunStatus::Deescalated);
    assert_eq!(h.run.deescalate_type, Some(DeescalateType::Scheduled));
    let de = h.events.last().unwrap();
    assert_eq!(de.fields["deescalate_type"], json!("scheduled"));
    assert_eq!(de.actor, bob());

    // A timer delivered twice (e.g. after a restart) does nothing the second time.
    assert!(h.fire(TimerKind::Deescalate).is_empty());
    assert_eq!(
        h.calls
            .iter()
            .filter(|c| **c == FlowCall::Deescalate)
            .count(),
        1
    );
}

#[test]
fn strategy_without_scheduled_deescalation_sets_no_timer() {
    let mut spec = strategy_spec(&["get_permissions", "get_request_notifications"]);
    spec.schedule_deescalation = false;
    assert!(spec
        .effective_prompt_fields()
        .iter()
        .all(|f| f.name != "duration"));
    let mut h = Harness::new(spec);
    basic(&mut h);
    h.request_reason(alice());
    let fx = h.click(Action::Approve, bob());
    assert!(timers(&fx).is_empty());
    assert_eq!(h.run.status, RunStatus::Escalated);
    assert!(dms(&fx)[0].1.contains("until it is revoked"));
}

#[test]
fn deny_is_final_and_a_late_approve_is_refused() {
    let mut h = Harness::new(approval_spec(&[
        "get_permissions",
        "get_request_notifications",
    ]));
    basic(&mut h);
    h.request_reason(alice());
    let fx = h.click_with(Action::Deny, bob(), Some("not during the freeze"));
    assert_eq!(
        summary(&fx),
        ["persist", "audit deny", "update 0.0", "dm denied"]
    );
    assert_eq!(h.run.status, RunStatus::Denied);
    assert!(
        dms(&fx)[0].1.contains("denied by <@UBOB>")
            && dms(&fx)[0].1.contains("not during the freeze")
    );

    let fx = h.click(Action::Approve, carol_admin());
    assert_eq!(summary(&fx), ["refused not_actionable"]);
    assert_eq!(h.run.status, RunStatus::Denied);
    assert!(
        told(&fx)[0].1.contains("already denied by <@UBOB>"),
        "{}",
        told(&fx)[0].1
    );
    // A second deny is just as late.
    assert_eq!(
        visible(&h.click(Action::Deny, bob())),
        ["refused not_actionable"]
    );
}

#[test]
fn auto_approval_from_on_request_skips_the_card() {
    for has_strategy in [false, true] {
        let handlers = ["on_request", "get_permissions", "get_request_notifications"];
        let spec = if has_strategy {
            strategy_spec(&handlers)
        } else {
            approval_spec(&handlers)
        };
        let mut h = Harness::new(spec);
        let mut t = Transition::to(Step::Approve);
        t.kwargs
            .insert("reason".into(), json!("on call in PagerDuty"));
        h.answer(
            FlowCall::On(Step::Request),
            Ok(FlowValue::Transition(Some(t))),
        );
        let fx = h.request(
            alice(),
            fields(&[("reason", json!("x")), ("duration", json!("1h"))]),
        );
        assert!(
            !h.calls.contains(&FlowCall::GetPermissions),
            "request processing is skipped"
        );
        assert!(summary(&fx).iter().all(|s| !s.starts_with("post")));
        let approve = h
            .run
            .history
            .iter()
            .find(|s| s.event == Step::Approve)
            .unwrap();
        assert_eq!(approve.channel, ChannelType::Sdk);
        assert_eq!(
            h.run.decision_message.as_deref(),
            Some("on call in PagerDuty")
        );
        if has_strategy {
            assert_eq!(h.run.status, RunStatus::Escalated);
            assert_eq!(
                visible(&fx),
                [
                    "call on_request",
                    "call escalate",
                    "timer deescalate",
                    "dm access_granted"
                ]
            );
        } else {
            assert_eq!(h.run.status, RunStatus::Approved);
            assert_eq!(visible(&fx), ["call on_request", "dm approved"]);
        }
        assert!(
            dms(&fx)[0].1.contains("approved automatically"),
            "{}",
            dms(&fx)[0].1
        );
        assert_eq!(
            audits(&fx)[0],
            "audit approve",
            "the skipped request is not audited as processed"
        );
    }
}

#[test]
fn hook_redirect_overrides_duration_and_target() {
    let mut spec = strategy_spec(&["on_request"]);
    spec.targets.push(target("t2"));
    let mut h = Harness::new(spec);
    let mut t = Transition::to(Step::Approve);
    t.duration = Some(30);
    t.target_srn = Some("acme:access_target:okta_group:t2:latest".into());
    h.answer(
        FlowCall::On(Step::Request),
        Ok(FlowValue::Transition(Some(t))),
    );
    h.request(
        alice(),
        fields(&[
            ("reason", json!("x")),
            ("duration", json!("1h")),
            ("target_id", json!("t1")),
        ]),
    );
    assert_eq!(h.run.status, RunStatus::Escalated);
    assert_eq!(h.run.duration_secs, Some(30));
    assert_eq!(h.run.target_id.as_deref(), Some("t2"));
    assert_eq!(h.events.last().unwrap().target_id.as_deref(), Some("t2"));
    assert_eq!(h.run.expires_at, Some(h.now.plus_secs(30)));
}

#[test]
fn ignore_from_on_request_ends_the_run_and_tells_the_requester() {
    let mut h = Harness::new(approval_spec(&[
        "on_request",
        "get_permissions",
        "get_request_notifications",
    ]));
    h.answer(
        FlowCall::On(Step::Request),
        Ok(FlowValue::Transition(Some(Transition::ignore(
            "Use #prod-access instead.",
        )))),
    );
    let fx = h.request_reason(alice());
    assert_eq!(
        summary(&fx),
        [
            "persist",
            "call on_request",
            "persist",
            "audit ignore",
            "tell ignored"
        ]
    );
    assert_eq!(h.run.status, RunStatus::Ignored);
    assert_eq!(
        told(&fx),
        [(alice(), "Use #prod-access instead.".to_string())]
    );
    assert_eq!(
        h.run.ignore_message.as_deref(),
        Some("Use #prod-access instead.")
    );
}

#[test]
fn ignore_from_on_approve_swallows_the_click_only() {
    let mut h = Harness::new(approval_spec(&[
        "on_approve",
        "get_permissions",
        "get_request_notifications",
    ]));
    basic(&mut h);
    h.request_reason(alice());
    h.answer(
        FlowCall::On(Step::Approve),
        Ok(FlowValue::Transition(Some(Transition::ignore(
            "Only on-call can approve.",
        )))),
    );
    let fx = h.click(Action::Approve, bob());
    assert_eq!(visible(&fx), ["call on_approve", "tell ignored"]);
    assert_eq!(
        told(&fx),
        [(bob(), "Only on-call can approve.".to_string())]
    );
    assert_eq!(h.run.status, RunStatus::Pending, "still actionable");
    // Without a message the clicker still learns why nothing happened.
    h.script.clear();
    basic(&mut h);
    h.answer(
        FlowCall::On(Step::Approve),
        Ok(FlowValue::Transition(Some(Transition::to(Step::Ignore)))),
    );
    let fx = h.click(Action::Approve, bob());
    assert!(
        told(&fx)[0].1.contains("declined this approval"),
        "{}",
        told(&fx)[0].1
    );
}

#[test]
fn recursion_gate_runs_a_hook_once_when_it_returns_its_own_event() {
    let mut h = Harness::new(approval_spec(&[
        "on_request",
        "on_approve",
        "get_permissions",
        "get_request_notifications",
    ]));
    basic(&mut h);
    let mut again = Transition::to(Step::Request);
    again.kwargs.insert("tag".into(), json!("gated"));
    h.answer(
        FlowCall::On(Step::Request),
        Ok(FlowValue::Transition(Some(again))),
    );
    h.answer(
        FlowCall::On(Step::Approve),
        Ok(FlowValue::Transition(Some(Transition::to(Step::Approve)))),
    );
    h.request_reason(alice());
    assert_eq!(h.run.status, RunStatus::Pending);
    h.click(Action::Approve, bob());
    assert_eq!(h.run.status, RunStatus::Approved);
    assert_eq!(
        h.calls,
        [
            FlowCall::On(Step::Request),
            FlowCall::GetPermissions,
            FlowCall::GetRequestNotifications,
            FlowCall::On(Step::Approve)
        ]
    );
    // The kwargs of the gated transition reach the rest of the event.
    assert_eq!(h.events[1].fields["tag"], json!("gated"));
}

#[test]
fn transitions_only_move_forward() {
    // (hook, returned step, allowed?)
    let table = [
        (Step::Request, Step::Approve, true),
        (Step::Request, Step::Deny, true),
        (Step::Request, Step::Escalate, false),
        (Step::Request, Step::Prompt, false),
        (Step::Approve, Step::Deny, true),
        (Step::Approve, Step::Request, false),
        (Step::Approve, Step::Escalate, false),
        (Step::Deny, Step::Approve, false),
    ];
    for (hook, to, allowed) in table {
        let mut h = Harness::new(approval_spec(&[
            &hook.on_hook(),
            "get_permissions",
            "get_request_notifications",
        ]));
        basic(&mut h);
        h.answer(
            FlowCall::On(hook),
            Ok(FlowValue::Transition(Some(Transition::to(to)))),
        );
        let mut fx = h.request_reason(alice());
        if hook != Step::Request {
            fx = h.click(
                if hook == Step::Approve {
                    Action::Approve
                } else {
                    Action::Deny
                },
                bob(),
            );
        }
        let reported = !reports(&fx).is_empty();
        assert_eq!(!reported, allowed, "on_{hook} -> {to}: {:?}", summary(&fx));
        if allowed {
            assert_eq!(
                h.run.status,
                if to == Step::Approve {
                    RunStatus::Approved
                } else {
                    RunStatus::Denied
                }
            );
        } else {
            let r = &reports(&fx)[0];
            assert!(
                r.headline.contains("transitions only move forward"),
                "{}",
                r.headline
            );
            // A refused redirect from a click leaves the request pending; from on_request it stops the run.
            let expected = if hook == Step::Request {
                RunStatus::Errored
            } else {
                RunStatus::Pending
            };
            assert_eq!(h.run.status, expected, "on_{hook} -> {to}");
        }
    }
}

#[test]
fn on_escalate_cannot_ignore() {
    let mut h = Harness::new(strategy_spec(&[
        "on_escalate",
        "get_permissions",
        "get_request_notifications",
    ]));
    basic(&mut h);
    h.request(
        alice(),
        fields(&[("reason", json!("x")), ("duration", json!("1h"))]),
    );
    h.answer(
        FlowCall::On(Step::Escalate),
        Ok(FlowValue::Transition(Some(Transition::ignore("no")))),
    );
    let fx = h.click(Action::Approve, bob());
    assert_eq!(h.run.status, RunStatus::Errored);
    assert!(
        !h.calls.contains(&FlowCall::Escalate),
        "access was not granted"
    );
    assert!(reports(&fx)[0]
        .headline
        .contains("can't go from `escalate` to `ignore`"));
    assert!(dms(&fx).iter().any(|(k, _)| *k == DmKind::Failed));
}

#[test]
fn backups_forward_on_timeout_then_the_request_expires() {
    let mut h = Harness::new(approval_spec(&[
        "get_permissions",
        "get_request_notifications",
        "on_request_forward",
        "after_request_forward",
    ]));
    h.answer(
        FlowCall::GetPermissions,
        Ok(perms(Permission::Member, false)),
    );
    h.notifications(vec![
        notification(vec![channel("#team")], Some(600)),
        notification(
            vec![
                channel("#backup"),
                RequestDestination::new(Destination::SlackUser("UBOSS".into())),
            ],
            Some(300),
        ),
    ]);
    let fx = h.request_reason(alice());
    assert_eq!(
        visible(&fx),
        [
            "call get_permissions",
            "call get_request_notifications",
            "post 0.0",
            "timer notification/0",
            "tell info"
        ]
    );
    assert_eq!(timers(&fx)["run-1/notification/0"], h.now.plus_secs(600));

    h.advance(600);
    let fx = h.fire(TimerKind::NotificationTimeout { index: 0 });
    assert_eq!(
        visible(&fx),
        [
            "call on_request_forward",
            "update 0.0",
            "post 1.0",
            "post 1.1",
            "timer notification/1",
            "call after_request_forward"
        ]
    );
    assert_eq!(audits(&fx), ["audit request_forward"]);
    let fwd = h
        .events
        .iter()
        .find(|e| e.name == Step::RequestForward)
        .unwrap()
        .forward
        .clone()
        .unwrap();
    assert_eq!(
        (
            fwd.current_index,
            fwd.next_index,
            fwd.all_destinations.len()
        ),
        (0, Some(1), 2)
    );
    assert_eq!(h.run.notification_index, 1);
    assert_eq!(h.run.status, RunStatus::Pending);
    // The old card now says where the request went.
    let old = h.run.messages[0].clone();
    let card = views::approval_card(h.engine.spec(), &h.run, Some(&old));
    let rendered = card.blocks.to_string();
    assert!(
        rendered.contains("forwarded to #backup, <@UBOSS>"),
        "{rendered}"
    );
    assert!(!rendered.contains(views::ACTION_APPROVE));

    // The first timer delivered again is stale.
    assert!(h
        .fire(TimerKind::NotificationTimeout { index: 0 })
        .is_empty());

    h.advance(300);
    let fx = h.fire(TimerKind::NotificationTimeout { index: 1 });
    assert_eq!(
        visible(&fx),
        [
            "update 0.0",
            "update 1.0",
            "update 1.1",
            "dm request_expired"
        ]
    );
    assert_eq!(audits(&fx), ["audit request_expire"]);
    assert_eq!(h.run.status, RunStatus::Expired);
    assert!(h.run.is_finished());
    assert_eq!(
        visible(&h.click(Action::Approve, bob())),
        ["refused not_actionable"]
    );
}

#[test]
fn approving_cancels_the_notification_timer() {
    let mut h = Harness::new(approval_spec(&[
        "get_permissions",
        "get_request_notifications",
    ]));
    h.answer(
        FlowCall::GetPermissions,
        Ok(perms(Permission::Member, false)),
    );
    h.notifications(vec![
        notification(vec![channel("#a")], Some(60)),
        notification(vec![channel("#b")], Some(60)),
    ]);
    h.request_reason(alice());
    let fx = h.click(Action::Approve, bob());
    assert_eq!(
        visible(&fx),
        ["cancel notification/0", "update 0.0", "dm approved"]
    );
    // The cancelled timer firing anyway changes nothing.
    assert!(h
        .fire(TimerKind::NotificationTimeout { index: 0 })
        .is_empty());
}

#[test]
fn delivery_failure_moves_to_the_backup_then_expires() {
    let mut h = Harness::new(approval_spec(&[
        "get_permissions",
        "get_request_notifications",
    ]));
    h.answer(
        FlowCall::GetPermissions,
        Ok(perms(Permission::Member, false)),
    );
    h.notifications(vec![
        notification(vec![channel("#gone")], None),
        notification(vec![channel("#backup")], None),
    ]);
    h.fail_cards.insert((0, 0), "channel_not_found".into());
    let fx = h.request_reason(alice());
    assert_eq!(
        visible(&fx),
        [
            "call get_permissions",
            "call get_request_notifications",
            "post 0.0",
            "tell info",
            "report",
            "post 1.0"
        ]
    );
    let r = &reports(&fx)[0];
    assert!(
        r.text.contains("#gone")
            && r.text.contains("channel_not_found")
            && r.text.contains("#backup"),
        "{}",
        r.text
    );
    assert_eq!(h.run.notification_index, 1);
    assert_eq!(h.run.status, RunStatus::Pending);

    // Every destination failing with no backup left: the request expires.
    let mut h = Harness::new(approval_spec(&[
        "get_permissions",
        "get_request_notifications",
    ]));
    h.answer(
        FlowCall::GetPermissions,
        Ok(perms(Permission::Member, false)),
    );
    h.notifications(vec![notification(vec![channel("#gone")], None)]);
    h.fail_cards.insert((0, 0), "not_in_channel".into());
    let fx = h.request_reason(alice());
    assert_eq!(h.run.status, RunStatus::Expired);
    assert!(visible(&fx).ends_with(&["report".to_string(), "dm request_expired".to_string()]));
}

#[test]
fn legacy_fallback_without_continue_on_timeout_sets_no_timers() {
    let mut h = Harness::new(approval_spec(&["get_approvers"]));
    h.answer(
        FlowCall::GetApprovers,
        Ok(FlowValue::Approvers(Approvers {
            notifications: vec![
                notification(vec![channel("#a")], Some(60)),
                notification(vec![channel("#b")], Some(60)),
            ],
            continue_on_delivery_failure: true,
            continue_on_timeout: false,
        })),
    );
    let fx = h.request_reason(alice());
    assert!(timers(&fx).is_empty());
    assert_eq!(
        h.run.approval_rule.as_ref().unwrap().origin,
        RuleOrigin::LegacyApprovers
    );
}

#[test]
fn allowed_sources() {
    // (allowed_sources, source, accepted?)
    let table: [(Option<Vec<Source>>, Source, bool); 6] = [
        (None, Source::Slack, true),
        (None, Source::Api, true),
        (Some(vec![Source::Slack]), Source::Slack, true),
        (Some(vec![Source::Slack]), Source::Api, false),
        (Some(vec![Source::Api]), Source::Slack, false),
        (Some(vec![]), Source::Slack, false),
    ];
    for (allowed, source, accepted) in table {
        let mut spec = approval_spec(&["get_permissions", "get_request_notifications"]);
        spec.allowed_sources = allowed.clone();
        let mut h = Harness::new(spec);
        basic(&mut h);
        let fx = h.send(Input::Request {
            actor: alice(),
            source,
            fields: fields(&[("reason", json!("x"))]),
            context: Some(json!({ "ci": "build 7" })),
            channel: None,
        });
        if accepted {
            assert_eq!(h.run.status, RunStatus::Pending, "{allowed:?} {source:?}");
            assert_eq!(h.run.source, Some(source));
            assert_eq!(h.run.contexts["request"], json!({ "ci": "build 7" }));
            let expected_channel = if source == Source::Api {
                ChannelType::Sym
            } else {
                ChannelType::Slack
            };
            assert_eq!(h.events[0].channel, expected_channel);
        } else {
            assert_eq!(
                summary(&fx),
                ["refused source_not_allowed"],
                "{allowed:?} {source:?}"
            );
            assert_eq!(h.run.status, RunStatus::New, "nothing to persist");
            let text = &told(&fx)[0].1;
            if allowed == Some(vec![]) {
                assert!(text.contains("switched off"), "{text}");
            } else {
                assert!(
                    text.contains("allowed_sources") && text.contains(source.as_str()),
                    "{text}"
                );
            }
        }
    }
}

#[test]
fn guests_cannot_request() {
    let mut h = Harness::new(approval_spec(&[
        "get_permissions",
        "get_request_notifications",
    ]));
    let fx = h.request_reason(gus_guest());
    assert_eq!(summary(&fx), ["refused guest_cannot_request"]);
    assert_eq!(h.run.status, RunStatus::New);
}

#[test]
fn invalid_fields_are_refused_with_every_problem() {
    let mut spec = strategy_spec(&["get_permissions", "get_request_notifications"]);
    spec.prompt_fields
        .push(PromptFieldSpec::new("ticket", FieldType::Int));
    let mut h = Harness::new(spec);
    let fx = h.request(
        alice(),
        fields(&[("duration", json!("2d")), ("ticket", json!("abc"))]),
    );
    assert_eq!(summary(&fx), ["refused invalid_fields"]);
    let text = &told(&fx)[0].1;
    assert!(
        text.contains("Why do you need access? is required."),
        "{text}"
    );
    assert!(
        text.contains("Duration must be one of: 30s, 10m, 1h."),
        "{text}"
    );
    assert!(text.contains("Ticket must be a whole number."), "{text}");
    assert_eq!(h.run.status, RunStatus::New);
}

#[test]
fn prompt_then_request_and_prompt_closed() {
    let mut h = Harness::new(approval_spec(&[
        "on_prompt",
        "after_prompt",
        "get_permissions",
        "get_request_notifications",
    ]));
    basic(&mut h);
    let fx = h.send(Input::Prompt {
        actor: alice(),
        source: Source::Slack,
        channel: Some("CGEN".into()),
    });
    assert_eq!(
        visible(&fx),
        ["call on_prompt", "modal", "call after_prompt"]
    );
    assert_eq!(h.run.status, RunStatus::Prompting);
    assert_eq!(h.run.actors["prompt"], alice());
    h.request_reason(alice());
    assert_eq!(h.run.status, RunStatus::Pending);
    assert_eq!(h.run.source_channel.as_deref(), Some("CSRC"));

    let mut h = Harness::new(approval_spec(&[]));
    h.send(Input::Prompt {
        actor: alice(),
        source: Source::Slack,
        channel: None,
    });
    let fx = h.send(Input::PromptClosed { actor: alice() });
    assert_eq!(summary(&fx), ["persist"]);
    assert_eq!(h.run.status, RunStatus::Ignored);
    // The prompt of a flow that is not allowed from Slack is refused up front.
    let mut spec = approval_spec(&[]);
    spec.allowed_sources = Some(vec![Source::Api]);
    let mut h = Harness::new(spec);
    let fx = h.send(Input::Prompt {
        actor: alice(),
        source: Source::Slack,
        channel: None,
    });
    assert_eq!(summary(&fx), ["refused source_not_allowed"]);
}

#[test]
fn a_second_request_on_the_same_run_is_refused() {
    let mut h = Harness::new(approval_spec(&[
        "get_permissions",
        "get_request_notifications",
    ]));
    basic(&mut h);
    h.request_reason(alice());
    let fx = h.request_reason(alice());
    assert_eq!(summary(&fx), ["refused already_started"]);
}

// ------------------------------------------------------------------- revoke

fn escalated(spec: FlowSpec) -> Harness {
    let mut h = Harness::new(spec);
    basic(&mut h);
    h.request(
        alice(),
        fields(&[("reason", json!("x")), ("duration", json!("1h"))]),
    );
    h.click(Action::Approve, bob());
    assert_eq!(h.run.status, RunStatus::Escalated);
    h
}

#[test]
fn revoke_by_whom() {
    let dave = actor("dave", Role::Member);
    // (clicker, allow_guest_interaction, outcome: None = revoked, Some(refusal))
    let table: Vec<(Actor, bool, Option<&str>)> = vec![
        (alice(), false, None),
        (bob(), false, None),
        (carol_admin(), false, None),
        (dave, false, Some("not_a_revoker")),
        (gus_guest(), false, Some("guest_not_allowed")),
        (gus_guest(), true, Some("not_a_revoker")),
    ];
    for (clicker, guests, outcome) in table {
        let mut spec = strategy_spec(&["get_permissions", "get_request_notifications"]);
        spec.allow_guest_interaction = guests;
        let mut h = escalated(spec);
        let fx = h.click(Action::Revoke, clicker.clone());
        match outcome {
            None => {
                assert_eq!(
                    visible(&fx),
                    [
                        "call deescalate",
                        "cancel deescalate",
                        "update 0.0",
                        "dm revoked"
                    ],
                    "{}",
                    clicker.name
                );
                assert_eq!(h.run.status, RunStatus::Deescalated);
                assert_eq!(h.run.deescalate_type, Some(DeescalateType::Revoke));
                assert_eq!(
                    h.events.last().unwrap().fields["deescalate_type"],
                    json!("revoke")
                );
                assert_eq!(h.run.actors["deescalate"], clicker);
                let dm = &dms(&fx)[0].1;
                if clicker == alice() {
                    assert!(dm.starts_with("🔒 You revoked"), "{dm}");
                } else {
                    assert!(
                        dm.contains(&format!("{} revoked", clicker.mention())),
                        "{dm}"
                    );
                }
                // The scheduled timer firing later is stale.
                assert!(h.fire(TimerKind::Deescalate).is_empty());
            }
            Some(refusal) => {
                assert_eq!(
                    summary(&fx),
                    [format!("refused {refusal}")],
                    "{}",
                    clicker.name
                );
                assert_eq!(h.run.status, RunStatus::Escalated);
            }
        }
    }
}

#[test]
fn revoke_not_allowed_by_the_flow_or_before_escalation() {
    let mut spec = strategy_spec(&["get_permissions", "get_request_notifications"]);
    spec.allow_revoke = false;
    let mut h = escalated(spec);
    let fx = h.click(Action::Revoke, alice());
    assert_eq!(summary(&fx), ["refused revoke_disabled"]);
    assert!(told(&fx)[0].1.contains("allow_revoke = false"));
    // No Revoke button on the card either.
    let card = views::approval_card(h.engine.spec(), &h.run, None);
    assert!(!card.blocks.to_string().contains(views::ACTION_REVOKE));

    let mut h = Harness::new(strategy_spec(&[
        "get_permissions",
        "get_request_notifications",
    ]));
    basic(&mut h);
    h.request(
        alice(),
        fields(&[("reason", json!("x")), ("duration", json!("1h"))]),
    );
    let fx = h.click(Action::Revoke, alice());
    assert_eq!(summary(&fx), ["refused not_actionable"]);
    assert_eq!(h.run.status, RunStatus::Pending);
}

#[test]
fn api_deescalate_by_a_bot_admin() {
    let mut h = escalated(strategy_spec(&[
        "get_permissions",
        "get_request_notifications",
    ]));
    let bot = actor("ci-bot", Role::Admin);
    let fx = h.send(Input::Action {
        action: Action::Revoke,
        actor: bot,
        source: Source::Api,
        decision_message: None,
        message: None,
    });
    assert_eq!(h.run.status, RunStatus::Deescalated);
    assert_eq!(h.events.last().unwrap().channel, ChannelType::Sym);
    assert!(visible(&fx).contains(&"dm revoked".to_string()));
}

// ------------------------------------------------------------------- errors

#[test]
fn on_request_error_stops_the_run_cleanly() {
    let mut h = Harness::new(approval_spec(&[
        "on_request",
        "get_permissions",
        "get_request_notifications",
    ]));
    h.answer(
        FlowCall::On(Step::Request),
        Err(py_error("KeyError: 'nope'")),
    );
    let fx = h.request_reason(alice());
    assert_eq!(
        summary(&fx),
        [
            "persist",
            "call on_request",
            "persist",
            "report",
            "tell failed",
            "audit request"
        ]
    );
    assert_eq!(h.run.status, RunStatus::Errored);
    assert!(h.run.is_finished());
    assert_eq!(h.run.errors.len(), 1);
    assert_eq!(h.run.errors[0].headline, "KeyError: 'nope'");
    let r = &reports(&fx)[0];
    assert_eq!(r.headline, "KeyError: 'nope'");
    for needle in [
        "Flow `approval` failed",
        "run `run-1`",
        "`on_request` hook",
        "`KeyError: 'nope'`",
        "errored",
        "traceback attached",
        "*Request:* <@UALICE> → *Approval*",
    ] {
        assert!(r.text.contains(needle), "missing {needle:?} in {}", r.text);
    }
    assert!(r.traceback.as_deref().unwrap().contains("line 12"));
    assert!(told(&fx)[0].1.contains("couldn't be processed"));
    let audit = fx.iter().find_map(|e| match e {
        Effect::Audit { event } => Some(event.clone()),
        _ => None,
    });
    assert_eq!(
        audit.unwrap()["state"],
        json!({ "status": "error", "errors": ["KeyError: 'nope'"] })
    );
    // Nothing else can happen to it.
    assert_eq!(
        visible(&h.click(Action::Approve, carol_admin())),
        ["refused not_actionable"]
    );
}

#[test]
fn reducer_errors_and_bad_returns_stop_the_run() {
    // (handlers, scripted answers, expected words in the headline)
    type Case = (
        Vec<&'static str>,
        Vec<(FlowCall, Result<FlowValue, FlowError>)>,
        &'static str,
    );
    let cases: Vec<Case> = vec![
        (
            vec!["get_permissions", "get_request_notifications"],
            vec![(FlowCall::GetPermissions, Err(py_error("OktaError: boom")))],
            "OktaError: boom",
        ),
        (
            vec!["get_permissions", "get_request_notifications"],
            vec![(
                FlowCall::GetPermissions,
                Ok(perms(Permission::UserIds(vec![]), false)),
            )],
            "empty or blank user id list",
        ),
        (
            vec!["get_request_notifications"],
            vec![(
                FlowCall::GetRequestNotifications,
                Ok(FlowValue::Notifications(vec![])),
            )],
            "returned no notifications",
        ),
        (
            vec!["get_request_notifications"],
            vec![(FlowCall::GetRequestNotifications, Ok(FlowValue::Done))],
            "get_request_notifications returned nothing; expected a list of Notification",
        ),
        (vec![], vec![], "nowhere to send the request"),
    ];
    for (handlers, answers, needle) in cases {
        let mut h = Harness::new(approval_spec(&handlers));
        for (call, value) in answers {
            h.answer(call, value);
        }
        let fx = h.request_reason(alice());
        assert_eq!(h.run.status, RunStatus::Errored, "{needle}");
        let r = &reports(&fx)[0];
        assert!(
            r.headline.contains(needle),
            "{} does not contain {needle}",
            r.headline
        );
        assert!(summary(&fx).iter().all(|s| !s.starts_with("post")));
        assert_eq!(told(&fx).len(), 1);
    }
}

#[test]
fn on_approve_error_refuses_the_click_and_keeps_the_request_pending() {
    let mut h = Harness::new(approval_spec(&[
        "on_approve",
        "get_permissions",
        "get_request_notifications",
    ]));
    basic(&mut h);
    h.request_reason(alice());
    h.answer(
        FlowCall::On(Step::Approve),
        Err(py_error("PagerDutyError: timeout")),
    );
    h.answer(FlowCall::On(Step::Approve), Ok(FlowValue::Transition(None)));
    let fx = h.click(Action::Approve, bob());
    assert_eq!(visible(&fx), ["call on_approve", "report", "tell failed"]);
    assert_eq!(h.run.status, RunStatus::Pending);
    assert!(reports(&fx)[0].text.contains("still pending"));
    assert!(told(&fx)[0].1.contains("didn't go through"));
    // The flow recovers: the next click works.
    h.click(Action::Approve, bob());
    assert_eq!(h.run.status, RunStatus::Approved);
}

#[test]
fn escalate_error_ends_the_run_without_access() {
    let mut h = Harness::new(strategy_spec(&[
        "get_permissions",
        "get_request_notifications",
    ]));
    basic(&mut h);
    h.answer(
        FlowCall::Escalate,
        Err(py_error("AccessStrategyError: group not found")),
    );
    h.request(
        alice(),
        fields(&[("reason", json!("x")), ("duration", json!("1h"))]),
    );
    let fx = h.click(Action::Approve, bob());
    assert_eq!(
        visible(&fx),
        [
            "update 0.0",
            "call escalate",
            "update 0.0",
            "report",
            "dm failed"
        ]
    );
    assert_eq!(h.run.status, RunStatus::Errored);
    assert!(timers(&fx).is_empty());
    assert!(dms(&fx)[0].1.contains("granting access failed"));
    assert!(reports(&fx)[0].text.contains("access was *not granted*"));
    let card = views::approval_card(h.engine.spec(), &h.run, None)
        .blocks
        .to_string();
    assert!(card.contains("Stopped") && !card.contains(views::ACTION_REVOKE));
}

#[test]
fn scheduled_deescalation_failure_retries_then_gives_up() {
    let mut h = escalated(strategy_spec(&[
        "get_permissions",
        "get_request_notifications",
    ]));
    h.answer(FlowCall::Deescalate, Err(py_error("OktaError: 503")));
    h.advance(3600);
    let fx = h.fire(TimerKind::Deescalate);
    assert_eq!(
        visible(&fx),
        ["call deescalate", "timer deescalate", "report"]
    );
    assert_eq!(timers(&fx)["run-1/deescalate"], h.now.plus_secs(300));
    assert_eq!(h.run.status, RunStatus::Escalated);
    assert!(reports(&fx)[0].text.contains("Access is still active"));
    assert!(
        reports(&fx)[0]
            .text
            .contains("*Request:* <@UALICE> → *Group t1*, approved by <@UBOB>"),
        "the engineer sees whose access to check"
    );

    h.advance(300);
    let fx = h.fire(TimerKind::Deescalate);
    assert_eq!(
        timers(&fx)["run-1/deescalate"],
        h.now.plus_secs(600),
        "back-off doubles"
    );

    h.advance(600);
    let fx = h.fire(TimerKind::Deescalate);
    assert_eq!(visible(&fx), ["call deescalate", "update 0.0", "report"]);
    assert_eq!(h.run.status, RunStatus::Errored);
    assert!(reports(&fx)[0].text.contains("Remove the access by hand"));
    assert_eq!(h.run.deescalate_attempts, 3);
}

#[test]
fn revoke_failure_keeps_access_and_asks_to_retry() {
    let mut h = escalated(strategy_spec(&[
        "get_permissions",
        "get_request_notifications",
    ]));
    h.answer(FlowCall::Deescalate, Err(py_error("OktaError: 503")));
    h.answer(FlowCall::Deescalate, Ok(FlowValue::StepOutput(None)));
    let fx = h.click(Action::Revoke, alice());
    assert_eq!(visible(&fx), ["call deescalate", "report", "tell failed"]);
    assert_eq!(h.run.status, RunStatus::Escalated);
    assert!(told(&fx)[0].1.contains("access may still be active"));
    h.click(Action::Revoke, alice());
    assert_eq!(h.run.status, RunStatus::Deescalated);
}

#[test]
fn on_deescalate_error_still_removes_access() {
    let mut h = escalated(strategy_spec(&[
        "on_deescalate",
        "get_permissions",
        "get_request_notifications",
    ]));
    h.answer(
        FlowCall::On(Step::Deescalate),
        Err(py_error("ValueError: x")),
    );
    let fx = h.fire(TimerKind::Deescalate);
    assert_eq!(
        visible(&fx),
        [
            "call on_deescalate",
            "report",
            "call deescalate",
            "cancel deescalate",
            "update 0.0",
            "dm access_expired"
        ]
    );
    assert_eq!(h.run.status, RunStatus::Deescalated);
}

#[test]
fn after_hook_errors_are_reported_and_the_run_carries_on() {
    let mut h = Harness::new(strategy_spec(&[
        "after_approve",
        "get_permissions",
        "get_request_notifications",
    ]));
    basic(&mut h);
    h.answer(
        FlowCall::After(Step::Approve),
        Err(py_error("SlackError: channel_not_found")),
    );
    h.request(
        alice(),
        fields(&[("reason", json!("x")), ("duration", json!("1h"))]),
    );
    let fx = h.click(Action::Approve, bob());
    assert_eq!(h.run.status, RunStatus::Escalated);
    let v = visible(&fx);
    let report_at = v.iter().position(|s| s == "report").unwrap();
    let escalate_at = v.iter().position(|s| s == "call escalate").unwrap();
    assert!(report_at < escalate_at, "{v:?}");
    assert!(reports(&fx)[0].text.contains("carried on"));
    assert_eq!(h.run.errors.len(), 1);
}

#[test]
fn a_hook_the_module_does_not_define_is_skipped() {
    let mut h = Harness::new(approval_spec(&[
        "on_request",
        "get_permissions",
        "get_request_notifications",
    ]));
    basic(&mut h);
    h.answer(
        FlowCall::On(Step::Request),
        Err(FlowError::new(
            ErrorKind::NotDefined,
            "on_request is not defined",
        )),
    );
    let fx = h.request_reason(alice());
    assert_eq!(h.run.status, RunStatus::Pending);
    assert!(reports(&fx).is_empty());
}

// ------------------------------------------------------ driver-level guarantees

#[test]
fn inputs_arriving_during_a_flow_call_are_queued_and_handled_in_order() {
    let mut h = Harness::new(approval_spec(&[
        "get_permissions",
        "get_request_notifications",
    ]));
    h.auto = false;
    let fx = h.request_reason(alice());
    assert_eq!(summary(&fx), ["persist", "call get_permissions"]);
    // A click arrives while get_permissions runs.
    let fx = h.send(Input::Action {
        action: Action::Approve,
        actor: bob(),
        source: Source::Slack,
        decision_message: None,
        message: None,
    });
    assert_eq!(summary(&fx), ["persist"]);
    assert_eq!(h.run.inbox.len(), 1);
    // A stale answer (wrong call) is ignored.
    let fx = h.send(Input::FlowReturned {
        call: FlowCall::Escalate,
        result: Ok(FlowValue::StepOutput(None)),
    });
    assert!(fx.is_empty());

    h.send(Input::FlowReturned {
        call: FlowCall::GetPermissions,
        result: Ok(perms(Permission::Member, false)),
    });
    let fx = h.send(Input::FlowReturned {
        call: FlowCall::GetRequestNotifications,
        result: Ok(FlowValue::Notifications(vec![notification(
            vec![channel("#r")],
            None,
        )])),
    });
    // The request completes, then the queued click is handled.
    assert_eq!(visible(&fx), ["post 0.0", "tell info", "dm approved"]);
    assert_eq!(h.run.status, RunStatus::Approved);
    assert!(h.run.inbox.is_empty());
    // The card posted after the decision is brought up to date.
    let fx = h.send(Input::CardPosted {
        notification_index: 0,
        destination_index: 0,
        message: MessageRef {
            channel: "C1".into(),
            ts: "1.1".into(),
        },
    });
    assert_eq!(summary(&fx), ["persist", "update 0.0"]);
}

#[test]
fn resume_after_a_crash_reissues_the_pending_call() {
    let mut h = Harness::new(strategy_spec(&[
        "get_permissions",
        "get_request_notifications",
    ]));
    basic(&mut h);
    h.request(
        alice(),
        fields(&[("reason", json!("x")), ("duration", json!("1h"))]),
    );
    h.auto = false;
    let fx = h.click(Action::Approve, bob());
    assert_eq!(summary(&fx).last().unwrap(), "call escalate");

    // The process dies; the last persisted copy is all that is left.
    let saved = h.persisted.last().unwrap().clone();
    let mut run = Run::from_json(&saved).unwrap();
    assert_eq!(run, h.run);
    let fx = h.engine.resume(&mut run, h.now);
    assert_eq!(summary(&fx), ["call escalate"]);
    let fx = h.engine.step(
        &mut run,
        Input::FlowReturned {
            call: FlowCall::Escalate,
            result: Ok(FlowValue::StepOutput(None)),
        },
        h.now,
    );
    assert!(summary(&fx).contains(&"dm access_granted".to_string()));
    assert_eq!(run.status, RunStatus::Escalated);
    // An idle run resumes to nothing.
    assert!(h.engine.resume(&mut run, h.now).is_empty());
}

#[test]
fn audit_events_have_the_sym_reporting_shape() {
    let mut h = Harness::new(approval_spec(&[
        "get_permissions",
        "get_request_notifications",
    ]));
    basic(&mut h);
    h.request_reason(alice());
    let fx = h.click_with(Action::Approve, bob(), Some("ok"));
    let event = fx
        .iter()
        .find_map(|e| match e {
            Effect::Audit { event } => Some(event.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(
        event["id"],
        json!("run-1:2"),
        "second audited event of the run"
    );
    assert_eq!(event["meta"], json!({ "schema_version": 6 }));
    assert_eq!(event["type"], json!("event"));
    assert_eq!(event["state"], json!({ "status": "success", "errors": [] }));
    assert_eq!(event["run"]["srn"], json!("acme:run:approval:latest:run-1"));
    assert_eq!(event["run"]["flow"], json!("acme:flow:approval:latest"));
    assert_eq!(
        event["run"]["actors"]["request"]["username"],
        json!("alice@example.com")
    );
    assert_eq!(
        event["run"]["actors"]["approve"]["user"],
        json!("acme:user:normal:uid-bob:latest")
    );
    assert_eq!(
        event["event"]["srn"],
        json!("sym:event-spec:approval:1.0.0:approve")
    );
    assert_eq!(
        event["event"]["template"],
        json!("sym:template:approval:1.0.0")
    );
    assert_eq!(
        event["event"]["timestamp"],
        json!("2023-11-14T22:13:20.000000")
    );
    assert_eq!(event["event"]["channel"], json!("slack"));
    assert_eq!(
        event["actor"]["identity"],
        json!({ "service": "slack", "external_id": "T123", "user_id": "UBOB" })
    );
    assert_eq!(event["fields"]["reason"], json!("prod incident"));
    assert_eq!(event["fields"]["decision_message"], json!("ok"));
}

#[test]
fn the_run_round_trips_through_json_at_every_stage() {
    let mut h = escalated(strategy_spec(&[
        "get_permissions",
        "get_request_notifications",
    ]));
    h.fire(TimerKind::Deescalate);
    assert!(h.persisted.len() > 5);
    for saved in &h.persisted {
        let run = Run::from_json(saved).unwrap();
        assert_eq!(&run.to_json(), saved);
    }
    let v: serde_json::Value = serde_json::from_str(&h.run.to_json()).unwrap();
    assert_eq!(v["status"], json!("deescalated"));
    assert_eq!(v["deescalate_type"], json!("scheduled"));
    let events: Vec<&str> = h.run.history.iter().map(|s| s.event.as_str()).collect();
    assert_eq!(events, ["request", "approve", "escalate", "deescalate"]);
}
