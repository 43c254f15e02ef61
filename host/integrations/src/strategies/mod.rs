//! The built-in access strategies, run by the host (spec §2.6, §6): `okta`, `github`,
//! `aws_sso`, `aws_iam`, `aws_lambda`, `onelogin`, `google_group` and `http`. A `custom` strategy is Python and runs in
//! the sandbox instead; [`builtin`] answers `None` for it.
//!
//! Every strategy is idempotent: escalating twice leaves one grant, and deescalating a grant
//! that is already gone succeeds. What `escalate` returns is the step output the engine keeps
//! (`get_step_output`), and is handed back to `deescalate` in
//! [`AccessRequest::escalate_output`].

mod aws;
mod google_group;
mod okta_github;
mod onelogin;
pub mod plan;
mod webhook;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use serde_json::Value;
use symflow_config::{
    Config, Integration, ResolvedStrategy, SettingValue, Settings, Target, Unknown,
};

use crate::error::{IntegrationError, Service};
use crate::secrets::SecretResolver;
use crate::IntegrationOptions;

pub use webhook::{sign_webhook, SIGNATURE_HEADER, TIMESTAMP_HEADER};

/// The target of a request, with its settings as text (field bindings filled in by the
/// caller from the request's prompt fields).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TargetSpec {
    /// `sym_target.name`.
    pub name: String,
    /// `sym_target.type` (`okta_group`, `github_repo`, `aws_sso_permission_set`, ...).
    pub target_type: String,
    /// `sym_target.label`, or the name.
    pub label: String,
    /// Text settings (`group_id`, `repo_name`, `permission_set_arn`, `account_id`, ...).
    pub settings: BTreeMap<String, String>,
    /// Settings only known after `terraform apply` (from a module output or another
    /// provider's resource the Terraform state did not give): using one is an error.
    pub unknown: BTreeMap<String, Unknown>,
}

impl TargetSpec {
    /// A target's text settings (secret and resource references are left out).
    pub fn from_config(target: &Target) -> Self {
        TargetSpec {
            name: target.name.clone(),
            target_type: target.target_type.clone(),
            label: target.label.clone().unwrap_or_else(|| target.name.clone()),
            settings: text_settings(&target.settings),
            unknown: unknown_settings(&target.settings),
        }
    }

    /// `settings[key]`, non-empty.
    pub fn setting(&self, key: &str) -> Option<&str> {
        self.settings
            .get(key)
            .map(String::as_str)
            .filter(|v| !v.trim().is_empty())
    }

    fn required(&self, service: Service, key: &str) -> Result<&str, IntegrationError> {
        let unknown = self
            .unknown
            .get(key)
            .or_else(|| self.unknown.get(symflow_config::WHOLE_MAP_KEY));
        if let (None, Some(unknown)) = (self.setting(key), unknown) {
            return Err(IntegrationError::config(
                service,
                format!(
                    "settings.{key} of the sym_target {:?} is not known: {unknown}",
                    self.name
                ),
            ));
        }
        self.setting(key).ok_or_else(|| {
            IntegrationError::config(
                service,
                format!(
                    "the sym_target {:?} ({}) has no {key} setting",
                    self.name, self.target_type
                ),
            )
            .with_hint(format!(
                "set settings.{key} on the sym_target, or bind it with field_bindings"
            ))
        })
    }
}

/// The text values of a settings map (values only known after `terraform apply` are left out:
/// see [`unknown_settings`]).
pub fn text_settings(settings: &Settings) -> BTreeMap<String, String> {
    settings
        .iter()
        .filter_map(|(k, v)| match v {
            SettingValue::Text(text) => Some((k.clone(), text.clone())),
            _ => None,
        })
        .collect()
}

/// The settings only known after `terraform apply`.
pub fn unknown_settings(settings: &Settings) -> BTreeMap<String, Unknown> {
    settings
        .iter()
        .filter_map(|(k, v)| match v {
            SettingValue::Unknown(unknown) => Some((k.clone(), unknown.clone())),
            _ => None,
        })
        .collect()
}

/// Fails with the reason when any of `keys` of a strategy's or integration's settings is only
/// known after `terraform apply`.
pub fn require_known(
    service: Service,
    what: &str,
    settings: &Settings,
    keys: &[&str],
) -> Result<(), IntegrationError> {
    for key in keys {
        if let Some(SettingValue::Unknown(unknown)) = symflow_config::setting(settings, key) {
            return Err(IntegrationError::config(
                service,
                format!("settings.{key} of {what} is not known: {unknown}"),
            ));
        }
    }
    Ok(())
}

/// One escalation or deescalation.
#[derive(Debug, Clone, Default)]
pub struct AccessRequest {
    /// What access is requested to.
    pub target: TargetSpec,
    /// The requester's email.
    pub requester_email: String,
    /// The requester's identity in the strategy's service, when the host has one stored
    /// (else the strategy looks it up with [`BuiltinStrategy::fetch_identity`]).
    pub identity: Option<String>,
    /// How long the access lasts (`None`: until revoked).
    pub duration: Option<Duration>,
    /// The reporting event (spec §7) of this step: the payload of `aws_lambda` and the
    /// `event` of `http` webhooks. `Value::Null` when there is none.
    pub event: Value,
    /// For a deescalation: what the escalation returned.
    pub escalate_output: Option<Value>,
}

/// A strategy run by the host.
#[async_trait]
pub trait BuiltinStrategy: Send + Sync {
    /// `sym_strategy.type`.
    fn strategy_type(&self) -> &'static str;

    /// The identity service for `persist_user_identity` (`okta`, `github`, `aws_sso`,
    /// `aws_iam`) and its service id; `None` for strategies that need no identity.
    fn identity_service(&self) -> Option<(&str, &str)>;

    /// The requester's id in the service, found by email; `None` when there is none.
    async fn fetch_identity(&self, email: &str) -> Result<Option<String>, IntegrationError>;

    /// Grants access. Idempotent.
    async fn escalate(&self, request: &AccessRequest) -> Result<Value, IntegrationError>;

    /// Removes access. Idempotent: a grant that is gone is success.
    async fn deescalate(&self, request: &AccessRequest) -> Result<Value, IntegrationError>;
}

/// The requester's identity: given, else fetched, else Sym's `IdentityNotFound`.
async fn identity_of<S: BuiltinStrategy + ?Sized>(
    strategy: &S,
    service: Service,
    request: &AccessRequest,
) -> Result<String, IntegrationError> {
    if let Some(identity) = request.identity.as_deref().filter(|i| !i.is_empty()) {
        return Ok(identity.to_string());
    }
    strategy
        .fetch_identity(&request.requester_email)
        .await?
        .ok_or_else(|| IntegrationError::identity_not_found(service, &request.requester_email))
}

/// The built-in strategy of a resolved `sym_strategy`; `None` for `custom` (and any type
/// the host does not run).
pub fn builtin(
    config: &Config,
    strategy: &ResolvedStrategy<'_>,
    secrets: Arc<dyn SecretResolver>,
    options: &IntegrationOptions,
) -> Result<Option<Box<dyn BuiltinStrategy>>, IntegrationError> {
    builtin_for(
        config,
        &strategy.strategy.strategy_type,
        strategy.integration,
        &strategy.strategy.settings,
        secrets,
        options,
    )
}

/// The built-in strategy of this type, integration and settings; `None` for `custom`.
pub fn builtin_for(
    config: &Config,
    strategy_type: &str,
    integration: Option<&Integration>,
    settings: &Settings,
    secrets: Arc<dyn SecretResolver>,
    options: &IntegrationOptions,
) -> Result<Option<Box<dyn BuiltinStrategy>>, IntegrationError> {
    let needs = |service: Service| {
        integration.ok_or_else(|| {
            IntegrationError::config(
                service,
                format!("the {strategy_type} strategy has no integration_id"),
            )
            .with_hint("set integration_id on the sym_strategy")
        })
    };
    let strategy: Box<dyn BuiltinStrategy> = match strategy_type {
        "okta" => Box::new(okta_github::OktaStrategy::new(crate::okta_client(
            config,
            needs(Service::Okta)?,
            secrets,
            options,
        )?)),
        "github" => Box::new(okta_github::GitHubStrategy::new(
            crate::github_client(config, needs(Service::GitHub)?, secrets, options)?,
            text_settings(settings).get("permission").cloned(),
        )),
        "aws_sso" => {
            require_known(
                Service::AwsSso,
                "the aws_sso strategy",
                settings,
                &["instance_arn", "identity_store_id"],
            )?;
            Box::new(aws::SsoStrategy::new(
                needs(Service::AwsSso)?,
                &text_settings(settings),
                options,
            )?)
        }
        "aws_iam" => Box::new(aws::IamStrategy::new(needs(Service::AwsIam)?, options)?),
        "onelogin" => Box::new(onelogin::OneLoginStrategy::new(crate::onelogin_client(
            config,
            needs(Service::OneLogin)?,
            secrets,
            options,
        )?)),
        "google_group" => Box::new(google_group::GoogleGroupStrategy::new(
            crate::google_client(config, needs(Service::Google)?, secrets, options)?,
        )),
        "aws_lambda" => Box::new(aws::LambdaStrategy::new(
            needs(Service::AwsLambda)?,
            options,
        )),
        "http" => Box::new(webhook::HttpStrategy::new(
            config, settings, secrets, options,
        )?),
        _ => return Ok(None),
    };
    Ok(Some(strategy))
}
