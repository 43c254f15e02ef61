//! Checking and normalising a request's field values against the flow's prompt fields.
//!
//! Values arrive loosely typed (API callers send `"1h"` or `3600`, `"true"` or `true`)
//! and leave in one canonical JSON form per type, so hooks, cards and audit events
//! all see the same thing:
//!
//! | type | canonical value |
//! |---|---|
//! | `string` | string |
//! | `int` | integer |
//! | `bool` | boolean |
//! | `duration` | integer seconds |
//! | `slack_user` | `{"user_id": "U…", "username": null}` |
//! | `slack_user_list` | list of those |
//! | `str_list` / `int_list` | list of strings / integers |
//!
//! The `target_id` field of a strategy flow is checked against the strategy's
//! targets, and `target` (the chosen target's name, srn, type, label, settings) is
//! added next to it, as in Sym's payloads.

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::duration::parse_duration;
use crate::spec::{FieldType, FlowSpec, PromptFieldSpec, TargetSpec};

/// Why one field's value was refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

/// Check `input` against `spec.effective_prompt_fields()`: apply defaults, enforce
/// required visible fields and allowed values, convert each value to its canonical
/// form. Keys that are not prompt fields are dropped (except `target_srn`, which
/// selects a target by SRN).
pub fn validate_fields(
    spec: &FlowSpec,
    input: &Map<String, Value>,
) -> Result<Map<String, Value>, Vec<FieldError>> {
    let mut out = Map::new();
    let mut errors = Vec::new();
    for field in spec.effective_prompt_fields() {
        let given = input.get(&field.name).filter(|v| !is_blank(v));
        let given = match (given, field.name.as_str(), input.get("target_srn")) {
            (None, "target_id", Some(Value::String(srn))) => {
                match spec
                    .targets
                    .iter()
                    .find(|t| t.srn.eq_ignore_ascii_case(srn))
                {
                    Some(t) => Some(Value::String(t.id.clone())),
                    None => {
                        errors.push(FieldError {
                            field: field.name.clone(),
                            message: format!("No target of this flow has the SRN `{srn}`."),
                        });
                        continue;
                    }
                }
            }
            (given, _, _) => given.cloned(),
        };
        let value = match given {
            Some(v) => v,
            None => match &field.default {
                Some(default) if !default.is_empty() => Value::String(default.clone()),
                _ => {
                    if field.required && field.visible {
                        errors.push(FieldError {
                            field: field.name.clone(),
                            message: format!("{} is required.", field.display_label()),
                        });
                    }
                    continue;
                }
            },
        };
        match coerce(spec, &field, &value) {
            Ok(v) => {
                out.insert(field.name.clone(), v);
            }
            Err(message) => errors.push(FieldError {
                field: field.name.clone(),
                message,
            }),
        }
    }
    // A strategy with a single target needs no choice.
    if spec.has_strategy && !out.contains_key("target_id") && spec.targets.len() == 1 {
        out.insert(
            "target_id".into(),
            Value::String(spec.targets[0].id.clone()),
        );
    }
    if let Some(target) = out
        .get("target_id")
        .and_then(Value::as_str)
        .and_then(|id| spec.target(id))
    {
        out.insert("target".into(), target_json(target));
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// The `target` object of payloads and audit events.
pub fn target_json(target: &TargetSpec) -> Value {
    json!({
        "id": target.id,
        "name": target.name,
        "srn": target.srn,
        "type": target.target_type,
        "label": target.display_label(),
        "settings": target.settings,
    })
}

fn is_blank(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

/// Convert one value to the canonical form of `field`'s type.
pub fn coerce(spec: &FlowSpec, field: &PromptFieldSpec, value: &Value) -> Result<Value, String> {
    let label = field.display_label();
    if field.name == "target_id" && !spec.targets.is_empty() {
        let s =
            as_text(value).ok_or_else(|| format!("{label}: choose one of the listed targets."))?;
        let found = spec.targets.iter().find(|t| t.id == s).or_else(|| {
            spec.targets
                .iter()
                .find(|t| t.name == s || t.srn.eq_ignore_ascii_case(&s))
        });
        return match found {
            Some(t) => Ok(Value::String(t.id.clone())),
            None => Err(format!("{label}: `{s}` is not one of this flow's targets.")),
        };
    }
    let v = match field.field_type {
        FieldType::String => {
            let s = as_text(value).ok_or_else(|| format!("{label} must be text."))?;
            check_allowed(field, &s)?;
            Value::String(s)
        }
        FieldType::Int => {
            let n = as_int(value).ok_or_else(|| format!("{label} must be a whole number."))?;
            check_allowed(field, &n.to_string())?;
            json!(n)
        }
        FieldType::Bool => {
            Value::Bool(as_bool(value).ok_or_else(|| format!("{label} must be yes or no."))?)
        }
        FieldType::Duration => {
            let secs = match value {
                Value::Number(n) => n
                    .as_u64()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| format!("{label} must be a positive number of seconds."))?,
                Value::String(s) => parse_duration(s).map_err(|e| format!("{label}: {e}."))?,
                _ => return Err(format!("{label} must be a duration like 30m, 1h or 1d.")),
            };
            if let Some(allowed) = &field.allowed_values {
                let ok = allowed.iter().any(|a| parse_duration(a).ok() == Some(secs));
                if !ok {
                    return Err(format!("{label} must be one of: {}.", allowed.join(", ")));
                }
            }
            json!(secs)
        }
        FieldType::SlackUser => {
            slack_user(value).ok_or_else(|| format!("{label} must be a Slack user."))?
        }
        FieldType::SlackUserList => {
            let items = list_items(value);
            let users: Option<Vec<Value>> = items.iter().map(slack_user).collect();
            Value::Array(users.ok_or_else(|| format!("{label} must be a list of Slack users."))?)
        }
        FieldType::StrList => {
            let mut out = Vec::new();
            for item in list_items(value) {
                let s = as_text(&item)
                    .ok_or_else(|| format!("{label} must be a list of text values."))?;
                check_allowed(field, &s)?;
                out.push(Value::String(s));
            }
            Value::Array(out)
        }
        FieldType::IntList => {
            let mut out = Vec::new();
            for item in list_items(value) {
                let n = as_int(&item)
                    .ok_or_else(|| format!("{label} must be a list of whole numbers."))?;
                check_allowed(field, &n.to_string())?;
                out.push(json!(n));
            }
            Value::Array(out)
        }
    };
    Ok(v)
}

fn check_allowed(field: &PromptFieldSpec, text: &str) -> Result<(), String> {
    match &field.allowed_values {
        Some(allowed) if !field.prefetch && !allowed.iter().any(|a| a == text) => Err(format!(
            "{}: `{text}` is not allowed; choose one of: {}.",
            field.display_label(),
            allowed.join(", ")
        )),
        _ => Ok(()),
    }
}

fn as_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn as_int(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn as_bool(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "true" | "yes" | "y" | "1" | "on" => Some(true),
            "false" | "no" | "n" | "0" | "off" => Some(false),
            _ => None,
        },
        Value::Number(n) => n.as_i64().map(|n| n != 0),
        _ => None,
    }
}

/// A list given as a JSON array or as comma-separated text.
fn list_items(v: &Value) -> Vec<Value> {
    match v {
        Value::Array(items) => items.clone(),
        Value::String(s) => s
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| Value::String(s.to_string()))
            .collect(),
        other => vec![other.clone()],
    }
}

fn slack_user(v: &Value) -> Option<Value> {
    match v {
        Value::String(s) if !s.trim().is_empty() => {
            let id = s.trim().trim_start_matches("<@").trim_end_matches('>');
            Some(json!({ "user_id": id, "username": Value::Null }))
        }
        Value::Object(o) => {
            let id = o.get("user_id").and_then(Value::as_str)?;
            Some(
                json!({ "user_id": id, "username": o.get("username").cloned().unwrap_or(Value::Null) }),
            )
        }
        _ => None,
    }
}
