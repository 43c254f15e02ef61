//! `symflow up [DIR]`: load the environment, build its flows if they changed, and serve
//! Slack. The CLI builds with its progress bar and calls [`serve_built`]; [`run`] does the
//! whole thing for any other host.

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::Args;
use symflow_config::{load_dir, Config, LoadOptions};
use symflow_flow_build::BuiltFlow;
use symflow_flow_host::catalog::{self, BuildProgress, CatalogPaths};
use symflow_flow_host::FlowCatalog;
use symflow_sandbox::{Sandbox, SandboxConfig};

use crate::app::{missing_settings, RunningServer, Server, ServerOptions, SlackSettings};
use crate::capabilities::{StandInScript, StandIns};
use crate::console::auth::random_token;
use crate::console::ConsoleOptions;
use crate::preview::PreviewSlack;

#[derive(Args, Debug, Clone)]
pub struct UpArgs {
    /// The environment directory (its `.tf` files and `impls/`).
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// Port to listen on.
    #[arg(long, default_value_t = 3000, env = "SYMFLOW_PORT")]
    pub port: u16,
    /// Address to listen on (0.0.0.0 to accept connections from other machines).
    #[arg(long, default_value = "127.0.0.1", env = "SYMFLOW_HOST")]
    pub host: IpAddr,
    /// Where the database and build caches live (default: `<DIR>/.symflow`).
    #[arg(long, env = "SYMFLOW_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// Slack Web API base URL, for tests and emulators (default: https://slack.com/api/).
    #[arg(long, env = "SLACK_API_URL")]
    pub slack_api_url: Option<String>,
    /// E-mails of symflow admins, comma-separated (spec: admin is granted explicitly).
    #[arg(long = "admin", env = "SYMFLOW_ADMINS", value_delimiter = ',')]
    pub admins: Vec<String>,
    /// JSON answers for the stand-ins of PagerDuty, Okta, GitHub, Lambda, HTTP and secrets
    /// (e.g. `{"on_call": ["alice@example.com"]}`), until real clients are configured.
    #[arg(long, env = "SYMFLOW_STAND_IN_SCRIPT")]
    pub stand_in_script: Option<PathBuf>,
    /// Terraform variable overrides, `NAME=VALUE`.
    #[arg(long = "var", value_parser = LoadOptions::parse_var)]
    pub vars: Vec<(String, String)>,
    /// The web console's sign-in token (default: a new one, printed at start-up).
    #[arg(long, env = "SYMFLOW_CONSOLE_TOKEN", hide_env_values = true)]
    pub console_token: Option<String>,
    /// Without Slack credentials symflow runs a built-in local Slack for the Slack preview
    /// (`/preview`); this turns that off.
    #[arg(long, env = "SYMFLOW_NO_SLACK_PREVIEW")]
    pub no_slack_preview: bool,
}

impl UpArgs {
    pub fn data_dir(&self) -> PathBuf {
        self.data_dir
            .clone()
            .unwrap_or_else(|| self.dir.join(".symflow"))
    }

    /// Where built and compiled flows are cached.
    pub fn catalog_paths(&self) -> CatalogPaths {
        CatalogPaths::under(&self.data_dir())
    }

    /// Slack settings from the environment and the flags.
    pub fn slack_settings(&self) -> SlackSettings {
        let env = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        SlackSettings {
            bot_token: env("SLACK_BOT_TOKEN"),
            signing_secret: env("SLACK_SIGNING_SECRET"),
            api_base_url: self.slack_api_url.clone(),
        }
    }
}

/// Loads the environment, printing its warnings.
pub fn load_config(dir: &Path, vars: &[(String, String)]) -> anyhow::Result<Config> {
    let loaded = load_dir(
        dir,
        &LoadOptions {
            vars: vars.to_vec(),
        },
    )
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    for warning in &loaded.diagnostics {
        eprintln!("{warning}");
    }
    Ok(loaded.config)
}

/// Builds every flow, one line per flow (no progress bar).
pub fn build(config: &Config, paths: &CatalogPaths) -> anyhow::Result<Vec<BuiltFlow>> {
    catalog::build_all(config, paths, &mut |progress| match progress {
        BuildProgress::Building { name, .. } => eprintln!("building {name}…"),
        BuildProgress::Failed { name, .. } => eprintln!("FAILED {name}"),
        BuildProgress::Started { .. } | BuildProgress::Built { .. } => {}
    })
    .map_err(|failures| {
        for failure in &failures {
            eprintln!("{failure}");
        }
        anyhow::anyhow!("{} flow(s) failed to build", failures.len())
    })
}

/// The sandbox and the loaded flows (compiled code comes from the on-disk cache).
pub fn load_flows(
    built: Vec<BuiltFlow>,
    paths: &CatalogPaths,
) -> anyhow::Result<(Arc<Sandbox>, FlowCatalog)> {
    let sandbox = Arc::new(Sandbox::new(&SandboxConfig::default())?);
    let catalog = FlowCatalog::load(&sandbox, built, paths)?;
    Ok((sandbox, catalog))
}

/// `symflow up` without the CLI's progress bar.
pub async fn run(args: UpArgs) -> anyhow::Result<()> {
    let config = load_config(&args.dir, &args.vars)?;
    let paths = args.catalog_paths();
    let built = {
        let config = config.clone();
        let paths = paths.clone();
        tokio::task::spawn_blocking(move || build(&config, &paths)).await??
    };
    serve_built(args, config, built)
        .await?
        .run_until_interrupted()
        .await;
    Ok(())
}

/// Loads built flows and starts serving; prints where, and what is missing.
pub async fn serve_built(
    args: UpArgs,
    config: Config,
    built: Vec<BuiltFlow>,
) -> anyhow::Result<RunningServer> {
    let paths = args.catalog_paths();
    let (sandbox, catalog) =
        tokio::task::spawn_blocking(move || load_flows(built, &paths)).await??;
    let script = match &args.stand_in_script {
        Some(path) => StandInScript::from_file(path)?,
        None => StandInScript::default(),
    };
    let mut slack = args.slack_settings();
    // No Slack at all: the Slack preview's local Slack stands in for it.
    let preview = if !args.no_slack_preview
        && slack.bot_token.is_none()
        && slack.signing_secret.is_none()
        && slack.api_base_url.is_none()
    {
        let preview = PreviewSlack::start().await;
        slack = preview.slack_settings();
        Some(preview)
    } else {
        None
    };
    let missing = missing_settings(&slack);
    let console_token = args
        .console_token
        .clone()
        .filter(|t| !t.trim().is_empty())
        .unwrap_or_else(random_token);
    let server = Server::start(ServerOptions {
        config,
        sandbox,
        catalog,
        data_dir: args.data_dir(),
        listen: SocketAddr::new(args.host, args.port),
        slack: slack.clone(),
        admins: args.admins.clone(),
        integrations: Arc::new(StandIns::new(script)),
        console: ConsoleOptions {
            token: Some(console_token.clone()),
            preview: preview.clone(),
        },
    })
    .await?;
    let flows: Vec<String> = server
        .app()
        .flows
        .all()
        .map(|f| f.name().to_string())
        .collect();
    eprintln!(
        "symflow is listening on http://{} with {} flow(s): {}",
        server.addr,
        flows.len(),
        flows.join(", ")
    );
    eprintln!(
        "  Slack request URLs: /slack/commands (slash command), /slack/interactivity, /slack/events; health: /healthz"
    );
    eprintln!("  data: {}", args.data_dir().display());
    match &preview {
        Some(_) => eprintln!(
            "  no Slack credentials: a built-in local Slack stands in; try flows at http://{}/preview",
            server.addr
        ),
        None => {
            if let Some(url) = &slack.api_base_url {
                eprintln!("  Slack Web API: {url}");
            }
        }
    }
    if args
        .console_token
        .as_deref()
        .is_some_and(|t| !t.trim().is_empty())
    {
        eprintln!(
            "  web console: http://{}/console (sign in with SYMFLOW_CONSOLE_TOKEN)",
            server.addr
        );
    } else {
        eprintln!(
            "  web console: http://{}/console  console token (new at every start; set SYMFLOW_CONSOLE_TOKEN to keep one): {console_token}",
            server.addr
        );
    }
    for line in &missing {
        eprintln!("  MISSING: {line}");
    }
    if args.admins.is_empty() {
        eprintln!("  note: no admins (SYMFLOW_ADMINS / --admin); flows that let only admins approve cannot be approved");
    }
    Ok(server)
}
