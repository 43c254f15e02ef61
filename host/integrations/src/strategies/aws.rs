//! The AWS strategies: `aws_sso` (account assignment or identity-store group), `aws_iam`
//! (IAM group membership) and `aws_lambda` (a function invoked to escalate and deescalate).

use std::collections::BTreeMap;

use async_trait::async_trait;
use serde_json::{json, Value};
use symflow_config::Integration;
use tokio::sync::OnceCell;

use super::{identity_of, AccessRequest, BuiltinStrategy};
use crate::aws::iam::Iam;
use crate::aws::lambda::{function_error, Lambda};
use crate::aws::sso::{Assignment, Sso};
use crate::error::{ErrorKind, IntegrationError, Service};
use crate::IntegrationOptions;

/// `aws_sso`: targets `aws_sso_permission_set` (`permission_set_arn`, `account_id`) and
/// `aws_sso_group` (`group_id`), for the instance in strategy setting `instance_arn` (or the
/// integration's `external_id` when it is an SSO instance ARN).
#[derive(Debug)]
pub(crate) struct SsoStrategy {
    sso: Sso,
    instance_arn: String,
    identity_store_id: OnceCell<String>,
}

impl SsoStrategy {
    pub fn new(
        integration: &Integration,
        settings: &BTreeMap<String, String>,
        options: &IntegrationOptions,
    ) -> Result<Self, IntegrationError> {
        let instance_arn = settings
            .get("instance_arn")
            .filter(|v| !v.is_empty())
            .cloned()
            .or_else(|| {
                crate::strategies::text_settings(&integration.settings)
                    .get("instance_arn")
                    .cloned()
            })
            .or_else(|| {
                integration
                    .external_id
                    .as_ref()
                    .ok()
                    .filter(|id| id.starts_with("arn:aws:sso"))
                    .cloned()
            })
            .ok_or_else(|| {
                IntegrationError::config(Service::AwsSso, "the aws_sso strategy has no instance_arn")
                    .with_hint("set settings.instance_arn on the sym_strategy (the sso-connector module's output)")
            })?;
        let identity_store_id = OnceCell::new();
        if let Some(id) = settings.get("identity_store_id").filter(|v| !v.is_empty()) {
            let _ = identity_store_id.set(id.clone());
        }
        let sso = Sso::new(crate::aws_client(integration, options))
            .with_polling(options.aws_poll_interval, 20);
        Ok(SsoStrategy {
            sso,
            instance_arn,
            identity_store_id,
        })
    }

    async fn store_id(&self) -> Result<&str, IntegrationError> {
        self.identity_store_id
            .get_or_try_init(|| self.sso.identity_store_id(&self.instance_arn))
            .await
            .map(String::as_str)
    }

    fn assignment(
        &self,
        request: &AccessRequest,
        principal: String,
    ) -> Result<Option<Assignment>, IntegrationError> {
        if request.target.setting("group_id").is_some()
            && request.target.setting("permission_set_arn").is_none()
        {
            return Ok(None);
        }
        Ok(Some(Assignment {
            instance_arn: self.instance_arn.clone(),
            permission_set_arn: request
                .target
                .required(Service::AwsSso, "permission_set_arn")?
                .to_string(),
            account_id: request
                .target
                .required(Service::AwsSso, "account_id")?
                .to_string(),
            principal_id: principal,
        }))
    }
}

#[async_trait]
impl BuiltinStrategy for SsoStrategy {
    fn strategy_type(&self) -> &'static str {
        "aws_sso"
    }

    fn identity_service(&self) -> Option<(&str, &str)> {
        Some(("aws_sso", &self.instance_arn))
    }

    async fn fetch_identity(&self, email: &str) -> Result<Option<String>, IntegrationError> {
        let store = self.store_id().await?;
        self.sso.user_id(store, email).await
    }

    async fn escalate(&self, request: &AccessRequest) -> Result<Value, IntegrationError> {
        let user = identity_of(self, Service::AwsSso, request).await?;
        match self.assignment(request, user.clone())? {
            Some(assignment) => {
                let created = self.sso.create_assignment(&assignment).await?;
                Ok(json!({
                    "instance_arn": assignment.instance_arn,
                    "permission_set_arn": assignment.permission_set_arn,
                    "account_id": assignment.account_id,
                    "user_id": user,
                    "created": created,
                }))
            }
            None => {
                let group = request.target.required(Service::AwsSso, "group_id")?;
                let store = self.store_id().await?;
                let added = self.sso.add_to_group(store, group, &user).await?;
                Ok(json!({ "group_id": group, "user_id": user, "added": added }))
            }
        }
    }

    async fn deescalate(&self, request: &AccessRequest) -> Result<Value, IntegrationError> {
        let recorded = request
            .escalate_output
            .as_ref()
            .and_then(|o| o.get("user_id"))
            .and_then(Value::as_str)
            .map(str::to_string);
        let user = match recorded {
            Some(user) => user,
            None => identity_of(self, Service::AwsSso, request).await?,
        };
        match self.assignment(request, user.clone())? {
            Some(assignment) => {
                let deleted = self.sso.delete_assignment(&assignment).await?;
                Ok(json!({
                    "permission_set_arn": assignment.permission_set_arn,
                    "account_id": assignment.account_id,
                    "user_id": user,
                    "removed": deleted,
                }))
            }
            None => {
                let group = request.target.required(Service::AwsSso, "group_id")?;
                let store = self.store_id().await?;
                let removed = self.sso.remove_from_group(store, group, &user).await?;
                Ok(json!({ "group_id": group, "user_id": user, "removed": removed }))
            }
        }
    }
}

/// `aws_iam`: adds the requester's IAM user to the target's group (`aws_iam_group`,
/// setting `iam_group`). The IAM user is the stored identity, else the user named by email.
#[derive(Debug)]
pub(crate) struct IamStrategy {
    iam: Iam,
    account: String,
}

impl IamStrategy {
    pub fn new(
        integration: &Integration,
        options: &IntegrationOptions,
    ) -> Result<Self, IntegrationError> {
        Ok(IamStrategy {
            iam: Iam::new(crate::aws_client(integration, options)),
            account: crate::external_id(integration, Service::AwsIam)?.to_owned(),
        })
    }
}

#[async_trait]
impl BuiltinStrategy for IamStrategy {
    fn strategy_type(&self) -> &'static str {
        "aws_iam"
    }

    fn identity_service(&self) -> Option<(&str, &str)> {
        Some(("aws_iam", &self.account))
    }

    async fn fetch_identity(&self, email: &str) -> Result<Option<String>, IntegrationError> {
        self.iam.get_user(email).await
    }

    async fn escalate(&self, request: &AccessRequest) -> Result<Value, IntegrationError> {
        let group = request.target.required(Service::AwsIam, "iam_group")?;
        let user = identity_of(self, Service::AwsIam, request).await?;
        self.iam.add_user_to_group(group, &user).await?;
        Ok(json!({ "iam_group": group, "user_name": user }))
    }

    async fn deescalate(&self, request: &AccessRequest) -> Result<Value, IntegrationError> {
        let group = request.target.required(Service::AwsIam, "iam_group")?;
        let recorded = request
            .escalate_output
            .as_ref()
            .and_then(|o| o.get("user_name"))
            .and_then(Value::as_str)
            .map(str::to_string);
        let user = match recorded {
            Some(user) => user,
            None => identity_of(self, Service::AwsIam, request).await?,
        };
        let removed = self.iam.remove_user_from_group(group, &user).await?;
        Ok(json!({ "iam_group": group, "user_name": user, "removed": removed }))
    }
}

/// `aws_lambda`: invokes the target's function (`aws_lambda_function`, setting `arn`) with
/// the reporting event; the function answers `{"body": {...}, "errors": [...]}`.
#[derive(Debug)]
pub(crate) struct LambdaStrategy {
    lambda: Lambda,
}

impl LambdaStrategy {
    pub fn new(integration: &Integration, options: &IntegrationOptions) -> Self {
        LambdaStrategy {
            lambda: Lambda::new(crate::aws_client(integration, options)),
        }
    }

    async fn run(&self, request: &AccessRequest) -> Result<Value, IntegrationError> {
        let arn = request.target.required(Service::AwsLambda, "arn")?;
        let payload = request.event.to_string();
        let invocation = self.lambda.invoke(arn, payload.as_bytes()).await?;
        if invocation.function_error.is_some() {
            return Err(function_error(arn, &invocation));
        }
        lambda_output(arn, &invocation.payload)
    }
}

/// The step output of a Lambda reply, or the error its `errors` list reports.
pub(crate) fn lambda_output(arn: &str, payload: &[u8]) -> Result<Value, IntegrationError> {
    let reply: Value = serde_json::from_slice(payload)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(payload).into_owned()));
    let well_formed = reply
        .as_object()
        .is_some_and(|o| o.contains_key("body") || o.contains_key("errors"));
    if !well_formed {
        let warning = format!(
            "AWS Lambda function {arn} did not answer {{\"body\": ..., \"errors\": [...]}}; its reply is kept as the body"
        );
        tracing::warn!(function = %arn, "{warning}");
        return Ok(json!({ "body": reply, "errors": [], "warning": warning }));
    }
    let errors: Vec<String> = match reply.get("errors") {
        Some(Value::Array(items)) => items
            .iter()
            .map(|e| {
                e.as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| e.to_string())
            })
            .collect(),
        Some(Value::Null) | None => Vec::new(),
        Some(other) => vec![other
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| other.to_string())],
    };
    if !errors.is_empty() {
        let bullets: Vec<String> = errors.iter().map(|e| format!("• {e}")).collect();
        return Err(IntegrationError::new(
            Service::AwsLambda,
            ErrorKind::FunctionError,
            format!(
                "AWS Lambda function {arn} reported errors:\n{}",
                bullets.join("\n")
            ),
        )
        .with_hint("the function returned a non-empty \"errors\" list; see its logs"));
    }
    Ok(json!({
        "body": reply.get("body").cloned().unwrap_or(Value::Object(Default::default())),
        "errors": [],
    }))
}

#[async_trait]
impl BuiltinStrategy for LambdaStrategy {
    fn strategy_type(&self) -> &'static str {
        "aws_lambda"
    }

    fn identity_service(&self) -> Option<(&str, &str)> {
        None
    }

    async fn fetch_identity(&self, email: &str) -> Result<Option<String>, IntegrationError> {
        Ok(Some(email.to_string()))
    }

    async fn escalate(&self, request: &AccessRequest) -> Result<Value, IntegrationError> {
        self.run(request).await
    }

    async fn deescalate(&self, request: &AccessRequest) -> Result<Value, IntegrationError> {
        self.run(request).await
    }
}
