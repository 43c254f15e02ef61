//! The third-party services of an end-to-end test: the fake PagerDuty and Okta of
//! `symflow-service-fakes` on loopback, and the server's real integration clients
//! ([`ServiceIntegrations`]) pointed at them with the fakes' API tokens as `sym_secret`s —
//! the same wiring `symflow up` does from `SYMFLOW_*_URL` and the secrets of the
//! environment.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::{json, Value};
use symflow_config::secrets::LocalSecretStore;
use symflow_config::Config;
use symflow_integrations::aws::AwsCredentials;
use symflow_integrations::{secret_sources, Endpoints, IntegrationOptions};
use symflow_server::{IntegrationProvider, ServiceIntegrations};
pub use symflow_service_fakes as fakes;
use symflow_service_fakes::{OktaState, PagerDutyState};
use url::Url;

/// Secret paths of `tests/envs/integrations`.
pub const PAGERDUTY_SECRET: &str = "sym/e2e/pagerduty-key";
pub const OKTA_SECRET: &str = "sym/e2e/okta-key";

/// Fake PagerDuty and Okta, running.
pub struct FakeServices {
    pub pagerduty_url: Url,
    pub pagerduty: Arc<Mutex<PagerDutyState>>,
    pub okta_url: Url,
    pub okta: Arc<Mutex<OktaState>>,
}

impl FakeServices {
    pub async fn start() -> FakeServices {
        let (pagerduty_url, pagerduty) = fakes::pagerduty().await;
        let (okta_url, okta) = fakes::okta().await;
        FakeServices {
            pagerduty_url,
            pagerduty,
            okta_url,
            okta,
        }
    }

    /// How the server reaches them.
    pub fn setup(&self) -> ServiceSetup {
        ServiceSetup {
            endpoints: Endpoints {
                pagerduty: Some(self.pagerduty_url.clone()),
                okta: Some(self.okta_url.clone()),
                ..Endpoints::default()
            },
            secrets: vec![
                (PAGERDUTY_SECRET.into(), json!(fakes::PD_TOKEN)),
                (OKTA_SECRET.into(), json!(fakes::OKTA_TOKEN)),
            ],
            ..ServiceSetup::default()
        }
    }

    /// Adds a person to the fake Okta (`00u-<name>`, login = e-mail).
    pub fn add_okta_user(&self, name: &str, email: &str) -> String {
        let id = format!("00u-{name}");
        self.okta.lock().unwrap().users.push(json!({
            "id": id, "status": "ACTIVE",
            "profile": {"login": email, "email": email, "firstName": name, "lastName": "Test"}
        }));
        id
    }

    /// The Okta user ids in group `group_id` now.
    pub fn okta_members(&self, group_id: &str) -> Vec<String> {
        self.okta
            .lock()
            .unwrap()
            .groups
            .get(group_id)
            .map(|(_, members)| members.iter().cloned().collect())
            .unwrap_or_default()
    }
}

/// The real integrations, pointed somewhere, with these secret values (by path).
#[derive(Clone, Default)]
pub struct ServiceSetup {
    pub endpoints: Endpoints,
    pub secrets: Vec<(String, Value)>,
    /// AWS credentials (none by default: AWS calls fail saying so).
    pub aws_credentials: Option<AwsCredentials>,
}

impl ServiceSetup {
    /// The provider a test server uses for `config` (call inside the tokio runtime).
    pub fn provider(&self, config: &Config) -> Arc<dyn IntegrationProvider> {
        let mut options = IntegrationOptions::new(tokio::runtime::Handle::current());
        options.endpoints = self.endpoints.clone();
        options.aws_credentials = self.aws_credentials.clone();
        let values = self.secrets.iter().cloned().collect();
        let local = LocalSecretStore::from_values(HashMap::new(), values);
        let secrets = secret_sources(Some(local), &options);
        Arc::new(ServiceIntegrations::new(config.clone(), secrets, options))
    }
}
