//! Secrets: where `sym_secret` values come from, and the `secrets` capability that hands a
//! flow only the secrets it was given.
//!
//! A flow is *given* a secret when a `sym_integration` of its environment (or its custom
//! strategy's integration) references it in `settings` (`api_token_secret = sym_secret.x.id`,
//! `secret_ids_json = jsonencode([...])`). The flow sees such a secret as
//! `{"$secret": "<id>"}` where the id is the `sym_secret`'s Terraform name (the convention of
//! `symflow-flow-host`'s records); `retrieve_value()` on any other id is refused.
//!
//! Values are [`SecretValue`]s, which print as `[redacted]`; this module logs secret ids,
//! never values.

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use symflow_config::secrets::{LocalSecretStore, SecretError, SecretValue};
use symflow_config::{Config, Integration, Link, Secret, SettingValue};
use symflow_sandbox::capabilities::SecretsCapability;
use symflow_sandbox::types::CapabilityError;

use crate::aws::secrets_manager::SecretsManager;
use crate::client::Bridge;
use crate::error::{not_granted, ErrorKind, IntegrationError, Service};

/// Everything needed to resolve one `sym_secret`, detached from the configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretRef {
    /// The id a flow uses (`sym_secret` Terraform name).
    pub id: String,
    /// `path` in the source.
    pub path: String,
    /// `settings.json_key`.
    pub json_key: Option<String>,
    /// The source's type (`aws_secrets_manager`), when the source is declared.
    pub source_type: Option<String>,
}

impl SecretRef {
    /// The reference a link points at. A link the configuration cannot follow (a module
    /// output) keeps its text as id and path, and will fail to resolve with a clear message.
    pub fn from_link(config: &Config, link: &Link<Secret>) -> SecretRef {
        let id = secret_id(link);
        match config.get(link) {
            Some(secret) => SecretRef::from_secret(config, id, secret),
            None => SecretRef {
                path: id.clone(),
                id,
                json_key: None,
                source_type: None,
            },
        }
    }

    /// The reference of a declared secret, under `id`.
    pub fn from_secret(config: &Config, id: String, secret: &Secret) -> SecretRef {
        SecretRef {
            id,
            path: secret.path.clone(),
            json_key: secret.json_key().map(str::to_string),
            source_type: config.get(&secret.source).map(|s| s.source_type.clone()),
        }
    }
}

/// The id a flow uses for a secret: the `sym_secret`'s Terraform name.
pub fn secret_id(link: &Link<Secret>) -> String {
    match link.address() {
        Some(address) => address.config_key(),
        None => link.to_string(),
    }
}

/// Every secret an integration's settings reference, by id.
pub fn referenced_secrets(
    config: &Config,
    integration: &Integration,
) -> BTreeMap<String, SecretRef> {
    let mut found = BTreeMap::new();
    for value in integration.settings.values() {
        let links: Vec<&Link<Secret>> = match value {
            SettingValue::Secret(link) => vec![link],
            SettingValue::SecretList(links) => links.iter().collect(),
            _ => Vec::new(),
        };
        for link in links {
            let reference = SecretRef::from_link(config, link);
            found.insert(reference.id.clone(), reference);
        }
    }
    found
}

/// Resolves secret values. Implemented by [`SecretSources`]; hosts may bring their own.
#[async_trait]
pub trait SecretResolver: Send + Sync {
    /// The value of `secret`.
    async fn resolve(&self, secret: &SecretRef) -> Result<SecretValue, IntegrationError>;
}

/// The secret sources of a deployment: the local store (environment variables and the
/// secrets file, see `symflow_config::secrets`) first, then AWS Secrets Manager for secrets
/// whose source is `aws_secrets_manager` and that the local store does not have.
#[derive(Default)]
pub struct SecretSources {
    local: Option<LocalSecretStore>,
    aws: Option<SecretsManager>,
}

impl std::fmt::Debug for SecretSources {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretSources")
            .field("local", &self.local.is_some())
            .field("aws", &self.aws.is_some())
            .finish()
    }
}

impl SecretSources {
    /// No source: every secret is missing.
    pub fn new() -> Self {
        SecretSources::default()
    }

    /// Adds the local store.
    pub fn with_local(mut self, store: LocalSecretStore) -> Self {
        self.local = Some(store);
        self
    }

    /// Adds AWS Secrets Manager.
    pub fn with_aws(mut self, secrets_manager: SecretsManager) -> Self {
        self.aws = Some(secrets_manager);
        self
    }
}

fn local_error(err: SecretError) -> IntegrationError {
    let kind = match err {
        SecretError::NotFound { .. } | SecretError::MissingJsonKey { .. } => ErrorKind::NotFound,
        SecretError::BadFile { .. } => ErrorKind::Config,
    };
    IntegrationError::new(Service::Secrets, kind, err.to_string())
}

#[async_trait]
impl SecretResolver for SecretSources {
    async fn resolve(&self, secret: &SecretRef) -> Result<SecretValue, IntegrationError> {
        let from_aws = secret.source_type.as_deref() == Some("aws_secrets_manager");
        let mut local_failure = None;
        if let Some(local) = &self.local {
            match local.resolve_path(&secret.path, secret.json_key.as_deref()) {
                Ok(value) => return Ok(value),
                Err(err @ SecretError::NotFound { .. }) if from_aws && self.aws.is_some() => {
                    local_failure = Some(err);
                }
                Err(err) => return Err(local_error(err)),
            }
        }
        match &self.aws {
            Some(aws) if from_aws => {
                tracing::debug!(secret = %secret.id, "reading secret from AWS Secrets Manager");
                aws.get_secret_value(&secret.path, secret.json_key.as_deref())
                    .await
            }
            _ => Err(match local_failure {
                Some(err) => local_error(err),
                None => IntegrationError::config(
                    Service::Secrets,
                    format!(
                        "no secret source can resolve secret {:?} (path {:?})",
                        secret.id, secret.path
                    ),
                )
                .with_hint(
                    "give the host a local secrets store (SYMFLOW_SECRET_* variables or \
                     secrets.local.json), or AWS credentials for aws_secrets_manager sources",
                ),
            }),
        }
    }
}

/// A secret resolved lazily on first use and kept for the lifetime of its holder (a
/// service client's API token).
pub(crate) struct LazySecret {
    secret: SecretRef,
    resolver: Arc<dyn SecretResolver>,
    value: tokio::sync::OnceCell<SecretValue>,
}

impl std::fmt::Debug for LazySecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LazySecret")
            .field("id", &self.secret.id)
            .finish_non_exhaustive()
    }
}

impl LazySecret {
    pub fn new(secret: SecretRef, resolver: Arc<dyn SecretResolver>) -> Self {
        LazySecret {
            secret,
            resolver,
            value: tokio::sync::OnceCell::new(),
        }
    }

    /// The value, for `service` (whose error family a failure takes).
    pub async fn get(
        &self,
        service: Service,
        setting: &str,
    ) -> Result<&SecretValue, IntegrationError> {
        self.value
            .get_or_try_init(|| async {
                self.resolver.resolve(&self.secret).await.map_err(|err| {
                    IntegrationError::new(
                        service,
                        ErrorKind::Config,
                        format!(
                            "the {service} integration's {setting} (sym_secret {:?}) could not be read: {}",
                            self.secret.id, err.message
                        ),
                    )
                    .with_hint(err.hint.unwrap_or_else(|| "check the secret's source".into()))
                })
            })
            .await
    }
}

/// The `secrets` capability: only the secrets a flow was given.
pub struct FlowSecrets {
    granted: BTreeMap<String, SecretRef>,
    resolver: Arc<dyn SecretResolver>,
    bridge: Bridge,
}

impl std::fmt::Debug for FlowSecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FlowSecrets")
            .field("granted", &self.granted.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl FlowSecrets {
    /// A capability serving exactly `granted`.
    pub fn new(
        granted: BTreeMap<String, SecretRef>,
        resolver: Arc<dyn SecretResolver>,
        bridge: Bridge,
    ) -> Self {
        FlowSecrets {
            granted,
            resolver,
            bridge,
        }
    }

    /// The ids this flow may read.
    pub fn granted_ids(&self) -> impl Iterator<Item = &str> {
        self.granted.keys().map(String::as_str)
    }
}

impl SecretsCapability for FlowSecrets {
    fn retrieve_value(&self, secret_id: String) -> Result<String, CapabilityError> {
        let Some(secret) = self.granted.get(&secret_id) else {
            tracing::warn!(secret = %secret_id, "flow asked for a secret it was not given");
            return Err(not_granted(
                "secrets",
                format!(
                    "this flow was not given the secret {secret_id:?}: a flow can read only the \
                     sym_secrets referenced by the settings of its environment's integrations \
                     (e.g. secret_ids_json of a custom integration)"
                ),
            ));
        };
        tracing::debug!(secret = %secret_id, "flow reads a secret");
        let value = self.bridge.block_on(self.resolver.resolve(secret))?;
        Ok(value.expose().to_string())
    }
}

/// An API token: a value given directly, or a `sym_secret` read on first use.
#[derive(Debug)]
pub enum ApiToken {
    /// A value known up front.
    Value(SecretValue),
    /// A secret resolved on first use.
    Secret(LazySecretToken),
    /// The integration names no secret in this setting: every call fails saying so.
    Missing {
        /// The setting, e.g. `api_token_secret`.
        setting: String,
    },
}

/// A token read from a secret on first use (see [`ApiToken::Secret`]).
#[derive(Debug)]
pub struct LazySecretToken(LazySecret);

impl ApiToken {
    /// A token from a secret, read when first needed.
    pub fn from_secret(secret: SecretRef, resolver: Arc<dyn SecretResolver>) -> Self {
        ApiToken::Secret(LazySecretToken(LazySecret::new(secret, resolver)))
    }

    /// A token from a value.
    pub fn value(value: impl Into<String>) -> Self {
        ApiToken::Value(SecretValue::new(value))
    }

    /// The token, or a configuration error of `service` naming `setting`.
    pub(crate) async fn get(
        &self,
        service: Service,
        setting: &str,
    ) -> Result<&SecretValue, IntegrationError> {
        match self {
            ApiToken::Value(value) => Ok(value),
            ApiToken::Secret(lazy) => lazy.0.get(service, setting).await,
            ApiToken::Missing { setting } => Err(IntegrationError::config(
                service,
                format!("the {service} integration has no {setting}"),
            )
            .with_hint(format!(
                "set settings.{setting} = sym_secret.<name>.id on the sym_integration"
            ))),
        }
    }
}
