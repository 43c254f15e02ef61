//! `symflow validate`'s check of the URLs a flow's Python writes out literally
//! (`requests.get("https://api.partner.example/...")`): a host that no `allowed_hosts`
//! setting of the flow's environment allows would be refused at run time, so validate says so
//! now, at the impl's `file:line`, naming the integration setting to change.
//!
//! Only string literals in code count: comments and docstrings (triple-quoted strings) often
//! cite documentation URLs that are never called.

use crate::diagnostic::{Diagnostic, SourceLocation};
use crate::hosts::AllowList;
use crate::model::{Config, Integration, PythonSource};

/// A URL found in code: its line and host.
#[derive(Debug, PartialEq, Eq)]
struct LiteralUrl {
    line: usize,
    host: String,
}

/// The `http(s)://host` URLs inside single-line string literals of `source` (not in comments
/// or triple-quoted strings). Hosts with a template part (`{region}`) are skipped.
fn literal_urls(source: &str) -> Vec<LiteralUrl> {
    let mut out = Vec::new();
    let mut in_triple: Option<&str> = None;
    for (index, line) in source.lines().enumerate() {
        let mut rest = line;
        loop {
            if let Some(delimiter) = in_triple {
                match rest.find(delimiter) {
                    Some(end) => {
                        rest = &rest[end + 3..];
                        in_triple = None;
                    }
                    None => break,
                }
                continue;
            }
            // The next comment, triple quote or single-quoted string on this line.
            let comment = rest.find('#');
            let triple = ["\"\"\"", "'''"]
                .iter()
                .filter_map(|d| rest.find(d).map(|at| (at, *d)))
                .min();
            let quote = rest.find(['"', '\'']);
            match (comment, triple, quote) {
                (Some(c), _, q) if q.is_none_or(|q| c < q) => break,
                (_, Some((at, delimiter)), Some(q)) if at == q => {
                    rest = &rest[at + 3..];
                    in_triple = Some(delimiter);
                }
                (_, _, Some(q)) => {
                    let quote_char = rest.as_bytes()[q] as char;
                    let after = &rest[q + 1..];
                    let end = after.find(quote_char).unwrap_or(after.len());
                    collect_urls(&after[..end], index + 1, &mut out);
                    rest = after.get(end + 1..).unwrap_or("");
                }
                _ => break,
            }
        }
    }
    out
}

fn collect_urls(literal: &str, line: usize, out: &mut Vec<LiteralUrl>) {
    for scheme in ["https://", "http://"] {
        let mut text = literal;
        while let Some(at) = text.find(scheme) {
            let after = &text[at + scheme.len()..];
            let host: String = after
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '.' || *c == '-')
                .collect();
            let templated = after[host.len()..].starts_with('{');
            if !host.is_empty() && !templated && host.contains('.') {
                out.push(LiteralUrl {
                    line,
                    host: host.to_ascii_lowercase(),
                });
            }
            text = &after[host.len()..];
        }
    }
}

/// The hosts the integrations allow.
fn allowed_by<'a>(integrations: impl IntoIterator<Item = &'a Integration>) -> AllowList {
    let mut allow = AllowList::new();
    for integration in integrations {
        if let Some(hosts) = integration
            .settings
            .get("allowed_hosts")
            .and_then(|v| v.as_text())
        {
            allow.extend_from_text(hosts);
        }
    }
    allow
}

/// Warnings for every literal URL of every flow (and custom strategy) whose host the flow's
/// environment does not allow.
pub(crate) fn check(config: &Config) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    for flow in config.flows.values() {
        let resolved = config.resolve_flow(flow);
        let Some(environment) = resolved.environment else {
            continue;
        };
        let mut integrations: Vec<&Integration> = resolved.integrations.values().copied().collect();
        let mut sources: Vec<&PythonSource> = vec![&flow.implementation];
        if let Some(strategy) = &resolved.strategy {
            if strategy.strategy.strategy_type == "custom" {
                integrations.extend(strategy.integration);
                sources.extend(strategy.strategy.implementation.as_ref());
            }
        }
        let allow = allowed_by(integrations.iter().copied());
        let suggestion = integrations
            .iter()
            .find(|i| i.settings.contains_key("allowed_hosts"))
            .or_else(|| integrations.iter().find(|i| i.integration_type == "custom"))
            .or_else(|| integrations.first());
        for source in sources {
            let Some(path) = &source.path else { continue };
            for url in literal_urls(&source.source) {
                if allow.allows(&url.host) {
                    continue;
                }
                let fix = match suggestion {
                    Some(integration) => format!(
                        "add \"{}\" to the `allowed_hosts` setting of {} ({}): settings = {{ allowed_hosts = \"{}\" }} (comma-separated; \"*.domain\" allows subdomains)",
                        url.host, integration.meta.address, integration.meta.location, url.host
                    ),
                    None => format!(
                        "give {} ({}) an integration whose settings have allowed_hosts = \"{}\"",
                        environment.meta.address, environment.meta.location, url.host
                    ),
                };
                let diagnostic = Diagnostic::warning(
                    Some(SourceLocation {
                        file: path.clone(),
                        line: url.line,
                    }),
                    format!(
                        "{} calls {}, which no `allowed_hosts` setting of {} allows: the call will be refused when the flow runs",
                        flow.meta.address, url.host, environment.meta.address
                    ),
                )
                .with_fix(fix);
                if !diagnostics.contains(&diagnostic) {
                    diagnostics.push(diagnostic);
                }
            }
        }
    }
    diagnostics
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_urls_in_code_strings_but_not_in_comments_or_docstrings() {
        let source = r#"
def api_request(api_path):
    """
    Hit the given path. For details: https://portal.example.com/docs.html
    """
    # see https://status.example.com
    response = requests.get(
        f"https://api.victorops.com/api-public/{api_path}",
        headers={"Accept": "application/json"},
    )
    other = requests.post('http://hooks.internal.example/x')  # https://ignored.example
    templated = f"https://{region}.example.com/x"
    return "https://"
"#;
        let urls = literal_urls(source);
        assert_eq!(
            urls,
            vec![
                LiteralUrl {
                    line: 8,
                    host: "api.victorops.com".into()
                },
                LiteralUrl {
                    line: 11,
                    host: "hooks.internal.example".into()
                },
            ]
        );
    }
}
