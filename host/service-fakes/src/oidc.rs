//! A fake OpenID Connect provider (as Okta, Google or Keycloak are one) on loopback, for the
//! console's sign-in tests. It speaks the documented shapes of OpenID Connect Core 1.0 and
//! Discovery 1.0 with PKCE (RFC 7636):
//!
//! - `GET /.well-known/openid-configuration`: the discovery document;
//! - `GET /jwks`: the public signing key (RS256);
//! - `GET /authorize`: checks the client, `response_type=code`, `scope` with `openid`, and an
//!   S256 code challenge, then redirects back to `redirect_uri` with a one-time `code` and the
//!   `state` for the user the test chose with [`FakeOidc::sign_in_as`] (no login form);
//! - `POST /token`: checks client authentication (HTTP Basic or form), the code, the
//!   `redirect_uri` and the PKCE `code_verifier`, and answers with an RS256-signed ID token.
//!
//! [`FakeOidc::next_token`] makes the next ID token wrong in one way (nonce, audience,
//! issuer, expiry, signing key), for the tests of what the console must refuse.
//!
//! The signing keys are FIXED TEST KEYS committed in `oidc_keys/` (generated with
//! `openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048`): they sign nothing but
//! tokens of this fake and must never be trusted anywhere else.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::extract::{Form, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use ring::rand::SystemRandom;
use ring::signature::{RsaKeyPair, RsaPublicKeyComponents, RSA_PKCS1_SHA256};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use url::Url;

use crate::json_reply;

pub const OIDC_CLIENT_ID: &str = "symflow-console-test";
pub const OIDC_CLIENT_SECRET: &str = "oidc-test-client-secret";
/// The `kid` of the provider's signing key in its JWKS.
pub const TEST_KEY_ID: &str = "fake-oidc-key-1";

const PROVIDER_KEY_PEM: &str = include_str!("oidc_keys/provider.pem");
const IMPOSTOR_KEY_PEM: &str = include_str!("oidc_keys/impostor.pem");

fn key_from_pem(pem: &str) -> RsaKeyPair {
    let body: String = pem
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect::<Vec<_>>()
        .concat();
    let der = STANDARD.decode(body).expect("the test key is base64");
    RsaKeyPair::from_pkcs8(&der).expect("the test key is a PKCS#8 RSA key")
}

/// The provider's fixed test signing key (the one its JWKS publishes).
pub fn test_key() -> RsaKeyPair {
    key_from_pem(PROVIDER_KEY_PEM)
}

/// A key the provider does not publish, for forged tokens.
pub fn impostor_key() -> RsaKeyPair {
    key_from_pem(IMPOSTOR_KEY_PEM)
}

/// A person signing in at the provider.
#[derive(Debug, Clone)]
pub struct OidcUser {
    pub subject: String,
    pub email: String,
    /// `None` leaves the `email_verified` claim out.
    pub email_verified: Option<bool>,
}

impl OidcUser {
    pub fn verified(email: &str) -> OidcUser {
        OidcUser {
            subject: format!("sub-{}", email.replace('@', "-at-")),
            email: email.to_string(),
            email_verified: Some(true),
        }
    }
}

/// How the next ID token is wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TokenFlaw {
    #[default]
    None,
    WrongNonce,
    WrongAudience,
    WrongIssuer,
    Expired,
    /// Signed with a key that is not in the JWKS (under the published key's `kid`).
    ForeignKey,
}

struct Grant {
    client_id: String,
    redirect_uri: String,
    code_challenge: String,
    nonce: Option<String>,
    user: OidcUser,
}

struct ProviderState {
    issuer: String,
    key: RsaKeyPair,
    impostor: RsaKeyPair,
    user: Mutex<Option<OidcUser>>,
    flaw: Mutex<TokenFlaw>,
    codes: Mutex<HashMap<String, Grant>>,
    /// Every token request's outcome: `Ok(email)` or `Err(error code)`.
    token_requests: Mutex<Vec<Result<String, String>>>,
}

/// The fake provider, serving until the runtime ends.
#[derive(Clone)]
pub struct FakeOidc {
    state: Arc<ProviderState>,
}

fn random_string() -> String {
    let mut bytes = [0u8; 24];
    ring::rand::SecureRandom::fill(&SystemRandom::new(), &mut bytes).unwrap();
    URL_SAFE_NO_PAD.encode(bytes)
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn oauth_error(status: u16, error: &str, description: &str) -> Response {
    json_reply(
        status,
        json!({"error": error, "error_description": description}),
    )
}

impl FakeOidc {
    pub async fn start() -> FakeOidc {
        // The issuer is the server's own URL, known once it listens: bind first.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let issuer = format!("http://{}", listener.local_addr().unwrap());
        let state = Arc::new(ProviderState {
            issuer,
            key: test_key(),
            impostor: impostor_key(),
            user: Mutex::new(None),
            flaw: Mutex::new(TokenFlaw::None),
            codes: Mutex::new(HashMap::new()),
            token_requests: Mutex::new(Vec::new()),
        });
        let router = Router::new()
            .route("/.well-known/openid-configuration", get(discovery))
            .route("/jwks", get(jwks))
            .route("/authorize", get(authorize))
            .route("/token", post(token))
            .with_state(state.clone());
        tokio::spawn(async move {
            axum::serve(listener, router).await.unwrap();
        });
        FakeOidc { state }
    }

    /// The issuer URL (no trailing slash), as symflow is configured with it.
    pub fn issuer(&self) -> String {
        self.state.issuer.clone()
    }

    /// Who is "signed in" at the provider: the next `/authorize` grants a code for them.
    pub fn sign_in_as(&self, user: OidcUser) {
        *self.state.user.lock().unwrap() = Some(user);
    }

    /// Makes the next ID token wrong in this way (then tokens are right again).
    pub fn next_token(&self, flaw: TokenFlaw) {
        *self.state.flaw.lock().unwrap() = flaw;
    }

    /// The outcome of every token request so far.
    pub fn token_requests(&self) -> Vec<Result<String, String>> {
        self.state.token_requests.lock().unwrap().clone()
    }
}

async fn discovery(State(state): State<Arc<ProviderState>>) -> Response {
    let issuer = &state.issuer;
    json_reply(
        200,
        json!({
            "issuer": issuer,
            "authorization_endpoint": format!("{issuer}/authorize"),
            "token_endpoint": format!("{issuer}/token"),
            "jwks_uri": format!("{issuer}/jwks"),
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "email", "profile"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "code_challenge_methods_supported": ["S256"],
            "claims_supported": ["iss", "sub", "aud", "exp", "iat", "nonce", "email", "email_verified"],
        }),
    )
}

async fn jwks(State(state): State<Arc<ProviderState>>) -> Response {
    let public = RsaPublicKeyComponents::<Vec<u8>>::from(state.key.public());
    json_reply(
        200,
        json!({"keys": [{
            "kty": "RSA",
            "use": "sig",
            "alg": "RS256",
            "kid": TEST_KEY_ID,
            "n": URL_SAFE_NO_PAD.encode(&public.n),
            "e": URL_SAFE_NO_PAD.encode(&public.e),
        }]}),
    )
}

async fn authorize(
    State(state): State<Arc<ProviderState>>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let get = |k: &str| query.get(k).cloned().unwrap_or_default();
    let bad = |why: &str| (StatusCode::BAD_REQUEST, format!("fake OIDC: {why}")).into_response();
    if get("client_id") != OIDC_CLIENT_ID {
        return bad("unknown client_id");
    }
    let Ok(mut redirect) = Url::parse(&get("redirect_uri")) else {
        return bad("redirect_uri is not a URL");
    };
    if get("response_type") != "code" {
        return bad("response_type must be code");
    }
    if !get("scope").split(' ').any(|s| s == "openid") {
        return bad("scope must include openid");
    }
    if get("code_challenge_method") != "S256" || get("code_challenge").len() < 43 {
        return bad("a PKCE S256 code_challenge is required");
    }
    let Some(user) = state.user.lock().unwrap().clone() else {
        return bad("the test chose nobody to sign in (FakeOidc::sign_in_as)");
    };
    let code = random_string();
    state.codes.lock().unwrap().insert(
        code.clone(),
        Grant {
            client_id: get("client_id"),
            redirect_uri: get("redirect_uri"),
            code_challenge: get("code_challenge"),
            nonce: query.get("nonce").cloned(),
            user,
        },
    );
    redirect
        .query_pairs_mut()
        .append_pair("code", &code)
        .append_pair("state", &get("state"));
    Redirect::to(redirect.as_str()).into_response()
}

/// `client_id` and `client_secret` from HTTP Basic (RFC 6749 §2.3.1: form-encoded, then
/// base64) or from the form.
fn client_credentials(
    headers: &HeaderMap,
    form: &HashMap<String, String>,
) -> Option<(String, String)> {
    if let Some(basic) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
    {
        let decoded = String::from_utf8(STANDARD.decode(basic.trim()).ok()?).ok()?;
        let (id, secret) = decoded.split_once(':')?;
        let unescape = |s: &str| {
            url::form_urlencoded::parse(format!("x={s}").as_bytes())
                .next()
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default()
        };
        return Some((unescape(id), unescape(secret)));
    }
    Some((
        form.get("client_id")?.clone(),
        form.get("client_secret")?.clone(),
    ))
}

async fn token(
    State(state): State<Arc<ProviderState>>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let outcome = issue_token(&state, &headers, &form);
    let record = match &outcome {
        Ok((email, _)) => Ok(email.clone()),
        Err((_, error, _)) => Err(error.to_string()),
    };
    state.token_requests.lock().unwrap().push(record);
    match outcome {
        Ok((_, id_token)) => json_reply(
            200,
            json!({
                "access_token": random_string(),
                "token_type": "Bearer",
                "expires_in": 300,
                "scope": "openid email",
                "id_token": id_token,
            }),
        ),
        Err((status, error, description)) => oauth_error(status, error, description),
    }
}

type TokenError = (u16, &'static str, &'static str);

fn issue_token(
    state: &ProviderState,
    headers: &HeaderMap,
    form: &HashMap<String, String>,
) -> Result<(String, String), TokenError> {
    let Some((client_id, secret)) = client_credentials(headers, form) else {
        return Err((401, "invalid_client", "no client authentication"));
    };
    if client_id != OIDC_CLIENT_ID || secret != OIDC_CLIENT_SECRET {
        return Err((401, "invalid_client", "wrong client id or secret"));
    }
    if form.get("grant_type").map(String::as_str) != Some("authorization_code") {
        return Err((400, "unsupported_grant_type", "authorization_code only"));
    }
    let code = form.get("code").cloned().unwrap_or_default();
    // A code is good once.
    let Some(grant) = state.codes.lock().unwrap().remove(&code) else {
        return Err((400, "invalid_grant", "unknown or used code"));
    };
    if grant.client_id != client_id {
        return Err((
            400,
            "invalid_grant",
            "the code was issued to another client",
        ));
    }
    if form.get("redirect_uri") != Some(&grant.redirect_uri) {
        return Err((400, "invalid_grant", "redirect_uri differs from /authorize"));
    }
    let verifier = form.get("code_verifier").cloned().unwrap_or_default();
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    if verifier.is_empty() || challenge != grant.code_challenge {
        return Err((400, "invalid_grant", "PKCE code_verifier does not match"));
    }

    let flaw = std::mem::take(&mut *state.flaw.lock().unwrap());
    let now = now();
    let mut claims = json!({
        "iss": state.issuer,
        "sub": grant.user.subject,
        "aud": OIDC_CLIENT_ID,
        "iat": now,
        "exp": now + 300,
        "email": grant.user.email,
    });
    if let Some(nonce) = &grant.nonce {
        claims["nonce"] = json!(nonce);
    }
    if let Some(verified) = grant.user.email_verified {
        claims["email_verified"] = json!(verified);
    }
    match flaw {
        TokenFlaw::None | TokenFlaw::ForeignKey => {}
        TokenFlaw::WrongNonce => claims["nonce"] = json!(random_string()),
        TokenFlaw::WrongAudience => claims["aud"] = json!("some-other-app"),
        TokenFlaw::WrongIssuer => claims["iss"] = json!("https://impostor.example.com"),
        TokenFlaw::Expired => {
            claims["iat"] = json!(now - 7200);
            claims["exp"] = json!(now - 3600);
        }
    }
    let key = match flaw {
        TokenFlaw::ForeignKey => &state.impostor,
        _ => &state.key,
    };
    Ok((grant.user.email.clone(), sign_jwt(key, &claims)))
}

/// A JWS compact RS256 token of `claims`, with the provider's `kid`.
pub fn sign_jwt(key: &RsaKeyPair, claims: &Value) -> String {
    let header = json!({"alg": "RS256", "typ": "JWT", "kid": TEST_KEY_ID});
    let message = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let mut signature = vec![0; key.public().modulus_len()];
    key.sign(
        &RSA_PKCS1_SHA256,
        &SystemRandom::new(),
        message.as_bytes(),
        &mut signature,
    )
    .expect("RS256 signing");
    format!("{message}.{}", URL_SAFE_NO_PAD.encode(signature))
}
