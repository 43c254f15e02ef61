//! The request modal and the flow picker, and parsing their submitted
//! `view.state.values` (`block_id → action_id → value`) back into typed fields, with
//! errors keyed by `block_id` for Slack's `response_action: errors`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::{
    field_block_id, mrkdwn, plain, truncate, FIELD_BLOCK_PREFIX, FLOW_PICKER_BLOCK_ID,
    FLOW_PICKER_CALLBACK_ID, MAX_FIELD_TEXT, MAX_OPTIONS, MAX_OPTION_TEXT, MAX_SECTION_TEXT,
    MAX_TITLE, REQUEST_CALLBACK_ID, VALUE_ACTION_ID,
};
use crate::duration::{humanize_duration, parse_duration};
use crate::fields::{validate_fields, FieldError};
use crate::spec::{FieldType, FlowSpec, PromptFieldSpec};

/// A `FieldOption` (from a `@prefetch` reducer or built by symflow).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldOption {
    pub value: String,
    pub label: String,
}

/// What the request modal carries in `private_metadata`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModalMetadata {
    pub flow: String,
    /// The run created at prompt time, if the host creates runs then.
    pub run_id: Option<String>,
    /// Slack channel the command was typed in.
    pub channel: Option<String>,
}

/// Inputs to [`request_modal`] beyond the flow itself.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ModalOptions {
    pub run_id: Option<String>,
    pub channel: Option<String>,
    /// Options per `prefetch` field; a prefetch field missing here shows "Loading…".
    pub prefetched: BTreeMap<String, Vec<FieldOption>>,
    /// Values to pre-fill (canonical field values), e.g. when re-rendering.
    pub initial: Map<String, Value>,
}

/// One flow in the picker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlowChoice {
    pub name: String,
    pub label: String,
}

fn option(value: &str, label: &str) -> Value {
    json!({ "text": plain(&truncate(label, MAX_OPTION_TEXT)), "value": truncate(value, 150) })
}

/// The request modal: header (+ `additional_header_text`) and one input per visible
/// prompt field (including the injected `duration` / `target_id`).
pub fn request_modal(spec: &FlowSpec, opts: &ModalOptions) -> Value {
    let mut header = format!("Request access with *{}*.", spec.display_label());
    if let Some(extra) = spec
        .additional_header_text
        .as_deref()
        .filter(|t| !t.trim().is_empty())
    {
        header.push_str("\n\n");
        header.push_str(extra);
    }
    let mut blocks = vec![json!({
        "type": "section",
        "block_id": "header",
        "text": mrkdwn(&truncate(&header, MAX_SECTION_TEXT)),
    })];
    for field in spec.effective_prompt_fields().iter().filter(|f| f.visible) {
        blocks.push(field_block(spec, field, opts));
    }
    let metadata = ModalMetadata {
        flow: spec.name.clone(),
        run_id: opts.run_id.clone(),
        channel: opts.channel.clone(),
    };
    json!({
        "type": "modal",
        "callback_id": REQUEST_CALLBACK_ID,
        "private_metadata": serde_json::to_string(&metadata).expect("metadata serialises"),
        "title": plain(&truncate(spec.display_label(), MAX_TITLE)),
        "submit": plain("Submit"),
        "close": plain("Cancel"),
        "notify_on_close": true,
        "blocks": blocks,
    })
}

/// `Ok(Some(options))` for a dropdown, `Ok(None)` for free input, `Err(())` while a
/// prefetch field's options are still loading.
fn dropdown_options(
    spec: &FlowSpec,
    field: &PromptFieldSpec,
    opts: &ModalOptions,
) -> Result<Option<Vec<FieldOption>>, ()> {
    if field.name == "target_id" && !spec.targets.is_empty() {
        return Ok(Some(
            spec.targets
                .iter()
                .map(|t| FieldOption {
                    value: t.id.clone(),
                    label: t.display_label().to_string(),
                })
                .collect(),
        ));
    }
    if field.prefetch {
        return opts
            .prefetched
            .get(&field.name)
            .cloned()
            .map(Some)
            .ok_or(());
    }
    Ok(field.allowed_values.as_ref().map(|values| {
        values
            .iter()
            .map(|v| {
                let label = match field.field_type {
                    FieldType::Duration => parse_duration(v)
                        .map(humanize_duration)
                        .unwrap_or_else(|_| v.clone()),
                    _ => v.clone(),
                };
                FieldOption {
                    value: v.clone(),
                    label,
                }
            })
            .collect()
    }))
}

/// The initial value as text, from `opts.initial` or the field's default.
fn initial_text(field: &PromptFieldSpec, opts: &ModalOptions) -> Option<String> {
    match opts.initial.get(&field.name) {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) if field.field_type == FieldType::Duration => {
            n.as_u64().map(crate::duration::format_duration)
        }
        Some(Value::Number(n)) => Some(n.to_string()),
        Some(Value::Bool(b)) => Some(b.to_string()),
        Some(Value::Array(items)) => Some(
            items
                .iter()
                .map(|v| match v {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect::<Vec<_>>()
                .join(", "),
        ),
        _ => field.default.clone().filter(|d| !d.is_empty()),
    }
}

fn field_block(spec: &FlowSpec, field: &PromptFieldSpec, opts: &ModalOptions) -> Value {
    let label = truncate(&field.display_label(), MAX_FIELD_TEXT);
    let block_id = field_block_id(&field.name);
    let options = match dropdown_options(spec, field, opts) {
        Ok(o) => o,
        Err(()) => {
            return json!({
                "type": "section",
                "block_id": block_id,
                "text": mrkdwn(&format!("*{label}*\nLoading…")),
            })
        }
    };
    let initial = initial_text(field, opts);
    let mut hint = None;
    let mut optional = !field.required;
    let element = match options {
        Some(options) => {
            let rendered: Vec<Value> = options
                .iter()
                .take(MAX_OPTIONS)
                .map(|o| option(&o.value, &o.label))
                .collect();
            let multi = matches!(field.field_type, FieldType::StrList | FieldType::IntList);
            let mut el = json!({
                "type": if multi { "multi_static_select" } else { "static_select" },
                "action_id": VALUE_ACTION_ID,
                "placeholder": plain("Choose…"),
                "options": rendered,
            });
            if multi {
                let wanted: Vec<String> = match opts.initial.get(&field.name) {
                    Some(Value::Array(items)) => items
                        .iter()
                        .map(|v| {
                            v.as_str()
                                .map(str::to_string)
                                .unwrap_or_else(|| v.to_string())
                        })
                        .collect(),
                    _ => Vec::new(),
                };
                let chosen: Vec<Value> = options
                    .iter()
                    .filter(|o| wanted.contains(&o.value))
                    .map(|o| option(&o.value, &o.label))
                    .collect();
                if !chosen.is_empty() {
                    el["initial_options"] = Value::Array(chosen);
                }
            } else if let Some(init) = &initial {
                let same = |o: &&FieldOption| {
                    &o.value == init
                        || (field.field_type == FieldType::Duration
                            && parse_duration(&o.value)
                                .ok()
                                .is_some_and(|s| parse_duration(init).ok() == Some(s)))
                };
                if let Some(o) = options.iter().take(MAX_OPTIONS).find(same) {
                    el["initial_option"] = option(&o.value, &o.label);
                }
            }
            el
        }
        None => match field.field_type {
            FieldType::String => text_input(initial.as_deref(), None),
            FieldType::Duration => text_input(initial.as_deref(), Some("e.g. 30m, 1h, 1d")),
            FieldType::StrList | FieldType::IntList => {
                hint = Some("Separate values with commas.");
                text_input(initial.as_deref(), None)
            }
            FieldType::Int => {
                let mut el = json!({ "type": "number_input", "action_id": VALUE_ACTION_ID, "is_decimal_allowed": false });
                if let Some(v) = initial
                    .as_deref()
                    .filter(|v| v.trim().parse::<i64>().is_ok())
                {
                    el["initial_value"] = Value::String(v.trim().to_string());
                }
                el
            }
            FieldType::Bool => {
                // An unticked box is a valid "no".
                optional = true;
                let yes = option("true", "Yes");
                let mut el = json!({ "type": "checkboxes", "action_id": VALUE_ACTION_ID, "options": [yes.clone()] });
                if initial.as_deref().is_some_and(|v| {
                    matches!(v.to_ascii_lowercase().as_str(), "true" | "yes" | "1")
                }) {
                    el["initial_options"] = json!([yes]);
                }
                el
            }
            FieldType::SlackUser => {
                let mut el = json!({ "type": "users_select", "action_id": VALUE_ACTION_ID, "placeholder": plain("Choose a person…") });
                if let Some(Value::Object(o)) = opts.initial.get(&field.name) {
                    if let Some(id) = o.get("user_id").and_then(Value::as_str) {
                        el["initial_user"] = Value::String(id.to_string());
                    }
                }
                el
            }
            FieldType::SlackUserList => {
                let mut el = json!({ "type": "multi_users_select", "action_id": VALUE_ACTION_ID, "placeholder": plain("Choose people…") });
                if let Some(Value::Array(items)) = opts.initial.get(&field.name) {
                    let ids: Vec<Value> = items
                        .iter()
                        .filter_map(|i| i.get("user_id").cloned())
                        .collect();
                    if !ids.is_empty() {
                        el["initial_users"] = Value::Array(ids);
                    }
                }
                el
            }
        },
    };
    let mut block = json!({
        "type": "input",
        "block_id": block_id,
        "label": plain(&label),
        "optional": optional,
        "element": element,
    });
    if let Some(h) = hint {
        block["hint"] = plain(h);
    }
    block
}

fn text_input(initial: Option<&str>, placeholder: Option<&str>) -> Value {
    let mut el = json!({ "type": "plain_text_input", "action_id": VALUE_ACTION_ID });
    if let Some(v) = initial {
        el["initial_value"] = Value::String(v.to_string());
    }
    if let Some(p) = placeholder {
        el["placeholder"] = plain(p);
    }
    el
}

/// Accept either `view.state` or `view.state.values`.
fn values_of(state: &Value) -> &Value {
    state.get("values").unwrap_or(state)
}

/// The raw value of one element of `state.values`, as Slack sent it.
fn element_value(el: &Value) -> Value {
    match el.get("type").and_then(Value::as_str).unwrap_or("") {
        "static_select" | "external_select" | "radio_buttons" => el
            .pointer("/selected_option/value")
            .cloned()
            .unwrap_or(Value::Null),
        "multi_static_select" | "multi_external_select" => Value::Array(
            el.get("selected_options")
                .and_then(Value::as_array)
                .map(|opts| {
                    opts.iter()
                        .filter_map(|o| o.get("value").cloned())
                        .collect()
                })
                .unwrap_or_default(),
        ),
        "checkboxes" => Value::Bool(
            el.get("selected_options")
                .and_then(Value::as_array)
                .is_some_and(|opts| !opts.is_empty()),
        ),
        "users_select" => el.get("selected_user").cloned().unwrap_or(Value::Null),
        "multi_users_select" => el.get("selected_users").cloned().unwrap_or(Value::Null),
        _ => el.get("value").cloned().unwrap_or(Value::Null),
    }
}

/// Parse the submitted request modal into canonical field values, or errors keyed by
/// `block_id` (ready for [`errors_response`]).
pub fn parse_request_submission(
    spec: &FlowSpec,
    state: &Value,
) -> Result<Map<String, Value>, BTreeMap<String, String>> {
    let values = values_of(state);
    let mut raw = Map::new();
    for field in spec.effective_prompt_fields().iter().filter(|f| f.visible) {
        let el = values
            .get(field_block_id(&field.name))
            .and_then(|b| b.get(VALUE_ACTION_ID));
        if let Some(el) = el {
            raw.insert(field.name.clone(), element_value(el));
        }
    }
    validate_fields(spec, &raw).map_err(|errors| block_errors(&errors))
}

fn block_errors(errors: &[FieldError]) -> BTreeMap<String, String> {
    errors
        .iter()
        .map(|e| (field_block_id(&e.field), truncate(&e.message, 150)))
        .collect()
}

/// `{"response_action": "errors", "errors": {block_id: message}}`.
pub fn errors_response(errors: &BTreeMap<String, String>) -> Value {
    json!({ "response_action": "errors", "errors": errors })
}

/// The same, from the engine's field errors (e.g. a refused [`crate::Input::Request`]).
pub fn field_errors_response(errors: &[FieldError]) -> Value {
    errors_response(&block_errors(errors))
}

/// The block ids of inputs, for callers that need to tell field blocks apart.
pub fn is_field_block(block_id: &str) -> bool {
    block_id.starts_with(FIELD_BLOCK_PREFIX)
}

/// The flow picker shown by `/sym` without (or with an unknown) flow name.
pub fn flow_picker_modal(flows: &[FlowChoice]) -> Value {
    let options: Vec<Value> = flows
        .iter()
        .take(MAX_OPTIONS)
        .map(|f| {
            option(
                &f.name,
                if f.label.trim().is_empty() {
                    &f.name
                } else {
                    &f.label
                },
            )
        })
        .collect();
    let blocks = if options.is_empty() {
        vec![json!({
            "type": "section",
            "text": mrkdwn("There are no flows you can request right now. Ask an admin if you think that's wrong."),
        })]
    } else {
        vec![json!({
            "type": "input",
            "block_id": FLOW_PICKER_BLOCK_ID,
            "label": plain("What do you need access to?"),
            "element": {
                "type": "static_select",
                "action_id": VALUE_ACTION_ID,
                "placeholder": plain("Choose a flow…"),
                "options": options,
            },
        })]
    };
    let mut view = json!({
        "type": "modal",
        "callback_id": FLOW_PICKER_CALLBACK_ID,
        "title": plain("Request access"),
        "close": plain("Cancel"),
        "blocks": blocks,
    });
    if !flows.is_empty() {
        view["submit"] = plain("Next");
    }
    view
}

/// The flow name chosen in the picker.
pub fn parse_flow_pick(state: &Value) -> Option<String> {
    values_of(state)
        .get(FLOW_PICKER_BLOCK_ID)
        .and_then(|b| b.get(VALUE_ACTION_ID))
        .and_then(|el| el.pointer("/selected_option/value"))
        .and_then(Value::as_str)
        .map(str::to_string)
}
