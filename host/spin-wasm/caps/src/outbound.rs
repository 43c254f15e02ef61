//! Blocking outbound HTTP for the capabilities (their WIT functions are synchronous): one
//! request through Spin's `wasi:http/outgoing-handler`, driven to completion by spin-sdk's
//! executor; and [`RestApi`], the JSON-over-HTTPS shape the service clients share (Okta,
//! PagerDuty): one base URL, the same headers on every call, JSON answers.

use serde_json::Value;
use spin_sdk::http::{Method, Request, Response};

/// A service's JSON REST API: its base URL (no trailing `/`) and the headers every call
/// carries (accept, content type, the token).
pub struct RestApi {
    pub base: String,
    headers: Vec<(String, String)>,
}

/// A REST answer: status, body as JSON (`Null` when it is not JSON), headers.
pub struct JsonAnswer {
    pub status: u16,
    pub body: Value,
    pub headers: Vec<(String, String)>,
}

impl JsonAnswer {
    /// The values of header `name` (any case).
    pub fn header<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers
            .iter()
            .filter(move |(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

impl RestApi {
    pub fn new(base: &str, accept: &str, authorization: String) -> RestApi {
        RestApi {
            base: base.trim_end_matches('/').to_string(),
            headers: vec![
                ("accept".into(), accept.into()),
                ("content-type".into(), "application/json".into()),
                ("authorization".into(), authorization),
            ],
        }
    }

    /// One more header on every call.
    pub fn with_header(mut self, name: &str, value: &str) -> RestApi {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// `method` `target`: an absolute URL (a next-page link) or a path under the base.
    pub fn call(&self, method: &str, target: &str) -> Result<JsonAnswer, String> {
        self.call_with(method, target, None)
    }

    /// [`RestApi::call`] with a JSON body.
    pub fn call_with(
        &self,
        method: &str,
        target: &str,
        body: Option<&Value>,
    ) -> Result<JsonAnswer, String> {
        let url = if target.starts_with("http://") || target.starts_with("https://") {
            target.to_string()
        } else {
            format!("{}{target}", self.base)
        };
        let answer = send(
            method,
            &url,
            &self.headers,
            body.map(|b| b.to_string().into_bytes()),
        )?;
        Ok(JsonAnswer {
            status: answer.status,
            body: serde_json::from_slice(&answer.body).unwrap_or(Value::Null),
            headers: answer.headers,
        })
    }
}

/// The `rel="next"` URL of a `Link` header (GitHub's and Okta's paging).
pub fn next_link(answer: &JsonAnswer) -> Option<String> {
    answer
        .header("link")
        .flat_map(|v| v.split(','))
        .find(|l| l.contains("rel=\"next\""))
        .and_then(|l| l.split('<').nth(1))
        .and_then(|l| l.split('>').next())
        .map(str::to_string)
}

/// Percent-encodes a path segment or query value (RFC 3986 unreserved characters pass).
pub fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

pub fn send(
    method: &str,
    url: &str,
    headers: &[(String, String)],
    body: Option<Vec<u8>>,
) -> Result<Answer, String> {
    let method = match method.to_ascii_uppercase().as_str() {
        "GET" => Method::Get,
        "POST" => Method::Post,
        "PUT" => Method::Put,
        "DELETE" => Method::Delete,
        "PATCH" => Method::Patch,
        "HEAD" => Method::Head,
        "OPTIONS" => Method::Options,
        other => Method::Other(other.to_string()),
    };
    let mut builder = Request::builder();
    builder.method(method).uri(url);
    for (name, value) in headers {
        builder.header(name.clone(), value.clone());
    }
    if let Some(body) = body {
        builder.body(body);
    }
    let request = builder.build();
    let response: Response =
        spin_sdk::http::run(spin_sdk::http::send(request)).map_err(|e| format!("{url}: {e}"))?;
    Ok(Answer {
        status: *response.status(),
        headers: response
            .headers()
            .map(|(k, v)| (k.to_string(), v.as_str().unwrap_or_default().to_string()))
            .collect(),
        body: response.into_body(),
    })
}
