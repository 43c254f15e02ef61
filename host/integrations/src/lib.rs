//! Host-side integrations: real clients for the services a flow talks to, offered to the
//! sandbox through its capability traits, and the built-in access strategies the host runs.
//!
//! One module per service, in the style of Spin's `factor-*` crates: [`pagerduty`],
//! [`okta`], [`github`], [`onelogin`], [`google`], [`aws`] (Lambda, IAM Identity Center, IAM, Secrets Manager, and
//! the Kinesis streams log destinations write to),
//! [`outbound`] (a flow's `requests` calls) and [`secrets`]. [`strategies`] holds the
//! built-in strategies on top of them.
//!
//! # The seam for the server
//!
//! ```no_run
//! # use std::sync::Arc;
//! # use symflow_integrations::{capabilities_for_flow, secret_sources, IntegrationOptions};
//! # use symflow_integrations::strategies::{self, AccessRequest};
//! # async fn demo(config: &symflow_config::Config, flow: &symflow_config::Flow,
//! #               local: symflow_config::secrets::LocalSecretStore)
//! #     -> Result<(), Box<dyn std::error::Error>> {
//! let options = IntegrationOptions::new(tokio::runtime::Handle::current());
//! let secrets = Arc::new(secret_sources(Some(local), &options));
//! let resolved = config.resolve_flow(flow);
//!
//! // Per event: the capabilities of this flow (the server adds slack, store, users).
//! let caps = capabilities_for_flow(config, &resolved, secrets.clone(), &options);
//! // caps.slack = Some(...);
//!
//! // Escalation by a built-in strategy (None: a custom strategy, run in the sandbox).
//! if let Some(strategy) = resolved.strategy.as_ref() {
//!     if let Some(builtin) = strategies::builtin(config, strategy, secrets.clone(), &options)? {
//!         let _output = builtin.escalate(&AccessRequest::default()).await?;
//!     }
//! }
//! # Ok(()) }
//! ```
//!
//! Capabilities are synchronous and must be called from a blocking thread (the sandbox runs
//! flows under `spawn_blocking`): see [`client::Bridge`].

pub mod aws;
pub mod client;
pub mod error;
pub mod github;
pub mod google;
pub mod okta;
pub mod onelogin;
pub mod outbound;
pub mod pagerduty;
pub mod secrets;
pub mod strategies;
pub mod time;
pub mod users;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use symflow_config::secrets::LocalSecretStore;
use symflow_config::{Config, Integration, ResolvedFlow, SettingValue};
use symflow_sandbox::Capabilities;
use url::Url;

pub use client::{Bridge, Limits};
pub use error::{ErrorKind, IntegrationError, Service};
pub use outbound::{AllowList, HostPattern, OutboundLimits};
pub use secrets::{ApiToken, FlowSecrets, SecretRef, SecretResolver, SecretSources};
pub use strategies::{builtin, AccessRequest, BuiltinStrategy, TargetSpec};
pub use users::{StandInDirectory, UserDirectory, UsersDirectory};

use aws::{AwsClient, AwsCredentials};

/// Base URLs replacing the services' public ones (tests, proxies, VPC endpoints).
#[derive(Debug, Clone, Default)]
pub struct Endpoints {
    /// Instead of `https://api.pagerduty.com`.
    pub pagerduty: Option<Url>,
    /// Instead of `https://<okta domain>`.
    pub okta: Option<Url>,
    /// Instead of `https://api.github.com`.
    pub github: Option<Url>,
    /// Instead of `https://<subdomain>.onelogin.com`.
    pub onelogin: Option<Url>,
    /// Instead of `https://admin.googleapis.com`; the token endpoint is then `{url}/token`
    /// instead of the key file's `token_uri`.
    pub google: Option<Url>,
    /// Instead of every `https://<service>.<region>.amazonaws.com`.
    pub aws: Option<Url>,
    /// Instead of `https://api.segment.io` (Segment log destinations).
    pub segment: Option<Url>,
    /// Instead of `https://http-intake.logs.datadoghq.com` (Datadog log destinations).
    pub datadog: Option<Url>,
}

/// How the host builds integrations.
#[derive(Clone)]
pub struct IntegrationOptions {
    /// The runtime capabilities block on.
    pub bridge: Bridge,
    /// Timeout and reply cap of service API calls.
    pub limits: Limits,
    /// Base URL overrides.
    pub endpoints: Endpoints,
    /// AWS credentials (default: the process environment).
    pub aws_credentials: Option<AwsCredentials>,
    /// AWS region when an integration's `settings.region` does not say (default:
    /// `AWS_REGION`, `AWS_DEFAULT_REGION`, `us-east-1`).
    pub aws_region: String,
    /// Time between polls of AWS SSO assignment requests.
    pub aws_poll_interval: Duration,
    /// Limits of a flow's outbound HTTP.
    pub outbound: OutboundLimits,
    /// Hosts every flow may call, besides its integrations' `allowed_hosts`.
    pub allowed_hosts: AllowList,
    /// Where Sym users for service people come from.
    pub users: Arc<dyn UserDirectory>,
}

impl std::fmt::Debug for IntegrationOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IntegrationOptions")
            .field("limits", &self.limits)
            .field("endpoints", &self.endpoints)
            .field("aws_credentials", &self.aws_credentials)
            .field("aws_region", &self.aws_region)
            .field("outbound", &self.outbound)
            .field("allowed_hosts", &self.allowed_hosts)
            .finish_non_exhaustive()
    }
}

impl IntegrationOptions {
    /// Defaults: public endpoints, AWS credentials and region from the environment, 10 s
    /// per call, stand-in users.
    pub fn new(handle: tokio::runtime::Handle) -> Self {
        IntegrationOptions {
            bridge: Bridge::new(handle),
            limits: Limits::default(),
            endpoints: Endpoints::default(),
            aws_credentials: AwsCredentials::from_env(),
            aws_region: aws::region_from_env(),
            aws_poll_interval: Duration::from_millis(500),
            outbound: OutboundLimits::default(),
            allowed_hosts: AllowList::new(),
            users: Arc::new(StandInDirectory),
        }
    }
}

/// The secret sources of a deployment: `local` first, then AWS Secrets Manager when AWS
/// credentials are configured.
pub fn secret_sources(
    local: Option<LocalSecretStore>,
    options: &IntegrationOptions,
) -> SecretSources {
    let mut sources = SecretSources::new();
    if let Some(local) = local {
        sources = sources.with_local(local);
    }
    if options.aws_credentials.is_some() {
        sources = sources.with_aws(aws::secrets_manager::SecretsManager::new(AwsClient::new(
            options.aws_credentials.clone(),
            options.aws_region.clone(),
            options.endpoints.aws.clone(),
            options.limits,
        )));
    }
    sources
}

fn token(
    config: &Config,
    integration: &Integration,
    setting: &str,
    secrets: &Arc<dyn SecretResolver>,
) -> ApiToken {
    match integration.settings.get(setting) {
        Some(SettingValue::Secret(link)) => {
            ApiToken::from_secret(SecretRef::from_link(config, link), secrets.clone())
        }
        _ => ApiToken::Missing {
            setting: setting.to_string(),
        },
    }
}

/// The Okta client of an `okta` integration.
pub fn okta_client(
    config: &Config,
    integration: &Integration,
    secrets: Arc<dyn SecretResolver>,
    options: &IntegrationOptions,
) -> Result<okta::Okta, IntegrationError> {
    let domain = external_id(integration, Service::Okta)?;
    let base = match &options.endpoints.okta {
        Some(url) => url.clone(),
        None => client::base_url(Service::Okta, domain)?,
    };
    Ok(okta::Okta::new(
        base,
        domain.to_owned(),
        token(config, integration, "api_token_secret", &secrets),
        options.limits,
    ))
}

/// The OneLogin client of a `onelogin` integration (`external_id` = the account's subdomain
/// or host; `settings.client_id` and the `sym_secret` in `settings.client_secret`).
pub fn onelogin_client(
    config: &Config,
    integration: &Integration,
    secrets: Arc<dyn SecretResolver>,
    options: &IntegrationOptions,
) -> Result<onelogin::OneLogin, IntegrationError> {
    strategies::require_known(
        Service::OneLogin,
        &format!("the sym_integration {:?}", integration.name),
        &integration.settings,
        &["client_id"],
    )?;
    let account = external_id(integration, Service::OneLogin)?;
    let base = match &options.endpoints.onelogin {
        Some(url) => url.clone(),
        None => onelogin::base_url_for(account)?,
    };
    let client_id = integration
        .settings
        .get("client_id")
        .and_then(SettingValue::as_text)
        .map(str::to_string);
    Ok(onelogin::OneLogin::new(
        base,
        account.to_owned(),
        client_id,
        token(config, integration, "client_secret", &secrets),
        options.limits,
    ))
}

/// The Google Workspace client of a `google` integration (`external_id` = the Workspace
/// domain; the service-account key JSON in the `sym_secret` of
/// `settings.service_account_key_secret`, or `credentials_secret`; optional
/// `settings.admin_email` / `delegated_admin` to act as through domain-wide delegation).
pub fn google_client(
    config: &Config,
    integration: &Integration,
    secrets: Arc<dyn SecretResolver>,
    options: &IntegrationOptions,
) -> Result<google::Google, IntegrationError> {
    strategies::require_known(
        Service::Google,
        &format!("the sym_integration {:?}", integration.name),
        &integration.settings,
        &["admin_email", "delegated_admin"],
    )?;
    let domain = external_id(integration, Service::Google)?;
    let key_setting = ["service_account_key_secret", "credentials_secret"]
        .into_iter()
        .find(|s| integration.settings.contains_key(*s))
        .unwrap_or("service_account_key_secret");
    let admin_email = ["admin_email", "delegated_admin"]
        .iter()
        .find_map(|s| integration.settings.get(*s).and_then(SettingValue::as_text))
        .map(str::to_string);
    Ok(google::Google::new(
        options.endpoints.google.clone(),
        domain.to_owned(),
        token(config, integration, key_setting, &secrets),
        key_setting,
        admin_email,
        options.limits,
    ))
}

/// The GitHub client of a `github` integration (organisation = `external_id`).
pub fn github_client(
    config: &Config,
    integration: &Integration,
    secrets: Arc<dyn SecretResolver>,
    options: &IntegrationOptions,
) -> Result<github::GitHub, IntegrationError> {
    let base = match &options.endpoints.github {
        Some(url) => url.clone(),
        None => Url::parse(github::DEFAULT_BASE_URL).expect("valid URL"),
    };
    Ok(github::GitHub::new(
        base,
        external_id(integration, Service::GitHub)?.to_owned(),
        token(config, integration, "api_token_secret", &secrets),
        options.limits,
    ))
}

/// The PagerDuty client of a `pagerduty` integration.
pub fn pagerduty_client(
    config: &Config,
    integration: &Integration,
    secrets: Arc<dyn SecretResolver>,
    options: &IntegrationOptions,
) -> Result<pagerduty::PagerDuty, IntegrationError> {
    let base = options
        .endpoints
        .pagerduty
        .clone()
        .unwrap_or_else(|| Url::parse(pagerduty::DEFAULT_BASE_URL).expect("valid URL"));
    Ok(pagerduty::PagerDuty::new(
        base,
        token(config, integration, "api_token_secret", &secrets),
        external_id(integration, Service::PagerDuty)?.to_owned(),
        options.limits,
    ))
}

/// An integration's `external_id`, or the error saying it is only known after
/// `terraform apply`.
pub fn external_id(integration: &Integration, service: Service) -> Result<&str, IntegrationError> {
    integration.external_id.as_deref().map_err(|unknown| {
        IntegrationError::config(
            service,
            format!(
                "external_id of the sym_integration {:?} is not known: {unknown}",
                integration.name
            ),
        )
    })
}

/// The AWS client of a `permission_context` integration (region from `settings.region`).
pub fn aws_client(integration: &Integration, options: &IntegrationOptions) -> AwsClient {
    let region = strategies::text_settings(&integration.settings)
        .get("region")
        .filter(|r| !r.is_empty() && !r.starts_with("${"))
        .cloned()
        .unwrap_or_else(|| options.aws_region.clone());
    AwsClient::new(
        options.aws_credentials.clone(),
        region,
        options.endpoints.aws.clone(),
        options.limits,
    )
}

/// Is this an AWS integration (one that grants `aws_lambda`)?
fn is_aws(integration: &Integration) -> bool {
    matches!(
        integration.integration_type.as_str(),
        "permission_context" | "aws_lambda" | "aws"
    )
}

/// The capabilities a flow gets from `integrations` (its environment's): `pagerduty`,
/// `okta`, `github` and `aws_lambda` for integrations of those types (`permission_context`
/// for Lambda), `secrets` limited to the secrets their settings reference, and `http`
/// limited to their `allowed_hosts` plus the host-wide ones. `slack`, `store` and `users`
/// are the server's to fill.
pub fn capabilities_for<'a>(
    config: &Config,
    integrations: impl IntoIterator<Item = &'a Integration>,
    secrets: Arc<dyn SecretResolver>,
    options: &IntegrationOptions,
    where_to_allow: Option<String>,
) -> Capabilities {
    let mut caps = Capabilities::none();
    let mut granted = BTreeMap::new();
    let mut allow = options.allowed_hosts.clone();
    for integration in integrations {
        grant_secrets_and_hosts(config, integration, &mut granted, &mut allow);
        let ty = integration.integration_type.as_str();
        let (bridge, users) = (options.bridge.clone(), options.users.clone());
        let taken = match ty {
            "pagerduty" => fill(&mut caps.pagerduty, integration, || {
                let client = pagerduty_client(config, integration, secrets.clone(), options)?;
                Ok(Arc::new(pagerduty::PagerDutyCapability::new(
                    client, bridge, users,
                )))
            }),
            "okta" => fill(&mut caps.okta, integration, || {
                let client = okta_client(config, integration, secrets.clone(), options)?;
                Ok(Arc::new(okta::OktaCapability::new(client, bridge, users)))
            }),
            "github" => fill(&mut caps.github, integration, || {
                let client = github_client(config, integration, secrets.clone(), options)?;
                Ok(Arc::new(github::GitHubCapability::new(
                    client, bridge, users,
                )))
            }),
            _ if is_aws(integration) => fill(&mut caps.aws_lambda, integration, || {
                let client = aws::lambda::Lambda::new(aws_client(integration, options));
                Ok(Arc::new(aws::lambda::LambdaCapability::new(client, bridge)))
            }),
            _ => true,
        };
        if !taken {
            tracing::warn!(
                integration = %integration.name,
                "the environment has two {ty} integrations; flows use the first one"
            );
        }
    }
    caps.secrets = Some(Arc::new(FlowSecrets::new(
        granted,
        secrets,
        options.bridge.clone(),
    )));
    caps.http = Some(Arc::new(
        outbound::OutboundHttp::new(allow, options.outbound, options.bridge.clone())
            .with_where_to_allow(where_to_allow),
    ));
    caps
}

/// Fills an empty capability `slot` with what `build` makes of `integration` (a client it
/// cannot build is logged and leaves the slot empty: the flow gets `not-granted`). `false`
/// when the slot was already taken by an earlier integration of the same type.
fn fill<T: ?Sized>(
    slot: &mut Option<Arc<T>>,
    integration: &Integration,
    build: impl FnOnce() -> Result<Arc<T>, IntegrationError>,
) -> bool {
    if slot.is_some() {
        return false;
    }
    match build() {
        Ok(capability) => *slot = Some(capability),
        Err(err) => tracing::warn!(
            integration = %integration.name,
            "{} integration not usable: {err}",
            integration.integration_type
        ),
    }
    true
}

fn grant_secrets_and_hosts(
    config: &Config,
    integration: &Integration,
    granted: &mut BTreeMap<String, SecretRef>,
    allow: &mut AllowList,
) {
    granted.extend(secrets::referenced_secrets(config, integration));
    if let Some(hosts) = integration
        .settings
        .get("allowed_hosts")
        .and_then(SettingValue::as_text)
    {
        for bad in allow.extend_from_text(hosts) {
            tracing::warn!(integration = %integration.name, pattern = %bad, "ignoring an invalid allowed_hosts entry");
        }
    }
}

/// [`capabilities_for`] the environment of a resolved flow, plus the secrets and allowed
/// hosts of its custom strategy's integration (which `AccessStrategy` code uses through
/// `self.integration.settings`).
pub fn capabilities_for_flow(
    config: &Config,
    flow: &ResolvedFlow<'_>,
    secrets: Arc<dyn SecretResolver>,
    options: &IntegrationOptions,
) -> Capabilities {
    let where_to_allow = where_to_allow(flow);
    let mut caps = capabilities_for(
        config,
        flow.integrations.values().copied(),
        secrets.clone(),
        options,
        where_to_allow.clone(),
    );
    let strategy_integration = flow
        .strategy
        .as_ref()
        .filter(|s| s.strategy.strategy_type == "custom")
        .and_then(|s| s.integration);
    if let Some(integration) = strategy_integration {
        let mut granted = BTreeMap::new();
        let mut allow = options.allowed_hosts.clone();
        for env_integration in flow.integrations.values() {
            grant_secrets_and_hosts(config, env_integration, &mut granted, &mut allow);
        }
        grant_secrets_and_hosts(config, integration, &mut granted, &mut allow);
        caps.secrets = Some(Arc::new(FlowSecrets::new(
            granted,
            secrets,
            options.bridge.clone(),
        )));
        caps.http = Some(Arc::new(
            outbound::OutboundHttp::new(allow, options.outbound, options.bridge.clone())
                .with_where_to_allow(where_to_allow),
        ));
    }
    caps
}

/// Where a flow's allowed hosts are configured, for the message refusing a host: its
/// environment and an integration to put `allowed_hosts` in, each with its `file:line`
/// (`{host}` is filled in by the refusal).
fn where_to_allow(flow: &ResolvedFlow<'_>) -> Option<String> {
    let environment = flow.environment?;
    let mut text = format!(
        "the environment is {} ({})",
        environment.meta.address, environment.meta.location
    );
    // The integration that already lists hosts, else a custom one, else the first.
    let integration = flow
        .integrations
        .values()
        .find(|i| i.settings.contains_key("allowed_hosts"))
        .or_else(|| {
            flow.integrations
                .values()
                .find(|i| i.integration_type == "custom")
        })
        .or_else(|| flow.integrations.values().next());
    if let Some(integration) = integration {
        text.push_str(&format!(
            "; e.g. in {} ({}): settings = {{ allowed_hosts = \"{{host}}\" }}",
            integration.meta.address, integration.meta.location
        ));
    }
    Some(text)
}
