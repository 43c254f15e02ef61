//! `Authorization: Bearer <token>` on every Events API call: the token is hashed and looked up
//! in the store; a missing, unknown, expired or revoked token is a 401 that says which.

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use symflow_store::ApiToken;

use crate::api::error::ApiError;
use crate::api::tokens;
use crate::app::App;

/// The caller of an API request: the token it presented.
pub struct Caller {
    pub token: ApiToken,
}

impl FromRequestParts<Arc<App>> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &Arc<App>) -> Result<Self, ApiError> {
        let header = parts
            .headers
            .get(AUTHORIZATION)
            .ok_or_else(|| {
                ApiError::unauthorized(
                    "no Authorization header: send `Authorization: Bearer <token>` with a token from `symflow tokens issue`",
                )
            })?
            .to_str()
            .map_err(|_| ApiError::unauthorized("the Authorization header is not readable text"))?;
        let secret = header
            .strip_prefix("Bearer ")
            .or_else(|| header.strip_prefix("bearer "))
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| {
                ApiError::unauthorized(
                    "the Authorization header must be `Bearer <token>` with a token from `symflow tokens issue`",
                )
            })?
            .to_string();
        let store = app.store.clone();
        let checked = tokio::task::spawn_blocking(move || tokens::authenticate(&store, &secret))
            .await
            .map_err(|e| ApiError::internal(format!("checking the token stopped: {e}")))?;
        checked
            .map(|token| Caller { token })
            .map_err(ApiError::unauthorized)
    }
}
