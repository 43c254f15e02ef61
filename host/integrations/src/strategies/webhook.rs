//! The `http` strategy: escalation and deescalation as signed webhooks.
//!
//! Strategy settings: `url` (both steps), or `escalate_url` / `deescalate_url`, and
//! `signing_secret` (a `sym_secret` reference) keying the signature. Each call is a `POST`
//! of a JSON body
//!
//! ```json
//! {"action": "escalate", "target": {"name", "type", "label", "settings"},
//!  "requester": {"email", "identity"}, "duration_seconds": 3600,
//!  "event": { ...reporting event... }, "escalate_output": null}
//! ```
//!
//! with `X-Symflow-Timestamp: <unix seconds>` and
//! `X-Symflow-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`, so the receiver
//! can check the sender and refuse replays. A 2xx reply is success, its JSON body (if any)
//! the step output. Idempotency is the receiver's contract: the same action may arrive
//! twice (retries), and a deescalation of a grant that is gone must answer 2xx.

use std::sync::Arc;

use async_trait::async_trait;
use hmac::{Hmac, Mac};
use reqwest::header::{HeaderValue, CONTENT_TYPE};
use reqwest::Method;
use serde_json::{json, Value};
use sha2::Sha256;
use symflow_config::{Config, SettingValue, Settings};
use url::Url;

use super::{AccessRequest, BuiltinStrategy};
use crate::client::{self, Limits};
use crate::error::{ErrorKind, IntegrationError, Service};
use crate::secrets::{ApiToken, SecretRef, SecretResolver};
use crate::IntegrationOptions;

/// The signature header.
pub const SIGNATURE_HEADER: &str = "x-symflow-signature";
/// The timestamp header.
pub const TIMESTAMP_HEADER: &str = "x-symflow-timestamp";

/// The `X-Symflow-Signature` value for `body` sent at `timestamp` (unix seconds).
pub fn sign_webhook(secret: &[u8], timestamp: u64, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes keys of any length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("v1={}", hex::encode(mac.finalize().into_bytes()))
}

#[derive(Debug)]
pub(crate) struct HttpStrategy {
    escalate_url: Url,
    deescalate_url: Url,
    secret: ApiToken,
    http: reqwest::Client,
    limits: Limits,
}

impl HttpStrategy {
    pub fn new(
        config: &Config,
        settings: &Settings,
        secrets: Arc<dyn SecretResolver>,
        options: &IntegrationOptions,
    ) -> Result<Self, IntegrationError> {
        super::require_known(
            Service::Webhook,
            "the http strategy",
            settings,
            &["url", "escalate_url", "deescalate_url"],
        )?;
        let text = super::text_settings(settings);
        let url_of = |key: &str| -> Result<Url, IntegrationError> {
            let value = text
                .get(key)
                .or_else(|| text.get("url"))
                .filter(|v| !v.is_empty())
                .ok_or_else(|| {
                    IntegrationError::config(
                        Service::Webhook,
                        format!("the http strategy has no {key} (nor url)"),
                    )
                    .with_hint(
                        "set settings.url, or escalate_url and deescalate_url, on the sym_strategy",
                    )
                })?;
            let url = Url::parse(value).map_err(|err| {
                IntegrationError::config(
                    Service::Webhook,
                    format!("the http strategy's {key} {value:?} is not a URL: {err}"),
                )
            })?;
            if !matches!(url.scheme(), "http" | "https") {
                return Err(IntegrationError::config(
                    Service::Webhook,
                    format!("the http strategy's {key} must be an http(s) URL"),
                ));
            }
            Ok(url)
        };
        let secret = match settings.get("signing_secret") {
            Some(SettingValue::Secret(link)) => ApiToken::from_secret(SecretRef::from_link(config, link), secrets),
            _ => {
                return Err(IntegrationError::config(
                    Service::Webhook,
                    "the http strategy has no signing_secret",
                )
                .with_hint("set settings.signing_secret = sym_secret.<name>.id on the sym_strategy: webhooks are always signed"))
            }
        };
        Ok(HttpStrategy {
            escalate_url: url_of("escalate_url")?,
            deescalate_url: url_of("deescalate_url")?,
            secret,
            http: client::api_client(),
            limits: options.limits,
        })
    }

    async fn call(
        &self,
        action: &str,
        url: &Url,
        request: &AccessRequest,
    ) -> Result<Value, IntegrationError> {
        let body = json!({
            "action": action,
            "target": {
                "name": request.target.name,
                "type": request.target.target_type,
                "label": request.target.label,
                "settings": request.target.settings,
            },
            "requester": { "email": request.requester_email, "identity": request.identity },
            "duration_seconds": request.duration.map(|d| d.as_secs()),
            "event": request.event,
            "escalate_output": request.escalate_output,
        })
        .to_string();
        let secret = self.secret.get(Service::Webhook, "signing_secret").await?;
        let timestamp = crate::time::unix_seconds(std::time::SystemTime::now());
        let signature = sign_webhook(secret.expose().as_bytes(), timestamp, body.as_bytes());
        let mut outgoing = reqwest::Request::new(Method::POST, url.clone());
        let headers = outgoing.headers_mut();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        headers.insert(TIMESTAMP_HEADER, HeaderValue::from(timestamp));
        headers.insert(
            SIGNATURE_HEADER,
            HeaderValue::from_str(&signature).expect("hex is a valid header value"),
        );
        *outgoing.body_mut() = Some(body.into());
        let reply = client::send(Service::Webhook, &self.http, outgoing, self.limits).await?;
        let status = reply.status.as_u16();
        if !reply.is_success() {
            return Err(IntegrationError::new(
                Service::Webhook,
                ErrorKind::from_status(status),
                format!(
                    "the {action} webhook {} answered HTTP {status}: {}",
                    client::redact_url(url),
                    reply.snippet()
                ),
            )
            .with_status(status)
            .with_hint("the receiver must answer 2xx, also for a repeated action or a grant that is already gone"));
        }
        if reply.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(json!({ "status": status }));
        }
        Ok(serde_json::from_slice(&reply.body)
            .unwrap_or_else(|_| json!({ "status": status, "body": reply.snippet() })))
    }
}

#[async_trait]
impl BuiltinStrategy for HttpStrategy {
    fn strategy_type(&self) -> &'static str {
        "http"
    }

    fn identity_service(&self) -> Option<(&str, &str)> {
        None
    }

    async fn fetch_identity(&self, email: &str) -> Result<Option<String>, IntegrationError> {
        Ok(Some(email.to_string()))
    }

    async fn escalate(&self, request: &AccessRequest) -> Result<Value, IntegrationError> {
        self.call("escalate", &self.escalate_url, request).await
    }

    async fn deescalate(&self, request: &AccessRequest) -> Result<Value, IntegrationError> {
        self.call("deescalate", &self.deescalate_url, request).await
    }
}
