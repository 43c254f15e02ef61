//! Helpers for the functions' table-driven tests: build values from JSON literals and call
//! functions through the public dispatcher, as the evaluator does.

use std::collections::BTreeMap;
use std::path::Path;

use super::{call, FunctionEnv};
use crate::tf::value::Value;

/// A value from a JSON literal.
pub(super) fn v(json: serde_json::Value) -> Value {
    Value::from_json(&json)
}

/// A test stand-in for the evaluator's template rendering: replaces `${name}` with the
/// variable's string form.
fn render(text: &str, vars: &BTreeMap<String, Value>) -> Result<Value, String> {
    let mut out = text.to_owned();
    for (name, value) in vars {
        let shown = value
            .to_tf_string()
            .ok_or_else(|| format!("cannot render {name}"))?;
        out = out.replace(&format!("${{{name}}}"), &shown);
    }
    if out.contains("${") {
        return Err("undefined variable in template".into());
    }
    Ok(Value::String(out))
}

/// Calls `name` with `args`, relative paths resolving against `cwd`.
pub(super) fn call_in(cwd: &Path, name: &str, args: Vec<Value>) -> Result<Value, String> {
    let env = FunctionEnv {
        cwd,
        render_template: &render,
    };
    call(name, args, &env)
}

/// Calls `name` with `args` (a JSON array).
pub(super) fn run(name: &str, args: serde_json::Value) -> Result<Value, String> {
    let args = match args {
        serde_json::Value::Array(items) => items.iter().map(Value::from_json).collect(),
        other => panic!("arguments must be a JSON array, got {other}"),
    };
    call_in(Path::new("/"), name, args)
}

/// Asserts that each `(name, args, want)` case returns `want`.
pub(super) fn check_ok(cases: &[(&str, serde_json::Value, serde_json::Value)]) {
    for (name, args, want) in cases {
        let got = run(name, args.clone());
        assert_eq!(got, Ok(v(want.clone())), "{name}({args})");
    }
}

/// Asserts that each `(name, args, message)` case fails with an error containing `message`.
pub(super) fn check_err(cases: &[(&str, serde_json::Value, &str)]) {
    for (name, args, message) in cases {
        match run(name, args.clone()) {
            Err(err) => assert!(
                err.contains(message),
                "{name}({args}): error {err:?} does not contain {message:?}"
            ),
            Ok(value) => panic!("{name}({args}): expected an error, got {value}"),
        }
    }
}

/// An unknown value for tests.
pub(super) fn unknown() -> Value {
    Value::unknown("var.x")
}

/// A sensitive value for tests.
pub(super) fn secret(value: Value) -> Value {
    Value::Sensitive(Box::new(value))
}

/// Calls `name` with already built values, relative paths resolving against `/`.
pub(super) fn call_v(name: &str, args: Vec<Value>) -> Result<Value, String> {
    call_in(Path::new("/"), name, args)
}
