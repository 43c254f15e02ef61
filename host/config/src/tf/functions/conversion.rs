//! Terraform's type conversion functions (`tostring`, `tonumber`, `tobool`, `tolist`,
//! `toset`, `tomap`, `ephemeralasnull`) and the built-in `terraform` provider's functions
//! (`provider::terraform::encode_tfvars`, `decode_tfvars`, `encode_expr`).

use std::collections::BTreeMap;

use super::collection::{to_set, unify};
use super::{fixed, parse_number, string, FunctionEnv};
use crate::tf::value::{format_number, Value};

/// Terraform's name for a value's type in conversion errors.
fn type_word(value: &Value) -> &'static str {
    match value {
        Value::List(_) => "tuple",
        Value::Map(_) => "object",
        other => other.type_name(),
    }
}

pub(super) fn tostring(args: &[Value], _: &FunctionEnv) -> Result<Value, String> {
    let [value] = fixed(args)?;
    match value {
        Value::Null => Ok(Value::Null),
        other => other
            .to_tf_string()
            .map(Value::String)
            .ok_or_else(|| format!("cannot convert {} to string", type_word(other))),
    }
}

pub(super) fn tonumber(args: &[Value], _: &FunctionEnv) -> Result<Value, String> {
    let [value] = fixed(args)?;
    match value {
        Value::Null => Ok(Value::Null),
        Value::Number(n) => Ok(Value::Number(*n)),
        Value::String(s) => parse_number(s).map(Value::Number).ok_or_else(|| {
            format!(
                "cannot convert {s:?} to number; given string must be a decimal \
                 representation of a number"
            )
        }),
        other => Err(format!("cannot convert {} to number", type_word(other))),
    }
}

pub(super) fn tobool(args: &[Value], _: &FunctionEnv) -> Result<Value, String> {
    let [value] = fixed(args)?;
    match value {
        Value::Null => Ok(Value::Null),
        Value::Bool(b) => Ok(Value::Bool(*b)),
        Value::String(s) if s == "true" => Ok(Value::Bool(true)),
        Value::String(s) if s == "false" => Ok(Value::Bool(false)),
        Value::String(s) => Err(format!(
            "cannot convert {s:?} to bool; only the strings \"true\" or \"false\" are allowed"
        )),
        other => Err(format!("cannot convert {} to bool", type_word(other))),
    }
}

/// Checks that the elements can share one type: all primitives (then unified), or all
/// collections.
fn single_type(items: &[Value], target: &str) -> Result<(), String> {
    let primitive = |v: &Value| matches!(v, Value::String(_) | Value::Number(_) | Value::Bool(_));
    let known: Vec<&Value> = items
        .iter()
        .filter(|v| !v.is_null() && !v.is_unknown())
        .collect();
    let primitives = known.iter().filter(|v| primitive(v)).count();
    if primitives != 0 && primitives != known.len() {
        return Err(format!("cannot convert {target} of any single type"));
    }
    Ok(())
}

pub(super) fn tolist(args: &[Value], _: &FunctionEnv) -> Result<Value, String> {
    let [value] = fixed(args)?;
    match value {
        Value::Null => Ok(Value::Null),
        Value::List(items) => {
            single_type(items, "tuple to list")?;
            Ok(Value::List(unify(items.clone())))
        }
        other => Err(format!(
            "cannot convert {} to list of any single type",
            type_word(other)
        )),
    }
}

pub(super) fn toset(args: &[Value], _: &FunctionEnv) -> Result<Value, String> {
    let [value] = fixed(args)?;
    match value {
        Value::Null => Ok(Value::Null),
        Value::List(items) => {
            single_type(items, "tuple to set")?;
            Ok(to_set(items.clone()).map_or_else(|unknown| unknown, Value::List))
        }
        other => Err(format!(
            "cannot convert {} to set of any single type",
            type_word(other)
        )),
    }
}

pub(super) fn tomap(args: &[Value], _: &FunctionEnv) -> Result<Value, String> {
    let [value] = fixed(args)?;
    match value {
        Value::Null => Ok(Value::Null),
        Value::Map(map) => {
            let values: Vec<Value> = map.values().cloned().collect();
            single_type(&values, "object to map")?;
            Ok(Value::Map(map.keys().cloned().zip(unify(values)).collect()))
        }
        other => Err(format!(
            "cannot convert {} to map of any single type",
            type_word(other)
        )),
    }
}

/// symflow has no ephemeral values, so every value is returned as it is.
pub(super) fn ephemeralasnull(args: &[Value], _: &FunctionEnv) -> Result<Value, String> {
    let [value] = fixed(args)?;
    Ok(value.clone())
}

// ---- provider::terraform:: ----------------------------------------------------------------

/// Whether `name` is an HCL identifier (`a`, `_x`, `my-var2`).
fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_' || c == '-')
}

fn hcl_string(s: &str, out: &mut String) {
    out.push('"');
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' | '%' if chars.peek() == Some(&'{') => {
                out.push(c);
                out.push(c);
            }
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// A value as an HCL expression, formatted as `terraform fmt` would: objects one attribute a
/// line with the `=` aligned, tuples on one line.
fn hcl_expr(value: &Value, indent: usize, out: &mut String) {
    match value {
        Value::Null | Value::Unknown(_) => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&format_number(*n)),
        Value::String(s) => hcl_string(s, out),
        Value::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                hcl_expr(item, indent, out);
            }
            out.push(']');
        }
        Value::Map(map) if map.is_empty() => out.push_str("{}"),
        Value::Map(map) => {
            out.push_str("{\n");
            hcl_attributes(map, indent + 2, out);
            out.push_str(&" ".repeat(indent));
            out.push('}');
        }
        Value::Sensitive(inner) => hcl_expr(inner, indent, out),
    }
}

fn hcl_attributes(map: &BTreeMap<String, Value>, indent: usize, out: &mut String) {
    let key_text = |key: &str| {
        if is_identifier(key) {
            key.to_owned()
        } else {
            let mut quoted = String::new();
            hcl_string(key, &mut quoted);
            quoted
        }
    };
    let width = map
        .keys()
        .map(|k| key_text(k).chars().count())
        .max()
        .unwrap_or(0);
    for (key, value) in map {
        let key = key_text(key);
        out.push_str(&" ".repeat(indent));
        out.push_str(&key);
        out.push_str(&" ".repeat(width - key.chars().count()));
        out.push_str(" = ");
        hcl_expr(value, indent, out);
        out.push('\n');
    }
}

pub(super) fn encode_expr(args: &[Value], _: &FunctionEnv) -> Result<Value, String> {
    let [value] = fixed(args)?;
    let mut out = String::new();
    hcl_expr(value, 0, &mut out);
    Ok(Value::String(out))
}

pub(super) fn encode_tfvars(args: &[Value], _: &FunctionEnv) -> Result<Value, String> {
    let [value] = fixed(args)?;
    let map = match value {
        Value::Map(map) => map,
        Value::Null => return Err("cannot encode a null value in tfvars syntax".into()),
        _ => return Err("value must be an object or a map".into()),
    };
    if let Some(bad) = map.keys().find(|k| !is_identifier(k)) {
        return Err(format!(
            "invalid variable name {bad:?}: must be a valid identifier, per Terraform's rules \
             for input variable declarations"
        ));
    }
    let mut out = String::new();
    hcl_attributes(map, 0, &mut out);
    Ok(Value::String(out))
}

pub(super) fn decode_tfvars(args: &[Value], _: &FunctionEnv) -> Result<Value, String> {
    use hcl::eval::Evaluate;
    let [text] = fixed(args)?;
    let text = string(text, "content")?;
    let body = hcl::parse(&text).map_err(|err| format!("invalid tfvars syntax: {err}"))?;
    if body.blocks().next().is_some() {
        return Err("invalid tfvars syntax: blocks are not allowed in tfvars".into());
    }
    let ctx = hcl::eval::Context::new();
    let mut out = BTreeMap::new();
    for attribute in body.attributes() {
        let value = attribute.expr.evaluate(&ctx).map_err(|err| {
            format!(
                "invalid expression for variable {:?}: {err} (tfvars may hold constant values \
                 only)",
                attribute.key.as_str()
            )
        })?;
        let json = serde_json::to_value(&value).map_err(|err| err.to_string())?;
        out.insert(attribute.key.to_string(), Value::from_json(&json));
    }
    Ok(Value::Map(out))
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use crate::tf::value::Value;
    use serde_json::json;

    #[test]
    fn documented_examples() {
        check_ok(&[
            ("tobool", json!([true]), json!(true)),
            ("tobool", json!(["false"]), json!(false)),
            ("tobool", json!([null]), json!(null)),
            ("tonumber", json!([1]), json!(1)),
            ("tonumber", json!(["1"]), json!(1)),
            ("tonumber", json!(["-1.5e2"]), json!(-150)),
            ("tonumber", json!([null]), json!(null)),
            ("tostring", json!(["hello"]), json!("hello")),
            ("tostring", json!([1]), json!("1")),
            ("tostring", json!([true]), json!("true")),
            ("tostring", json!([null]), json!(null)),
            ("tolist", json!([["a", "b", "c"]]), json!(["a", "b", "c"])),
            ("tolist", json!([["a", "b", 3]]), json!(["a", "b", "3"])),
            ("toset", json!([["a", "b", "c"]]), json!(["a", "b", "c"])),
            ("toset", json!([["a", "b", 3]]), json!(["3", "a", "b"])),
            ("toset", json!([["c", "b", "b"]]), json!(["b", "c"])),
            ("toset", json!([[10, 9, 10]]), json!([9, 10])),
            ("tomap", json!([{"a": 1, "b": 2}]), json!({"a": 1, "b": 2})),
            (
                "tomap",
                json!([{"a": "foo", "b": true}]),
                json!({"a": "foo", "b": "true"}),
            ),
            ("ephemeralasnull", json!([{"a": 1}]), json!({"a": 1})),
            (
                "provider::terraform::encode_tfvars",
                json!([{"example": "Hello!"}]),
                json!("example = \"Hello!\"\n"),
            ),
            (
                "provider::terraform::encode_tfvars",
                json!([{"a": 1, "long_name": [true, null], "o": {"k": "v"}}]),
                json!("a         = 1\nlong_name = [true, null]\no         = {\n  k = \"v\"\n}\n"),
            ),
            (
                "provider::terraform::decode_tfvars",
                json!(["example = \"Hello!\""]),
                json!({"example": "Hello!"}),
            ),
            (
                "provider::terraform::decode_tfvars",
                json!(["a = [1, 2]\nb = { c = true }\n"]),
                json!({"a": [1, 2], "b": {"c": true}}),
            ),
            (
                "provider::terraform::encode_expr",
                json!(["hello"]),
                json!("\"hello\""),
            ),
            (
                "provider::terraform::encode_expr",
                json!([true]),
                json!("true"),
            ),
            ("provider::terraform::encode_expr", json!([1]), json!("1")),
            (
                "provider::terraform::encode_expr",
                json!([["a", "b"]]),
                json!("[\"a\", \"b\"]"),
            ),
            (
                "provider::terraform::encode_expr",
                json!([{"a": 1}]),
                json!("{\n  a = 1\n}"),
            ),
            (
                "provider::terraform::encode_expr",
                json!(["${x} %{y}\n"]),
                json!("\"$${x} %%{y}\\n\""),
            ),
        ]);
    }

    #[test]
    fn errors() {
        check_err(&[
            (
                "tobool",
                json!(["yes"]),
                "only the strings \"true\" or \"false\" are allowed",
            ),
            ("tobool", json!([1]), "cannot convert number to bool"),
            (
                "tonumber",
                json!(["no"]),
                "given string must be a decimal representation",
            ),
            ("tostring", json!([["a"]]), "cannot convert tuple to string"),
            ("tolist", json!([{"a": 1}]), "cannot convert object to list"),
            (
                "tolist",
                json!([["a", ["b"]]]),
                "cannot convert tuple to list of any single type",
            ),
            ("tomap", json!([["a"]]), "cannot convert tuple to map"),
            (
                "provider::terraform::encode_tfvars",
                json!([{"not valid": 1}]),
                "invalid variable name",
            ),
            (
                "provider::terraform::decode_tfvars",
                json!(["a = var.b"]),
                "constant values only",
            ),
            (
                "provider::terraform::decode_tfvars",
                json!(["block {}"]),
                "blocks are not allowed",
            ),
        ]);
    }

    #[test]
    fn unknown_elements() {
        let list = Value::List(vec![v(json!("a")), unknown()]);
        let got = call_v("tolist", vec![list.clone()]).unwrap();
        assert!(got.as_list().unwrap()[1].is_unknown());
        assert!(call_v("toset", vec![list]).unwrap().is_unknown());
        assert!(call_v("tostring", vec![unknown()]).unwrap().is_unknown());
    }
}
