//! The integrations against local fake services (one test binary, so wasmtime is linked
//! once): grant, revoke and idempotency of every built-in strategy, the capabilities a flow
//! gets (and the ones it does not), API errors mapped to Sym's exception types, and a real
//! Python flow using the capabilities through the sandbox.

mod aws;
mod github;
mod google;
mod grants;
mod okta;
mod onelogin;
mod outbound;
mod pagerduty;
mod python_flow;
mod webhook;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use serde_json::{json, Value};
use symflow_config::secrets::LocalSecretStore;
use symflow_config::{Config, LoadOptions};
use symflow_integrations::aws::AwsCredentials;
use symflow_integrations::strategies::{self, AccessRequest, BuiltinStrategy, TargetSpec};
use symflow_integrations::{
    capabilities_for_flow, secret_sources, Endpoints, IntegrationOptions, SecretSources,
};
use symflow_sandbox::Capabilities;
pub use symflow_service_fakes as fakes;

/// Every fake, a configuration pointing at them, and options for the crate under test.
pub struct World {
    pub config: Config,
    pub options: IntegrationOptions,
    pub secrets: Arc<SecretSources>,
    pub pagerduty: Arc<Mutex<fakes::PagerDutyState>>,
    pub okta: Arc<Mutex<fakes::OktaState>>,
    pub onelogin: Arc<Mutex<fakes::OneLoginState>>,
    pub google: Arc<Mutex<fakes::GoogleState>>,
    pub github: Arc<Mutex<fakes::GitHubState>>,
    pub aws: Arc<Mutex<fakes::AwsState>>,
    pub hooks: Arc<Mutex<fakes::WebhookState>>,
    pub hook_url: url::Url,
}

pub fn fixture_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/env")
}

fn local_secrets(overrides: &[(&str, Value)]) -> LocalSecretStore {
    let mut values = serde_json::Map::new();
    values.insert("sym/test/pagerduty-key".into(), json!(fakes::PD_TOKEN));
    values.insert("sym/test/okta-key".into(), json!(fakes::OKTA_TOKEN));
    values.insert("sym/test/github-key".into(), json!(fakes::GITHUB_TOKEN));
    values.insert(
        "sym/test/onelogin-client-secret".into(),
        json!(fakes::ONELOGIN_CLIENT_SECRET),
    );
    values.insert(
        "sym/test/google-service-account-key".into(),
        json!(fakes::google_service_account_key(
            "https://oauth2.googleapis.com/token"
        )),
    );
    values.insert("sym/test/partner".into(), json!({"token": "partner-token"}));
    values.insert("sym/test/unrelated".into(), json!("unrelated-value"));
    values.insert("sym/test/webhook-key".into(), json!(fakes::WEBHOOK_KEY));
    for (path, value) in overrides {
        values.insert((*path).into(), value.clone());
    }
    LocalSecretStore::from_values(HashMap::new(), values)
}

/// A world whose local secrets are the test tokens, with `overrides` by secret path.
pub async fn world_with(overrides: &[(&str, Value)]) -> World {
    let (pd_url, pagerduty) = fakes::pagerduty().await;
    let (okta_url, okta) = fakes::okta().await;
    let (onelogin_url, onelogin) = fakes::onelogin().await;
    let (google_url, google) = fakes::google().await;
    let (gh_url, github) = fakes::github().await;
    let (aws_url, aws) = fakes::aws().await;
    let (hook_url, hooks) = fakes::webhook().await;
    let loaded = symflow_config::load_dir(
        &fixture_dir(),
        &LoadOptions {
            vars: vec![(
                "webhook_url".into(),
                hook_url.join("/hook").unwrap().to_string(),
            )],
            ..Default::default()
        },
    )
    .unwrap_or_else(|e| panic!("fixture does not load: {e:?}"));
    let mut options = IntegrationOptions::new(tokio::runtime::Handle::current());
    options.endpoints = Endpoints {
        pagerduty: Some(pd_url),
        okta: Some(okta_url),
        onelogin: Some(onelogin_url),
        google: Some(google_url),
        github: Some(gh_url),
        aws: Some(aws_url),
        ..Endpoints::default()
    };
    options.aws_credentials = Some(AwsCredentials::new(fakes::AWS_KEY_ID, fakes::AWS_SECRET));
    options.aws_region = "eu-west-1".into();
    options.aws_poll_interval = std::time::Duration::from_millis(10);
    let secrets = Arc::new(secret_sources(Some(local_secrets(overrides)), &options));
    World {
        config: loaded.config,
        options,
        secrets,
        pagerduty,
        okta,
        onelogin,
        google,
        github,
        aws,
        hooks,
        hook_url,
    }
}

pub async fn world() -> World {
    world_with(&[]).await
}

impl World {
    /// The capabilities of a flow of the fixture (`full-flow` or `bare-flow`).
    pub fn caps(&self, flow: &str) -> Capabilities {
        let flow = self.config.flow_by_slug(flow).expect("flow in fixture");
        let resolved = self.config.resolve_flow(flow);
        capabilities_for_flow(&self.config, &resolved, self.secrets.clone(), &self.options)
    }

    /// The built-in strategy declared as `sym_strategy.<name>`.
    pub fn strategy(&self, name: &str) -> Box<dyn BuiltinStrategy> {
        self.strategy_with(name, &self.options)
    }

    pub fn strategy_with(
        &self,
        name: &str,
        options: &IntegrationOptions,
    ) -> Box<dyn BuiltinStrategy> {
        let strategy = &self.config.strategies[name];
        let integration = strategy
            .integration
            .as_ref()
            .and_then(|l| self.config.get(l));
        strategies::builtin_for(
            &self.config,
            &strategy.strategy_type,
            integration,
            &strategy.settings,
            self.secrets.clone(),
            options,
        )
        .expect("strategy builds")
        .expect("a built-in strategy")
    }

    /// A request for `sym_target.<target>` by `email`.
    pub fn request(&self, target: &str, email: &str) -> AccessRequest {
        AccessRequest {
            target: TargetSpec::from_config(&self.config.targets[target]),
            requester_email: email.to_string(),
            duration: Some(std::time::Duration::from_secs(3600)),
            event: json!({"type": "event", "event": {"type": "escalate"}, "fields": {"target": {"name": target}}}),
            ..AccessRequest::default()
        }
    }
}

/// Runs a synchronous capability call the way the sandbox does: on a blocking thread.
pub async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(f).await.expect("blocking task")
}

/// A Sym user with this email and no stored identities.
pub fn user(email: &str) -> symflow_sandbox::types::User {
    symflow_sandbox::recording::stand_in_user(email)
}
