//! Outbound HTTP for a flow's `requests` calls: the only way a flow reaches a host that is
//! not one of its integrations, and only the hosts its configuration allows.
//!
//! * **Allow-list**: exact hosts (`api.example.com`) or subdomain wildcards
//!   (`*.example.com`, which does not match `example.com` itself), from the
//!   `allowed_hosts` setting of the flow's integrations (comma or space separated) and the
//!   host's own options. Anything else is refused with `code: "refused"` and a message naming
//!   the host and where to allow it.
//! * Only `http` and `https`; anything else is `invalid-url`.
//! * A timeout per call, capped (10 s by default), and a cap on the reply's size (1 MiB by
//!   default), beyond which the call fails with `too-large`.
//! * Redirects are followed by the host (at most 10), each hop checked against the
//!   allow-list; `Authorization` and `Cookie` are dropped when a hop changes host.

use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue, LOCATION};
use reqwest::{Method, StatusCode};
use symflow_sandbox::bindings::http::{Request, Response};
use symflow_sandbox::capabilities::HttpCapability;
use symflow_sandbox::types::CapabilityError;
use url::Url;

use crate::client::{redact_url, Bridge};
use crate::error::{ErrorKind, IntegrationError, Service};

pub use symflow_config::hosts::{AllowList, HostPattern};

/// Limits of outbound calls.
#[derive(Debug, Clone, Copy)]
pub struct OutboundLimits {
    /// The longest timeout a flow may ask for, and the one used when it asks none.
    pub max_timeout: Duration,
    /// The largest reply body.
    pub max_response_bytes: usize,
    /// Redirect hops followed.
    pub max_redirects: usize,
}

impl Default for OutboundLimits {
    fn default() -> Self {
        OutboundLimits {
            max_timeout: Duration::from_secs(10),
            max_response_bytes: 1024 * 1024,
            max_redirects: 10,
        }
    }
}

/// The `http` capability.
pub struct OutboundHttp {
    allow: AllowList,
    limits: OutboundLimits,
    http: reqwest::Client,
    bridge: Bridge,
    /// Where the flow's allowed hosts are configured (environment and integrations with
    /// their `file:line`), for the refusal message.
    where_to_allow: Option<String>,
}

impl std::fmt::Debug for OutboundHttp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutboundHttp")
            .field("allow", &self.allow)
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

fn error(kind: ErrorKind, message: String) -> IntegrationError {
    IntegrationError::new(Service::Http, kind, message)
}

impl OutboundHttp {
    /// Outbound HTTP limited to `allow`.
    pub fn new(allow: AllowList, limits: OutboundLimits, bridge: Bridge) -> Self {
        OutboundHttp {
            allow,
            limits,
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("the HTTP client builds"),
            bridge,
            where_to_allow: None,
        }
    }

    /// Names, in a refusal, where the flow's allowed hosts are configured.
    pub fn with_where_to_allow(mut self, text: Option<String>) -> Self {
        self.where_to_allow = text;
        self
    }

    fn check(&self, url: &Url) -> Result<(), IntegrationError> {
        if !matches!(url.scheme(), "http" | "https") {
            return Err(error(
                ErrorKind::InvalidUrl,
                format!(
                    "{}: only http and https URLs can be called from a flow",
                    redact_url(url)
                ),
            ));
        }
        let Some(host) = url.host_str() else {
            return Err(error(
                ErrorKind::InvalidUrl,
                format!("{}: the URL has no host", redact_url(url)),
            ));
        };
        let host = host.trim_start_matches('[').trim_end_matches(']');
        if !self.allow.allows(host) {
            return Err(error(
                ErrorKind::Refused,
                format!(
                    "this flow may not call {host}: it is not in the flow's allowed hosts. To allow it, add \
                     \"{host}\" (or a pattern like \"*.{}\") to the `allowed_hosts` setting of a \
                     sym_integration in the flow's environment{}",
                    host.split_once('.').map(|(_, d)| d).unwrap_or(host),
                    self.where_to_allow
                        .as_deref()
                        .map(|w| format!(": {}", w.replace("{host}", host)))
                        .unwrap_or_default()
                ),
            ));
        }
        Ok(())
    }

    /// Sends a flow's request under the allow-list and limits.
    pub async fn send_async(&self, request: Request) -> Result<Response, IntegrationError> {
        let mut url = Url::parse(&request.url).map_err(|err| {
            error(
                ErrorKind::InvalidUrl,
                format!("{:?} is not a valid URL: {err}", request.url),
            )
        })?;
        let mut method = Method::from_bytes(request.method.to_ascii_uppercase().as_bytes())
            .map_err(|_| {
                error(
                    ErrorKind::InvalidUrl,
                    format!("{:?} is not an HTTP method", request.method),
                )
            })?;
        let timeout = request
            .timeout
            .filter(|t| t.is_finite() && *t > 0.0)
            .map(|t| Duration::from_secs_f64(t).min(self.limits.max_timeout))
            .unwrap_or(self.limits.max_timeout);
        let mut headers = HeaderMap::new();
        for (name, value) in &request.headers {
            let Ok(name) = HeaderName::from_bytes(name.as_bytes()) else {
                continue;
            };
            if matches!(
                name.as_str(),
                "host" | "content-length" | "transfer-encoding" | "connection"
            ) {
                continue;
            }
            if let Ok(value) = HeaderValue::from_str(value) {
                headers.append(name, value);
            }
        }
        let mut body = request.body;
        let deadline = tokio::time::Instant::now() + timeout;

        for _hop in 0..=self.limits.max_redirects {
            self.check(&url)?;
            let mut outgoing = reqwest::Request::new(method.clone(), url.clone());
            *outgoing.headers_mut() = headers.clone();
            if let Some(body) = &body {
                *outgoing.body_mut() = Some(body.clone().into());
            }
            let remaining = deadline.saturating_duration_since(tokio::time::Instant::now());
            let reply = self.read(outgoing, remaining, timeout).await?;
            let (status, reply_headers, reply_body) = reply;
            let location = reply_headers.get(LOCATION).and_then(|l| l.to_str().ok());
            match (status, location) {
                (
                    StatusCode::MOVED_PERMANENTLY
                    | StatusCode::FOUND
                    | StatusCode::SEE_OTHER
                    | StatusCode::TEMPORARY_REDIRECT
                    | StatusCode::PERMANENT_REDIRECT,
                    Some(location),
                ) => {
                    let next = url.join(location).map_err(|err| {
                        error(
                            ErrorKind::InvalidUrl,
                            format!("redirect to an invalid URL {location:?}: {err}"),
                        )
                    })?;
                    if next.host_str() != url.host_str() {
                        headers.remove(reqwest::header::AUTHORIZATION);
                        headers.remove(reqwest::header::COOKIE);
                    }
                    if matches!(status, StatusCode::SEE_OTHER)
                        || (matches!(status, StatusCode::MOVED_PERMANENTLY | StatusCode::FOUND)
                            && method == Method::POST)
                    {
                        method = Method::GET;
                        body = None;
                        headers.remove(reqwest::header::CONTENT_TYPE);
                    }
                    url = next;
                }
                _ => {
                    return Ok(Response {
                        status: status.as_u16(),
                        headers: reply_headers
                            .iter()
                            .filter_map(|(k, v)| {
                                Some((k.as_str().to_string(), v.to_str().ok()?.to_string()))
                            })
                            .collect(),
                        body: reply_body,
                        url: url.to_string(),
                    })
                }
            }
        }
        Err(error(
            ErrorKind::Refused,
            format!(
                "{}: more than {} redirects",
                redact_url(&url),
                self.limits.max_redirects
            ),
        ))
    }

    async fn read(
        &self,
        request: reqwest::Request,
        remaining: Duration,
        timeout: Duration,
    ) -> Result<(StatusCode, HeaderMap, Vec<u8>), IntegrationError> {
        let url = request.url().clone();
        let method = request.method().clone();
        let max = self.limits.max_response_bytes;
        let call = async {
            let mut response = self.http.execute(request).await?;
            let status = response.status();
            let headers = response.headers().clone();
            let mut body = Vec::new();
            while let Some(chunk) = response.chunk().await? {
                if body.len() + chunk.len() > max {
                    return Ok(Err(error(
                        ErrorKind::TooLarge,
                        format!(
                            "the reply of {} is larger than the {max}-byte limit for flows",
                            redact_url(&url)
                        ),
                    )));
                }
                body.extend_from_slice(&chunk);
            }
            Ok(Ok((status, headers, body)))
        };
        match tokio::time::timeout(remaining, call).await {
            Err(_) => Err(error(
                ErrorKind::Timeout,
                format!(
                    "{} did not answer within {} s",
                    redact_url(&url),
                    timeout.as_secs_f64()
                ),
            )),
            Ok(Err(err)) => Err(crate::client::transport_error(
                Service::Http,
                &method,
                &url,
                &err,
                timeout,
            )),
            Ok(Ok(result)) => result,
        }
    }
}

impl HttpCapability for OutboundHttp {
    fn send(&self, request: Request) -> Result<Response, CapabilityError> {
        let method = request.method.clone();
        let url = request.url.clone();
        self.bridge.block_on(self.send_async(request)).map_err(|err| {
            tracing::info!(%method, url = %url.split('?').next().unwrap_or(""), code = err.kind.code(), "flow HTTP call failed");
            err.to_capability_error()
        })
    }
}
