//! Checks made on a flow's Python before and after componentize-py sees it, so
//! that a mistake is reported as `file:line` with a fix instead of as a wasm
//! pre-initialisation failure.
//!
//! Imports are read line by line (indentation tells a function-level import
//! from a module-level one). That is enough for the import statements people
//! write, and the sandbox itself stays the real boundary: a module that slips
//! past this check still has no file system, environment or network.

use std::path::Path;

use crate::{BuildError, BuildWarning};

/// Which imports a flow may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ImportPolicy {
    /// Sym's rule: `sym.sdk`, `requests`, `json`, `datetime`, plus the pure
    /// standard-library modules listed in [`SAFE_STDLIB`].
    #[default]
    Sym,
    /// Any module that exists. For tests of the sandbox's own boundaries.
    Unrestricted,
}

/// Standard-library modules that compute and touch nothing outside the flow.
pub const SAFE_STDLIB: &[&str] = &[
    "__future__",
    "abc",
    "base64",
    "calendar",
    "collections",
    "copy",
    "dataclasses",
    "datetime",
    "decimal",
    "enum",
    "functools",
    "hashlib",
    "hmac",
    "itertools",
    "json",
    "math",
    "operator",
    "random",
    "re",
    "string",
    "textwrap",
    "time",
    "typing",
    "urllib",
    "uuid",
    "zoneinfo",
];

/// Modules Sym documents for flows.
pub const SYM_MODULES: &[&str] = &["sym", "requests"];

/// One import statement found in a source file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportLine {
    pub line: usize,
    pub module: String,
    pub nested: bool,
    pub text: String,
}

/// Every `import x` / `from x import y` line, with the top-level module name.
pub fn imports(source: &str) -> Vec<ImportLine> {
    let mut found = Vec::new();
    for (index, raw) in source.lines().enumerate() {
        let trimmed = raw.trim_start();
        let nested = trimmed.len() != raw.len();
        let rest = if let Some(rest) = trimmed.strip_prefix("import ") {
            rest
        } else if let Some(rest) = trimmed.strip_prefix("from ") {
            rest
        } else {
            continue;
        };
        // `import a, b as c` names several modules; `from x import y` one.
        let modules: Vec<&str> = if trimmed.starts_with("import ") {
            rest.split(',').collect()
        } else {
            rest.split_whitespace().next().into_iter().collect()
        };
        for module in modules {
            let name = module.split_whitespace().next().unwrap_or("");
            let top = name.split('.').next().unwrap_or("");
            if top.is_empty() || top.starts_with('#') {
                continue;
            }
            found.push(ImportLine {
                line: index + 1,
                module: top.to_string(),
                nested,
                text: trimmed.trim_end().to_string(),
            });
        }
    }
    found
}

/// Check imports against the policy; function-level imports become warnings.
pub fn check_imports(
    file: &Path,
    source: &str,
    policy: ImportPolicy,
    local_modules: &[String],
    errors: &mut Vec<BuildError>,
    warnings: &mut Vec<BuildWarning>,
) {
    for import in imports(source) {
        let allowed = SYM_MODULES.contains(&import.module.as_str())
            || SAFE_STDLIB.contains(&import.module.as_str())
            || local_modules.contains(&import.module);
        if policy == ImportPolicy::Sym && !allowed {
            errors.push(BuildError {
                file: file.to_path_buf(),
                line: Some(import.line),
                message: format!("`{}`: the module `{}` is not available to flows", import.text, import.module),
                hint: format!(
                    "flows may import sym.sdk, requests and these standard modules: {}. Reach other \
                     systems through sym.sdk.integrations or requests.",
                    SAFE_STDLIB.join(", ")
                ),
            });
        } else if import.nested {
            warnings.push(BuildWarning {
                file: file.to_path_buf(),
                line: import.line,
                message: format!(
                    "`{}` is inside a function or block: only module-level imports are packed into the \
                     flow, so this one fails with ModuleNotFoundError when it runs. Move it to the top of the file.",
                    import.text
                ),
            });
        }
    }
}

/// A flow must define `get_permissions` (or the legacy `get_approvers`).
pub fn check_required_reducers(file: &Path, source: &str, errors: &mut Vec<BuildError>) {
    let defines = |name: &str| {
        source.lines().any(|line| {
            let line = line.trim_end();
            line.starts_with(&format!("def {name}("))
                || line.starts_with(&format!("async def {name}("))
        })
    };
    if !defines("get_permissions") && !defines("get_approvers") {
        errors.push(BuildError {
            file: file.to_path_buf(),
            line: Some(1),
            message: "the flow defines no `get_permissions` reducer (nor the legacy `get_approvers`), so nobody \
                      could approve its requests"
                .into(),
            hint: "add:\n\n    @reducer\n    def get_permissions(event):\n        return RequestPermission(\
                   webapp_view=PermissionLevel.ADMIN, approve_deny=PermissionLevel.ADMIN)\n\nwith `from \
                   sym.sdk.annotations import reducer` and `from sym.sdk.request_permission import \
                   PermissionLevel, RequestPermission` at the top"
                .into(),
        });
    }
}

/// Turn componentize-py's pre-initialisation failure (a Python traceback) into
/// an error on the user's file when the traceback points into it.
pub fn explain_componentize_failure(
    failure: &str,
    files: &[(String, std::path::PathBuf)],
) -> BuildError {
    // Python reports `File "/0/flow_impl.py", line 12` for frames and, for a
    // SyntaxError, `File "/0/flow_impl.py", line 12` followed by the line, a
    // caret, and `SyntaxError: ...`.
    let mut location: Option<(std::path::PathBuf, usize)> = None;
    for line in failure.lines() {
        let trimmed = line.trim();
        let Some(rest) = trimmed.strip_prefix("File \"") else {
            continue;
        };
        let Some((path, after)) = rest.split_once('"') else {
            continue;
        };
        let module_file = path.rsplit('/').next().unwrap_or(path);
        if let Some((_, user_path)) = files.iter().find(|(name, _)| name == module_file) {
            let number = after
                .split("line ")
                .nth(1)
                .and_then(|n| n.split(|c: char| !c.is_ascii_digit()).next())
                .and_then(|n| n.parse().ok());
            if let Some(number) = number {
                location = Some((user_path.clone(), number));
            }
        }
    }
    let last = failure
        .lines()
        .map(str::trim)
        .rfind(|l| {
            l.contains("Error:")
                || l.contains("Exception:")
                || l.ends_with("Error")
                || l.starts_with("Caused by")
        })
        .unwrap_or("the flow failed to load")
        .to_string();
    let hint = if last.contains("SyntaxError") || last.contains("IndentationError") {
        "fix the Python syntax at that line".to_string()
    } else if last.contains("ModuleNotFoundError") {
        "only sym.sdk, requests and the standard library are packed into flows".to_string()
    } else {
        "the module's top-level code raised while loading; run it with `symflow run` to see the traceback"
            .to_string()
    };
    match location {
        Some((file, line)) => BuildError {
            file,
            line: Some(line),
            message: last,
            hint,
        },
        None => BuildError {
            file: files.first().map(|(_, p)| p.clone()).unwrap_or_default(),
            line: None,
            message: format!(
                "componentize-py failed: {}",
                failure.lines().take(40).collect::<Vec<_>>().join("\n")
            ),
            hint,
        },
    }
}
