//! `symflow build` and `symflow run`: compile an environment's flows, and try
//! one event of a flow offline against recording stand-ins.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{bail, Context};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::{json, Map, Value};
use symflow_config::{Config, FieldType, LoadOptions};
use symflow_flow_host::catalog::{self, BuildProgress, CatalogPaths};
use symflow_flow_host::{records, FlowCatalog};
use symflow_integrations::strategies;
use symflow_sandbox::recording::{stand_in_user, Recorder, Script};
use symflow_sandbox::types::{self, Channel, Event, RunStep, UserRole};
use symflow_sandbox::{FlowInstance, HookStep, Sandbox, SandboxConfig, SandboxError};

#[derive(Args)]
pub struct BuildArgs {
    /// The environment directory (its `.tf` files and `impls/`).
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// Where builds are cached (default: `<DIR>/.symflow`).
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// Terraform variable overrides, `NAME=VALUE`.
    #[arg(long = "var", value_parser = parse_var)]
    pub vars: Vec<(String, String)>,
    /// Terraform state (or `terraform show -json` / `terraform output -json` output) for
    /// values only `terraform apply` knows [default: DIR/terraform.tfstate if present].
    #[arg(long = "tf-state", value_name = "PATH", env = "SYMFLOW_TF_STATE")]
    pub tf_state: Option<PathBuf>,
}

#[derive(Args)]
pub struct RunArgs {
    /// The flow's name (`sym_flow.name`).
    pub flow: String,
    /// The environment directory.
    #[arg(long, default_value = ".")]
    pub dir: PathBuf,
    /// The event to run: prompt, request, approve, deny, escalate, deescalate.
    #[arg(long, default_value = "request")]
    pub event: String,
    /// The acting user's email.
    #[arg(long, default_value = "requester@example.com")]
    pub user: String,
    /// The acting user's role: admin, member or guest.
    #[arg(long, default_value = "member")]
    pub role: String,
    /// A prompt field value, `NAME=VALUE` (repeatable).
    #[arg(long = "field", value_parser = parse_var)]
    pub fields: Vec<(String, String)>,
    /// Pretend PagerDuty reports this email as on call (repeatable).
    #[arg(long = "on-call")]
    pub on_call: Vec<String>,
    /// What a `requests` call to HOST answers, `HOST=JSON` (repeatable); only hosts the
    /// flow's `allowed_hosts` allow answer, as when the flow runs for real.
    #[arg(long = "http-reply", value_name = "HOST=JSON", value_parser = parse_var)]
    pub http_replies: Vec<(String, String)>,
    /// The request's context, a JSON object, as the Events API's `context` gives it
    /// (`event.get_context("request")`) [default: {}].
    #[arg(long, value_name = "JSON")]
    pub context: Option<String>,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
    /// Where builds are cached (default: `<DIR>/.symflow`).
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    #[arg(long = "var", value_parser = parse_var)]
    pub vars: Vec<(String, String)>,
    /// Terraform state (or `terraform show -json` / `terraform output -json` output) for
    /// values only `terraform apply` knows [default: DIR/terraform.tfstate if present].
    #[arg(long = "tf-state", value_name = "PATH", env = "SYMFLOW_TF_STATE")]
    pub tf_state: Option<PathBuf>,
}

fn parse_var(text: &str) -> Result<(String, String), String> {
    LoadOptions::parse_var(text)
}

fn load_config(
    dir: &Path,
    vars: &[(String, String)],
    tf_state: &Option<PathBuf>,
) -> anyhow::Result<Config> {
    symflow_server::up::load_config(
        dir,
        &LoadOptions {
            vars: vars.to_vec(),
            tf_state: tf_state.clone(),
            env_vars: None,
        },
    )
}

fn paths(dir: &Path, data_dir: &Option<PathBuf>) -> CatalogPaths {
    CatalogPaths::under(&data_dir.clone().unwrap_or_else(|| dir.join(".symflow")))
}

/// Build with a progress bar; every failure is printed with file:line and a hint.
pub fn build_with_progress(
    config: &Config,
    paths: &CatalogPaths,
) -> anyhow::Result<Vec<symflow_flow_build::BuiltFlow>> {
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} {msg}")
            .expect("valid template"),
    );
    bar.enable_steady_tick(Duration::from_millis(120));
    let mut lines = Vec::new();
    let result = catalog::build_all(config, paths, &mut |progress| match progress {
        BuildProgress::Started { total } => bar.set_length(total as u64),
        BuildProgress::Building { name, .. } => bar.set_message(format!("building {name}")),
        BuildProgress::Built { flow, .. } => {
            bar.inc(1);
            for warning in &flow.warnings {
                lines.push(format!("{warning}"));
            }
            lines.push(format!(
                "{} {} ({:.1} MB, {:.1} s)",
                if flow.cached { "unchanged" } else { "built" },
                flow.name,
                flow.size_bytes as f64 / 1e6,
                flow.seconds
            ));
        }
        BuildProgress::Failed { name, .. } => {
            bar.inc(1);
            lines.push(format!("FAILED {name}"));
        }
    });
    bar.finish_and_clear();
    for line in lines {
        eprintln!("{line}");
    }
    match result {
        Ok(built) => Ok(built),
        Err(failures) => {
            for failure in &failures {
                for warning in &failure.warnings {
                    eprintln!("{warning}");
                }
                eprintln!("{failure}");
            }
            bail!("{} flow(s) failed to build", failures.len())
        }
    }
}

pub fn run_build(args: BuildArgs) -> anyhow::Result<ExitCode> {
    let config = load_config(&args.dir, &args.vars, &args.tf_state)?;
    let paths = paths(&args.dir, &args.data_dir);
    let built = build_with_progress(&config, &paths)?;
    eprintln!(
        "{} flow(s) ready in {}",
        built.len(),
        paths.builds.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn role(text: &str) -> anyhow::Result<UserRole> {
    Ok(match text {
        "admin" => UserRole::Admin,
        "member" => UserRole::Member,
        "guest" => UserRole::Guest,
        other => bail!("--role {other:?}: use admin, member or guest"),
    })
}

/// A prompt field's text from the command line, as the SDK sees its value.
fn field_value(field_type: Option<FieldType>, name: &str, text: &str) -> anyhow::Result<Value> {
    let list = || text.split(',').map(str::trim).filter(|s| !s.is_empty());
    Ok(match field_type {
        Some(FieldType::Int) => json!(text
            .parse::<i64>()
            .with_context(|| format!("--field {name}: not an integer"))?),
        Some(FieldType::Bool) => json!(matches!(text, "true" | "yes" | "1")),
        Some(FieldType::Duration) => json!(symflow_engine::duration::parse_duration(text)
            .map_err(|e| anyhow::anyhow!("--field {name}: {e}"))?),
        Some(FieldType::IntList) => Value::Array(
            list()
                .map(|v| v.parse::<i64>().map(Value::from))
                .collect::<Result<_, _>>()
                .with_context(|| format!("--field {name}: not a list of integers"))?,
        ),
        Some(FieldType::StrList) | Some(FieldType::SlackUserList) => {
            Value::Array(list().map(Value::from).collect())
        }
        _ => json!(text),
    })
}

pub fn run_run(args: RunArgs) -> anyhow::Result<ExitCode> {
    let config = load_config(&args.dir, &args.vars, &args.tf_state)?;
    let flow = config
        .flow_by_slug(&args.flow)
        .with_context(|| {
            let names: Vec<_> = config.flows.values().map(|f| f.name.as_str()).collect();
            format!(
                "no flow named {:?}; this environment has: {}",
                args.flow,
                names.join(", ")
            )
        })?
        .clone();
    let resolved = config.resolve_flow(&flow);
    let paths = paths(&args.dir, &args.data_dir);
    let source = catalog::flow_source(&config, &flow);
    let built = symflow_flow_build::build_flow(
        &source,
        &symflow_flow_build::BuildOptions {
            cache_dir: paths.builds.clone(),
            import_policy: symflow_flow_build::ImportPolicy::Sym,
        },
    )
    .map_err(|failure| anyhow::anyhow!("{failure}"))?;
    let sandbox = Sandbox::new(&SandboxConfig {
        pooling: false,
        ..SandboxConfig::default()
    })?;
    let mut catalog = FlowCatalog::load(&sandbox, vec![built], &paths)?;
    catalog
        .apply_limits(&config)
        .map_err(|e| anyhow::anyhow!("flow {}: {e}", flow.name))?;
    let loaded = catalog
        .get(&flow.name)
        .context("flow missing after build")?;

    let mut fields = Map::new();
    for (name, text) in &args.fields {
        let field_type = flow
            .params
            .prompt_fields
            .iter()
            .find(|f| &f.name == name)
            .map(|f| f.field_type);
        fields.insert(name.clone(), field_value(field_type, name, text)?);
    }
    let info = records::flow_info(&config, &resolved);
    if let Some(strategy) = &info.strategy {
        if let Some(first) = strategy.targets.first() {
            fields.entry("target_id").or_insert_with(|| json!(first.id));
        }
    }
    let mut user = stand_in_user(&args.user);
    user.role = role(&args.role)?;
    let context = match &args.context {
        Some(text) => match serde_json::from_str::<Value>(text) {
            Ok(value @ Value::Object(_)) => value.to_string(),
            _ => anyhow::bail!(
                "--context must be a JSON object, e.g. --context '{{\"diff\": \"...\"}}'"
            ),
        },
        None => "{}".to_string(),
    };
    // The request step is there for every event after the prompt (the server adds the
    // current event too), so `event.get_context("request")` is `{}` when none came.
    let steps = if args.event == "prompt" {
        Vec::new()
    } else {
        vec![RunStep {
            event_name: "request".into(),
            actor: Some(user.clone()),
            context_json: context,
            output_json: None,
            timestamp: now_iso(),
        }]
    };
    let event = Event {
        name: args.event.clone(),
        run_id: "00000000-0000-4000-8000-000000000001".into(),
        run_srn: format!(
            "{}:run:{}:latest:00000000-0000-4000-8000-000000000001",
            records::org(&config),
            flow.name
        ),
        user: user.clone(),
        timestamp: now_iso(),
        fields_json: Value::Object(fields).to_string(),
        channel: Channel {
            identifier: None,
            channel_type: "sym".into(),
        },
        flow: info.clone(),
        steps,
        source_channel: None,
    };

    let recorder = Recorder::new(Script {
        on_call: args.on_call.iter().cloned().collect(),
        secrets: granted_stand_in_secrets(&config, &resolved),
        http_hosts: allowed_replies(&resolved, &args.http_replies),
        ..Script::default()
    });
    let mut instance =
        FlowInstance::new(&loaded.component, recorder.capabilities(), loaded.limits)?;
    let mut report = Map::new();
    report.insert("flow".into(), json!(flow.name));
    report.insert("event".into(), json!(args.event));
    report.insert("handlers".into(), json!(loaded.handlers));
    let mut failed = false;
    let mut record = |key: &str, value: Result<Value, SandboxError>| match value {
        Ok(value) => {
            report.insert(key.into(), value);
        }
        Err(error) => {
            failed = true;
            let mut detail = json!({ "error": error.to_string() });
            if let Some(flow_error) = error.flow_error() {
                detail["traceback"] = json!(flow_error.traceback);
            }
            report.insert(key.into(), detail);
        }
    };

    let step = match args.event.as_str() {
        "prompt" => HookStep::Prompt,
        "request" => HookStep::Request,
        "approve" => HookStep::Approve,
        "deny" => HookStep::Deny,
        "escalate" => HookStep::Escalate,
        "deescalate" => HookStep::Deescalate,
        other => {
            bail!("--event {other:?}: use prompt, request, approve, deny, escalate or deescalate")
        }
    };
    let mut redirected = false;
    if loaded.defines(&format!("on_{}", args.event)) {
        let result = instance.on_hook(step, &event, None);
        redirected = matches!(result, Ok(Some(_)));
        record(
            &format!("on_{}", args.event),
            result.map(|t| t.map(transition_json).unwrap_or(json!("continue"))),
        );
    }
    if step == HookStep::Request && !redirected {
        if loaded.defines("get_permissions") {
            record(
                "get_permissions",
                instance.get_permissions(&event).map(|p| json!(p)),
            );
        }
        if loaded.defines("get_request_notifications") {
            record(
                "get_request_notifications",
                instance.get_request_notifications(&event).map(|n| json!(n)),
            );
        }
        if loaded.defines("get_approvers") {
            record(
                "get_approvers",
                instance.get_approvers(&event).map(|a| json!(a)),
            );
        }
    }
    if loaded.defines("strategy") && matches!(step, HookStep::Escalate | HookStep::Deescalate) {
        if let Some(integration) = info.strategy.as_ref().and_then(|s| s.integration.clone()) {
            let target = serde_json::from_str::<Value>(&event.fields_json)
                .ok()
                .and_then(|f| f["target_id"].as_str().map(str::to_string))
                .unwrap_or_default();
            let result = if step == HookStep::Escalate {
                instance.escalate(&integration, &target, &event)
            } else {
                instance.deescalate(&integration, &target, &event)
            };
            record(
                &format!("strategy.{}", args.event),
                result.map(|o| json!(o)),
            );
        }
    }
    if !loaded.defines("strategy") && matches!(step, HookStep::Escalate | HookStep::Deescalate) {
        if let Some(strategy) = &resolved.strategy {
            record(
                &format!("strategy.{}", args.event),
                describe_builtin_grant(strategy, &info, &event, step).map(|said| json!(said)),
            );
        }
    }
    if !redirected && loaded.defines(&format!("after_{}", args.event)) {
        record(
            &format!("after_{}", args.event),
            instance.after_hook(step, &event, None).map(|_| json!("ok")),
        );
    }
    let calls: Vec<Value> = recorder
        .calls()
        .into_iter()
        .map(|c| json!({"capability": c.capability, "function": c.function, "args": c.args}))
        .collect();
    report.insert("capability_calls".into(), Value::Array(calls));
    let log = instance.log();
    if !log.text.is_empty() {
        report.insert("output".into(), json!(log.text));
    }

    if args.json {
        println!("{}", serde_json::to_string_pretty(&Value::Object(report))?);
    } else {
        print_report(&report);
    }
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// What the flow's built-in strategy would do for this event (`okta`, `github`, `aws_*`,
/// `http`), said without calling the service.
fn describe_builtin_grant(
    strategy: &symflow_config::ResolvedStrategy<'_>,
    info: &types::FlowInfo,
    event: &Event,
    step: HookStep,
) -> Result<String, SandboxError> {
    let failed = |message: String| {
        SandboxError::Flow(types::FlowError {
            kind: types::ErrorKind::SymException,
            error_code: Some("AccessStrategy:CONFIG".into()),
            message,
            hint: None,
            traceback: String::new(),
        })
    };
    let kind = strategy.strategy.strategy_type.as_str();
    let fields: Value = serde_json::from_str(&event.fields_json).unwrap_or_default();
    let target_id = fields["target_id"].as_str().unwrap_or_default();
    let index = info
        .strategy
        .as_ref()
        .and_then(|s| s.targets.iter().position(|t| t.id == target_id))
        .ok_or_else(|| {
            failed(format!(
                "--field target_id={target_id:?} is not a target of this flow's strategy"
            ))
        })?;
    let target = strategy
        .targets
        .get(index)
        .ok_or_else(|| failed("the strategy's targets changed while running".to_string()))?;
    let mut target = strategies::TargetSpec::from_config(target);
    // Field bindings: a prompt field of the same name fills the setting, as at request time.
    for binding in &strategy.targets[index].field_bindings {
        if let Some(value) = fields[binding.as_str()].as_str() {
            target.settings.insert(binding.clone(), value.to_string());
        }
    }
    let direction = if step == HookStep::Escalate {
        strategies::plan::Direction::Escalate
    } else {
        strategies::plan::Direction::Deescalate
    };
    let integration_settings = strategy
        .integration
        .map(|i| strategies::text_settings(&i.settings))
        .unwrap_or_default();
    strategies::plan::describe(
        kind,
        &strategies::text_settings(&strategy.strategy.settings),
        &integration_settings,
        &target,
        &event.user.email,
        direction,
    )
    .map_err(|e| failed(e.to_string()))?
    .ok_or_else(|| failed(symflow_config::strategy_types::unsupported_strategy_message(kind)))
}

fn transition_json(t: types::Transition) -> Value {
    json!({
        "step": t.step,
        "message": t.message,
        "kwargs": serde_json::from_str::<Value>(&t.kwargs_json).unwrap_or(Value::Null),
    })
}

fn print_report(report: &Map<String, Value>) {
    println!(
        "flow {} — event {}",
        report["flow"].as_str().unwrap_or(""),
        report["event"].as_str().unwrap_or("")
    );
    for (key, value) in report {
        if matches!(
            key.as_str(),
            "flow" | "event" | "handlers" | "capability_calls" | "output"
        ) {
            continue;
        }
        match value.get("error") {
            Some(error) => {
                println!("  {key}: FAILED — {}", error.as_str().unwrap_or(""));
                if let Some(tb) = value.get("traceback").and_then(Value::as_str) {
                    for line in tb.lines() {
                        println!("      {line}");
                    }
                }
            }
            None => println!("  {key}: {value}"),
        }
    }
    if let Some(Value::Array(calls)) = report.get("capability_calls") {
        if calls.is_empty() {
            println!("  (no calls to Slack or other services)");
        }
        for call in calls {
            println!(
                "  would call {}.{}({})",
                call["capability"].as_str().unwrap_or(""),
                call["function"].as_str().unwrap_or(""),
                call["args"].as_str().unwrap_or("")
            );
        }
    }
    if let Some(output) = report.get("output").and_then(Value::as_str) {
        println!("  output:\n{output}");
    }
}

fn now_iso() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    symflow_engine::Timestamp::from_secs(secs).to_rfc3339()
}

/// The secrets the flow's integrations (and a custom strategy's) grant, each with a stand-in
/// value: `symflow run` shows which secrets a flow reads, never a real value.
fn granted_stand_in_secrets(
    config: &Config,
    resolved: &symflow_config::ResolvedFlow<'_>,
) -> std::collections::BTreeMap<String, String> {
    let strategy_integration = resolved.strategy.as_ref().and_then(|s| s.integration);
    let mut secrets = std::collections::BTreeMap::new();
    for integration in resolved
        .integrations
        .values()
        .copied()
        .chain(strategy_integration)
    {
        for value in integration.settings.values() {
            let links: Vec<&symflow_config::Link<symflow_config::Secret>> = match value {
                symflow_config::SettingValue::Secret(link) => vec![link],
                symflow_config::SettingValue::SecretList(links) => links.iter().collect(),
                _ => Vec::new(),
            };
            for link in links {
                let id = records::secret_id(link);
                let path = config.get(link).map(|s| s.path.clone()).unwrap_or_default();
                secrets.insert(id, format!("stand-in value of {path}"));
            }
        }
    }
    secrets
}

/// The `--http-reply` answers for hosts the flow's `allowed_hosts` allow.
fn allowed_replies(
    resolved: &symflow_config::ResolvedFlow<'_>,
    replies: &[(String, String)],
) -> std::collections::BTreeMap<String, String> {
    let mut allow = symflow_config::hosts::AllowList::new();
    let strategy_integration = resolved.strategy.as_ref().and_then(|s| s.integration);
    for integration in resolved
        .integrations
        .values()
        .copied()
        .chain(strategy_integration)
    {
        if let Some(hosts) = integration
            .settings
            .get("allowed_hosts")
            .and_then(symflow_config::SettingValue::as_text)
        {
            allow.extend_from_text(hosts);
        }
    }
    replies
        .iter()
        .filter(|(host, _)| {
            let allowed = allow.allows(host);
            if !allowed {
                eprintln!("--http-reply {host}: no allowed_hosts of the flow's integrations allows it, so the flow's call is refused");
            }
            allowed
        })
        .cloned()
        .collect()
}
