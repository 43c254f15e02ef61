//! One error type for every integration, so that a failed call reads the same everywhere:
//! in a flow (as the Sym exception the SDK raises, through [`IntegrationError::to_capability_error`])
//! and in the error channel (through [`IntegrationError::report`]).
//!
//! Each error names its service (which fixes Sym's exception type: `OktaError`,
//! `GitHubError`, `OneLoginError`, `GoogleError`, `AWSLambdaError`, ...), a machine code (which becomes the `NAME` of the
//! `Type:NAME` error code), the HTTP status when there was one, the service's own error text,
//! and a hint saying what to check.

use std::fmt;

use symflow_sandbox::types::CapabilityError;

/// The external service an error came from. It decides Sym's exception type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Service {
    /// PagerDuty REST API v2 (`PagerDutyError`).
    PagerDuty,
    /// Okta management API (`OktaError`).
    Okta,
    /// GitHub REST API (`GitHubError`).
    GitHub,
    /// OneLogin API v2 (`OneLoginError`).
    OneLogin,
    /// Google Workspace Admin SDK Directory API (`GoogleError`).
    Google,
    /// AWS Lambda (`AWSLambdaError`).
    AwsLambda,
    /// AWS IAM Identity Center: sso-admin and identitystore (`AWSSSOError`).
    AwsSso,
    /// AWS IAM (`AWSIAMError`).
    AwsIam,
    /// AWS Secrets Manager (`AWSError`).
    AwsSecretsManager,
    /// AWS Kinesis Firehose, where `kinesis_firehose` log destinations write (`AWSError`).
    AwsFirehose,
    /// AWS Kinesis Data Streams, where `kinesis_data_stream` log destinations write
    /// (`AWSError`).
    AwsKinesis,
    /// A flow's outbound HTTP through `requests` (`HTTPError`).
    Http,
    /// The `http` strategy's webhooks (`HTTPError`).
    Webhook,
    /// Secrets (`SymIntegrationError`).
    Secrets,
}

impl Service {
    /// The `Type` half of Sym's `Type:NAME` error code.
    pub fn error_type(self) -> &'static str {
        match self {
            Service::PagerDuty => "PagerDuty",
            Service::Okta => "Okta",
            Service::GitHub => "GitHub",
            Service::OneLogin => "OneLogin",
            Service::Google => "Google",
            Service::AwsLambda => "AWSLambda",
            Service::AwsSso => "AWSSSO",
            Service::AwsIam => "AWSIAM",
            Service::AwsSecretsManager | Service::AwsFirehose | Service::AwsKinesis => "AWS",
            Service::Http | Service::Webhook => "HTTP",
            Service::Secrets => "SymIntegration",
        }
    }

    /// Sym's exception class (`sym.sdk.exceptions`).
    pub fn exception(self) -> &'static str {
        match self {
            Service::PagerDuty => "PagerDutyError",
            Service::Okta => "OktaError",
            Service::GitHub => "GitHubError",
            Service::OneLogin => "OneLoginError",
            Service::Google => "GoogleError",
            Service::AwsLambda => "AWSLambdaError",
            Service::AwsSso => "AWSSSOError",
            Service::AwsIam => "AWSIAMError",
            Service::AwsSecretsManager | Service::AwsFirehose | Service::AwsKinesis => "AWSError",
            Service::Http | Service::Webhook => "HTTPError",
            Service::Secrets => "SymIntegrationError",
        }
    }

    /// The sandbox capability serving this service (`capability-error.capability`).
    pub fn capability(self) -> &'static str {
        match self {
            Service::PagerDuty => "pagerduty",
            Service::Okta => "okta",
            Service::GitHub => "github",
            Service::OneLogin => "onelogin",
            Service::Google => "google",
            Service::AwsLambda => "aws-lambda",
            Service::AwsSso => "aws-sso",
            Service::AwsIam => "aws-iam",
            Service::AwsSecretsManager | Service::Secrets => "secrets",
            // No flow calls these: they carry the server's log destinations.
            Service::AwsFirehose | Service::AwsKinesis => "log-destination",
            Service::Http | Service::Webhook => "http",
        }
    }

    /// A human name for messages.
    pub fn display_name(self) -> &'static str {
        match self {
            Service::PagerDuty => "PagerDuty",
            Service::Okta => "Okta",
            Service::GitHub => "GitHub",
            Service::OneLogin => "OneLogin",
            Service::Google => "Google Workspace",
            Service::AwsLambda => "AWS Lambda",
            Service::AwsSso => "AWS IAM Identity Center",
            Service::AwsIam => "AWS IAM",
            Service::AwsSecretsManager => "AWS Secrets Manager",
            Service::AwsFirehose => "AWS Kinesis Firehose",
            Service::AwsKinesis => "AWS Kinesis Data Streams",
            Service::Http => "outbound HTTP",
            Service::Webhook => "HTTP strategy webhook",
            Service::Secrets => "secrets",
        }
    }
}

impl fmt::Display for Service {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.display_name())
    }
}

/// What went wrong, independent of the service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The flow was not given this integration or secret.
    NotGranted,
    /// The host's policy refused the call (allow-list, scheme).
    Refused,
    /// The URL cannot be parsed or is not http/https.
    InvalidUrl,
    /// The service did not answer within the time limit.
    Timeout,
    /// The service's reply was larger than the cap.
    TooLarge,
    /// The service could not be reached (DNS, connection refused, TLS).
    Network,
    /// The service rejected the credentials (401).
    Unauthorized,
    /// The credentials lack a permission (403).
    Forbidden,
    /// A thing named in the call does not exist (404 or the service's equivalent).
    NotFound,
    /// The service throttled the call (429).
    RateLimited,
    /// Any other error status or error document from the service.
    Api,
    /// The service answered something that is not the documented shape.
    BadResponse,
    /// The configuration is incomplete (missing setting, secret, credentials).
    Config,
    /// The requester has no identity in the service.
    IdentityNotFound,
    /// An AWS Lambda function ran and reported errors.
    FunctionError,
}

impl ErrorKind {
    /// The capability error code (`capability-error.code`), kebab-case.
    pub fn code(self) -> &'static str {
        match self {
            ErrorKind::NotGranted => "not-granted",
            ErrorKind::Refused => "refused",
            ErrorKind::InvalidUrl => "invalid-url",
            ErrorKind::Timeout => "timeout",
            ErrorKind::TooLarge => "too-large",
            ErrorKind::Network => "network-error",
            ErrorKind::Unauthorized => "unauthorized",
            ErrorKind::Forbidden => "forbidden",
            ErrorKind::NotFound => "not-found",
            ErrorKind::RateLimited => "rate-limited",
            ErrorKind::Api => "api-error",
            ErrorKind::BadResponse => "bad-response",
            ErrorKind::Config => "config-error",
            ErrorKind::IdentityNotFound => "identity-not-found",
            ErrorKind::FunctionError => "function-error",
        }
    }

    /// The `NAME` half of Sym's error code (`API_ERROR`), as the SDK derives it from `code`.
    pub fn name(self) -> String {
        self.code().replace('-', "_").to_uppercase()
    }

    /// The kind an HTTP error status stands for.
    pub fn from_status(status: u16) -> ErrorKind {
        match status {
            401 => ErrorKind::Unauthorized,
            403 => ErrorKind::Forbidden,
            404 => ErrorKind::NotFound,
            408 | 504 => ErrorKind::Timeout,
            429 => ErrorKind::RateLimited,
            _ => ErrorKind::Api,
        }
    }
}

/// A failed integration call, with everything needed to fix it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct IntegrationError {
    /// The service.
    pub service: Service,
    /// What went wrong.
    pub kind: ErrorKind,
    /// The HTTP status, when the service answered with one.
    pub status: Option<u16>,
    /// What happened, with the service's own error text. Never holds a secret.
    pub message: String,
    /// What to check.
    pub hint: Option<String>,
}

impl fmt::Display for IntegrationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, " (hint: {hint})")?;
        }
        Ok(())
    }
}

impl IntegrationError {
    /// An error of `kind` from `service`.
    pub fn new(service: Service, kind: ErrorKind, message: impl Into<String>) -> Self {
        IntegrationError {
            service,
            kind,
            status: None,
            message: message.into(),
            hint: None,
        }
    }

    /// Adds what to check.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Records the HTTP status.
    pub fn with_status(mut self, status: u16) -> Self {
        self.status = Some(status);
        self
    }

    /// A configuration problem (missing setting, secret or credentials).
    pub fn config(service: Service, message: impl Into<String>) -> Self {
        IntegrationError::new(service, ErrorKind::Config, message)
    }

    /// The requester has no identity in the service: Sym's `IdentityNotFound`.
    pub fn identity_not_found(service: Service, email: &str) -> Self {
        IntegrationError::new(
            service,
            ErrorKind::IdentityNotFound,
            format!("no {service} user was found for {email}"),
        )
        .with_hint(
            "An Implementer can use the symflow CLI to manually add the user's identity \
             (symflow users update-identity), or return it from a get_identity reducer",
        )
    }

    /// Sym's exception class for this error (`OktaError`, `IdentityNotFound`, ...).
    pub fn exception(&self) -> &'static str {
        match self.kind {
            ErrorKind::IdentityNotFound => "IdentityNotFound",
            _ => self.service.exception(),
        }
    }

    /// Sym's `Type:NAME` error code, e.g. `Okta:API_ERROR` or `Identity:NOT_FOUND`.
    pub fn error_code(&self) -> String {
        match self.kind {
            ErrorKind::IdentityNotFound => "Identity:NOT_FOUND".to_string(),
            kind => format!("{}:{}", self.service.error_type(), kind.name()),
        }
    }

    /// The error as a capability refusal, which the SDK raises as `self.exception()`.
    pub fn to_capability_error(&self) -> CapabilityError {
        let mut message = self.message.clone();
        if let Some(hint) = &self.hint {
            message.push_str("\nHint: ");
            message.push_str(hint);
        }
        CapabilityError {
            capability: self.service.capability().to_string(),
            code: self.kind.code().to_string(),
            message,
        }
    }

    /// The text for the error channel: exception, code, message and hint.
    pub fn report(&self) -> String {
        let mut text = format!(
            "{} ({}): {}",
            self.exception(),
            self.error_code(),
            self.message
        );
        if let Some(hint) = &self.hint {
            text.push_str("\nHint: ");
            text.push_str(hint);
        }
        text
    }
}

impl From<IntegrationError> for CapabilityError {
    fn from(error: IntegrationError) -> Self {
        error.to_capability_error()
    }
}

/// A capability refusal for a flow that was not given a thing (integration, secret).
pub(crate) fn not_granted(capability: &str, message: impl Into<String>) -> CapabilityError {
    CapabilityError {
        capability: capability.to_string(),
        code: ErrorKind::NotGranted.code().to_string(),
        message: message.into(),
    }
}
