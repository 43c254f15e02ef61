//! `symflow init`, `symflow generate` and `symflow validate`: flags, prompts and printing around
//! `symflow_config::scaffold` and `symflow_config::validate_dir`, where the work is done.
//!
//! A value missing from the command line is asked for when stdin is a terminal; in a script
//! (no terminal) a missing value that has no default is an error naming its flag.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;

use anyhow::{anyhow, bail, Context};
use clap::Args;
use symflow_config::scaffold::{self, FlowSettings, FlowType, GenerateOptions, InitOptions};
use symflow_config::slug::{slug_problem, slugify};
use symflow_config::{validate, LoadOptions, Severity};

/// Flags of `symflow init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// Directory to create for the environment's Terraform (must not exist yet).
    #[arg(long)]
    pub directory: Option<PathBuf>,
    /// Slack workspace id, starting with T (run `/sym whoami` in Slack to see it).
    #[arg(long = "slack-workspace-id", visible_alias = "workspace-id")]
    pub slack_workspace_id: Option<String>,
    /// Environment name: letters, digits and dashes, at most 32 characters [default: prod].
    #[arg(long)]
    pub environment: Option<String>,
    /// Sym org id written into `provider "sym"` [default: local].
    #[arg(long, env = "SYM_ORG")]
    pub org: Option<String>,
}

/// Flags of `symflow generate`.
#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// The environment directory, made by `symflow init`.
    #[arg(long, default_value = ".")]
    pub directory: PathBuf,
    /// Flow type: approval-only, okta, custom or pagerduty.
    #[arg(long = "type", value_parser = parse_flow_type)]
    pub flow_type: Option<FlowType>,
    /// Flow name: letters, digits and dashes, at most 32 characters.
    #[arg(long)]
    pub flow_name: Option<String>,
    /// okta: the Okta domain, e.g. dev-12345.okta.com.
    #[arg(long)]
    pub okta_domain: Option<String>,
    /// okta: the id of the Okta group access is granted to, e.g. 00g12345abc.
    #[arg(long)]
    pub okta_group_id: Option<String>,
    /// custom: what the strategy grants (the target's `settings.identifier`) [default: admin].
    #[arg(long)]
    pub target_identifier: Option<String>,
    /// pagerduty: your PagerDuty subdomain, e.g. mycompany.pagerduty.com.
    #[arg(long)]
    pub pagerduty_subdomain: Option<String>,
    /// pagerduty: the schedule whose on-call users are approved automatically.
    #[arg(long)]
    pub pagerduty_schedule: Option<String>,
}

/// Flags of `symflow validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// The directory holding the .tf files.
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// Set a Terraform variable, as `terraform plan -var`: NAME=VALUE (repeatable).
    #[arg(long = "var", value_name = "NAME=VALUE", value_parser = LoadOptions::parse_var)]
    pub vars: Vec<(String, String)>,
    /// Terraform state (or `terraform show -json` / `terraform output -json` output) for
    /// values only `terraform apply` knows [default: DIR/terraform.tfstate if present].
    #[arg(long = "tf-state", value_name = "PATH", env = "SYMFLOW_TF_STATE")]
    pub tf_state: Option<PathBuf>,
}

fn parse_flow_type(value: &str) -> Result<FlowType, String> {
    FlowType::parse(value).ok_or_else(|| {
        format!(
            "unknown flow type {value:?}; choose one of: {}",
            FlowType::ALL.map(FlowType::as_str).join(", ")
        )
    })
}

/// Asks for missing values on a terminal, or explains which flag is missing.
struct Prompter {
    interactive: bool,
}

impl Prompter {
    fn new() -> Self {
        Prompter {
            interactive: std::io::stdin().is_terminal(),
        }
    }

    /// `given`, or the answer to `question`, or `default`; without a terminal and without a
    /// default, an error naming `flag`.
    fn value(
        &self,
        given: Option<String>,
        flag: &str,
        question: &str,
        default: Option<&str>,
    ) -> anyhow::Result<String> {
        if let Some(value) = given {
            return Ok(value);
        }
        if !self.interactive {
            return default.map(str::to_owned).ok_or_else(|| {
                anyhow!("{flag} is required (there is no terminal to ask on): pass {flag} <VALUE>")
            });
        }
        loop {
            let answer = self.ask(question, default)?;
            if !answer.is_empty() {
                return Ok(answer);
            }
            if let Some(default) = default {
                return Ok(default.to_owned());
            }
            eprintln!("A value is required.");
        }
    }

    fn ask(&self, question: &str, default: Option<&str>) -> anyhow::Result<String> {
        match default {
            Some(default) => eprint!("{question} [{default}]: "),
            None => eprint!("{question}: "),
        }
        std::io::stderr().flush().ok();
        let mut line = String::new();
        let read = std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("reading the answer")?;
        if read == 0 {
            bail!("no answer (end of input) to {question:?}");
        }
        Ok(line.trim().to_owned())
    }

    /// A slug (environment or flow name). On a terminal an invalid name is replaced by its
    /// slugified form if the user confirms; otherwise it is returned as is and rejected later
    /// with the suggestion.
    fn slug(
        &self,
        given: Option<String>,
        flag: &str,
        question: &str,
        default: Option<&str>,
    ) -> anyhow::Result<String> {
        let mut name = self.value(given, flag, question, default)?;
        while self.interactive && slug_problem(&name).is_some() {
            let suggestion = slugify(&name);
            let problem = slug_problem(&name).unwrap_or_default();
            eprintln!("{name:?} is not a valid name: {problem}.");
            if !suggestion.is_empty() {
                let answer = self.ask(&format!("Use {suggestion:?} instead? (y/n)"), Some("y"))?;
                if answer.is_empty()
                    || answer.eq_ignore_ascii_case("y")
                    || answer.eq_ignore_ascii_case("yes")
                {
                    return Ok(suggestion);
                }
            }
            name = self.value(None, flag, question, None)?;
        }
        Ok(name)
    }
}

/// `symflow init`.
pub fn run_init(args: InitArgs) -> anyhow::Result<()> {
    let prompt = Prompter::new();
    let directory = PathBuf::from(prompt.value(
        args.directory.map(|d| d.display().to_string()),
        "--directory",
        "Directory to create for your Sym Terraform",
        None,
    )?);
    if directory.exists() {
        bail!(
            "{} already exists; `symflow init` creates a new directory (choose another --directory)",
            directory.display()
        );
    }
    let slack_workspace_id = prompt.value(
        args.slack_workspace_id,
        "--slack-workspace-id",
        "Slack workspace id (starts with T; run /sym whoami in Slack)",
        None,
    )?;
    let environment = prompt.slug(
        args.environment,
        "--environment",
        "Environment name",
        Some("prod"),
    )?;
    let org = prompt.value(args.org, "--org", "Sym org id", Some("local"))?;
    let written = scaffold::init(&InitOptions {
        directory: directory.clone(),
        slack_workspace_id,
        environment,
        org,
    })?;
    for path in &written {
        println!("created {}", path.display());
    }
    println!();
    println!("Next: add a flow with");
    println!(
        "  symflow generate --directory {} --type approval-only --flow-name my-first-flow",
        directory.display()
    );
    Ok(())
}

/// `symflow generate`.
pub fn run_generate(args: GenerateArgs) -> anyhow::Result<()> {
    let prompt = Prompter::new();
    let flow_type = match args.flow_type {
        Some(flow_type) => flow_type,
        None => {
            let answer = prompt.value(
                None,
                "--type",
                &format!(
                    "Flow type ({})",
                    FlowType::ALL.map(FlowType::as_str).join(", ")
                ),
                None,
            )?;
            parse_flow_type(&answer).map_err(|message| anyhow!(message))?
        }
    };
    let flow_name = prompt.slug(args.flow_name, "--flow-name", "Flow name", None)?;
    let settings = match flow_type {
        FlowType::ApprovalOnly => FlowSettings::ApprovalOnly,
        FlowType::Okta => FlowSettings::Okta {
            domain: prompt.value(
                args.okta_domain,
                "--okta-domain",
                "Okta domain (e.g. dev-12345.okta.com)",
                None,
            )?,
            group_id: prompt.value(
                args.okta_group_id,
                "--okta-group-id",
                "Okta group id to grant (e.g. 00g12345abc)",
                None,
            )?,
        },
        FlowType::Custom => FlowSettings::Custom {
            target_identifier: prompt.value(
                args.target_identifier,
                "--target-identifier",
                "What the strategy grants (target identifier)",
                Some("admin"),
            )?,
        },
        FlowType::Pagerduty => FlowSettings::Pagerduty {
            subdomain: prompt.value(
                args.pagerduty_subdomain,
                "--pagerduty-subdomain",
                "PagerDuty subdomain (e.g. mycompany.pagerduty.com)",
                None,
            )?,
            schedule_name: prompt.value(
                args.pagerduty_schedule,
                "--pagerduty-schedule",
                "PagerDuty schedule whose on-call users are auto-approved",
                None,
            )?,
        },
    };
    let generated = scaffold::generate(&GenerateOptions {
        directory: args.directory,
        flow_name,
        settings,
    })?;
    for path in &generated.created {
        println!("created  {}", path.display());
    }
    for path in &generated.modified {
        println!("modified {}", path.display());
    }
    println!();
    println!("Next steps:");
    for (index, step) in generated.next_steps.iter().enumerate() {
        println!("  {}. {step}", index + 1);
    }
    Ok(())
}

/// `symflow validate`: prints every problem, then the environments and flows it found;
/// returns the exit code (1 when there are errors).
pub fn run_validate(args: ValidateArgs) -> anyhow::Result<i32> {
    let validation = validate(
        &args.dir,
        &LoadOptions {
            vars: args.vars,
            tf_state: args.tf_state,
            env_vars: None,
        },
    );
    let diagnostics = validation.diagnostics;
    for diagnostic in &diagnostics {
        println!("{diagnostic}");
    }
    let mut flow_count = 0;
    let mut environment_count = 0;
    if let Some(config) = &validation.config {
        print_environments(config);
        flow_count = config.flows.len();
        environment_count = config.environments.len();
    }
    let errors = diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    let warnings = diagnostics.len() - errors;
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    if errors > 0 {
        eprintln!(
            "{}: {}, {}",
            args.dir.display(),
            plural(errors, "error"),
            plural(warnings, "warning")
        );
        return Ok(1);
    }
    let found = format!(
        "{} in {}",
        plural(flow_count, "flow"),
        plural(environment_count, "environment")
    );
    if warnings > 0 {
        eprintln!(
            "{}: valid, {found}, with {}",
            args.dir.display(),
            plural(warnings, "warning")
        );
    } else {
        eprintln!("{}: valid, {found}", args.dir.display());
    }
    Ok(0)
}

/// Each environment (with the module it comes from) and its flows, and where values from
/// Terraform state came from.
fn print_environments(config: &symflow_config::Config) {
    if let Some(version) = &config.provider_version {
        println!("Sym provider: {}", version.describe());
    }
    if let Some(state) = &config.state {
        println!(
            "Values known after apply: from {} ({}: {} resources, {} outputs)",
            state.path.display(),
            state.format,
            state.resources,
            state.outputs
        );
    }
    for environment in config.environments.values() {
        let flows: Vec<&symflow_config::Flow> = config
            .flows
            .values()
            .filter(|flow| flow.environment.address() == Some(&environment.meta.address))
            .collect();
        println!(
            "environment {:?} ({}): {} flow{}",
            environment.name,
            environment.meta.address,
            flows.len(),
            if flows.len() == 1 { "" } else { "s" }
        );
        for flow in flows {
            let strategy = match flow
                .params
                .strategy
                .as_ref()
                .and_then(|link| config.get(link))
            {
                Some(strategy) => format!("strategy {}", strategy.strategy_type),
                None if flow.params.strategy.is_some() => "strategy from outside".to_owned(),
                None => "approval only".to_owned(),
            };
            println!("  flow {:?} ({}), {strategy}", flow.name, flow.meta.address);
        }
    }
    let orphans: Vec<&symflow_config::Flow> = config
        .flows
        .values()
        .filter(|flow| {
            flow.environment.address().is_none_or(|address| {
                config
                    .resource::<symflow_config::Environment>(address)
                    .is_none()
            })
        })
        .collect();
    for flow in orphans {
        println!(
            "flow {:?} ({}) in an environment from outside this directory",
            flow.name, flow.meta.address
        );
    }
}
