//! How the Events API says no: a status code and a JSON body
//! `{"error": "<code>", "message": "<what is wrong and how to fix it>"}`, plus field-level
//! details for invalid inputs.

use axum::extract::OriginalUri;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

/// An API error.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    /// Machine-readable: `unauthorized`, `forbidden`, `invalid_request`, `not_found`,
    /// `conflict`, `unavailable`, `internal`.
    pub code: &'static str,
    pub message: String,
    /// Extra JSON (e.g. `fields`: the inputs that did not pass validation).
    pub details: Option<Value>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            details: None,
        }
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::BAD_REQUEST, "invalid_request", message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::CONFLICT, "conflict", message)
    }

    pub fn unavailable(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", message)
    }

    pub fn internal(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", message)
    }

    pub fn with_details(mut self, details: Value) -> Self {
        self.details = Some(details);
        self
    }
}

impl From<symflow_store::Error> for ApiError {
    fn from(e: symflow_store::Error) -> Self {
        tracing::error!("Events API: the store failed: {e}");
        ApiError::unavailable(format!(
            "symflow's store is not answering ({e}); try again shortly"
        ))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = json!({ "error": self.code, "message": self.message });
        if let Some(Value::Object(details)) = self.details {
            for (k, v) in details {
                body[k] = v;
            }
        }
        let mut response = (self.status, Json(body)).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Bearer realm=\"symflow\""),
            );
        }
        response
    }
}

/// Anything under `/api/v1` that is not an endpoint.
pub async fn not_found(OriginalUri(uri): OriginalUri) -> ApiError {
    ApiError::not_found(format!(
        "{} is not an Events API endpoint; see GET /api/v1/openapi.json",
        uri.path()
    ))
}
