//! AWS: one signed client for the services symflow calls, and one module per service.
//!
//! Requests are signed with SigV4 by `aws-sigv4` (smithy-rs, the signer of the official AWS
//! SDK), built here with its pure-Rust `hmac`/`sha2` backend: no aws-lc, no C toolchain.
//! Credentials come from the environment (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
//! optional `AWS_SESSION_TOKEN`) or are given explicitly; the region from the integration's
//! `settings.region`, else `AWS_REGION` / `AWS_DEFAULT_REGION`, else `us-east-1`.
//!
//! Three wire protocols are spoken: REST-JSON (Lambda `Invoke`), JSON 1.1 with `X-Amz-Target`
//! (sso-admin, identitystore, Secrets Manager, Kinesis Firehose, Kinesis Data Streams) and the
//! query protocol with XML replies (IAM).

pub mod iam;
pub mod lambda;
pub mod secrets_manager;
pub mod sso;
pub mod streams;

use std::fmt;
use std::time::SystemTime;

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use reqwest::header::{HeaderName, HeaderValue};
use reqwest::Method;
use symflow_config::secrets::SecretValue;
use url::Url;

use crate::client::{self, Limits, Reply};
use crate::error::{ErrorKind, IntegrationError, Service};

/// An AWS access key. The secret parts never print.
#[derive(Clone)]
pub struct AwsCredentials {
    /// `AWS_ACCESS_KEY_ID`.
    pub access_key_id: String,
    /// `AWS_SECRET_ACCESS_KEY`.
    pub secret_access_key: SecretValue,
    /// `AWS_SESSION_TOKEN`, for temporary credentials.
    pub session_token: Option<SecretValue>,
}

impl fmt::Debug for AwsCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AwsCredentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"[redacted]")
            .field(
                "session_token",
                &self.session_token.as_ref().map(|_| "[redacted]"),
            )
            .finish()
    }
}

impl AwsCredentials {
    /// Static credentials.
    pub fn new(access_key_id: impl Into<String>, secret_access_key: impl Into<String>) -> Self {
        AwsCredentials {
            access_key_id: access_key_id.into(),
            secret_access_key: SecretValue::new(secret_access_key),
            session_token: None,
        }
    }

    /// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN` from `env`.
    pub fn from_lookup(env: impl Fn(&str) -> Option<String>) -> Option<Self> {
        let access_key_id = env("AWS_ACCESS_KEY_ID").filter(|v| !v.is_empty())?;
        let secret = env("AWS_SECRET_ACCESS_KEY").filter(|v| !v.is_empty())?;
        Some(AwsCredentials {
            access_key_id,
            secret_access_key: SecretValue::new(secret),
            session_token: env("AWS_SESSION_TOKEN")
                .filter(|v| !v.is_empty())
                .map(SecretValue::new),
        })
    }

    /// The credentials of the process environment, if set.
    pub fn from_env() -> Option<Self> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    fn identity(&self) -> Identity {
        Credentials::new(
            self.access_key_id.clone(),
            self.secret_access_key.expose().to_string(),
            self.session_token.as_ref().map(|t| t.expose().to_string()),
            None,
            "symflow",
        )
        .into()
    }
}

/// The default region when neither settings nor the environment name one.
pub const DEFAULT_REGION: &str = "us-east-1";

/// The region of the environment (`AWS_REGION`, `AWS_DEFAULT_REGION`), or `us-east-1`.
pub fn region_from_env() -> String {
    std::env::var("AWS_REGION")
        .or_else(|_| std::env::var("AWS_DEFAULT_REGION"))
        .ok()
        .filter(|r| !r.is_empty())
        .unwrap_or_else(|| DEFAULT_REGION.to_string())
}

/// One AWS service: its error family, SigV4 signing name and endpoint prefix.
#[derive(Clone, Copy, Debug)]
pub(crate) struct AwsService {
    pub service: Service,
    pub signing_name: &'static str,
    pub endpoint_prefix: &'static str,
    /// IAM is global: `iam.amazonaws.com`, signed for `us-east-1`.
    pub global: bool,
}

pub(crate) const LAMBDA: AwsService = AwsService {
    service: Service::AwsLambda,
    signing_name: "lambda",
    endpoint_prefix: "lambda",
    global: false,
};
pub(crate) const SSO_ADMIN: AwsService = AwsService {
    service: Service::AwsSso,
    signing_name: "sso",
    endpoint_prefix: "sso",
    global: false,
};
pub(crate) const IDENTITY_STORE: AwsService = AwsService {
    service: Service::AwsSso,
    signing_name: "identitystore",
    endpoint_prefix: "identitystore",
    global: false,
};
pub(crate) const IAM: AwsService = AwsService {
    service: Service::AwsIam,
    signing_name: "iam",
    endpoint_prefix: "iam",
    global: true,
};
pub(crate) const SECRETS_MANAGER: AwsService = AwsService {
    service: Service::AwsSecretsManager,
    signing_name: "secretsmanager",
    endpoint_prefix: "secretsmanager",
    global: false,
};

pub(crate) const FIREHOSE: AwsService = AwsService {
    service: Service::AwsFirehose,
    signing_name: "firehose",
    endpoint_prefix: "firehose",
    global: false,
};
pub(crate) const KINESIS: AwsService = AwsService {
    service: Service::AwsKinesis,
    signing_name: "kinesis",
    endpoint_prefix: "kinesis",
    global: false,
};

/// A SigV4-signing client for one region.
#[derive(Clone)]
pub struct AwsClient {
    http: reqwest::Client,
    credentials: Option<AwsCredentials>,
    region: String,
    endpoint: Option<Url>,
    limits: Limits,
}

impl fmt::Debug for AwsClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AwsClient")
            .field("region", &self.region)
            .field("endpoint", &self.endpoint.as_ref().map(Url::as_str))
            .field("credentials", &self.credentials)
            .finish()
    }
}

impl AwsClient {
    /// A client for `region` signing with `credentials` (`None`: every call fails with a
    /// configuration error naming the environment variables). `endpoint` replaces every
    /// service's `https://<service>.<region>.amazonaws.com` (tests, VPC endpoints, LocalStack).
    pub fn new(
        credentials: Option<AwsCredentials>,
        region: impl Into<String>,
        endpoint: Option<Url>,
        limits: Limits,
    ) -> Self {
        AwsClient {
            http: client::api_client(),
            credentials,
            region: region.into(),
            endpoint,
            limits,
        }
    }

    /// The region calls are signed for.
    pub fn region(&self) -> &str {
        &self.region
    }

    fn base(&self, service: AwsService) -> Url {
        if let Some(endpoint) = &self.endpoint {
            return endpoint.clone();
        }
        let host = if service.global {
            format!("https://{}.amazonaws.com/", service.endpoint_prefix)
        } else {
            format!(
                "https://{}.{}.amazonaws.com/",
                service.endpoint_prefix, self.region
            )
        };
        Url::parse(&host).expect("AWS endpoint URLs are valid")
    }

    fn signing_region(&self, service: AwsService) -> &str {
        if service.global {
            DEFAULT_REGION
        } else {
            &self.region
        }
    }

    /// Sends a signed request. `path_and_query` starts with `/` and is already encoded.
    pub(crate) async fn send(
        &self,
        service: AwsService,
        method: Method,
        path_and_query: &str,
        headers: &[(&'static str, String)],
        body: Vec<u8>,
    ) -> Result<Reply, IntegrationError> {
        let credentials = self.credentials.as_ref().ok_or_else(|| {
            IntegrationError::config(
                service.service,
                format!("no AWS credentials to call {}", service.service),
            )
            .with_hint(
                "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for \
                 temporary credentials) in the symflow host's environment",
            )
        })?;
        let url = client::join(&self.base(service), path_and_query);
        let identity = credentials.identity();
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(self.signing_region(service))
            .name(service.signing_name)
            .time(SystemTime::now())
            .settings(SigningSettings::default())
            .build()
            .map_err(|err| {
                IntegrationError::config(service.service, format!("cannot sign the request: {err}"))
            })?
            .into();
        let signable = SignableRequest::new(
            method.as_str(),
            url.as_str(),
            headers.iter().map(|(name, value)| (*name, value.as_str())),
            SignableBody::Bytes(&body),
        )
        .and_then(|request| sign(request, &params))
        .map_err(|err| {
            IntegrationError::config(service.service, format!("cannot sign the request: {err}"))
        })?;
        let (instructions, _signature) = signable.into_parts();

        let mut request = reqwest::Request::new(method, url);
        let map = request.headers_mut();
        for (name, value) in headers {
            map.insert(
                HeaderName::from_static(name),
                HeaderValue::from_str(value).map_err(|_| {
                    IntegrationError::config(service.service, format!("invalid {name} header"))
                })?,
            );
        }
        for (name, value) in instructions.headers() {
            let mut value = HeaderValue::from_str(value).map_err(|_| {
                IntegrationError::config(service.service, "the signature is not a valid header")
            })?;
            value.set_sensitive(true);
            map.insert(
                HeaderName::from_bytes(name.as_bytes()).expect("signing header names are valid"),
                value,
            );
        }
        *request.body_mut() = Some(body.into());
        client::send(service.service, &self.http, request, self.limits).await
    }

    /// A JSON 1.1 call (`X-Amz-Target: <prefix>.<operation>`), returning the reply document
    /// or the service's error as an [`IntegrationError`] (with the AWS error type in
    /// [`AwsErrorInfo`] terms available through [`aws_error_type`]).
    pub(crate) async fn json_call(
        &self,
        service: AwsService,
        target_prefix: &str,
        operation: &str,
        input: &serde_json::Value,
    ) -> Result<serde_json::Value, AwsCallError> {
        let headers = [
            ("content-type", "application/x-amz-json-1.1".to_string()),
            ("x-amz-target", format!("{target_prefix}.{operation}")),
        ];
        let reply = self
            .send(
                service,
                Method::POST,
                "/",
                &headers,
                input.to_string().into_bytes(),
            )
            .await
            .map_err(AwsCallError::Transport)?;
        if reply.is_success() {
            if reply.body.is_empty() {
                return Ok(serde_json::Value::Object(Default::default()));
            }
            return reply.json(service.service).map_err(AwsCallError::Transport);
        }
        Err(AwsCallError::Service(json_error(
            service, operation, &reply,
        )))
    }

    /// A query-protocol call (form-encoded `Action=...&Version=...`), returning the XML text.
    pub(crate) async fn query_call(
        &self,
        service: AwsService,
        version: &str,
        action: &str,
        params: &[(&str, &str)],
    ) -> Result<String, AwsCallError> {
        let mut form: Vec<(&str, &str)> = vec![("Action", action), ("Version", version)];
        form.extend_from_slice(params);
        let body = serde_urlencoded::to_string(&form).expect("form encoding of strings");
        let headers = [(
            "content-type",
            "application/x-www-form-urlencoded; charset=utf-8".to_string(),
        )];
        let reply = self
            .send(service, Method::POST, "/", &headers, body.into_bytes())
            .await
            .map_err(AwsCallError::Transport)?;
        let text = String::from_utf8_lossy(&reply.body).into_owned();
        if reply.is_success() {
            return Ok(text);
        }
        Err(AwsCallError::Service(xml_error(service, action, &reply)))
    }
}

/// An AWS service error: its type (`ResourceNotFoundException`, `NoSuchEntity`) and text.
#[derive(Debug, Clone)]
pub(crate) struct AwsServiceError {
    pub error_type: String,
    pub error: IntegrationError,
}

/// Why an AWS call failed: the service said no, or it could not be asked.
#[derive(Debug, Clone)]
pub(crate) enum AwsCallError {
    Service(AwsServiceError),
    Transport(IntegrationError),
}

impl AwsCallError {
    /// The AWS error type, for a service error.
    pub fn error_type(&self) -> Option<&str> {
        match self {
            AwsCallError::Service(err) => Some(&err.error_type),
            AwsCallError::Transport(_) => None,
        }
    }

    /// The error to report.
    pub fn into_error(self) -> IntegrationError {
        match self {
            AwsCallError::Service(err) => err.error,
            AwsCallError::Transport(err) => err,
        }
    }
}

pub(crate) fn kind_for(status: u16, error_type: &str) -> ErrorKind {
    if error_type.contains("NotFound") || error_type == "NoSuchEntity" {
        return ErrorKind::NotFound;
    }
    if error_type.contains("AccessDenied") {
        return ErrorKind::Forbidden;
    }
    if [
        "UnrecognizedClient",
        "InvalidSignature",
        "SignatureDoesNotMatch",
        "InvalidClientTokenId",
        "ExpiredToken",
    ]
    .iter()
    .any(|t| error_type.contains(t))
    {
        return ErrorKind::Unauthorized;
    }
    if error_type.contains("Throttl") || error_type.contains("TooManyRequests") {
        return ErrorKind::RateLimited;
    }
    ErrorKind::from_status(status)
}

fn hint_for(service: AwsService, kind: ErrorKind) -> String {
    match kind {
        ErrorKind::Unauthorized => "check the AWS credentials in the symflow host's environment \
             (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN) and the host's clock"
            .to_string(),
        ErrorKind::Forbidden => format!(
            "the AWS credentials lack a permission for {}: check their IAM policy",
            service.service
        ),
        ErrorKind::NotFound => format!(
            "check the identifiers in the strategy, target or integration settings, and the \
             region ({})",
            service.service
        ),
        ErrorKind::RateLimited => "AWS throttled the call; it can be retried".to_string(),
        _ => format!("see the {} error above", service.service),
    }
}

/// The error document of a JSON-protocol reply: `{"__type": "...#Type", "message": "..."}`.
fn json_error(service: AwsService, operation: &str, reply: &Reply) -> AwsServiceError {
    let status = reply.status.as_u16();
    let doc: serde_json::Value = serde_json::from_slice(&reply.body).unwrap_or_default();
    let header_type = reply
        .headers
        .get("x-amzn-errortype")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let raw_type = doc
        .get("__type")
        .and_then(|v| v.as_str())
        .map(str::to_string)
        .or(header_type)
        .unwrap_or_else(|| format!("HTTP{status}"));
    // `aws.protocoltests#ResourceNotFoundException` or `ResourceNotFoundException:http://...`.
    let error_type = raw_type
        .rsplit('#')
        .next()
        .unwrap_or(&raw_type)
        .split(':')
        .next()
        .unwrap_or(&raw_type)
        .to_string();
    let message = ["message", "Message", "errorMessage"]
        .iter()
        .find_map(|key| doc.get(key).and_then(|v| v.as_str()))
        .map(str::to_string)
        .unwrap_or_else(|| reply.snippet());
    let kind = kind_for(status, &error_type);
    AwsServiceError {
        error: IntegrationError::new(
            service.service,
            kind,
            format!(
                "{} {operation} failed with HTTP {status} {error_type}: {message}",
                service.service
            ),
        )
        .with_status(status)
        .with_hint(hint_for(service, kind)),
        error_type,
    }
}

/// The error document of a query-protocol reply:
/// `<ErrorResponse><Error><Code>..</Code><Message>..</Message></Error></ErrorResponse>`.
fn xml_error(service: AwsService, action: &str, reply: &Reply) -> AwsServiceError {
    let status = reply.status.as_u16();
    let text = String::from_utf8_lossy(&reply.body);
    let (code, message) = match roxmltree::Document::parse(&text) {
        Ok(doc) => (
            xml_text(&doc, "Code").unwrap_or_else(|| format!("HTTP{status}")),
            xml_text(&doc, "Message").unwrap_or_else(|| reply.snippet()),
        ),
        Err(_) => (format!("HTTP{status}"), reply.snippet()),
    };
    let kind = kind_for(status, &code);
    AwsServiceError {
        error: IntegrationError::new(
            service.service,
            kind,
            format!(
                "{} {action} failed with HTTP {status} {code}: {message}",
                service.service
            ),
        )
        .with_status(status)
        .with_hint(hint_for(service, kind)),
        error_type: code,
    }
}

/// The text of the first element named `name` (any namespace).
pub(crate) fn xml_text(doc: &roxmltree::Document<'_>, name: &str) -> Option<String> {
    doc.descendants()
        .find(|node| node.is_element() && node.tag_name().name() == name)
        .and_then(|node| node.text())
        .map(|text| text.trim().to_string())
}
