//! Blocking outbound HTTP for the capabilities (their WIT functions are synchronous): one
//! request through Spin's `wasi:http/outgoing-handler`, driven to completion by spin-sdk's
//! executor.

use spin_sdk::http::{Method, Request, Response};

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
