//! Slack views: the request modal renders every field type, what Slack sends back
//! parses into the same values (round trip), errors are keyed by block id, and the
//! request card shows the right buttons in each state.

mod common;

use std::collections::BTreeMap;

use common::*;
use serde_json::{json, Map, Value};
use symflow_engine::views::{self, FieldOption, FlowChoice, ModalMetadata, ModalOptions};
use symflow_engine::*;

fn field(name: &str, ty: FieldType, f: impl FnOnce(&mut PromptFieldSpec)) -> PromptFieldSpec {
    let mut p = PromptFieldSpec::new(name, ty);
    f(&mut p);
    p
}

/// A strategy flow with two targets and one field of every kind.
fn everything_spec() -> FlowSpec {
    let mut spec = strategy_spec(&[]);
    spec.targets.push(target("t2"));
    spec.additional_header_text = Some("Read the *runbook* first.".into());
    spec.label = "A very long flow label that Slack would reject as a title".into();
    spec.prompt_fields = vec![
        reason_field(),
        field("ticket", FieldType::Int, |_| {}),
        field("urgent", FieldType::Bool, |f| {
            f.default = Some("true".into())
        }),
        field("env", FieldType::String, |f| {
            f.allowed_values = Some(vec!["dev".into(), "prod".into()])
        }),
        field("buddy", FieldType::SlackUser, |_| {}),
        field("watchers", FieldType::SlackUserList, |f| f.required = false),
        field("tags", FieldType::StrList, |f| f.required = false),
        field("regions", FieldType::StrList, |f| {
            f.allowed_values = Some(vec!["eu".into(), "us".into(), "ap".into()])
        }),
        field("ids", FieldType::IntList, |f| f.required = false),
        field("repo", FieldType::String, |f| f.prefetch = true),
        field("internal", FieldType::String, |f| {
            f.visible = false;
            f.default = Some("x".into())
        }),
    ];
    spec
}

fn prefetched() -> ModalOptions {
    let mut opts = ModalOptions {
        run_id: Some("run-1".into()),
        channel: Some("CGEN".into()),
        ..Default::default()
    };
    opts.prefetched.insert(
        "repo".into(),
        vec![
            FieldOption {
                value: "api".into(),
                label: "acme/api".into(),
            },
            FieldOption {
                value: "web".into(),
                label: "acme/web".into(),
            },
        ],
    );
    opts
}

fn inputs(view: &Value) -> BTreeMap<String, Value> {
    view["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b["type"] == "input")
        .map(|b| (b["block_id"].as_str().unwrap().to_string(), b.clone()))
        .collect()
}

/// What Slack puts in `view.state.values` when the user submits the modal with the
/// pre-filled values untouched.
fn state_from_initials(view: &Value) -> Value {
    let mut values = Map::new();
    for (block_id, block) in inputs(view) {
        let el = &block["element"];
        let ty = el["type"].as_str().unwrap();
        let state = match ty {
            "plain_text_input" | "number_input" => {
                json!({ "type": ty, "value": el.get("initial_value").cloned().unwrap_or(Value::Null) })
            }
            "static_select" => {
                json!({ "type": ty, "selected_option": el.get("initial_option").cloned().unwrap_or(Value::Null) })
            }
            "multi_static_select" | "checkboxes" => {
                json!({ "type": ty, "selected_options": el.get("initial_options").cloned().unwrap_or(json!([])) })
            }
            "users_select" => {
                json!({ "type": ty, "selected_user": el.get("initial_user").cloned().unwrap_or(Value::Null) })
            }
            "multi_users_select" => {
                json!({ "type": ty, "selected_users": el.get("initial_users").cloned().unwrap_or(json!([])) })
            }
            other => panic!("unexpected element {other}"),
        };
        values.insert(
            block_id,
            json!({ el["action_id"].as_str().unwrap(): state }),
        );
    }
    json!({ "values": values })
}

#[test]
fn request_modal_renders_every_field_type() {
    let spec = everything_spec();
    let view = views::request_modal(&spec, &prefetched());
    assert_eq!(view["type"], "modal");
    assert_eq!(view["callback_id"], views::REQUEST_CALLBACK_ID);
    assert!(view["title"]["text"].as_str().unwrap().chars().count() <= 24);
    let header = view["blocks"][0]["text"]["text"].as_str().unwrap();
    assert!(
        header.starts_with("Request access with *A very long flow label"),
        "{header}"
    );
    assert!(
        header.ends_with("\n\nRead the *runbook* first."),
        "{header}"
    );
    let meta: ModalMetadata =
        serde_json::from_str(view["private_metadata"].as_str().unwrap()).unwrap();
    assert_eq!(
        meta,
        ModalMetadata {
            flow: "okta".into(),
            run_id: Some("run-1".into()),
            channel: Some("CGEN".into())
        }
    );

    let blocks = inputs(&view);
    let kind = |name: &str| {
        blocks[&views::field_block_id(name)]["element"]["type"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let expected = [
        ("target_id", "static_select"),
        ("reason", "plain_text_input"),
        ("ticket", "number_input"),
        ("urgent", "checkboxes"),
        ("env", "static_select"),
        ("buddy", "users_select"),
        ("watchers", "multi_users_select"),
        ("tags", "plain_text_input"),
        ("regions", "multi_static_select"),
        ("ids", "plain_text_input"),
        ("repo", "static_select"),
        ("duration", "static_select"),
    ];
    for (name, ty) in expected {
        assert_eq!(kind(name), ty, "{name}");
        assert_eq!(
            blocks[&views::field_block_id(name)]["element"]["action_id"],
            views::VALUE_ACTION_ID
        );
    }
    assert_eq!(
        blocks.len(),
        expected.len(),
        "hidden field not rendered: {:?}",
        blocks.keys()
    );
    // Order: injected target first, fields as configured, injected duration last.
    let order: Vec<&str> = view["blocks"].as_array().unwrap()[1..]
        .iter()
        .map(|b| b["block_id"].as_str().unwrap())
        .collect();
    assert_eq!(order.first(), Some(&"field:target_id"));
    assert_eq!(order.last(), Some(&"field:duration"));

    let opt_values = |name: &str| -> Vec<(String, String)> {
        blocks[&views::field_block_id(name)]["element"]["options"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| {
                (
                    o["value"].as_str().unwrap().to_string(),
                    o["text"]["text"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    assert_eq!(
        opt_values("target_id"),
        [
            ("t1".into(), "Group t1".into()),
            ("t2".into(), "Group t2".into())
        ]
    );
    assert_eq!(
        opt_values("duration"),
        [
            ("30s".into(), "30 seconds".into()),
            ("10m".into(), "10 minutes".into()),
            ("1h".into(), "1 hour".into())
        ]
    );
    assert_eq!(
        opt_values("repo"),
        [
            ("api".into(), "acme/api".into()),
            ("web".into(), "acme/web".into())
        ]
    );
    // Optional where the field is optional, and always for a checkbox.
    assert_eq!(blocks["field:reason"]["optional"], false);
    assert_eq!(blocks["field:watchers"]["optional"], true);
    assert_eq!(blocks["field:urgent"]["optional"], true);
    assert_eq!(
        blocks["field:urgent"]["element"]["initial_options"][0]["value"], "true",
        "default true pre-ticks the box"
    );
    assert_eq!(
        blocks["field:tags"]["hint"]["text"],
        "Separate values with commas."
    );
    assert_eq!(
        blocks["field:reason"]["label"]["text"],
        "Why do you need access?"
    );
    assert_eq!(blocks["field:ticket"]["label"]["text"], "Ticket");
}

#[test]
fn prefetch_fields_show_loading_until_options_arrive() {
    let spec = everything_spec();
    let view = views::request_modal(&spec, &ModalOptions::default());
    let repo = view["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["block_id"] == "field:repo")
        .unwrap();
    assert_eq!(repo["type"], "section");
    assert!(repo["text"]["text"].as_str().unwrap().contains("Loading…"));
}

#[test]
fn submitted_values_parse_into_typed_fields() {
    let spec = everything_spec();
    let state = json!({ "values": {
        "field:target_id": { "value": { "type": "static_select", "selected_option": { "text": { "type": "plain_text", "text": "Group t2" }, "value": "t2" } } },
        "field:reason": { "value": { "type": "plain_text_input", "value": "deploy hotfix" } },
        "field:ticket": { "value": { "type": "number_input", "value": "4521" } },
        "field:urgent": { "value": { "type": "checkboxes", "selected_options": [] } },
        "field:env": { "value": { "type": "static_select", "selected_option": { "value": "prod" } } },
        "field:buddy": { "value": { "type": "users_select", "selected_user": "U123" } },
        "field:watchers": { "value": { "type": "multi_users_select", "selected_users": ["U123", "U234"] } },
        "field:tags": { "value": { "type": "plain_text_input", "value": "db, urgent" } },
        "field:regions": { "value": { "type": "multi_static_select", "selected_options": [{ "value": "eu" }, { "value": "ap" }] } },
        "field:ids": { "value": { "type": "plain_text_input", "value": null } },
        "field:repo": { "value": { "type": "static_select", "selected_option": { "value": "web" } } },
        "field:duration": { "value": { "type": "static_select", "selected_option": { "value": "10m" } } },
    }});
    let got = views::parse_request_submission(&spec, &state).unwrap();
    let want = json!({
        "target_id": "t2",
        "target": { "id": "t2", "name": "t2-name", "srn": "acme:access_target:okta_group:t2:latest", "type": "okta_group", "label": "Group t2", "settings": { "group_id": "00g-t2" } },
        "reason": "deploy hotfix",
        "ticket": 4521,
        "urgent": false,
        "env": "prod",
        "buddy": { "user_id": "U123", "username": null },
        "watchers": [{ "user_id": "U123", "username": null }, { "user_id": "U234", "username": null }],
        "tags": ["db", "urgent"],
        "regions": ["eu", "ap"],
        "repo": "web",
        "duration": 600,
        "internal": "x",
    });
    assert_eq!(Value::Object(got.clone()), want);
    // Accepts `view.state.values` directly too.
    assert_eq!(
        views::parse_request_submission(&spec, &state["values"]).unwrap(),
        got
    );
    // And the engine accepts what the view produced.
    let mut spec = spec;
    spec.handlers.insert("get_request_notifications".into());
    let mut h = Harness::new(spec);
    h.notifications(vec![notification(vec![channel("#r")], None)]);
    h.request(alice(), got);
    assert_eq!(h.run.status, RunStatus::Pending);
    assert_eq!(h.run.target_id.as_deref(), Some("t2"));
    assert_eq!(h.run.duration_secs, Some(600));
}

#[test]
fn modal_round_trips_canonical_values() {
    let spec = everything_spec();
    let canonical = views::parse_request_submission(
        &spec,
        &json!({ "values": {
            "field:target_id": { "value": { "type": "static_select", "selected_option": { "value": "t1" } } },
            "field:reason": { "value": { "type": "plain_text_input", "value": "why not" } },
            "field:ticket": { "value": { "type": "number_input", "value": "7" } },
            "field:urgent": { "value": { "type": "checkboxes", "selected_options": [{ "value": "true" }] } },
            "field:env": { "value": { "type": "static_select", "selected_option": { "value": "dev" } } },
            "field:buddy": { "value": { "type": "users_select", "selected_user": "U9" } },
            "field:watchers": { "value": { "type": "multi_users_select", "selected_users": ["U1"] } },
            "field:tags": { "value": { "type": "plain_text_input", "value": "a,b" } },
            "field:regions": { "value": { "type": "multi_static_select", "selected_options": [{ "value": "us" }] } },
            "field:ids": { "value": { "type": "plain_text_input", "value": "3, 4" } },
            "field:repo": { "value": { "type": "static_select", "selected_option": { "value": "api" } } },
            "field:duration": { "value": { "type": "static_select", "selected_option": { "value": "1h" } } },
        }}),
    )
    .unwrap();
    // Render with those values pre-filled, submit untouched, parse: same values.
    let mut opts = prefetched();
    opts.initial = canonical.clone();
    let view = views::request_modal(&spec, &opts);
    let state = state_from_initials(&view);
    assert_eq!(
        views::parse_request_submission(&spec, &state).unwrap(),
        canonical
    );
}

#[test]
fn validation_errors_are_keyed_by_block_id() {
    let spec = everything_spec();
    let state = json!({ "values": {
        "field:reason": { "value": { "type": "plain_text_input", "value": "" } },
        "field:ticket": { "value": { "type": "number_input", "value": "12" } },
        "field:env": { "value": { "type": "static_select", "selected_option": { "value": "staging" } } },
        "field:ids": { "value": { "type": "plain_text_input", "value": "1, two" } },
    }});
    let errors = views::parse_request_submission(&spec, &state).unwrap_err();
    let keys: Vec<&str> = errors.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "field:buddy",
            "field:duration",
            "field:env",
            "field:ids",
            "field:reason",
            "field:regions",
            "field:repo",
            "field:target_id"
        ]
    );
    assert_eq!(
        errors["field:reason"],
        "Why do you need access? is required."
    );
    assert!(errors["field:env"].contains("`staging` is not allowed"));
    let response = views::errors_response(&errors);
    assert_eq!(response["response_action"], "errors");
    assert_eq!(
        response["errors"]["field:reason"],
        "Why do you need access? is required."
    );
    // The engine's refusal maps to the same shape.
    let fe = vec![FieldError {
        field: "reason".into(),
        message: "Reason is required.".into(),
    }];
    assert_eq!(
        views::field_errors_response(&fe),
        json!({ "response_action": "errors", "errors": { "field:reason": "Reason is required." } })
    );
}

#[test]
fn flow_picker_round_trip() {
    let flows = vec![
        FlowChoice {
            name: "approval".into(),
            label: "Approval".into(),
        },
        FlowChoice {
            name: "okta".into(),
            label: "".into(),
        },
    ];
    let view = views::flow_picker_modal(&flows);
    assert_eq!(view["callback_id"], views::FLOW_PICKER_CALLBACK_ID);
    let options = &view["blocks"][0]["element"]["options"];
    assert_eq!(
        options[1]["text"]["text"], "okta",
        "label falls back to the name"
    );
    let state = json!({ "values": { "flow": { "value": { "type": "static_select", "selected_option": options[1].clone() } } } });
    assert_eq!(views::parse_flow_pick(&state).as_deref(), Some("okta"));
    assert_eq!(views::parse_flow_pick(&json!({ "values": {} })), None);
    let empty = views::flow_picker_modal(&[]);
    assert!(empty.get("submit").is_none());
    assert!(empty["blocks"][0]["text"]["text"]
        .as_str()
        .unwrap()
        .contains("no flows"));
}

fn pending(spec: FlowSpec) -> Harness {
    let mut handlers = spec.handlers.clone();
    handlers.insert("get_request_notifications".into());
    let mut spec = spec;
    spec.handlers = handlers;
    let mut h = Harness::new(spec);
    h.notifications(vec![notification(vec![channel("#r")], None)]);
    let mut f = fields(&[("reason", json!("prod incident"))]);
    if h.engine.spec().has_strategy {
        f.insert("duration".into(), json!("1h"));
    }
    h.request(alice(), f);
    assert_eq!(h.run.status, RunStatus::Pending);
    h
}

fn buttons(card: &views::Card) -> Vec<(String, String)> {
    card.blocks
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b["type"] == "actions")
        .flat_map(|b| b["elements"].as_array().unwrap().clone())
        .map(|e| {
            (
                e["action_id"].as_str().unwrap().to_string(),
                e["value"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn card_in_each_state() {
    let mut spec = strategy_spec(&[]);
    spec.include_decision_message = true;
    let mut h = pending(spec);
    let card = views::approval_card(h.engine.spec(), &h.run, h.run.messages.first());
    let text = card.blocks.to_string();
    assert!(
        text.contains("<@UALICE> requests access to *Group t1*"),
        "{text}"
    );
    assert!(
        text.contains("*Why do you need access?*\\nprod incident"),
        "{text}"
    );
    assert!(text.contains("*Duration*\\n1 hour"), "{text}");
    assert!(text.contains(views::DECISION_BLOCK_ID));
    assert_eq!(
        buttons(&card),
        [
            (views::ACTION_APPROVE.to_string(), "run-1".to_string()),
            (views::ACTION_DENY.to_string(), "run-1".to_string())
        ]
    );

    // The click as Slack sends it (shape of fixtures/slack/requests/block_actions.button.message.json).
    let payload = json!({
        "type": "block_actions",
        "actions": [{ "action_id": "symflow_approve", "block_id": "symflow_actions", "value": "run-1", "type": "button", "action_ts": "1715342739.677759" }],
        "state": { "values": { "decision_message": { "value": { "type": "plain_text_input", "value": " ship it \n" } } } },
    });
    let (action, run_id) = views::parse_block_action(&payload["actions"][0]).unwrap();
    assert_eq!((action, run_id.as_str()), (Action::Approve, "run-1"));
    let decision = views::decision_message(&payload["state"]);
    assert_eq!(decision.as_deref(), Some("ship it"));
    assert!(views::parse_block_action(&json!({ "action_id": "other", "value": "x" })).is_none());

    // No get_permissions: admins approve.
    h.click_with(action, carol_admin(), decision.as_deref());
    let card = views::approval_card(h.engine.spec(), &h.run, None);
    let text = card.blocks.to_string();
    assert!(
        text.contains("Approved* by <@UCAROL>") && text.contains("> ship it"),
        "{text}"
    );
    assert!(text.contains("Access active until <!date^"), "{text}");
    assert_eq!(
        buttons(&card),
        [(views::ACTION_REVOKE.to_string(), "run-1".to_string())]
    );
    assert!(!text.contains(views::DECISION_BLOCK_ID));
    assert!(
        card.text
            .starts_with("<@UALICE> requests access to *Group t1*: ✅"),
        "{}",
        card.text
    );

    h.click(Action::Revoke, alice());
    let card = views::approval_card(h.engine.spec(), &h.run, None);
    assert!(buttons(&card).is_empty());
    assert!(card
        .blocks
        .to_string()
        .contains("Access revoked by <@UALICE>"));
}

#[test]
fn approval_only_cards_denied_and_expired() {
    let mut h = pending(approval_spec(&[]));
    let card = views::approval_card(h.engine.spec(), &h.run, None);
    assert!(card
        .blocks
        .to_string()
        .contains("requests approval for *Approval*"));
    assert!(
        !card.blocks.to_string().contains(views::DECISION_BLOCK_ID),
        "decision input only when enabled"
    );
    h.click_with(Action::Deny, carol_admin(), Some("no"));
    let card = views::approval_card(h.engine.spec(), &h.run, None);
    assert!(buttons(&card).is_empty());
    assert!(card.blocks.to_string().contains("Denied* by <@UCAROL>"));

    let mut h = Harness::new(approval_spec(&["get_request_notifications"]));
    h.notifications(vec![notification(vec![channel("#r")], Some(60))]);
    h.request_reason(alice());
    h.fire(TimerKind::NotificationTimeout { index: 0 });
    assert_eq!(h.run.status, RunStatus::Expired);
    let card = views::approval_card(h.engine.spec(), &h.run, None);
    assert!(buttons(&card).is_empty());
    assert!(card.blocks.to_string().contains("Expired"));
}
