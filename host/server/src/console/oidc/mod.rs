//! Console sign-in with OpenID Connect (the authorization-code flow with PKCE), used when
//! symflow is given a provider (`--oidc-issuer`, `--oidc-client-id`,
//! `SYMFLOW_OIDC_CLIENT_SECRET`). It closes the local token's hole (whoever holds the token
//! may claim any e-mail): the e-mail now comes from an ID token the provider signed.
//!
//! `GET /console/oidc/login` fetches the provider's discovery document, remembers a new
//! `state`, `nonce` and PKCE verifier for this browser (a short-lived `SameSite=Lax` cookie
//! holds the state, the server holds the rest) and redirects to the authorization endpoint.
//! `GET /console/oidc/callback` checks the returned `state` against the cookie and the
//! pending logins (each good once, for [`LOGIN_LIFETIME`]), exchanges the code with the
//! verifier at the token endpoint, checks the ID token ([`id_token`]), requires a verified
//! e-mail (`email_verified: true`; with `--oidc-allow-unverified-email` a token without the
//! claim is accepted, for providers that never send it), and starts the console's usual
//! session for the symflow user of that e-mail. Every failure a person can meet (provider
//! down, tampered or stale state, a token that fails a check) is a page that says what
//! happened and links back to the sign-in, never a bare 500.

pub mod id_token;
pub mod provider;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::auth::{self, random_token};
use super::html::{self, esc};
use super::Console;
use id_token::{Expected, IdTokenError};
use provider::Provider;

/// The cookie that ties a login in progress to the browser that started it.
const LOGIN_COOKIE: &str = "symflow_oidc_login";
/// How long a person has between leaving for the provider and coming back.
pub const LOGIN_LIFETIME: Duration = Duration::from_secs(10 * 60);
/// The callback's path; the redirect URI registered at the provider ends with it.
pub const CALLBACK_PATH: &str = "/console/oidc/callback";

/// How symflow signs people in with an OpenID Connect provider.
#[derive(Clone)]
pub struct OidcSettings {
    /// The provider's issuer URL, exactly as its discovery document states it.
    pub issuer: String,
    pub client_id: String,
    /// `None` for a public client (PKCE only).
    pub client_secret: Option<String>,
    /// This server's callback URL, as registered at the provider.
    pub redirect_url: String,
    /// Accept ID tokens that carry no `email_verified` claim (a `false` one never is).
    pub allow_unverified_email: bool,
}

impl std::fmt::Debug for OidcSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OidcSettings")
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "<set>"),
            )
            .field("redirect_url", &self.redirect_url)
            .field("allow_unverified_email", &self.allow_unverified_email)
            .finish()
    }
}

impl OidcSettings {
    /// Refuses settings that cannot work or are unsafe, naming the fix: the issuer and the
    /// redirect URL must be absolute URLs, HTTPS unless on loopback.
    pub fn check(&self) -> Result<(), String> {
        for (what, flag, value) in [
            ("issuer", "--oidc-issuer", &self.issuer),
            (
                "redirect URL",
                "--oidc-redirect-url / --public-url",
                &self.redirect_url,
            ),
        ] {
            let url = url::Url::parse(value)
                .map_err(|e| format!("the OIDC {what} {value:?} is not a URL ({e}); set {flag}"))?;
            let loopback = matches!(url.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"));
            if url.scheme() != "https" && !(url.scheme() == "http" && loopback) {
                return Err(format!(
                    "the OIDC {what} {value:?} must use https:// (plain http is allowed only on localhost); set {flag}"
                ));
            }
        }
        if !self.redirect_url.ends_with(CALLBACK_PATH) {
            return Err(format!(
                "the OIDC redirect URL {:?} must end with {CALLBACK_PATH}",
                self.redirect_url
            ));
        }
        if self.client_id.trim().is_empty() {
            return Err("--oidc-client-id is empty".into());
        }
        Ok(())
    }
}

/// A login that left for the provider and has not come back yet.
struct PendingLogin {
    nonce: String,
    verifier: String,
    started: Instant,
}

/// The console's OIDC sign-in: the provider and the logins in progress.
pub struct Oidc {
    provider: Provider,
    pending: Mutex<HashMap<String, PendingLogin>>,
}

/// Why an OIDC sign-in failed, as the error page says it.
#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    #[error("The sign-in provider did not answer properly at {url}: {why}. Try again in a minute; if it persists, check that the provider is up and that --oidc-issuer is right.")]
    ProviderDown { url: String, why: String },
    #[error("The sign-in provider is not set up as symflow expects: {0}.")]
    ProviderMisconfigured(String),
    #[error("This sign-in did not start in this browser, or its state was changed on the way. Start again from the sign-in page.")]
    BadState,
    #[error("This sign-in took longer than {} minutes and has expired. Start again from the sign-in page.", LOGIN_LIFETIME.as_secs() / 60)]
    LoginExpired,
    #[error("The sign-in provider did not sign you in: {error} {description}")]
    ProviderRefused { error: String, description: String },
    #[error("The sign-in provider refused to complete the sign-in ({error}: {description}). Start again; if it persists, check the client id, secret and redirect URL registered at the provider.")]
    CodeRefused { error: String, description: String },
    #[error("The sign-in could not be trusted: {0}. Start again; if it persists, ask whoever runs symflow to check the OIDC settings.")]
    IdToken(#[from] IdTokenError),
    #[error("Your account at the sign-in provider has no e-mail address, which symflow needs to know who you are. Ask your identity administrator to release the `email` claim to this application.")]
    NoEmail,
    #[error("Your e-mail address {0} is not verified at the sign-in provider, so symflow cannot trust it. Verify it there, then sign in again.")]
    UnverifiedEmail(String),
    #[error("The sign-in worked but symflow could not load your user: {0}")]
    Store(String),
}

impl OidcError {
    fn status(&self) -> StatusCode {
        match self {
            OidcError::ProviderDown { .. } | OidcError::ProviderMisconfigured(_) => {
                StatusCode::BAD_GATEWAY
            }
            OidcError::BadState | OidcError::LoginExpired => StatusCode::BAD_REQUEST,
            OidcError::Store(_) => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::UNAUTHORIZED,
        }
    }

    fn page(&self) -> Response {
        let body = format!(
            "<div class=\"signin card\"><h1>Sign-in failed</h1>\
             <div class=\"error\" id=\"sign-in-error\">{}</div>\
             <p><a href=\"/console/sign-in\" id=\"start-again\">Back to sign-in</a></p></div>",
            esc(&self.to_string())
        );
        let mut response = html::page("Sign-in failed", None, &body);
        *response.status_mut() = self.status();
        // The login in progress is over either way.
        response.headers_mut().append(
            header::SET_COOKIE,
            HeaderValue::from_str(&cleared_login_cookie()).expect("a cookie"),
        );
        response
    }
}

fn login_cookie(state: &str) -> String {
    format!(
        "{LOGIN_COOKIE}={state}; Path=/console/oidc; HttpOnly; SameSite=Lax; Max-Age={}",
        LOGIN_LIFETIME.as_secs()
    )
}

fn cleared_login_cookie() -> String {
    format!("{LOGIN_COOKIE}=; Path=/console/oidc; HttpOnly; SameSite=Lax; Max-Age=0")
}

/// The PKCE S256 challenge of `verifier` (RFC 7636 §4.2).
pub fn pkce_challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

impl Oidc {
    pub fn new(settings: OidcSettings) -> Oidc {
        Oidc {
            provider: Provider::new(settings),
            pending: Mutex::new(HashMap::new()),
        }
    }

    pub fn settings(&self) -> &OidcSettings {
        self.provider.settings()
    }

    /// Where to send the browser to sign in, and the state its cookie keeps.
    async fn start(&self) -> Result<(String, String), OidcError> {
        let discovery = self.provider.discovery().await?;
        let state = random_token();
        let nonce = random_token();
        let verifier = random_token();
        let mut url = url::Url::parse(&discovery.authorization_endpoint).map_err(|e| {
            OidcError::ProviderMisconfigured(format!(
                "its authorization_endpoint {:?} is not a URL ({e})",
                discovery.authorization_endpoint
            ))
        })?;
        let settings = self.settings();
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", &settings.client_id)
            .append_pair("redirect_uri", &settings.redirect_url)
            .append_pair("scope", "openid email profile")
            .append_pair("state", &state)
            .append_pair("nonce", &nonce)
            .append_pair("code_challenge", &pkce_challenge(&verifier))
            .append_pair("code_challenge_method", "S256");
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        pending.retain(|_, p| p.started.elapsed() < LOGIN_LIFETIME);
        pending.insert(
            state.clone(),
            PendingLogin {
                nonce,
                verifier,
                started: Instant::now(),
            },
        );
        Ok((url.to_string(), state))
    }

    /// The login this callback finishes: its state must be the browser's and still pending.
    fn take_pending(&self, headers: &HeaderMap, state: &str) -> Result<PendingLogin, OidcError> {
        let cookie_state = auth::cookie(headers, LOGIN_COOKIE).unwrap_or_default();
        let pending = self
            .pending
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(state);
        if state.is_empty() || !auth::same_secret(state, &cookie_state) {
            return Err(OidcError::BadState);
        }
        let pending = pending.ok_or(OidcError::BadState)?;
        if pending.started.elapsed() >= LOGIN_LIFETIME {
            return Err(OidcError::LoginExpired);
        }
        Ok(pending)
    }

    /// The verified e-mail of the person the provider signed in.
    async fn finish(&self, code: &str, pending: &PendingLogin) -> Result<String, OidcError> {
        let discovery = self.provider.discovery().await?;
        let token = self
            .provider
            .exchange_code(&discovery, code, &pending.verifier)
            .await?;
        let settings = self.settings();
        let expected = Expected {
            issuer: &discovery.issuer,
            client_id: &settings.client_id,
            nonce: &pending.nonce,
            now: now_secs(),
        };
        let keys = self.provider.keys(&discovery, false).await?;
        let claims = match id_token::verify(&token, &keys, &expected) {
            // A key we have not seen: the provider may have rotated its keys.
            Err(IdTokenError::UnknownKey(_)) => {
                let keys = self.provider.keys(&discovery, true).await?;
                id_token::verify(&token, &keys, &expected)?
            }
            other => other?,
        };
        let email = claims
            .email
            .filter(|e| e.contains('@'))
            .ok_or(OidcError::NoEmail)?;
        match claims.email_verified {
            Some(true) => {}
            None if settings.allow_unverified_email => {}
            _ => return Err(OidcError::UnverifiedEmail(email)),
        }
        tracing::debug!(subject = %claims.subject, "OIDC ID token accepted for {email}");
        Ok(email)
    }
}

/// `GET /console/oidc/login`: off to the provider.
pub async fn login(State(console): State<Arc<Console>>) -> Response {
    let Some(oidc) = console.oidc.clone() else {
        return Redirect::to("/console/sign-in").into_response();
    };
    match oidc.start().await {
        Ok((url, state)) => (
            [(header::SET_COOKIE, login_cookie(&state))],
            Redirect::to(&url),
        )
            .into_response(),
        Err(e) => {
            tracing::warn!("console OIDC sign-in could not start: {e}");
            e.page()
        }
    }
}

#[derive(Deserialize)]
pub struct CallbackQuery {
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    state: String,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    error_description: Option<String>,
}

/// `GET /console/oidc/callback`: back from the provider.
pub async fn callback(
    State(console): State<Arc<Console>>,
    headers: HeaderMap,
    Query(query): Query<CallbackQuery>,
) -> Response {
    let Some(oidc) = console.oidc.clone() else {
        return Redirect::to("/console/sign-in").into_response();
    };
    match finish_sign_in(&console, &oidc, &headers, query).await {
        Ok(response) => response,
        Err(e) => {
            tracing::warn!("console OIDC sign-in refused: {e}");
            e.page()
        }
    }
}

async fn finish_sign_in(
    console: &Console,
    oidc: &Oidc,
    headers: &HeaderMap,
    query: CallbackQuery,
) -> Result<Response, OidcError> {
    let pending = oidc.take_pending(headers, &query.state)?;
    if let Some(error) = query.error {
        return Err(OidcError::ProviderRefused {
            error,
            description: query.error_description.unwrap_or_default(),
        });
    }
    let code = query
        .code
        .filter(|c| !c.is_empty())
        .ok_or(OidcError::BadState)?;
    let email = oidc.finish(&code, &pending).await?;

    let store = console.app.store.clone();
    let admin = console.is_admin_email(&email);
    let lookup = email.clone();
    let user = tokio::task::spawn_blocking(move || auth::user_for_email(&store, &lookup, admin))
        .await
        .map_err(|e| OidcError::Store(e.to_string()))?
        .map_err(|e| OidcError::Store(e.to_string()))?;
    let email = user.email.clone().unwrap_or(email);
    tracing::info!(user = %user.id, "{email} signed in to the console with OIDC");
    let session = console.sessions.create(user.id, email.clone());

    // The session cookie is SameSite=Strict, and this response ends a redirect chain that
    // began at the provider, so the browser would not send it on a redirect from here: a
    // page that moves on by itself makes the next request a same-site one.
    let body = format!(
        "<div class=\"signin card\"><h1>Signed in</h1><p id=\"signed-in\">Signed in as {}.</p>\
         <p><a href=\"/console/runs\" id=\"continue\">Continue to the console</a></p></div>",
        esc(&email)
    );
    let mut response = html::page("Signed in", None, &body);
    let response_headers = response.headers_mut();
    for cookie in [
        auth::session_cookie(&session, headers),
        cleared_login_cookie(),
    ] {
        response_headers.append(
            header::SET_COOKIE,
            HeaderValue::from_str(&cookie).expect("a cookie"),
        );
    }
    response_headers.insert(
        header::REFRESH,
        HeaderValue::from_static("0; url=/console/runs"),
    );
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(issuer: &str, redirect: &str) -> OidcSettings {
        OidcSettings {
            issuer: issuer.into(),
            client_id: "symflow".into(),
            client_secret: None,
            redirect_url: redirect.into(),
            allow_unverified_email: false,
        }
    }

    #[test]
    fn settings_need_https_except_on_loopback() {
        let cb = "https://symflow.example.com/console/oidc/callback";
        assert!(settings("https://idp.example.com", cb).check().is_ok());
        assert!(settings(
            "http://127.0.0.1:8080",
            "http://localhost:3000/console/oidc/callback"
        )
        .check()
        .is_ok());
        let err = settings("http://idp.example.com", cb).check().unwrap_err();
        assert!(err.contains("https://"), "{err}");
        let err = settings(
            "https://idp.example.com",
            "https://symflow.example.com/elsewhere",
        )
        .check()
        .unwrap_err();
        assert!(err.contains(CALLBACK_PATH), "{err}");
    }

    fn login_headers(state: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_str(&format!("{LOGIN_COOKIE}={state}")).unwrap(),
        );
        headers
    }

    #[test]
    fn a_login_is_good_once_for_its_browser_and_expires() {
        let oidc = Oidc::new(settings(
            "https://idp.example.com",
            "https://symflow.example.com/console/oidc/callback",
        ));
        let pend = |state: &str, age: Duration| {
            oidc.pending.lock().unwrap().insert(
                state.to_string(),
                PendingLogin {
                    nonce: "n".into(),
                    verifier: "v".into(),
                    started: Instant::now().checked_sub(age).unwrap(),
                },
            );
        };
        pend("fresh", Duration::ZERO);
        assert!(matches!(
            oidc.take_pending(&login_headers("other"), "fresh"),
            Err(OidcError::BadState)
        ));
        // The refused attempt spent it.
        assert!(matches!(
            oidc.take_pending(&login_headers("fresh"), "fresh"),
            Err(OidcError::BadState)
        ));
        pend("fresh", Duration::ZERO);
        assert!(oidc.take_pending(&login_headers("fresh"), "fresh").is_ok());
        assert!(matches!(
            oidc.take_pending(&login_headers("fresh"), "fresh"),
            Err(OidcError::BadState)
        ));
        pend("stale", LOGIN_LIFETIME + Duration::from_secs(1));
        let expired = oidc.take_pending(&login_headers("stale"), "stale");
        assert!(matches!(expired, Err(OidcError::LoginExpired)));
        assert!(expired.err().unwrap().to_string().contains("expired"));
    }

    #[test]
    fn the_pkce_challenge_is_base64url_sha256_without_padding() {
        // Computed independently: base64.urlsafe_b64encode(hashlib.sha256(v).digest()).
        assert_eq!(
            pkce_challenge("dBjftJeZ4CVP-mJ0kS3uZ5yRYkkxx8z0yrpKhvQ0m1o"),
            "vbAlVg3nYX9vbBFz8N-Rf0NanBbiHJZLXhD6aDD-yJQ"
        );
    }
}
