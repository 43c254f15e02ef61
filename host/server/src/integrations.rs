//! The real integrations behind `symflow up`: each flow reaches PagerDuty, Okta, GitHub and
//! AWS through the clients of `symflow_integrations`, with the credentials its environment's
//! `sym_integration`s name (read from `sym_secret`s: environment variables, the local
//! secrets file, AWS Secrets Manager), only the secrets those integrations reference, and
//! outbound HTTP limited to their `allowed_hosts`.
//!
//! Nothing here needs a credential to start: a missing token fails the call that needs it
//! (and so that one run, with the reason in the error channel). [`missing_credentials`]
//! lists what is missing so `symflow up` can say so at start-up.
//!
//! Base URLs can be replaced per service ([`endpoints_from_env`]) to point symflow at a
//! sandbox tenant, a proxy or a local fake. The log destinations that write to a service
//! (Kinesis, Segment, Datadog) use the same endpoints, AWS credentials and secret sources
//! ([`ServiceAccess`]).

use std::path::Path;
use std::sync::Arc;

use symflow_config::{Config, Integration, SettingValue};
use symflow_integrations::{
    capabilities_for_flow, strategies, BuiltinStrategy, Endpoints, IntegrationError,
    IntegrationOptions, SecretRef, SecretResolver, SecretSources, UsersDirectory,
};
use symflow_sandbox::capabilities::{
    AwsLambdaCapability, GithubCapability, HttpCapability, OktaCapability, PagerdutyCapability,
    SecretsCapability, UsersCapability,
};
use symflow_sandbox::Capabilities;
use url::Url;

use crate::capabilities::IntegrationProvider;
use crate::flows::RuntimeFlow;

/// The environment variables that replace a service's public base URL.
pub const ENDPOINT_VARIABLES: [(&str, &str); 8] = [
    ("SYMFLOW_PAGERDUTY_API_URL", "https://api.pagerduty.com"),
    ("SYMFLOW_OKTA_BASE_URL", "https://<okta domain>"),
    ("SYMFLOW_GITHUB_API_URL", "https://api.github.com"),
    (
        "SYMFLOW_AWS_ENDPOINT_URL",
        "https://<service>.<region>.amazonaws.com",
    ),
    ("SYMFLOW_SEGMENT_API_URL", "https://api.segment.io"),
    (
        "SYMFLOW_DATADOG_API_URL",
        "https://http-intake.logs.datadoghq.com",
    ),
    (
        "SYMFLOW_ONELOGIN_API_URL",
        "https://<subdomain>.onelogin.com",
    ),
    ("SYMFLOW_GOOGLE_API_URL", "https://admin.googleapis.com"),
];

/// Base URL overrides from the [`ENDPOINT_VARIABLES`] (`SYMFLOW_PAGERDUTY_API_URL`, ...,
/// read through `lookup`, the process environment in `symflow up`). A value that is not an
/// http(s) URL is an error naming the variable.
pub fn endpoints_from_env(lookup: impl Fn(&str) -> Option<String>) -> anyhow::Result<Endpoints> {
    let url = |name: &str| -> anyhow::Result<Option<Url>> {
        let Some(text) = lookup(name).filter(|v| !v.trim().is_empty()) else {
            return Ok(None);
        };
        let url = Url::parse(text.trim()).map_err(|e| {
            anyhow::anyhow!("{name}={text:?} is not a URL ({e}); use e.g. http://127.0.0.1:8080")
        })?;
        if !matches!(url.scheme(), "http" | "https") {
            anyhow::bail!("{name}={text:?} must be an http:// or https:// URL");
        }
        Ok(Some(url))
    };
    Ok(Endpoints {
        pagerduty: url(ENDPOINT_VARIABLES[0].0)?,
        okta: url(ENDPOINT_VARIABLES[1].0)?,
        github: url(ENDPOINT_VARIABLES[2].0)?,
        aws: url(ENDPOINT_VARIABLES[3].0)?,
        segment: url(ENDPOINT_VARIABLES[4].0)?,
        datadog: url(ENDPOINT_VARIABLES[5].0)?,
        onelogin: url(ENDPOINT_VARIABLES[6].0)?,
        google: url(ENDPOINT_VARIABLES[7].0)?,
    })
}

/// What the server reaches services with outside a flow (log destinations): the same
/// endpoints, limits and AWS credentials the flows' integrations use, and the same secret
/// sources.
#[derive(Clone)]
pub struct ServiceAccess {
    pub options: IntegrationOptions,
    pub secrets: Arc<dyn SecretResolver>,
}

impl ServiceAccess {
    /// What `symflow up` builds for its integrations: endpoints from the
    /// [`ENDPOINT_VARIABLES`], AWS credentials and region from the process environment,
    /// secrets from `SYMFLOW_SECRET_*`, `secrets.local.json` in `dir`, then AWS Secrets Manager.
    /// For servers whose flows use stand-ins instead of the real integrations.
    pub fn from_env(dir: &Path) -> anyhow::Result<ServiceAccess> {
        let mut options = IntegrationOptions::new(tokio::runtime::Handle::current());
        options.endpoints = endpoints_from_env(|name| std::env::var(name).ok())?;
        let local = symflow_config::secrets::LocalSecretStore::open(dir, None)
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let secrets = Arc::new(symflow_integrations::secret_sources(Some(local), &options));
        Ok(ServiceAccess { options, secrets })
    }
}

/// [`IntegrationProvider`] over the real service clients.
pub struct ServiceIntegrations {
    config: Config,
    secrets: Arc<SecretSources>,
    options: IntegrationOptions,
}

impl ServiceIntegrations {
    /// Integrations of `config`'s environments, with secrets from `secrets`, built with
    /// `options` (endpoints, limits, AWS credentials, host-wide allowed hosts).
    pub fn new(config: Config, secrets: SecretSources, options: IntegrationOptions) -> Self {
        ServiceIntegrations {
            config,
            secrets: Arc::new(secrets),
            options,
        }
    }

    fn config_flow(&self, flow: &RuntimeFlow) -> Option<&symflow_config::Flow> {
        self.config.flows.values().find(|f| f.name == flow.name())
    }

    fn caps_with(&self, flow: &RuntimeFlow, options: &IntegrationOptions) -> Capabilities {
        let Some(config_flow) = self.config_flow(flow) else {
            return Capabilities::none();
        };
        let resolved = self.config.resolve_flow(config_flow);
        capabilities_for_flow(&self.config, &resolved, self.secrets.clone(), options)
    }

    fn caps(&self, flow: &RuntimeFlow) -> Capabilities {
        self.caps_with(flow, &self.options)
    }
}

impl IntegrationProvider for ServiceIntegrations {
    fn pagerduty(
        &self,
        flow: &RuntimeFlow,
        _: &symflow_sandbox::types::Integration,
    ) -> Option<Arc<dyn PagerdutyCapability>> {
        self.caps(flow).pagerduty
    }

    fn okta(
        &self,
        flow: &RuntimeFlow,
        _: &symflow_sandbox::types::Integration,
    ) -> Option<Arc<dyn OktaCapability>> {
        self.caps(flow).okta
    }

    fn github(
        &self,
        flow: &RuntimeFlow,
        _: &symflow_sandbox::types::Integration,
    ) -> Option<Arc<dyn GithubCapability>> {
        self.caps(flow).github
    }

    fn aws_lambda(
        &self,
        flow: &RuntimeFlow,
        _: &symflow_sandbox::types::Integration,
    ) -> Option<Arc<dyn AwsLambdaCapability>> {
        self.caps(flow).aws_lambda
    }

    fn http(&self, flow: &RuntimeFlow) -> Option<Arc<dyn HttpCapability>> {
        self.caps(flow).http
    }

    fn secrets(&self, flow: &RuntimeFlow) -> Option<Arc<dyn SecretsCapability>> {
        self.caps(flow).secrets
    }

    fn capabilities(&self, flow: &RuntimeFlow, users: Arc<dyn UsersCapability>) -> Capabilities {
        let mut options = self.options.clone();
        options.users = Arc::new(UsersDirectory(users));
        self.caps_with(flow, &options)
    }

    fn access_strategy(
        &self,
        flow: &RuntimeFlow,
    ) -> Result<Option<Box<dyn BuiltinStrategy>>, IntegrationError> {
        let Some(config_flow) = self.config_flow(flow) else {
            return Ok(None);
        };
        let resolved = self.config.resolve_flow(config_flow);
        let Some(strategy) = resolved.strategy.as_ref() else {
            return Ok(None);
        };
        strategies::builtin(&self.config, strategy, self.secrets.clone(), &self.options)
    }

    fn service_access(&self) -> Option<ServiceAccess> {
        Some(ServiceAccess {
            options: self.options.clone(),
            secrets: self.secrets.clone(),
        })
    }
}

/// The credential settings each integration type reads its API token from.
fn token_setting(integration_type: &str) -> Option<&'static str> {
    match integration_type {
        "pagerduty" | "okta" | "github" => Some("api_token_secret"),
        "onelogin" => Some("client_secret"),
        "google" => Some("service_account_key_secret"),
        _ => None,
    }
}

/// One sentence per integration whose API token cannot be read now (no secret named, or
/// the secret has no value), and for AWS integrations when no AWS credentials are set. Flows
/// still start; the calls that need these fail their run with the same reason.
pub async fn missing_credentials(
    config: &Config,
    secrets: &SecretSources,
    options: &IntegrationOptions,
) -> Vec<String> {
    let mut missing = Vec::new();
    let mut aws_users = Vec::new();
    for integration in config.integrations.values() {
        let ty = integration.integration_type.as_str();
        if matches!(ty, "permission_context" | "aws_lambda" | "aws") {
            aws_users.push(integration.name.clone());
            continue;
        }
        let Some(mut setting) = token_setting(ty) else {
            continue;
        };
        // Google's key file may also be named by `credentials_secret`.
        if ty == "google"
            && !integration.settings.contains_key(setting)
            && integration.settings.contains_key("credentials_secret")
        {
            setting = "credentials_secret";
        }
        if let Some(problem) = token_problem(config, integration, setting, secrets).await {
            missing.push(format!(
                "the {ty} integration {:?} cannot be used: {problem}. Flows that call it fail that run and report it in the error channel.",
                integration.name
            ));
        }
    }
    if !aws_users.is_empty() && options.aws_credentials.is_none() {
        missing.push(format!(
            "no AWS credentials (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY): the AWS integration(s) {} cannot be used.",
            aws_users.join(", ")
        ));
    }
    missing
}

async fn token_problem(
    config: &Config,
    integration: &Integration,
    setting: &str,
    secrets: &SecretSources,
) -> Option<String> {
    match integration.settings.get(setting) {
        Some(SettingValue::Secret(link)) => {
            let secret = SecretRef::from_link(config, link);
            secrets.resolve(&secret).await.err().map(|e| e.to_string())
        }
        _ => Some(format!(
            "it has no settings.{setting} (set it to sym_secret.<name>.id)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_come_from_the_documented_variables() {
        let endpoints = endpoints_from_env(|name| match name {
            "SYMFLOW_OKTA_BASE_URL" => Some("http://127.0.0.1:9001".into()),
            "SYMFLOW_PAGERDUTY_API_URL" => Some("  ".into()),
            _ => None,
        })
        .unwrap();
        assert_eq!(
            endpoints.okta.as_ref().map(Url::as_str),
            Some("http://127.0.0.1:9001/")
        );
        assert!(endpoints.pagerduty.is_none(), "blank means unset");
        assert!(endpoints.github.is_none() && endpoints.aws.is_none());
        let endpoints = endpoints_from_env(|name| match name {
            "SYMFLOW_SEGMENT_API_URL" => Some("http://127.0.0.1:9002".into()),
            "SYMFLOW_DATADOG_API_URL" => Some("http://127.0.0.1:9003".into()),
            "SYMFLOW_ONELOGIN_API_URL" => Some("http://127.0.0.1:9004".into()),
            "SYMFLOW_GOOGLE_API_URL" => Some("http://127.0.0.1:9005".into()),
            _ => None,
        })
        .unwrap();
        assert_eq!(
            endpoints.onelogin.as_ref().map(Url::as_str),
            Some("http://127.0.0.1:9004/")
        );
        assert_eq!(
            endpoints.google.as_ref().map(Url::as_str),
            Some("http://127.0.0.1:9005/")
        );
        assert_eq!(
            endpoints.segment.as_ref().map(Url::as_str),
            Some("http://127.0.0.1:9002/")
        );
        assert_eq!(
            endpoints.datadog.as_ref().map(Url::as_str),
            Some("http://127.0.0.1:9003/")
        );
    }

    #[test]
    fn a_bad_endpoint_names_its_variable() {
        let err = endpoints_from_env(|name| {
            (name == "SYMFLOW_GITHUB_API_URL").then(|| "ftp://example.com".to_string())
        })
        .unwrap_err()
        .to_string();
        assert!(err.contains("SYMFLOW_GITHUB_API_URL"), "{err}");
        let err = endpoints_from_env(|name| {
            (name == "SYMFLOW_AWS_ENDPOINT_URL").then(|| "not a url".to_string())
        })
        .unwrap_err()
        .to_string();
        assert!(err.contains("SYMFLOW_AWS_ENDPOINT_URL"), "{err}");
    }
}
