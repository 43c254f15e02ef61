//! A fake Google Workspace on loopback, for the `google_group` strategy's integration and
//! end-to-end tests: Google's OAuth 2 token endpoint for service accounts (`POST /token`,
//! form-encoded `grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion=<JWT>`) and
//! the Admin SDK Directory API's group members (`POST
//! /admin/directory/v1/groups/{group}/members`, `DELETE .../members/{member}`, `GET
//! .../members`).
//!
//! The token endpoint checks the assertion's RS256 signature against the public half of the
//! test service account's key, and its `iss`, `aud`, `scope` and `exp`; every API call must
//! carry a bearer token it issued (else 401 with Google's error JSON). Inserting a member who
//! exists answers 409 "Member already exists", deleting one who does not answers 404, as
//! Google does. A group can be refused ([`GoogleState::refuse_group`]): changes to it answer
//! 403 with Google's error JSON.
//!
//! The service account's key is a FIXED TEST KEY committed in `google_keys/` (generated with
//! `openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048`): it signs nothing but
//! this fake's tests and must never be trusted anywhere else.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use ring::signature::{RsaKeyPair, RsaPublicKeyComponents, RSA_PKCS1_2048_8192_SHA256};
use serde_json::{json, Value};
use url::Url;

use crate::{decode, header, json_reply, serve};

/// The test service account's private key (PKCS#8 PEM, as in Google's key files).
pub const GOOGLE_TEST_KEY_PEM: &str = include_str!("google_keys/service_account.pem");
/// The test service account.
pub const GOOGLE_CLIENT_EMAIL: &str = "symflow-test@symflow-test.iam.gserviceaccount.com";
/// The scope the fake requires.
pub const GOOGLE_MEMBER_SCOPE: &str =
    "https://www.googleapis.com/auth/admin.directory.group.member";
/// Google's answer to a change of a refused group.
pub const GOOGLE_FORBIDDEN_MESSAGE: &str = "Not Authorized to access this resource/api";

/// The key file of the test service account, as Google's console downloads it, with
/// `token_uri` (which clients replace by `{base}/token` when the base URL is overridden).
pub fn google_service_account_key(token_uri: &str) -> String {
    json!({
        "type": "service_account",
        "project_id": "symflow-test",
        "private_key_id": "0123456789abcdef",
        "private_key": GOOGLE_TEST_KEY_PEM,
        "client_email": GOOGLE_CLIENT_EMAIL,
        "client_id": "100000000000000000001",
        "token_uri": token_uri,
    })
    .to_string()
}

fn test_key() -> RsaKeyPair {
    let body: String = GOOGLE_TEST_KEY_PEM
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    let der = STANDARD.decode(body).expect("the test key is base64");
    RsaKeyPair::from_pkcs8(&der).expect("the test key is a PKCS#8 RSA key")
}

/// What the fake Google holds and saw.
#[derive(Debug, Default)]
pub struct GoogleState {
    /// Group email → member email → role.
    pub groups: BTreeMap<String, BTreeMap<String, String>>,
    /// Groups whose changes are refused with 403.
    pub refused: BTreeSet<String>,
    /// Access tokens issued.
    pub tokens: Vec<String>,
    /// The claims of every accepted assertion.
    pub assertions: Vec<Value>,
    /// Token requests refused (bad signature, claims or grant type).
    pub bad_assertions: usize,
    /// Every API call (`METHOD /path`), after the token check.
    pub calls: Vec<String>,
}

impl GoogleState {
    /// Refuses changes to `group` from now on (403 with Google's error JSON).
    pub fn refuse_group(&mut self, group: &str) {
        self.groups.entry(group.to_string()).or_default();
        self.refused.insert(group.to_string());
    }

    /// The group's members and their roles.
    pub fn members(&self, group: &str) -> Vec<(String, String)> {
        self.groups
            .get(group)
            .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default()
    }

    /// Forgets the issued tokens, as if they had expired (the next API call gets a 401).
    pub fn expire_tokens(&mut self) {
        self.tokens.clear();
    }
}

/// Serves the fake Google: groups `eng@example.com` (carol in it as MEMBER),
/// `ops@example.com` (empty) and `locked@example.com` (refused).
pub async fn google() -> (Url, Arc<Mutex<GoogleState>>) {
    let mut state = GoogleState::default();
    state.groups.insert(
        "eng@example.com".into(),
        BTreeMap::from([("carol@example.com".to_string(), "MEMBER".to_string())]),
    );
    state
        .groups
        .insert("ops@example.com".into(), BTreeMap::new());
    state.refuse_group("locked@example.com");
    let state = Arc::new(Mutex::new(state));
    let shared = state.clone();
    let key = Arc::new(test_key());
    let router = Router::new().fallback(
        move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
            let state = shared.clone();
            let key = key.clone();
            async move {
                let mut state = state.lock().unwrap_or_else(|e| e.into_inner());
                handle(&mut state, &key, method, uri, headers, body)
            }
        },
    );
    (serve(router).await, state)
}

/// Google's API error document.
fn error(status: u16, message: &str) -> Response {
    let reason = match status {
        401 => "authError",
        403 => "forbidden",
        404 => "notFound",
        409 => "duplicate",
        _ => "invalid",
    };
    json_reply(
        status,
        json!({"error": {"code": status, "message": message,
            "errors": [{"message": message, "domain": "global", "reason": reason}]}}),
    )
}

fn handle(
    state: &mut GoogleState,
    key: &RsaKeyPair,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if uri.path() == "/token" && method == Method::POST {
        return token(state, key, &headers, &body);
    }
    let bearer = header(&headers, "authorization");
    let token = bearer.strip_prefix("Bearer ");
    if !token.is_some_and(|t| state.tokens.iter().any(|issued| issued == t.trim())) {
        return error(
            401,
            "Request had invalid authentication credentials. Expected OAuth 2 access token.",
        );
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
        ("GET", ["admin", "directory", "v1", "groups", group, "members"]) => {
            let Some(members) = state.groups.get(*group) else {
                return error(404, "Resource Not Found: groupKey");
            };
            let members: Vec<Value> = members
                .iter()
                .map(|(email, role)| json!({"kind": "admin#directory#member", "email": email, "role": role, "type": "USER", "status": "ACTIVE"}))
                .collect();
            json_reply(
                200,
                json!({"kind": "admin#directory#members", "members": members}),
            )
        }
        ("POST", ["admin", "directory", "v1", "groups", group, "members"]) => {
            let doc: Value = serde_json::from_slice(&body).unwrap_or_default();
            let Some(email) = doc["email"].as_str().filter(|e| e.contains('@')) else {
                return error(400, "Missing required field: member");
            };
            let role = doc["role"].as_str().unwrap_or("MEMBER").to_string();
            if !["MEMBER", "MANAGER", "OWNER"].contains(&role.as_str()) {
                return error(400, "Invalid value for: role");
            }
            if state.refused.contains(*group) {
                return error(403, GOOGLE_FORBIDDEN_MESSAGE);
            }
            let Some(members) = state.groups.get_mut(*group) else {
                return error(404, "Resource Not Found: groupKey");
            };
            let email = email.to_ascii_lowercase();
            if members.contains_key(&email) {
                return error(409, "Member already exists.");
            }
            members.insert(email.clone(), role.clone());
            json_reply(
                200,
                json!({"kind": "admin#directory#member", "email": email, "role": role, "type": "USER", "status": "ACTIVE"}),
            )
        }
        ("DELETE", ["admin", "directory", "v1", "groups", group, "members", member]) => {
            if state.refused.contains(*group) {
                return error(403, GOOGLE_FORBIDDEN_MESSAGE);
            }
            let Some(members) = state.groups.get_mut(*group) else {
                return error(404, "Resource Not Found: groupKey");
            };
            if members.remove(&member.to_ascii_lowercase()).is_none() {
                return error(404, "Resource Not Found: memberKey");
            }
            StatusCode::NO_CONTENT.into_response()
        }
        _ => error(404, "Not Found"),
    }
}

fn token(state: &mut GoogleState, key: &RsaKeyPair, headers: &HeaderMap, body: &Bytes) -> Response {
    let refuse = |state: &mut GoogleState, description: &str| {
        state.bad_assertions += 1;
        json_reply(
            400,
            json!({"error": "invalid_grant", "error_description": description}),
        )
    };
    if !header(headers, "content-type").starts_with("application/x-www-form-urlencoded") {
        return refuse(state, "Invalid request: the body must be form-encoded");
    }
    let form: Vec<(String, String)> = url::form_urlencoded::parse(body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let field = |name: &str| {
        form.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    if field("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer" {
        return json_reply(
            400,
            json!({"error": "unsupported_grant_type", "error_description": "Invalid grant_type"}),
        );
    }
    let assertion = field("assertion");
    let parts: Vec<&str> = assertion.split('.').collect();
    let [head, payload, signature] = parts.as_slice() else {
        return refuse(state, "Invalid JWT: not three parts");
    };
    let decode_json = |part: &str| -> Option<Value> {
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).ok()?).ok()
    };
    let (Some(head_doc), Some(claims), Ok(signature)) = (
        decode_json(head),
        decode_json(payload),
        URL_SAFE_NO_PAD.decode(signature),
    ) else {
        return refuse(state, "Invalid JWT: not base64url JSON");
    };
    if head_doc["alg"] != "RS256" {
        return refuse(state, "Invalid JWT: alg must be RS256");
    }
    let public = RsaPublicKeyComponents::<Vec<u8>>::from(key.public());
    if public
        .verify(
            &RSA_PKCS1_2048_8192_SHA256,
            format!("{head}.{payload}").as_bytes(),
            &signature,
        )
        .is_err()
    {
        return refuse(state, "Invalid JWT Signature.");
    }
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    let exp = claims["exp"].as_u64().unwrap_or_default();
    let iat = claims["iat"].as_u64().unwrap_or_default();
    if claims["iss"] != GOOGLE_CLIENT_EMAIL {
        return refuse(state, "Invalid JWT: iss is not the service account");
    }
    if !claims["aud"]
        .as_str()
        .is_some_and(|a| a.ends_with("/token"))
    {
        return refuse(state, "Invalid JWT: aud is not the token endpoint");
    }
    if claims["scope"] != GOOGLE_MEMBER_SCOPE {
        return refuse(state, "Invalid JWT: the scope is not granted");
    }
    if exp <= now || iat > now + 300 || exp > iat + 3600 {
        return refuse(
            state,
            "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe.",
        );
    }
    let token = format!("ya29.fake-google-access-{}", state.tokens.len() + 1);
    state.tokens.push(token.clone());
    state.assertions.push(claims);
    json_reply(
        200,
        json!({"access_token": token, "expires_in": 3599, "token_type": "Bearer"}),
    )
}
