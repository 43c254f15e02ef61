//! Writing new configurations: what `symflow init` and `symflow generate` put on disk
//! (spec §3.1), kept here rather than in the CLI so it can be tested without a terminal.
//!
//! - [`init`] creates a directory with `versions.tf`, `environment.tf` (provider, environment,
//!   Slack integration, error logger) and a `README.md`.
//! - [`generate`] adds one flow to such a directory: its `.tf` file and `impls/*_impl.py`, plus
//!   the shared files its type needs (`secrets.tf`, `connectors.tf`, `pagerduty.tf`) when they
//!   are not there yet. A PagerDuty flow also adds `pagerduty_id` to the environment's
//!   integrations, editing `environment.tf` in place (only that map changes).
//!
//! Every generated directory loads cleanly with [`crate::load_dir`]; the tests check it.

mod templates;

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use hcl::edit::structure::{Block, Structure};
use hcl::edit::Span;

use crate::slug::{resource_name, slug_problem};

/// The version written into generated headers.
pub const GENERATOR_VERSION: &str = env!("CARGO_PKG_VERSION");

/// Why scaffolding failed. Messages say what to do.
#[derive(Debug, thiserror::Error)]
pub enum ScaffoldError {
    /// `init` refuses to write into an existing directory.
    #[error(
        "{0} already exists; `symflow init` creates a new directory (choose another --directory)"
    )]
    DirectoryExists(PathBuf),
    /// `generate` needs a directory made by `init`.
    #[error("{dir} is not a symflow directory: {missing} is missing (run `symflow init` first, or pass --directory)")]
    NotInitialized {
        /// The directory.
        dir: PathBuf,
        /// The missing file.
        missing: &'static str,
    },
    /// `environment.tf` lacks something `generate` relies on.
    #[error("{file}: {problem}")]
    UnexpectedEnvironment {
        /// The file.
        file: PathBuf,
        /// What is missing or wrong.
        problem: String,
    },
    /// A name breaks the slug rule.
    #[error("{what} {name:?} is not valid: {problem} (suggestion: {suggestion:?})")]
    InvalidName {
        /// `environment` or `flow`.
        what: &'static str,
        /// The name given.
        name: String,
        /// Why it is invalid.
        problem: String,
        /// A valid name close to it.
        suggestion: String,
    },
    /// A value given to a flag is invalid.
    #[error("{flag}: {problem}")]
    InvalidValue {
        /// The flag, e.g. `--slack-workspace-id`.
        flag: &'static str,
        /// Why.
        problem: String,
    },
    /// `generate` never overwrites a flow's files.
    #[error("{0} already exists; choose another --flow-name or delete the old flow's files")]
    FileExists(PathBuf),
    /// Reading or writing failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> ScaffoldError + '_ {
    move |source| ScaffoldError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Checks a Slack workspace id: it starts with `T` (any case) and is returned upper-cased.
pub fn normalize_workspace_id(id: &str) -> Result<String, ScaffoldError> {
    let id = id.trim().to_uppercase();
    if !id.starts_with('T') || id.len() < 2 || !id.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(ScaffoldError::InvalidValue {
            flag: "--slack-workspace-id",
            problem: format!(
                "{id:?} is not a Slack workspace id: it starts with T and has only letters and digits (run /sym whoami in Slack)"
            ),
        });
    }
    Ok(id)
}

/// Checks an environment or flow name against the slug rule.
pub fn check_name(what: &'static str, name: &str) -> Result<(), ScaffoldError> {
    match slug_problem(name) {
        None => Ok(()),
        Some(problem) => Err(ScaffoldError::InvalidName {
            what,
            name: name.to_owned(),
            problem,
            suggestion: crate::slug::slugify(name),
        }),
    }
}

/// Strips `http(s)://`, `www.` and a trailing `/` from an Okta domain, as Sym's CLI does.
pub fn normalize_okta_domain(domain: &str) -> String {
    let domain = domain.trim();
    let domain = domain
        .strip_prefix("https://")
        .or_else(|| domain.strip_prefix("http://"))
        .unwrap_or(domain);
    let domain = domain.strip_prefix("www.").unwrap_or(domain);
    domain.trim_end_matches('/').to_owned()
}

/// What `symflow init` needs.
#[derive(Debug, Clone)]
pub struct InitOptions {
    /// The directory to create (must not exist).
    pub directory: PathBuf,
    /// The Slack workspace id (`T...`; upper-cased).
    pub slack_workspace_id: String,
    /// The environment name (a slug; `prod` by default in the CLI).
    pub environment: String,
    /// The Sym org written into `provider "sym"`.
    pub org: String,
}

/// Creates the directory and writes `versions.tf`, `environment.tf` and `README.md`.
/// Returns the files written.
pub fn init(opts: &InitOptions) -> Result<Vec<PathBuf>, ScaffoldError> {
    if opts.directory.exists() {
        return Err(ScaffoldError::DirectoryExists(opts.directory.clone()));
    }
    check_name("environment", &opts.environment)?;
    let workspace_id = normalize_workspace_id(&opts.slack_workspace_id)?;
    if opts.org.trim().is_empty() {
        return Err(ScaffoldError::InvalidValue {
            flag: "--org",
            problem: "the Sym org id is empty".into(),
        });
    }
    std::fs::create_dir_all(&opts.directory).map_err(io_error(&opts.directory))?;
    let values = [
        ("version", GENERATOR_VERSION.to_owned()),
        ("generated_at", utc_timestamp(SystemTime::now())),
        ("environment", opts.environment.clone()),
        ("org", escape_hcl_string(opts.org.trim())),
        ("workspace_id", workspace_id),
    ];
    let mut written = Vec::new();
    for (name, template) in [
        ("versions.tf", templates::VERSIONS_TF),
        ("environment.tf", templates::ENVIRONMENT_TF),
        ("README.md", templates::README_MD),
    ] {
        written.push(write_new(
            &opts.directory.join(name),
            &render(template, &values),
        )?);
    }
    Ok(written)
}

/// The kinds of flow `symflow generate` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FlowType {
    /// Approve/deny only, no access granted (`approval-only`).
    ApprovalOnly,
    /// Okta group membership (`okta`).
    Okta,
    /// A custom strategy in Python with a custom integration (`custom`).
    Custom,
    /// Approval flow that auto-approves on-call PagerDuty users (`pagerduty`).
    Pagerduty,
}

impl FlowType {
    /// All types.
    pub const ALL: [FlowType; 4] = [
        FlowType::ApprovalOnly,
        FlowType::Okta,
        FlowType::Custom,
        FlowType::Pagerduty,
    ];

    /// The `--type` value.
    pub fn as_str(self) -> &'static str {
        match self {
            FlowType::ApprovalOnly => "approval-only",
            FlowType::Okta => "okta",
            FlowType::Custom => "custom",
            FlowType::Pagerduty => "pagerduty",
        }
    }

    /// Parses a `--type` value.
    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == value)
    }

    /// Prefix of the generated file names (`approval`, `okta`, `custom`, `pagerduty`).
    fn file_prefix(self) -> &'static str {
        match self {
            FlowType::ApprovalOnly => "approval",
            FlowType::Okta => "okta",
            FlowType::Custom => "custom",
            FlowType::Pagerduty => "pagerduty",
        }
    }
}

impl fmt::Display for FlowType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Type-specific values for [`generate`].
#[derive(Debug, Clone)]
pub enum FlowSettings {
    /// No extra values.
    ApprovalOnly,
    /// The Okta org and the group access is granted to.
    Okta {
        /// e.g. `dev-12345.okta.com` (normalised with [`normalize_okta_domain`]).
        domain: String,
        /// The Okta group id, e.g. `00g12345abc`.
        group_id: String,
    },
    /// The identifier of the custom target (`settings.identifier`).
    Custom {
        /// What the strategy grants, e.g. `admin`.
        target_identifier: String,
    },
    /// The PagerDuty account and the schedule whose on-call users are auto-approved.
    Pagerduty {
        /// e.g. `mycompany.pagerduty.com`.
        subdomain: String,
        /// The schedule name passed to `pagerduty.is_on_call(..., schedule_name=...)`.
        schedule_name: String,
    },
}

impl FlowSettings {
    /// The flow type these settings are for.
    pub fn flow_type(&self) -> FlowType {
        match self {
            FlowSettings::ApprovalOnly => FlowType::ApprovalOnly,
            FlowSettings::Okta { .. } => FlowType::Okta,
            FlowSettings::Custom { .. } => FlowType::Custom,
            FlowSettings::Pagerduty { .. } => FlowType::Pagerduty,
        }
    }
}

/// What `symflow generate` needs.
#[derive(Debug, Clone)]
pub struct GenerateOptions {
    /// A directory made by [`init`].
    pub directory: PathBuf,
    /// The flow's name (a slug); the Terraform resource name is derived from it.
    pub flow_name: String,
    /// The type and its values.
    pub settings: FlowSettings,
}

/// What [`generate`] did.
#[derive(Debug, Clone)]
pub struct Generated {
    /// Files created.
    pub created: Vec<PathBuf>,
    /// Files changed (only `environment.tf`, for PagerDuty).
    pub modified: Vec<PathBuf>,
    /// Commands and steps to tell the user next.
    pub next_steps: Vec<String>,
}

/// Adds a flow of `opts.settings.flow_type()` to an initialised directory.
pub fn generate(opts: &GenerateOptions) -> Result<Generated, ScaffoldError> {
    let dir = &opts.directory;
    for required in ["versions.tf", "environment.tf"] {
        if !dir.join(required).is_file() {
            return Err(ScaffoldError::NotInitialized {
                dir: dir.clone(),
                missing: required,
            });
        }
    }
    check_name("flow", &opts.flow_name)?;
    let environment_tf = dir.join("environment.tf");
    let environment_text =
        std::fs::read_to_string(&environment_tf).map_err(io_error(&environment_tf))?;
    let environment_resource = environment_resource_name(&environment_tf, &environment_text)?;

    let flow_type = opts.settings.flow_type();
    let resource = resource_name(&opts.flow_name);
    let prefix = flow_type.file_prefix();
    let flow_file = dir.join(format!("{prefix}_{resource}.tf"));
    let impl_relative = format!("impls/{prefix}_{resource}_impl.py");
    let impl_file = dir.join(&impl_relative);
    let strategy_relative = format!("impls/{resource}_custom_strategy.py");
    for path in [&flow_file, &impl_file] {
        if path.exists() {
            return Err(ScaffoldError::FileExists(path.clone()));
        }
    }

    let mut values = vec![
        ("version", GENERATOR_VERSION.to_owned()),
        ("generated_at", utc_timestamp(SystemTime::now())),
        ("flow_name", opts.flow_name.clone()),
        ("resource", resource.clone()),
        ("environment_resource", environment_resource),
        ("impl_path", impl_relative),
        ("strategy_path", strategy_relative.clone()),
    ];
    let (flow_template, impl_template, shared): (&str, &str, &[(&str, &str)]) = match &opts.settings
    {
        FlowSettings::ApprovalOnly => (templates::APPROVAL_TF, templates::APPROVAL_IMPL_PY, &[]),
        FlowSettings::Okta { domain, group_id } => {
            let domain = normalize_okta_domain(domain);
            if domain.is_empty() || group_id.trim().is_empty() {
                return Err(ScaffoldError::InvalidValue {
                    flag: if domain.is_empty() {
                        "--okta-domain"
                    } else {
                        "--okta-group-id"
                    },
                    problem: "must not be empty".into(),
                });
            }
            values.push(("okta_domain", escape_hcl_string(&domain)));
            values.push(("okta_group_id", escape_hcl_string(group_id.trim())));
            (
                templates::OKTA_TF,
                templates::STRATEGY_IMPL_PY,
                &[
                    ("connectors.tf", templates::CONNECTORS_TF),
                    ("secrets.tf", templates::SECRETS_TF),
                ],
            )
        }
        FlowSettings::Custom { target_identifier } => {
            if target_identifier.trim().is_empty() {
                return Err(ScaffoldError::InvalidValue {
                    flag: "--target-identifier",
                    problem: "must not be empty".into(),
                });
            }
            values.push((
                "target_identifier",
                escape_hcl_string(target_identifier.trim()),
            ));
            (
                templates::CUSTOM_TF,
                templates::STRATEGY_IMPL_PY,
                &[
                    ("connectors.tf", templates::CONNECTORS_TF),
                    ("secrets.tf", templates::SECRETS_TF),
                ],
            )
        }
        FlowSettings::Pagerduty {
            subdomain,
            schedule_name,
        } => {
            let subdomain = normalize_okta_domain(subdomain);
            if subdomain.is_empty() || schedule_name.trim().is_empty() {
                return Err(ScaffoldError::InvalidValue {
                    flag: if subdomain.is_empty() {
                        "--pagerduty-subdomain"
                    } else {
                        "--pagerduty-schedule"
                    },
                    problem: "must not be empty".into(),
                });
            }
            values.push(("pagerduty_subdomain", escape_hcl_string(&subdomain)));
            values.push((
                "pagerduty_schedule",
                escape_hcl_string(schedule_name.trim()),
            ));
            (
                templates::PAGERDUTY_TF,
                templates::PAGERDUTY_IMPL_PY,
                &[
                    ("connectors.tf", templates::CONNECTORS_TF),
                    ("secrets.tf", templates::SECRETS_TF),
                    ("pagerduty.tf", templates::PAGERDUTY_INTEGRATION_TF),
                ],
            )
        }
    };

    let mut generated = Generated {
        created: Vec::new(),
        modified: Vec::new(),
        next_steps: Vec::new(),
    };
    // Check every destination before writing anything, so a failure leaves no half flow.
    if flow_type == FlowType::Custom && dir.join(&strategy_relative).exists() {
        return Err(ScaffoldError::FileExists(dir.join(&strategy_relative)));
    }
    let impls_dir = dir.join("impls");
    std::fs::create_dir_all(&impls_dir).map_err(io_error(&impls_dir))?;
    for (name, template) in shared {
        let path = dir.join(name);
        if !path.exists() {
            generated
                .created
                .push(write_new(&path, &render(template, &values))?);
        }
    }
    if flow_type == FlowType::Pagerduty {
        let environment_text =
            std::fs::read_to_string(&environment_tf).map_err(io_error(&environment_tf))?;
        if let Some(updated) = add_environment_integration(
            &environment_tf,
            &environment_text,
            "pagerduty_id",
            "sym_integration.pagerduty.id",
        )? {
            std::fs::write(&environment_tf, updated).map_err(io_error(&environment_tf))?;
            generated.modified.push(environment_tf.clone());
        }
    }
    generated
        .created
        .push(write_new(&flow_file, &render(flow_template, &values))?);
    generated
        .created
        .push(write_new(&impl_file, &render(impl_template, &values))?);
    if flow_type == FlowType::Custom {
        let path = dir.join(&strategy_relative);
        generated.created.push(write_new(
            &path,
            &render(templates::CUSTOM_STRATEGY_PY, &values),
        )?);
    }

    generated
        .next_steps
        .push("terraform init && terraform plan".into());
    match &opts.settings {
        FlowSettings::Okta { .. } => generated.next_steps.push(format!(
            "store the Okta API token: aws secretsmanager put-secret-value --secret-id \"sym/{}/okta-api-key\" --secret-string \"$OKTA_API_TOKEN\" (for a local symflow: export {}=...)",
            opts.flow_name,
            crate::secrets::env_var_name(&format!("sym/{}/okta-api-key", opts.flow_name)),
        )),
        FlowSettings::Custom { .. } => generated.next_steps.push(format!(
            "store the API key of your service: aws secretsmanager put-secret-value --secret-id \"sym/{}/api-key\" --secret-string \"$API_KEY\" (for a local symflow: export {}=...)",
            opts.flow_name,
            crate::secrets::env_var_name(&format!("sym/{}/api-key", opts.flow_name)),
        )),
        FlowSettings::Pagerduty { .. } => generated.next_steps.push(format!(
            "store the PagerDuty API token (once per environment): secret path sym/<environment>/pagerduty-api-key (for a local symflow: {}<ENVIRONMENT>_PAGERDUTY_API_KEY)",
            crate::secrets::SECRET_ENV_PREFIX.to_owned() + "SYM_",
        )),
        FlowSettings::ApprovalOnly => {}
    }
    generated.next_steps.push("terraform apply".into());
    generated.next_steps.push(format!(
        "run /sym in Slack and choose the {:?} flow",
        opts.flow_name
    ));
    Ok(generated)
}

/// The Terraform name of the `sym_environment` in `environment.tf` (`this` when generated).
fn environment_resource_name(file: &Path, text: &str) -> Result<String, ScaffoldError> {
    let unexpected = |problem: String| ScaffoldError::UnexpectedEnvironment {
        file: file.to_path_buf(),
        problem,
    };
    let body = hcl::edit::parser::parse_body(text)
        .map_err(|err| unexpected(format!("cannot parse it: {err}")))?;
    let mut has_environment_name = false;
    let mut environment = None;
    for structure in body.iter() {
        let Structure::Block(block) = structure else {
            continue;
        };
        match block.ident.as_str() {
            "locals" => {
                has_environment_name |= block.body.get_attribute("environment_name").is_some();
            }
            "resource" => {
                if let Some(name) = environment_label(block) {
                    environment.get_or_insert(name);
                }
            }
            _ => {}
        }
    }
    if !has_environment_name {
        return Err(unexpected(
            "it must define `locals { environment_name = ... }`, which generated flows use".into(),
        ));
    }
    environment.ok_or_else(|| unexpected("it must declare a `resource \"sym_environment\"`".into()))
}

fn environment_label(block: &Block) -> Option<String> {
    match block.labels.as_slice() {
        [resource_type, name] if resource_type.as_str() == "sym_environment" => {
            Some(name.as_str().to_owned())
        }
        _ => None,
    }
}

/// Adds `key = value` to the `integrations` map of the first `sym_environment` in `text`,
/// touching nothing else. `None` when the key is already there.
fn add_environment_integration(
    file: &Path,
    text: &str,
    key: &str,
    value: &str,
) -> Result<Option<String>, ScaffoldError> {
    let unexpected = |problem: String| ScaffoldError::UnexpectedEnvironment {
        file: file.to_path_buf(),
        problem,
    };
    let body = hcl::edit::parser::parse_body(text)
        .map_err(|err| unexpected(format!("cannot parse it: {err}")))?;
    let block = body
        .iter()
        .filter_map(|s| match s {
            Structure::Block(block) if environment_label(block).is_some() => Some(block),
            _ => None,
        })
        .next()
        .ok_or_else(|| {
            unexpected("no `resource \"sym_environment\"` to add the integration to".into())
        })?;
    let line = format!("{key} = {value}");
    let updated = match block.body.get_attribute("integrations") {
        Some(attribute) => {
            let hcl::edit::expr::Expression::Object(object) = &attribute.value else {
                return Err(unexpected(format!(
                    "`integrations` of the sym_environment is not a `{{ ... }}` map; add `{line}` to it by hand"
                )));
            };
            if object.iter().any(|(k, _)| object_key_name(k) == key) {
                return Ok(None);
            }
            let span = attribute
                .value
                .span()
                .ok_or_else(|| unexpected("cannot locate the integrations map".into()))?;
            let closing = span.end - 1; // the `}`
            let inner = &text[span.start + 1..closing];
            if inner.contains('\n') {
                // Multi-line map: a new line before the one holding `}`, indented like the others.
                let line_start = text[..closing].rfind('\n').map_or(0, |i| i + 1);
                let closing_indent = &text[line_start..closing];
                let entry_indent = format!("{closing_indent}  ");
                format!(
                    "{}{entry_indent}{line}\n{}",
                    &text[..line_start],
                    &text[line_start..]
                )
            } else if inner.trim().is_empty() {
                format!("{}{{ {line} }}{}", &text[..span.start], &text[span.end..])
            } else {
                let content_end = span.start + 1 + inner.trim_end().len();
                let separator = if inner.trim_end().ends_with(',') {
                    " "
                } else {
                    ", "
                };
                format!(
                    "{}{separator}{line} }}{}",
                    &text[..content_end],
                    &text[span.end..]
                )
            }
        }
        None => {
            let span = block
                .span()
                .ok_or_else(|| unexpected("cannot locate the sym_environment block".into()))?;
            let closing = span.end - 1;
            let line_start = text[..closing].rfind('\n').map_or(0, |i| i + 1);
            format!(
                "{}\n  integrations = {{\n    {line}\n  }}\n{}",
                &text[..line_start].trim_end_matches('\n'),
                &text[line_start..]
            )
        }
    };
    Ok(Some(updated))
}

fn object_key_name(key: &hcl::edit::expr::ObjectKey) -> String {
    match key {
        hcl::edit::expr::ObjectKey::Ident(ident) => ident.as_str().to_owned(),
        hcl::edit::expr::ObjectKey::Expression(expr) => {
            expr.as_str().map(str::to_owned).unwrap_or_default()
        }
    }
}

/// Replaces every `{{name}}` in `template`.
fn render(template: &str, values: &[(&str, String)]) -> String {
    let mut out = template.to_owned();
    for (name, value) in values {
        out = out.replace(&format!("{{{{{name}}}}}"), value);
    }
    debug_assert!(!out.contains("{{"), "unrendered placeholder in:\n{out}");
    out
}

/// Escapes a value for use inside an HCL (and Python) double-quoted string.
fn escape_hcl_string(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace("${", "$${")
}

/// Creates `path` with `contents`; never overwrites.
fn write_new(path: &Path, contents: &str) -> Result<PathBuf, ScaffoldError> {
    use std::io::Write;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|err| {
            if err.kind() == std::io::ErrorKind::AlreadyExists {
                ScaffoldError::FileExists(path.to_path_buf())
            } else {
                io_error(path)(err)
            }
        })?;
    file.write_all(contents.as_bytes())
        .map_err(io_error(path))?;
    Ok(path.to_path_buf())
}

/// `YYYY-MM-DD at HH:MM` in UTC, as in Sym's generated headers.
pub fn utc_timestamp(time: SystemTime) -> String {
    let seconds = time
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let (days, seconds_of_day) = (seconds / 86_400, seconds % 86_400);
    let (year, month, day) = civil_from_days(days as i64);
    format!(
        "{year:04}-{month:02}-{day:02} at {:02}:{:02}",
        seconds_of_day / 3600,
        (seconds_of_day % 3600) / 60
    )
}

/// Days since 1970-01-01 → (year, month, day) in the proleptic Gregorian calendar
/// (Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * month_index + 2) / 5 + 1) as u32;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn timestamps_are_utc_calendar_dates() {
        assert_eq!(utc_timestamp(UNIX_EPOCH), "1970-01-01 at 00:00");
        // 2024-02-29 13:05:00 UTC
        let leap_day = UNIX_EPOCH + Duration::from_secs(1_709_211_900);
        assert_eq!(utc_timestamp(leap_day), "2024-02-29 at 13:05");
    }

    #[test]
    fn workspace_ids_start_with_t_and_are_upper_cased() {
        assert_eq!(normalize_workspace_id(" t0123abc ").unwrap(), "T0123ABC");
        assert!(normalize_workspace_id("U0123").is_err());
        assert!(normalize_workspace_id("T").is_err());
    }

    #[test]
    fn okta_domains_lose_scheme_and_www() {
        assert_eq!(
            normalize_okta_domain("https://www.acme.okta.com/"),
            "acme.okta.com"
        );
        assert_eq!(normalize_okta_domain("acme.okta.com"), "acme.okta.com");
    }

    #[test]
    fn integration_is_added_to_multi_line_single_line_and_missing_maps() {
        let file = Path::new("environment.tf");
        let multi = "resource \"sym_environment\" \"this\" {\n  name = \"prod\"\n  integrations = {\n    slack_id = sym_integration.slack.id\n  }\n}\n";
        let updated = add_environment_integration(
            file,
            multi,
            "pagerduty_id",
            "sym_integration.pagerduty.id",
        )
        .unwrap()
        .unwrap();
        assert_eq!(
            updated,
            "resource \"sym_environment\" \"this\" {\n  name = \"prod\"\n  integrations = {\n    slack_id = sym_integration.slack.id\n    pagerduty_id = sym_integration.pagerduty.id\n  }\n}\n"
        );
        assert!(
            add_environment_integration(file, &updated, "pagerduty_id", "x")
                .unwrap()
                .is_none()
        );

        let single = "resource \"sym_environment\" \"this\" {\n  integrations = { slack_id = sym_integration.slack.id }\n}\n";
        let updated = add_environment_integration(
            file,
            single,
            "pagerduty_id",
            "sym_integration.pagerduty.id",
        )
        .unwrap()
        .unwrap();
        assert!(updated.contains("{ slack_id = sym_integration.slack.id, pagerduty_id = sym_integration.pagerduty.id }"), "{updated}");

        let missing = "resource \"sym_environment\" \"this\" {\n  name = \"prod\"\n}\n";
        let updated = add_environment_integration(
            file,
            missing,
            "pagerduty_id",
            "sym_integration.pagerduty.id",
        )
        .unwrap()
        .unwrap();
        assert_eq!(
            updated,
            "resource \"sym_environment\" \"this\" {\n  name = \"prod\"\n  integrations = {\n    pagerduty_id = sym_integration.pagerduty.id\n  }\n}\n"
        );
    }
}
