//! symflow's reading and writing of Sym Terraform configurations.
//!
//! Users declare environments and flows as `sym_*` Terraform resources (the `symopsio/sym`
//! provider). This crate reads such a directory unchanged — variables, tfvars, locals, other
//! providers' resources and modules included — into a typed [`model::Config`], checks it with
//! Sym's rules ([`Diagnostic`]s naming `file:line` and a fix), resolves secrets locally
//! ([`secrets`]), and writes new configurations the way `symflow init` / `symflow generate` do
//! ([`scaffold`]).
//!
//! ```no_run
//! use std::path::Path;
//! use symflow_config::{load_dir, LoadOptions};
//!
//! let loaded = load_dir(Path::new("flows"), &LoadOptions::default())?;
//! for warning in &loaded.diagnostics {
//!     eprintln!("{warning}");
//! }
//! let config = &loaded.config;
//! for flow in config.flows.values() {
//!     let resolved = config.resolve_flow(flow);
//!     println!("{} uses {:?}", flow.name, resolved.integrations.keys());
//! }
//! # Ok::<(), symflow_config::ConfigError>(())
//! ```

mod diagnostic;
mod eval;
mod functions;
mod lower;
pub mod model;
pub mod scaffold;
pub mod secrets;
pub mod slug;
mod source;

use std::path::{Path, PathBuf};

pub use diagnostic::{ConfigError, Diagnostic, Severity, SourceLocation};
pub use model::*;

/// How to load a directory.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// `--var name=value` overrides, applied after `terraform.tfvars` and `*.auto.tfvars`.
    /// A value is taken as a string unless the variable declares a non-string `type`, in which
    /// case it is parsed as an HCL expression (`--var 'teams=["a","b"]'`), as Terraform does.
    pub vars: Vec<(String, String)>,
}

impl LoadOptions {
    /// Parses `name=value` as given to `--var`.
    pub fn parse_var(assignment: &str) -> Result<(String, String), String> {
        match assignment.split_once('=') {
            Some((name, value)) if !name.trim().is_empty() => {
                Ok((name.trim().to_owned(), value.to_owned()))
            }
            _ => Err(format!(
                "--var {assignment:?} must be NAME=VALUE, e.g. --var environment=prod"
            )),
        }
    }
}

/// A configuration that loaded, with the warnings found on the way.
#[derive(Debug, Clone)]
pub struct LoadedConfig {
    /// The typed model.
    pub config: Config,
    /// Warnings (never errors), sorted by file and line.
    pub diagnostics: Vec<Diagnostic>,
}

/// Loads every `.tf` file of `dir` (not subdirectories, as Terraform's root module), with
/// `terraform.tfvars`, `terraform.tfvars.json` and `*.auto.tfvars[.json]` applied in
/// Terraform's order, then `opts.vars`.
///
/// Fails with every error found (and the warnings beside them) when anything is wrong.
pub fn load_dir(dir: &Path, opts: &LoadOptions) -> Result<LoadedConfig, ConfigError> {
    let (config, diagnostics) = load_with_diagnostics(dir, opts);
    match config {
        Some(config) if !diagnostics.iter().any(Diagnostic::is_error) => Ok(LoadedConfig {
            config,
            diagnostics,
        }),
        _ => Err(ConfigError { diagnostics }),
    }
}

/// Every problem in `dir`, errors and warnings, sorted by file and line: what
/// `symflow validate` prints. Empty means clean.
pub fn validate_dir(dir: &Path, opts: &LoadOptions) -> Vec<Diagnostic> {
    load_with_diagnostics(dir, opts).1
}

fn load_with_diagnostics(dir: &Path, opts: &LoadOptions) -> (Option<Config>, Vec<Diagnostic>) {
    let mut diagnostics = Vec::new();
    let listing = match list_dir(dir) {
        Ok(listing) => listing,
        Err(diagnostic) => return (None, vec![diagnostic]),
    };
    if listing.tf_files.is_empty() {
        diagnostics.push(
            Diagnostic::error(None, format!("{} has no .tf files", dir.display()))
                .with_fix("point symflow at the directory holding your sym_* resources, or create one with `symflow init`"),
        );
        return (None, diagnostics);
    }

    let mut files = Vec::with_capacity(listing.tf_files.len());
    for path in &listing.tf_files {
        match read_and_parse(path) {
            Ok(file) => files.push(file),
            Err(diagnostic) => diagnostics.push(diagnostic),
        }
    }
    let mut tfvars = Vec::new();
    for path in &listing.tfvars_files {
        if path.extension().is_some_and(|ext| ext == "json") {
            match read_json_tfvars(path) {
                Ok(values) => tfvars.push(eval::TfvarsFile::Json {
                    path: path.clone(),
                    values,
                }),
                Err(diagnostic) => diagnostics.push(diagnostic),
            }
        } else {
            match read_and_parse(path) {
                Ok(file) => tfvars.push(eval::TfvarsFile::Hcl(file)),
                Err(diagnostic) => diagnostics.push(diagnostic),
            }
        }
    }

    let evaluation = eval::evaluate(eval::EvaluationInput {
        dir,
        files: &files,
        tfvars: &tfvars,
        cli_vars: &opts.vars,
    });
    diagnostics.extend(evaluation.diagnostics);
    let config = lower::lower(
        dir,
        &evaluation.sym_resources,
        &evaluation.sym_providers,
        &mut diagnostics,
    );
    diagnostic::sort_diagnostics(&mut diagnostics);
    (Some(config), diagnostics)
}

struct DirListing {
    tf_files: Vec<PathBuf>,
    tfvars_files: Vec<PathBuf>,
}

fn list_dir(dir: &Path) -> Result<DirListing, Diagnostic> {
    let entries = std::fs::read_dir(dir).map_err(|err| {
        Diagnostic::error(
            None,
            format!("cannot read the directory {}: {err}", dir.display()),
        )
        .with_fix("check the path; it should be the directory holding your .tf files")
    })?;
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .filter(|entry| entry.file_type().is_ok_and(|t| t.is_file()))
        .filter_map(|entry| entry.file_name().into_string().ok())
        .collect();
    names.sort();
    let tf_files = names
        .iter()
        .filter(|name| name.ends_with(".tf") && !name.starts_with('.'))
        .map(|name| dir.join(name))
        .collect();
    // Terraform's order: terraform.tfvars, terraform.tfvars.json, then *.auto.tfvars(.json)
    // in lexical order.
    let mut tfvars_files: Vec<PathBuf> = ["terraform.tfvars", "terraform.tfvars.json"]
        .iter()
        .filter(|name| names.iter().any(|n| n == *name))
        .map(|name| dir.join(name))
        .collect();
    tfvars_files.extend(
        names
            .iter()
            .filter(|name| name.ends_with(".auto.tfvars") || name.ends_with(".auto.tfvars.json"))
            .map(|name| dir.join(name)),
    );
    Ok(DirListing {
        tf_files,
        tfvars_files,
    })
}

fn read_and_parse(path: &Path) -> Result<source::SourceFile, Diagnostic> {
    let text = std::fs::read_to_string(path).map_err(|err| {
        Diagnostic::error(None, format!("cannot read {}: {err}", path.display()))
            .with_fix("check the file's permissions and that it is UTF-8 text")
    })?;
    source::parse_file(path, &text)
}

fn read_json_tfvars(path: &Path) -> Result<hcl::Map<String, hcl::Value>, Diagnostic> {
    let location = |line| {
        Some(SourceLocation {
            file: path.to_path_buf(),
            line,
        })
    };
    let text = std::fs::read_to_string(path).map_err(|err| {
        Diagnostic::error(
            location(1),
            format!("cannot read {}: {err}", path.display()),
        )
    })?;
    match serde_json::from_str::<hcl::Value>(&text) {
        Ok(hcl::Value::Object(values)) => Ok(values),
        Ok(_) => Err(Diagnostic::error(
            location(1),
            "a .tfvars.json file must hold one JSON object",
        )
        .with_fix("write {\"variable_name\": value, ...}")),
        Err(err) => Err(
            Diagnostic::error(location(err.line()), format!("invalid JSON: {err}"))
                .with_fix("fix the JSON syntax on this line"),
        ),
    }
}
