//! `sym:flow/aws-lambda`: `sym.sdk.integrations.aws_lambda.invoke(_async)`.

use crate::bindings::aws_lambda::Host;
use crate::instance::HostState;
use crate::types::CapabilityError;

use super::granted;

/// AWS Lambda as the host offers it to a flow.
pub trait AwsLambdaCapability: Send + Sync {
    fn invoke(&self, arn: String, payload_json: String) -> Result<String, CapabilityError>;
    fn invoke_async(&self, arn: String, payload_json: String) -> Result<bool, CapabilityError>;
}

impl Host for HostState {
    fn invoke(&mut self, arn: String, payload_json: String) -> Result<String, CapabilityError> {
        granted(&self.caps.aws_lambda, "aws-lambda")?.invoke(arn, payload_json)
    }
    fn invoke_async(&mut self, arn: String, payload_json: String) -> Result<bool, CapabilityError> {
        granted(&self.caps.aws_lambda, "aws-lambda")?.invoke_async(arn, payload_json)
    }
}
