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
pub mod hosts;
mod lower;
pub mod model;
mod outbound_check;
mod paths;
pub mod scaffold;
mod sdk_check;
pub mod secrets;
pub mod slug;
mod source;
pub mod strategy_types;
pub mod tf;

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
    /// `--tf-state PATH`: Terraform state (`terraform.tfstate`, `terraform state pull`), or the
    /// output of `terraform show -json` or `terraform output -json`, for the values only
    /// `terraform apply` knows. When `None`, `terraform.tfstate` next to the `.tf` files is used
    /// if there is one (Terraform's local backend).
    pub tf_state: Option<PathBuf>,
    /// `TF_VAR_<name>` variables as `(name, value)`. `None` reads them from the process
    /// environment.
    pub env_vars: Option<Vec<(String, String)>>,
}

impl LoadOptions {
    /// The `TF_VAR_` variables of the process environment.
    fn tf_var_environment(&self) -> Vec<(String, String)> {
        match &self.env_vars {
            Some(vars) => vars.clone(),
            None => std::env::vars()
                .filter_map(|(key, value)| {
                    key.strip_prefix("TF_VAR_")
                        .map(|name| (name.to_owned(), value))
                })
                .collect(),
        }
    }
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

/// Loads every `.tf` file of `dir` (the root module, as Terraform reads it) and of the modules
/// it calls, with `TF_VAR_` variables, `terraform.tfvars`, `terraform.tfvars.json` and
/// `*.auto.tfvars[.json]` applied in Terraform's order, then `opts.vars`, and values from
/// Terraform state (see [`LoadOptions::tf_state`]).
///
/// Every root variable needs a value. Fails with every error found (and the warnings beside
/// them) when anything is wrong.
pub fn load_dir(dir: &Path, opts: &LoadOptions) -> Result<LoadedConfig, ConfigError> {
    let (config, diagnostics) = load_with_diagnostics(dir, opts, eval::Mode::Run);
    match config {
        Some(config) if !diagnostics.iter().any(Diagnostic::is_error) => Ok(LoadedConfig {
            config,
            diagnostics,
        }),
        _ => Err(ConfigError { diagnostics }),
    }
}

/// Every problem in `dir`, errors and warnings, sorted by file and line: what
/// `symflow validate` prints. Empty means clean. As `terraform validate`, it needs no values
/// for variables: one without a value is a warning, and what depends on it is unknown.
pub fn validate_dir(dir: &Path, opts: &LoadOptions) -> Vec<Diagnostic> {
    validate(dir, opts).diagnostics
}

/// What `symflow validate` found: the problems, and the model as far as it could be built
/// (for listing environments and flows).
#[derive(Debug, Clone)]
pub struct Validation {
    /// The model; `None` when the directory could not be read at all.
    pub config: Option<Config>,
    /// Errors and warnings, sorted by file and line.
    pub diagnostics: Vec<Diagnostic>,
}

/// Validates `dir` as [`validate_dir`] does, keeping the model.
pub fn validate(dir: &Path, opts: &LoadOptions) -> Validation {
    let (config, diagnostics) = load_with_diagnostics(dir, opts, eval::Mode::Validate);
    Validation {
        config,
        diagnostics,
    }
}

fn load_with_diagnostics(
    dir: &Path,
    opts: &LoadOptions,
    mode: eval::Mode,
) -> (Option<Config>, Vec<Diagnostic>) {
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

    let state = match read_state(dir, opts) {
        Ok(state) => state,
        Err(diagnostic) => {
            diagnostics.push(diagnostic);
            None
        }
    };
    let evaluation = eval::evaluate(eval::EvaluationInput {
        root: dir,
        root_files: files,
        tfvars,
        cli_vars: &opts.vars,
        env_vars: opts.tf_var_environment(),
        state: state.as_ref(),
        mode,
    });
    diagnostics.extend(evaluation.diagnostics);
    let ctx = lower::LowerContext {
        root: dir,
        mode,
        provider_version: &evaluation.provider_version,
        missing_variables: &evaluation.missing_variables,
    };
    let mut config = lower::lower(
        &ctx,
        &evaluation.sym_resources,
        &evaluation.sym_providers,
        &mut diagnostics,
    );
    if mode == eval::Mode::Validate {
        diagnostics.extend(outbound_check::check(&config));
        diagnostics.extend(sdk_check::check(&config));
    }
    config.modules = evaluation
        .modules
        .iter()
        .map(|m| ModuleInstance {
            address: m.address.clone(),
            dir: m.dir.clone(),
            location: m.location.clone(),
        })
        .collect();
    config.state = state.as_ref().map(|state| {
        let (resources, outputs) = state.counts();
        StateSource {
            path: state.path.clone(),
            format: state.format.describe().to_owned(),
            resources,
            outputs,
        }
    });
    diagnostic::sort_diagnostics(&mut diagnostics);
    (Some(config), diagnostics)
}

/// The Terraform state to take values from: `--tf-state`, else `terraform.tfstate` of the
/// directory when there is one.
fn read_state(dir: &Path, opts: &LoadOptions) -> Result<Option<tf::state::TfState>, Diagnostic> {
    let (path, explicit) = match &opts.tf_state {
        Some(path) => (path.clone(), true),
        None => {
            let local = dir.join("terraform.tfstate");
            if !local.is_file() {
                return Ok(None);
            }
            (local, false)
        }
    };
    match tf::state::TfState::read(&path) {
        Ok(state) => Ok(Some(state)),
        Err(message) => Err(if explicit {
            Diagnostic::error(None, format!("--tf-state: {message}")).with_fix(
                "give terraform.tfstate, the output of `terraform state pull` or `terraform show -json`, or of `terraform output -json`",
            )
        } else {
            Diagnostic::warning(
                Some(SourceLocation {
                    file: path.clone(),
                    line: 1,
                }),
                format!("{message}; values only known after apply stay unknown"),
            )
            .with_fix("fix or remove the file, or pass another with --tf-state")
        }),
    }
}

pub(crate) struct DirListing {
    pub(crate) tf_files: Vec<PathBuf>,
    pub(crate) tfvars_files: Vec<PathBuf>,
}

pub(crate) fn list_dir(dir: &Path) -> Result<DirListing, Diagnostic> {
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

pub(crate) fn read_and_parse(path: &Path) -> Result<source::SourceFile, Diagnostic> {
    let text = std::fs::read_to_string(path).map_err(|err| {
        Diagnostic::error(None, format!("cannot read {}: {err}", path.display()))
            .with_fix("check the file's permissions and that it is UTF-8 text")
    })?;
    source::parse_file(path, &text)
}

fn read_json_tfvars(path: &Path) -> Result<serde_json::Map<String, serde_json::Value>, Diagnostic> {
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
    match serde_json::from_str::<serde_json::Value>(&text) {
        Ok(serde_json::Value::Object(values)) => Ok(values),
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
