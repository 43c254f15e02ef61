//! `symflow validate`'s check of the SDK integrations a flow calls that symflow does not carry
//! out yet (`jira.create_issue`, `google.is_user_in_group`, ...). Those modules import, so a
//! real Sym `impl.py` loads unchanged, but every call raises the module's `SymException` with
//! code `NOT_AVAILABLE`. Saying so at validate time, at the call's `file:line`, beats learning
//! it from the error channel when the first request comes.

use crate::diagnostic::{Diagnostic, SourceLocation};
use crate::model::{Config, PythonSource};

/// The `sym.sdk.integrations` modules whose calls raise `NOT_AVAILABLE`, with the exception.
pub const NOT_AVAILABLE_INTEGRATIONS: &[(&str, &str)] = &[
    ("aws_iam", "AWSIAMError"),
    ("aws_sso", "AWSSSOError"),
    ("google", "GoogleError"),
    ("onelogin", "OneLoginError"),
    ("knowbe4", "KnowBe4Error"),
    ("boundary", "BoundaryError"),
    ("jira", "JiraError"),
];

/// One call of an unavailable integration: `module.function` at `line`.
#[derive(Debug, PartialEq, Eq)]
struct UnavailableCall {
    line: usize,
    module: &'static str,
    function: String,
}

/// The code part of a line: without a `#` comment (outside a string, roughly).
fn code_of(line: &str) -> &str {
    let mut quote: Option<char> = None;
    for (at, c) in line.char_indices() {
        match (quote, c) {
            (None, '#') => return &line[..at],
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            _ => {}
        }
    }
    line
}

/// A name bound to an unavailable module: `(alias, module)`.
type ModuleAlias = (String, &'static str);
/// A function imported from an unavailable module: `(alias, module, function)`.
type FunctionAlias = (String, &'static str, String);

/// Names bound to unavailable modules by `from sym.sdk.integrations import jira [as j], ...`
/// (parenthesised lists over several lines included), and functions imported directly by
/// `from sym.sdk.integrations.jira import create_issue [as c]`.
fn imported_names(source: &str) -> (Vec<ModuleAlias>, Vec<FunctionAlias>) {
    let mut modules = Vec::new();
    let mut functions = Vec::new();
    let mut lines = source.lines().map(code_of);
    while let Some(line) = lines.next() {
        let line = line.trim();
        let Some(rest) = line.strip_prefix("from sym.sdk.integrations") else {
            continue;
        };
        let (submodule, names) = match rest.split_once(" import ") {
            Some((sub, names)) => (sub.trim().trim_start_matches('.'), names.trim()),
            None => continue,
        };
        let mut names = names.to_string();
        if names.starts_with('(') && !names.contains(')') {
            for more in lines.by_ref() {
                names.push(' ');
                names.push_str(more.trim());
                if more.contains(')') {
                    break;
                }
            }
        }
        let names = names.trim_matches(|c| c == '(' || c == ')' || c == ' ');
        for item in names.split(',') {
            let mut parts = item.split_whitespace();
            let Some(name) = parts.next() else { continue };
            let bound = match (parts.next(), parts.next()) {
                (Some("as"), Some(alias)) => alias.to_string(),
                _ => name.to_string(),
            };
            if submodule.is_empty() {
                if let Some((module, _)) =
                    NOT_AVAILABLE_INTEGRATIONS.iter().find(|(m, _)| *m == name)
                {
                    modules.push((bound, *module));
                }
            } else if let Some((module, _)) = NOT_AVAILABLE_INTEGRATIONS
                .iter()
                .find(|(m, _)| *m == submodule)
            {
                functions.push((bound, *module, name.to_string()));
            }
        }
    }
    (modules, functions)
}

/// Every call `alias.function(` or `function(` of an unavailable integration in `source`.
fn unavailable_calls(source: &str) -> Vec<UnavailableCall> {
    let (modules, functions) = imported_names(source);
    let mut calls = Vec::new();
    for (index, line) in source.lines().enumerate() {
        let code = code_of(line);
        if code.trim_start().starts_with("from ") || code.trim_start().starts_with("import ") {
            continue;
        }
        for (alias, module) in &modules {
            let needle = format!("{alias}.");
            let mut rest = code;
            while let Some(at) = rest.find(&needle) {
                let before_ok = rest[..at]
                    .chars()
                    .last()
                    .is_none_or(|c| !(c.is_alphanumeric() || c == '_' || c == '.'));
                let after = &rest[at + needle.len()..];
                let function: String = after
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if before_ok && !function.is_empty() && after[function.len()..].starts_with('(') {
                    calls.push(UnavailableCall {
                        line: index + 1,
                        module,
                        function,
                    });
                }
                rest = after;
            }
        }
        for (bound, module, function) in &functions {
            let needle = format!("{bound}(");
            if let Some(at) = code.find(&needle) {
                let before_ok = code[..at]
                    .chars()
                    .last()
                    .is_none_or(|c| !(c.is_alphanumeric() || c == '_' || c == '.'));
                if before_ok {
                    calls.push(UnavailableCall {
                        line: index + 1,
                        module,
                        function: function.clone(),
                    });
                }
            }
        }
    }
    calls
}

/// A warning per call of an unavailable SDK integration in every flow's (and custom
/// strategy's) Python.
pub(crate) fn check(config: &Config) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    let mut sources: Vec<(&PythonSource, SourceLocation)> = Vec::new();
    for flow in config.flows.values() {
        sources.push((&flow.implementation, flow.meta.location.clone()));
    }
    for strategy in config.strategies.values() {
        if let Some(implementation) = &strategy.implementation {
            sources.push((implementation, strategy.meta.location.clone()));
        }
    }
    for (source, declared_at) in sources {
        for call in unavailable_calls(&source.source) {
            let exception = NOT_AVAILABLE_INTEGRATIONS
                .iter()
                .find(|(m, _)| *m == call.module)
                .map(|(_, e)| *e)
                .unwrap_or("SymException");
            let location = match &source.path {
                Some(path) => SourceLocation {
                    file: path.clone(),
                    line: call.line,
                },
                None => declared_at.clone(),
            };
            diagnostics.push(
                Diagnostic::warning(
                    Some(location),
                    format!(
                        "{}.{} is not carried out by symflow yet: the call raises {exception} (NOT_AVAILABLE) when the flow runs",
                        call.module, call.function
                    ),
                )
                .with_fix(format!(
                    "call the service's API with `requests` (allowed by an integration's allowed_hosts), or keep the call inside a try/except {exception}"
                )),
            );
        }
    }
    diagnostics
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn module_and_function_imports_are_found_with_their_lines() {
        let source = r##"from sym.sdk.annotations import hook
from sym.sdk.integrations import (
    slack,
    jira as tickets,
)
from sym.sdk.integrations.google import is_user_in_group

# tickets.create_issue("in a comment") does not count
@hook
def on_request(event):
    key = tickets.create_issue(title="x", project_key="OPS")
    if is_user_in_group(event.user, group="sre@example.com"):
        slack.send_message(slack.channel("#x"), key)
"##;
        assert_eq!(
            unavailable_calls(source),
            vec![
                UnavailableCall {
                    line: 11,
                    module: "jira",
                    function: "create_issue".into()
                },
                UnavailableCall {
                    line: 12,
                    module: "google",
                    function: "is_user_in_group".into()
                },
            ]
        );
    }

    #[test]
    fn available_integrations_are_not_named() {
        let source = "from sym.sdk.integrations import slack, okta\nokta.is_user_in_group(u, group_id='g')\n";
        assert!(unavailable_calls(source).is_empty());
    }
}
