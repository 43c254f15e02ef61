//! AWS Lambda `Invoke` (REST, `POST /2015-03-31/functions/{name}/invocations`): the
//! `aws_lambda` helpers of the SDK (synchronous and `Event` invocations) and the payload
//! carrier of the `aws_lambda` strategy.

use reqwest::Method;
use symflow_sandbox::capabilities::AwsLambdaCapability;
use symflow_sandbox::types::CapabilityError;

use super::{AwsClient, LAMBDA};
use crate::client::{encode_segment, Bridge};
use crate::error::{ErrorKind, IntegrationError, Service};

/// What a synchronous invocation returned.
#[derive(Debug, Clone)]
pub struct Invocation {
    /// The function's reply body (its JSON return value).
    pub payload: Vec<u8>,
    /// `X-Amz-Function-Error` (`Unhandled`), when the function raised.
    pub function_error: Option<String>,
}

/// The Lambda client.
#[derive(Debug, Clone)]
pub struct Lambda {
    aws: AwsClient,
}

impl Lambda {
    /// Lambda through `aws`.
    pub fn new(aws: AwsClient) -> Self {
        Lambda { aws }
    }

    fn path(function: &str) -> String {
        format!(
            "/2015-03-31/functions/{}/invocations",
            encode_segment(function)
        )
    }

    /// Invokes `function` (name or ARN) and waits for its reply.
    pub async fn invoke(
        &self,
        function: &str,
        payload: &[u8],
    ) -> Result<Invocation, IntegrationError> {
        let reply = self
            .aws
            .send(
                LAMBDA,
                Method::POST,
                &Self::path(function),
                &[
                    ("content-type", "application/json".into()),
                    ("x-amz-invocation-type", "RequestResponse".into()),
                ],
                payload.to_vec(),
            )
            .await?;
        if !reply.is_success() {
            return Err(invoke_error(function, &reply));
        }
        Ok(Invocation {
            function_error: reply
                .headers
                .get("x-amz-function-error")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string),
            payload: reply.body,
        })
    }

    /// Queues `function` for an asynchronous invocation (`X-Amz-Invocation-Type: Event`);
    /// true when Lambda accepted it (HTTP 202).
    pub async fn invoke_async(
        &self,
        function: &str,
        payload: &[u8],
    ) -> Result<bool, IntegrationError> {
        let reply = self
            .aws
            .send(
                LAMBDA,
                Method::POST,
                &Self::path(function),
                &[
                    ("content-type", "application/json".into()),
                    ("x-amz-invocation-type", "Event".into()),
                ],
                payload.to_vec(),
            )
            .await?;
        if !reply.is_success() {
            return Err(invoke_error(function, &reply));
        }
        Ok(reply.status.as_u16() == 202)
    }
}

fn invoke_error(function: &str, reply: &crate::client::Reply) -> IntegrationError {
    let status = reply.status.as_u16();
    let doc: serde_json::Value = serde_json::from_slice(&reply.body).unwrap_or_default();
    let error_type = doc
        .get("Type")
        .or_else(|| doc.get("__type"))
        .and_then(|v| v.as_str())
        .or_else(|| {
            reply
                .headers
                .get("x-amzn-errortype")
                .and_then(|v| v.to_str().ok())
        })
        .unwrap_or("error")
        .split(':')
        .next()
        .unwrap_or("error")
        .to_string();
    let message = doc
        .get("Message")
        .or_else(|| doc.get("message"))
        .and_then(|v| v.as_str())
        .map(str::to_string)
        .unwrap_or_else(|| reply.snippet());
    let kind = super::kind_for(status, &error_type);
    let hint = match kind {
        ErrorKind::NotFound => format!(
            "check the function ARN {function:?} in the target's `arn` setting and the region"
        ),
        ErrorKind::Forbidden | ErrorKind::Unauthorized => {
            format!("the AWS credentials need lambda:InvokeFunction on {function}")
        }
        _ => "see the AWS Lambda error above".to_string(),
    };
    IntegrationError::new(
        Service::AwsLambda,
        kind,
        format!(
            "AWS Lambda Invoke of {function} failed with HTTP {status} {error_type}: {message}"
        ),
    )
    .with_status(status)
    .with_hint(hint)
}

/// The error for an invocation whose function raised (`X-Amz-Function-Error`).
pub(crate) fn function_error(function: &str, invocation: &Invocation) -> IntegrationError {
    let doc: serde_json::Value = serde_json::from_slice(&invocation.payload).unwrap_or_default();
    let message = doc
        .get("errorMessage")
        .and_then(|v| v.as_str())
        .map(str::to_string)
        .unwrap_or_else(|| crate::client::snippet(&invocation.payload));
    let error_type = doc
        .get("errorType")
        .and_then(|v| v.as_str())
        .unwrap_or("Unhandled");
    IntegrationError::new(
        Service::AwsLambda,
        ErrorKind::FunctionError,
        format!("AWS Lambda function {function} raised {error_type}: {message}"),
    )
    .with_hint("see the function's CloudWatch logs")
}

/// The `aws-lambda` capability: Lambda for a flow whose environment has an AWS integration.
#[derive(Debug)]
pub struct LambdaCapability {
    lambda: Lambda,
    bridge: Bridge,
}

impl LambdaCapability {
    /// The capability over `lambda`, run on `bridge`.
    pub fn new(lambda: Lambda, bridge: Bridge) -> Self {
        LambdaCapability { lambda, bridge }
    }
}

impl AwsLambdaCapability for LambdaCapability {
    fn invoke(&self, arn: String, payload_json: String) -> Result<String, CapabilityError> {
        let invocation = self
            .bridge
            .block_on(self.lambda.invoke(&arn, payload_json.as_bytes()))?;
        if invocation.function_error.is_some() {
            return Err(function_error(&arn, &invocation).into());
        }
        Ok(String::from_utf8_lossy(&invocation.payload).into_owned())
    }

    fn invoke_async(&self, arn: String, payload_json: String) -> Result<bool, CapabilityError> {
        Ok(self
            .bridge
            .block_on(self.lambda.invoke_async(&arn, payload_json.as_bytes()))?)
    }
}
