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
use crate::capabilities::{IntegrationProvider, StandInScript, StandIns};
use crate::console::auth::random_token;
use crate::console::oidc::{OidcSettings, CALLBACK_PATH};
use crate::console::ConsoleOptions;
use crate::integrations::{endpoints_from_env, missing_credentials, ServiceIntegrations};
use crate::preview::PreviewSlack;
use crate::replicas::Leases;

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
    /// Keep the state in PostgreSQL (`postgres://user:password@host:port/database`) instead
    /// of the SQLite file in the data directory; several replicas may share one database.
    #[arg(long, env = "SYMFLOW_DATABASE_URL")]
    pub database_url: Option<String>,
    /// Seconds a replica's claim on a Slack request, a timer or a flow call lasts: when it
    /// dies, another replica takes its work over after this long (default: 60 for requests,
    /// 120 for timers and flow calls). Keep it longer than a flow call can take.
    #[arg(long, env = "SYMFLOW_LEASE_SECONDS")]
    pub lease_seconds: Option<u64>,
    /// Slack Web API base URL, for tests and emulators (default: https://slack.com/api/).
    #[arg(long, env = "SLACK_API_URL")]
    pub slack_api_url: Option<String>,
    /// E-mails of symflow admins, comma-separated (spec: admin is granted explicitly).
    #[arg(long = "admin", env = "SYMFLOW_ADMINS", value_delimiter = ',')]
    pub admins: Vec<String>,
    /// Instead of the real PagerDuty, Okta, GitHub, Lambda, HTTP and secrets: scripted
    /// stand-ins answering from this JSON file (e.g. `{"on_call": ["alice@example.com"]}`),
    /// for demos. Service base URLs are set with SYMFLOW_PAGERDUTY_API_URL,
    /// SYMFLOW_OKTA_BASE_URL, SYMFLOW_GITHUB_API_URL, SYMFLOW_ONELOGIN_API_URL,
    /// SYMFLOW_GOOGLE_API_URL and SYMFLOW_AWS_ENDPOINT_URL.
    #[arg(long, env = "SYMFLOW_STAND_IN_SCRIPT")]
    pub stand_in_script: Option<PathBuf>,
    /// Terraform variable overrides, `NAME=VALUE`.
    #[arg(long = "var", value_parser = LoadOptions::parse_var)]
    pub vars: Vec<(String, String)>,
    /// Terraform state for the values only `terraform apply` knows (module outputs, other
    /// providers' attributes): a `terraform.tfstate` (or `terraform state pull` output), or a
    /// file written by `terraform show -json` or `terraform output -json`. Default:
    /// `terraform.tfstate` next to the .tf files, when there is one.
    #[arg(long = "tf-state", value_name = "PATH", env = "SYMFLOW_TF_STATE")]
    pub tf_state: Option<PathBuf>,
    /// Serve several tenants from one host, `TEAM_ID=DIR` once per Slack workspace (then DIR
    /// above is not used). Each has its own store, secrets, timers and limits; Slack
    /// credentials come from `SLACK_BOT_TOKEN_<TEAM_ID>` / `SLACK_SIGNING_SECRET_<TEAM_ID>`,
    /// else the unsuffixed variables.
    #[arg(long = "tenant", value_parser = crate::tenants::TenantArg::parse)]
    pub tenants: Vec<crate::tenants::TenantArg>,
    /// The web console's sign-in token (default: a new one, printed at start-up).
    #[arg(long, env = "SYMFLOW_CONSOLE_TOKEN", hide_env_values = true)]
    pub console_token: Option<String>,
    /// Without Slack credentials symflow runs a built-in local Slack for the Slack preview
    /// (`/preview`); this turns that off.
    #[arg(long, env = "SYMFLOW_NO_SLACK_PREVIEW")]
    pub no_slack_preview: bool,
    #[command(flatten)]
    pub oidc: OidcArgs,
}

/// Console sign-in with an OpenID Connect provider (Okta, Google, Keycloak, Entra ID, ...).
#[derive(Args, Debug, Clone, Default)]
pub struct OidcArgs {
    /// The provider's issuer URL (e.g. https://example.okta.com); turns on OIDC sign-in
    /// for the web console and turns token sign-in off.
    #[arg(long, env = "SYMFLOW_OIDC_ISSUER", requires = "oidc_client_id")]
    pub oidc_issuer: Option<String>,
    /// The client id of symflow's application at the provider.
    #[arg(long, env = "SYMFLOW_OIDC_CLIENT_ID")]
    pub oidc_client_id: Option<String>,
    /// The client secret (leave unset for a public client: PKCE only).
    #[arg(long, env = "SYMFLOW_OIDC_CLIENT_SECRET", hide_env_values = true)]
    pub oidc_client_secret: Option<String>,
    /// The URL people reach this server at (e.g. https://symflow.example.com); the OIDC
    /// redirect URL is this plus /console/oidc/callback.
    #[arg(long, env = "SYMFLOW_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// The OIDC redirect URL, when it is not <public URL>/console/oidc/callback.
    #[arg(long, env = "SYMFLOW_OIDC_REDIRECT_URL")]
    pub oidc_redirect_url: Option<String>,
    /// Accept ID tokens without an `email_verified` claim (for providers that never send it,
    /// e.g. Microsoft Entra ID); a claim of `false` is always refused.
    #[arg(long, env = "SYMFLOW_OIDC_ALLOW_UNVERIFIED_EMAIL")]
    pub oidc_allow_unverified_email: bool,
    /// Keep console token sign-in on alongside OIDC.
    #[arg(long, env = "SYMFLOW_CONSOLE_ALLOW_TOKEN_SIGN_IN")]
    pub console_allow_token_sign_in: bool,
}

impl OidcArgs {
    /// The OIDC settings, when an issuer is given; `listen` gives the redirect URL when
    /// neither it nor a public URL is set.
    pub fn settings(&self, listen: SocketAddr) -> anyhow::Result<Option<OidcSettings>> {
        let nonempty = |v: &Option<String>| v.clone().filter(|v| !v.trim().is_empty());
        let Some(issuer) = nonempty(&self.oidc_issuer) else {
            return Ok(None);
        };
        let client_id = nonempty(&self.oidc_client_id).ok_or_else(|| {
            anyhow::anyhow!("--oidc-issuer is set but --oidc-client-id (SYMFLOW_OIDC_CLIENT_ID) is not: give the client id of symflow's application at the provider")
        })?;
        let redirect_url = match (nonempty(&self.oidc_redirect_url), nonempty(&self.public_url)) {
            (Some(url), _) => url,
            (None, Some(public)) => format!("{}{CALLBACK_PATH}", public.trim_end_matches('/')),
            (None, None) if !listen.ip().is_unspecified() => {
                format!("http://{listen}{CALLBACK_PATH}")
            }
            (None, None) => anyhow::bail!(
                "OIDC sign-in needs the URL people reach symflow at: set --public-url (SYMFLOW_PUBLIC_URL), e.g. https://symflow.example.com"
            ),
        };
        let settings = OidcSettings {
            issuer: issuer.trim_end_matches('/').to_string(),
            client_id,
            client_secret: nonempty(&self.oidc_client_secret),
            redirect_url,
            allow_unverified_email: self.oidc_allow_unverified_email,
        };
        settings.check().map_err(|e| anyhow::anyhow!("{e}"))?;
        Ok(Some(settings))
    }
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

/// Loads the environment, printing its warnings and where values from Terraform state came
/// from.
pub fn load_config(dir: &Path, opts: &LoadOptions) -> anyhow::Result<Config> {
    let loaded = load_dir(dir, opts).map_err(|e| anyhow::anyhow!("{e}"))?;
    for warning in &loaded.diagnostics {
        eprintln!("{warning}");
    }
    if let Some(state) = &loaded.config.state {
        eprintln!(
            "values known only after terraform apply come from {} ({}: {} resources, {} outputs)",
            state.path.display(),
            state.format,
            state.resources,
            state.outputs
        );
    }
    Ok(loaded.config)
}

impl UpArgs {
    /// How to load the configuration directory given on the command line.
    pub fn load_options(&self) -> LoadOptions {
        LoadOptions {
            vars: self.vars.clone(),
            tf_state: self.tf_state.clone(),
            env_vars: None,
        }
    }

    /// How to load a tenant's directory (its own `terraform.tfstate`, if any).
    pub fn tenant_load_options(&self) -> LoadOptions {
        LoadOptions {
            vars: self.vars.clone(),
            tf_state: None,
            env_vars: None,
        }
    }
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
    if !args.tenants.is_empty() {
        let mut tenants = Vec::new();
        for tenant in &args.tenants {
            let config = load_config(&tenant.dir, &args.tenant_load_options())?;
            let paths = tenant.catalog_paths(&args);
            let built = {
                let config = config.clone();
                tokio::task::spawn_blocking(move || build(&config, &paths)).await??
            };
            tenants.push(crate::tenants::BuiltTenant {
                tenant: tenant.clone(),
                config,
                built,
            });
        }
        crate::tenants::serve_built(args, tenants)
            .await?
            .run_until_interrupted()
            .await;
        return Ok(());
    }
    let config = load_config(&args.dir, &args.load_options())?;
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
    let (integrations, missing_integrations) = integrations_for(&args, &args.dir, &config).await?;
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
    let mut missing = missing_settings(&slack);
    missing.extend(missing_integrations);
    let console_token = args
        .console_token
        .clone()
        .filter(|t| !t.trim().is_empty())
        .unwrap_or_else(random_token);
    let oidc = args.oidc.settings(SocketAddr::new(args.host, args.port))?;
    let server = Server::start(ServerOptions {
        config,
        sandbox,
        catalog,
        data_dir: args.data_dir(),
        database_url: args.database_url.clone().filter(|u| !u.trim().is_empty()),
        listen: SocketAddr::new(args.host, args.port),
        slack: slack.clone(),
        admins: args.admins.clone(),
        integrations,
        leases: args
            .lease_seconds
            .map(|s| Leases::all(std::time::Duration::from_secs(s.max(1))))
            .unwrap_or_default(),
        console: ConsoleOptions {
            token: Some(console_token.clone()),
            preview: preview.clone(),
            oidc: oidc.clone(),
            allow_token_with_oidc: args.oidc.console_allow_token_sign_in,
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
    if let Some(url) = &args.database_url {
        eprintln!("  database: {}", redact_database_url(url));
    }
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
    if let Some(oidc) = &oidc {
        eprintln!(
            "  web console: http://{}/console  sign-in with OIDC at {} (redirect URI to register: {}){}",
            server.addr,
            oidc.issuer,
            oidc.redirect_url,
            if args.oidc.console_allow_token_sign_in {
                format!("; console token also allowed: {console_token}")
            } else {
                "; console token sign-in off".to_string()
            }
        );
    } else if args
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

/// What backs the flows' integrations: the stand-ins when `--stand-in-script` is given, else
/// the real clients (credentials from the environment's `sym_secret`s, base URLs from
/// `SYMFLOW_*_URL`), and what they are missing.
pub(crate) async fn integrations_for(
    args: &UpArgs,
    dir: &std::path::Path,
    config: &Config,
) -> anyhow::Result<(Arc<dyn IntegrationProvider>, Vec<String>)> {
    if let Some(path) = &args.stand_in_script {
        let script = StandInScript::from_file(path)?;
        return Ok((Arc::new(StandIns::new(script)), Vec::new()));
    }
    let mut options =
        symflow_integrations::IntegrationOptions::new(tokio::runtime::Handle::current());
    options.endpoints = endpoints_from_env(|name| std::env::var(name).ok())?;
    let local = symflow_config::secrets::LocalSecretStore::open(dir, None)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let secrets = symflow_integrations::secret_sources(Some(local), &options);
    let missing = missing_credentials(config, &secrets, &options).await;
    Ok((
        Arc::new(ServiceIntegrations::new(config.clone(), secrets, options)),
        missing,
    ))
}

/// `url` without its password, for printing.
pub fn redact_database_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    match rest.split_once('@') {
        Some((credentials, host)) => {
            let user = credentials.split(':').next().unwrap_or_default();
            format!("{scheme}://{user}:***@{host}")
        }
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::redact_database_url;

    #[test]
    fn a_printed_database_url_hides_the_password() {
        assert_eq!(
            redact_database_url("postgres://symflow:s3cret@db:5432/symflow"),
            "postgres://symflow:***@db:5432/symflow"
        );
        assert_eq!(
            redact_database_url("postgres://db/symflow"),
            "postgres://db/symflow"
        );
    }
}
