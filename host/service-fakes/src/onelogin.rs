//! A fake OneLogin API v2 on loopback, for the `onelogin` strategy's integration and
//! end-to-end tests: the OAuth 2 client-credentials token endpoint
//! (`POST /auth/oauth2/v2/token`, HTTP basic auth `client_id:client_secret`), user lookup by
//! email (`GET /api/2/users?email=`) and role membership (`GET`, `POST`, `DELETE
//! /api/2/roles/{id}/users` with a JSON array of user ids).
//!
//! Every API call must carry a bearer token this fake issued from the token endpoint with the
//! right credentials (else 401 with OneLogin's error JSON). Adding a user who already has
//! the role answers 422, and removing one who does not answers 404, as error documents:
//! clients must treat those as the state already holding. A role can be locked
//! ([`OneLoginState::lock_role`]): changes to it answer 403 with OneLogin's error JSON.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use base64::Engine as _;
use serde_json::{json, Value};
use url::Url;

use crate::{decode, header, json_reply, one, query_pairs, serve};

/// The API credential pair the fake takes.
pub const ONELOGIN_CLIENT_ID: &str = "onelogin-test-client-id";
pub const ONELOGIN_CLIENT_SECRET: &str = "onelogin-test-client-secret";

/// OneLogin's answer to a role change it refuses (locked roles).
pub const ONELOGIN_FORBIDDEN_MESSAGE: &str =
    "Forbidden: the API credential is not allowed to change users of this role";

/// What the fake OneLogin holds and saw.
#[derive(Debug, Default)]
pub struct OneLoginState {
    /// Users: `{"id": 1001, "email": ..., "username": ...}`.
    pub users: Vec<Value>,
    /// Role id → its users' ids.
    pub roles: BTreeMap<String, BTreeSet<u64>>,
    /// Roles whose changes are refused with 403.
    pub locked: BTreeSet<String>,
    /// Access tokens issued.
    pub tokens: Vec<String>,
    /// Token requests refused for their credentials.
    pub bad_credentials: usize,
    /// Every API call (`METHOD /path`), after the token check.
    pub calls: Vec<String>,
}

impl OneLoginState {
    /// Refuses changes to `role_id` from now on (403 with OneLogin's error JSON).
    pub fn lock_role(&mut self, role_id: &str) {
        self.roles.entry(role_id.to_string()).or_default();
        self.locked.insert(role_id.to_string());
    }

    /// Adds a user; returns the id.
    pub fn add_user(&mut self, id: u64, email: &str) -> u64 {
        self.users.push(json!({
            "id": id, "email": email, "username": email.split('@').next().unwrap_or(email),
            "firstname": email, "lastname": "Test", "state": 1, "status": 1
        }));
        id
    }

    /// The role's user ids.
    pub fn members(&self, role_id: &str) -> Vec<u64> {
        self.roles
            .get(role_id)
            .map(|m| m.iter().copied().collect())
            .unwrap_or_default()
    }

    /// Forgets the issued tokens, as if they had expired (the next API call gets a 401).
    pub fn expire_tokens(&mut self) {
        self.tokens.clear();
    }
}

/// Serves the fake OneLogin: users alice (1001), bob (1002) and carol (1003) `@acme.com`,
/// role `100` (Admins, carol in it), role `200` (empty), role `300` locked.
pub async fn onelogin() -> (Url, Arc<Mutex<OneLoginState>>) {
    let mut state = OneLoginState::default();
    state.add_user(1001, "alice@acme.com");
    state.add_user(1002, "bob@acme.com");
    state.add_user(1003, "carol@acme.com");
    state.roles.insert("100".into(), BTreeSet::from([1003]));
    state.roles.insert("200".into(), BTreeSet::new());
    state.lock_role("300");
    let state = Arc::new(Mutex::new(state));
    let shared = state.clone();
    let router = Router::new().fallback(
        move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
            let state = shared.clone();
            async move {
                let mut state = state.lock().unwrap_or_else(|e| e.into_inner());
                handle(&mut state, method, uri, headers, body)
            }
        },
    );
    (serve(router).await, state)
}

/// OneLogin's v2 error document.
fn error(status: u16, name: &str, message: &str) -> Response {
    json_reply(
        status,
        json!({"statusCode": status, "name": name, "message": message}),
    )
}

fn handle(
    state: &mut OneLoginState,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if uri.path() == "/auth/oauth2/v2/token" {
        return token(state, &method, &headers, &body);
    }
    let bearer = header(&headers, "authorization");
    let token = bearer
        .strip_prefix("Bearer ")
        .or_else(|| bearer.strip_prefix("bearer "))
        .or_else(|| bearer.strip_prefix("bearer:"));
    if !token.is_some_and(|t| state.tokens.iter().any(|issued| issued == t.trim())) {
        return error(401, "Unauthorized", "Authentication Failure");
    }
    state.calls.push(format!("{method} {}", uri.path()));
    let segments: Vec<String> = uri
        .path()
        .trim_start_matches('/')
        .split('/')
        .map(decode)
        .collect();
    let segs: Vec<&str> = segments.iter().map(String::as_str).collect();
    match (method.as_str(), segs.as_slice()) {
        ("GET", ["api", "2", "users"]) => {
            let q = query_pairs(&uri);
            let email = one(&q, "email");
            let users: Vec<Value> = state
                .users
                .iter()
                .filter(|u| {
                    email.as_deref().is_none_or(|e| {
                        u["email"]
                            .as_str()
                            .is_some_and(|have| have.eq_ignore_ascii_case(e))
                    })
                })
                .cloned()
                .collect();
            json_reply(200, Value::Array(users))
        }
        ("GET", ["api", "2", "roles", role, "users"]) => {
            let Some(members) = state.roles.get(*role) else {
                return error(404, "NotFoundError", "Role not found");
            };
            let users: Vec<Value> = members
                .iter()
                .filter_map(|id| state.users.iter().find(|u| u["id"] == *id))
                .map(|u| json!({"id": u["id"], "email": u["email"], "username": u["username"]}))
                .collect();
            json_reply(200, Value::Array(users))
        }
        (verb @ ("POST" | "DELETE"), ["api", "2", "roles", role, "users"]) => {
            let ids: Vec<u64> = match serde_json::from_slice::<Value>(&body) {
                Ok(Value::Array(ids)) if !ids.is_empty() => {
                    match ids.iter().map(Value::as_u64).collect::<Option<Vec<_>>>() {
                        Some(ids) => ids,
                        None => return error(400, "BadRequestError", "user ids must be integers"),
                    }
                }
                _ => {
                    return error(
                        400,
                        "BadRequestError",
                        "Request body must be an array of user ids",
                    )
                }
            };
            if state.locked.contains(*role) {
                return error(403, "ForbiddenError", ONELOGIN_FORBIDDEN_MESSAGE);
            }
            if let Some(missing) = ids
                .iter()
                .find(|id| !state.users.iter().any(|u| u["id"] == **id))
            {
                return error(404, "NotFoundError", &format!("User {missing} not found"));
            }
            let Some(members) = state.roles.get_mut(*role) else {
                return error(404, "NotFoundError", "Role not found");
            };
            if verb == "POST" {
                if let Some(have) = ids.iter().find(|id| members.contains(id)) {
                    return error(
                        422,
                        "UnprocessableEntityError",
                        &format!("Validation failed: user {have} is already assigned to the role"),
                    );
                }
                members.extend(ids.iter().copied());
                json_reply(
                    200,
                    Value::Array(ids.iter().map(|id| json!({"id": id})).collect()),
                )
            } else {
                if let Some(absent) = ids.iter().find(|id| !members.contains(id)) {
                    return error(
                        404,
                        "NotFoundError",
                        &format!("user {absent} is not assigned to the role"),
                    );
                }
                for id in &ids {
                    members.remove(id);
                }
                StatusCode::NO_CONTENT.into_response()
            }
        }
        _ => error(404, "NotFoundError", "Not Found"),
    }
}

fn token(
    state: &mut OneLoginState,
    method: &Method,
    headers: &HeaderMap,
    body: &Bytes,
) -> Response {
    let expected = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD
            .encode(format!("{ONELOGIN_CLIENT_ID}:{ONELOGIN_CLIENT_SECRET}"))
    );
    if method != Method::POST {
        return error(404, "NotFoundError", "Not Found");
    }
    if header(headers, "authorization") != expected {
        state.bad_credentials += 1;
        return error(401, "Unauthorized", "Authentication Failure");
    }
    let grant: Value = serde_json::from_slice(body).unwrap_or_default();
    if grant["grant_type"] != "client_credentials" {
        return error(400, "BadRequestError", "grant_type is incorrect/absent");
    }
    let token = format!("onelogin-access-{}", state.tokens.len() + 1);
    state.tokens.push(token.clone());
    json_reply(
        200,
        json!({
            "access_token": token, "created_at": "2026-01-01T00:00:00.000Z",
            "expires_in": 36000, "refresh_token": "", "token_type": "bearer", "account_id": 555555
        }),
    )
}
