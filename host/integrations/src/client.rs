//! The HTTP plumbing every service client shares: one `reqwest` client (rustls, no system
//! TLS), a per-call timeout, a cap on reply size, errors turned into [`IntegrationError`]s
//! that say which URL failed and how, and the bridge from the sandbox's synchronous
//! capability calls to this async code.
//!
//! # Sync capabilities over async clients
//!
//! The sandbox calls capabilities synchronously, on the `spawn_blocking` thread that runs the
//! flow's instance. The clients here are async (`reqwest`), so each capability holds a
//! [`Bridge`]: a captured [`tokio::runtime::Handle`] on which it `block_on`s the request.
//! That is allowed on blocking threads (and on any thread outside the runtime), never on a
//! runtime worker thread: do not call a capability from async code directly, go through
//! `spawn_blocking` as the sandbox does. On a `current_thread` runtime the runtime's own
//! `block_on` must be running (it is, while it awaits the `spawn_blocking` task).

use std::future::Future;
use std::time::Duration;

use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use url::Url;

use crate::error::{ErrorKind, IntegrationError, Service};

/// Runs async integration calls from the sandbox's synchronous capability calls.
#[derive(Clone, Debug)]
pub struct Bridge {
    handle: tokio::runtime::Handle,
}

impl Bridge {
    /// A bridge onto `handle`.
    pub fn new(handle: tokio::runtime::Handle) -> Self {
        Bridge { handle }
    }

    /// A bridge onto the runtime of the calling thread, if there is one.
    pub fn current() -> Option<Self> {
        tokio::runtime::Handle::try_current().ok().map(Bridge::new)
    }

    /// Runs `future` to completion on the captured runtime, blocking this thread.
    ///
    /// # Panics
    /// When called on a runtime worker thread (see the module docs).
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.handle.block_on(future)
    }
}

/// Limits applied to every call to a service's API.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Whole-request time limit (connect, send, read the reply).
    pub timeout: Duration,
    /// Largest reply body read; a larger one fails with `too-large`.
    pub max_response_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            timeout: Duration::from_secs(10),
            max_response_bytes: 4 * 1024 * 1024,
        }
    }
}

/// A reply read in full.
#[derive(Debug)]
pub(crate) struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
    pub url: Url,
}

impl Reply {
    pub fn is_success(&self) -> bool {
        self.status.is_success()
    }

    /// The body as JSON, or a `bad-response` error naming what was expected.
    pub fn json(&self, service: Service) -> Result<serde_json::Value, IntegrationError> {
        serde_json::from_slice(&self.body).map_err(|err| {
            IntegrationError::new(
                service,
                ErrorKind::BadResponse,
                format!(
                    "{service} answered {} from {} with a body that is not JSON ({err}): {}",
                    self.status,
                    redact_url(&self.url),
                    snippet(&self.body)
                ),
            )
        })
    }

    /// The body as (lossy) text, shortened for messages.
    pub fn snippet(&self) -> String {
        snippet(&self.body)
    }
}

/// At most 300 characters of a body, for error messages.
pub(crate) fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.chars().count() > 300 {
        let cut: String = text.chars().take(300).collect();
        format!("{cut}…")
    } else {
        text.to_string()
    }
}

/// A URL for messages: scheme, host, port and path; no query (it may hold an email), no
/// user info.
pub(crate) fn redact_url(url: &Url) -> String {
    let mut shown = url.clone();
    shown.set_query(None);
    let _ = shown.set_username("");
    let _ = shown.set_password(None);
    shown.to_string()
}

/// The shared `reqwest` client for service APIs: no redirects (an API that redirects is
/// misconfigured, and a redirect must not carry its credentials elsewhere).
pub(crate) fn api_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("symflow/", env!("CARGO_PKG_VERSION")))
        .build()
        .expect("the HTTP client builds (rustls, no system configuration)")
}

/// Sends `request` within `limits`, reading at most `limits.max_response_bytes` of the reply.
pub(crate) async fn send(
    service: Service,
    client: &reqwest::Client,
    request: reqwest::Request,
    limits: Limits,
) -> Result<Reply, IntegrationError> {
    let method = request.method().clone();
    let url = request.url().clone();
    let call = async {
        let mut response = client.execute(request).await?;
        let status = response.status();
        let headers = response.headers().clone();
        let final_url = response.url().clone();
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await? {
            if body.len() + chunk.len() > limits.max_response_bytes {
                return Ok(Err(IntegrationError::new(
                    service,
                    ErrorKind::TooLarge,
                    format!(
                        "{service} replied to {method} {} with more than {} bytes",
                        redact_url(&url),
                        limits.max_response_bytes
                    ),
                )));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Ok(Reply {
            status,
            headers,
            body,
            url: final_url,
        }))
    };
    match tokio::time::timeout(limits.timeout, call).await {
        Err(_) => Err(timeout_error(service, &method, &url, limits.timeout)),
        Ok(Err(err)) => Err(transport_error(
            service,
            &method,
            &url,
            &err,
            limits.timeout,
        )),
        Ok(Ok(result)) => result,
    }
}

fn timeout_error(
    service: Service,
    method: &Method,
    url: &Url,
    limit: Duration,
) -> IntegrationError {
    IntegrationError::new(
        service,
        ErrorKind::Timeout,
        format!(
            "{service} did not answer {method} {} within {} s",
            redact_url(url),
            limit.as_secs_f64()
        ),
    )
    .with_hint(format!(
        "check that {service} is reachable from the symflow host"
    ))
}

pub(crate) fn transport_error(
    service: Service,
    method: &Method,
    url: &Url,
    err: &reqwest::Error,
    limit: Duration,
) -> IntegrationError {
    if err.is_timeout() {
        return timeout_error(service, method, url, limit);
    }
    // reqwest's Display includes the URL; describe the cause chain without it.
    let mut cause = String::new();
    let mut source = std::error::Error::source(err);
    while let Some(inner) = source {
        cause = inner.to_string();
        source = inner.source();
    }
    if cause.is_empty() {
        cause = err.without_url_string();
    }
    IntegrationError::new(
        service,
        ErrorKind::Network,
        format!("could not reach {service} at {}: {cause}", redact_url(url)),
    )
    .with_hint(format!(
        "check the {service} address and that the symflow host can connect to it"
    ))
}

trait WithoutUrl {
    fn without_url_string(&self) -> String;
}

impl WithoutUrl for reqwest::Error {
    fn without_url_string(&self) -> String {
        let mut err = String::new();
        if self.is_connect() {
            err.push_str("connection failed");
        } else if self.is_request() {
            err.push_str("request failed");
        } else if self.is_body() || self.is_decode() {
            err.push_str("reading the reply failed");
        } else {
            err.push_str("HTTP error");
        }
        err
    }
}

/// Joins `path` (which starts with `/`) to a base URL, keeping a base path if any.
pub(crate) fn join(base: &Url, path: &str) -> Url {
    let mut text = base.as_str().trim_end_matches('/').to_string();
    text.push_str(path);
    Url::parse(&text).unwrap_or_else(|_| base.clone())
}

/// Percent-encodes one path segment: everything but RFC 3986's unreserved characters.
pub(crate) fn encode_segment(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for byte in segment.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// Parses a base URL given in options or settings (`https://` added to a bare host).
pub(crate) fn base_url(service: Service, text: &str) -> Result<Url, IntegrationError> {
    let text = text.trim();
    let with_scheme = if text.contains("://") {
        text.to_string()
    } else {
        format!("https://{text}")
    };
    let url = Url::parse(&with_scheme).map_err(|err| {
        IntegrationError::config(
            service,
            format!("{text:?} is not a valid {service} address: {err}"),
        )
    })?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(IntegrationError::config(
            service,
            format!("{text:?} is not an http(s) address for {service}"),
        ));
    }
    Ok(url)
}

/// The `rel="next"` target of a `Link` header, when it stays on `origin` (a page link that
/// points elsewhere is not followed: it would carry the API token there).
pub(crate) fn next_link(headers: &HeaderMap, origin: &Url) -> Option<Url> {
    for value in headers.get_all(reqwest::header::LINK) {
        let value = value.to_str().ok()?;
        for part in value.split(',') {
            let mut pieces = part.split(';');
            let target = pieces.next()?.trim();
            let is_next = pieces.any(|p| {
                let p = p.trim().replace(' ', "");
                p == "rel=\"next\"" || p == "rel=next"
            });
            if !is_next {
                continue;
            }
            let target = target.trim_start_matches('<').trim_end_matches('>');
            let url = Url::parse(target).ok()?;
            if url.origin() == origin.origin() {
                return Some(url);
            }
            return None;
        }
    }
    None
}
