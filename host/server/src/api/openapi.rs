//! The OpenAPI 3 document of the Events API, written by hand (`openapi.json` beside this
//! file) and served as is at `GET /api/v1/openapi.json`.
//!
//! Hand-written rather than generated (e.g. with utoipa): the API is four endpoints, the
//! document is read by people integrating CI as much as by tools, and a derive-macro crate
//! would add compile time to every build for little. The contract test (`tests/tests/api.rs`,
//! schemathesis) keeps the document and the server in step.

use axum::http::header;
use axum::response::IntoResponse;

/// The document's text.
pub const OPENAPI_JSON: &str = include_str!("openapi.json");

pub async fn document() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI_JSON)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_document_is_openapi_3_json_with_every_endpoint() {
        let doc: serde_json::Value = serde_json::from_str(OPENAPI_JSON).expect("valid JSON");
        assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
        for path in [
            "/api/v1/events/request",
            "/api/v1/events/deescalate",
            "/api/v1/runs/{run_id}",
            "/api/v1/events/{event_id}",
        ] {
            assert!(doc["paths"][path].is_object(), "{path} is documented");
        }
    }
}
