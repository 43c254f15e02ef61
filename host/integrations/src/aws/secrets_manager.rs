//! AWS Secrets Manager `GetSecretValue`: the values of `sym_secret`s whose source is a
//! `sym_secrets type = "aws_secrets_manager"`, with `settings.json_key` picking one key of a
//! JSON secret.

use serde_json::json;
use symflow_config::secrets::SecretValue;

use super::{AwsCallError, AwsClient, SECRETS_MANAGER};
use crate::error::{ErrorKind, IntegrationError, Service};

/// The Secrets Manager client.
#[derive(Debug, Clone)]
pub struct SecretsManager {
    aws: AwsClient,
}

impl SecretsManager {
    /// Secrets Manager through `aws`.
    pub fn new(aws: AwsClient) -> Self {
        SecretsManager { aws }
    }

    /// The current value of the secret named `path` (name or ARN), or one key of it.
    pub async fn get_secret_value(
        &self,
        path: &str,
        json_key: Option<&str>,
    ) -> Result<SecretValue, IntegrationError> {
        let reply = self
            .aws
            .json_call(
                SECRETS_MANAGER,
                "secretsmanager",
                "GetSecretValue",
                &json!({ "SecretId": path }),
            )
            .await
            .map_err(|err| match err {
                AwsCallError::Service(mut err) if err.error.kind == ErrorKind::NotFound => {
                    err.error.hint = Some(format!(
                        "create the secret {path:?} in AWS Secrets Manager in region {}, or fix \
                         the sym_secret's path",
                        self.aws.region()
                    ));
                    err.error
                }
                other => other.into_error(),
            })?;
        let Some(text) = reply.get("SecretString").and_then(|v| v.as_str()) else {
            return Err(IntegrationError::new(
                Service::AwsSecretsManager,
                ErrorKind::BadResponse,
                format!("secret {path:?} has no SecretString (binary secrets are not supported)"),
            ));
        };
        let Some(key) = json_key else {
            return Ok(SecretValue::new(text));
        };
        let doc: serde_json::Value = serde_json::from_str(text).unwrap_or_default();
        match doc.get(key) {
            Some(serde_json::Value::String(value)) => Ok(SecretValue::new(value.clone())),
            Some(other) => Ok(SecretValue::new(other.to_string())),
            None => Err(IntegrationError::new(
                Service::AwsSecretsManager,
                ErrorKind::NotFound,
                format!("secret {path:?} has json_key {key:?}, but its value is not a JSON object with that key"),
            )
            .with_hint("fix settings.json_key of the sym_secret, or the secret's value")),
        }
    }
}
