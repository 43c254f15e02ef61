//! The web console (`/console`): sign in, the runs with filters, a run's timeline read from the
//! append-only audit log, Approve / Deny / Revoke by the flow's permissions, and the audit
//! trail exported as JSON lines or CSV. Server-rendered HTML, no JavaScript needed.
//!
//! [`auth`] signs people in (local token + e-mail) and keeps sessions; [`oidc`] signs them in
//! with an OpenID Connect provider instead, when one is configured (token sign-in is then off
//! unless explicitly allowed); [`access`] decides what
//! a person may see and do with a run; [`pages`] draws the pages; [`actions`] carries a
//! button press through the outbox to the engine, as a Slack click would; [`export`] writes
//! the audit trail. The Slack preview (`/preview`, [`crate::preview`]) shares the sign-in.

pub mod access;
pub mod actions;
pub mod auth;
mod export;
pub mod html;
pub mod oidc;
mod pages;

use std::sync::Arc;

use axum::extract::{Form, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use symflow_engine::Actor;

use crate::app::App;
use crate::preview::PreviewSlack;
use auth::{Session, Sessions, SignInError};
use html::esc;

/// How the console is set up. The default has no token: nobody can sign in.
#[derive(Clone, Default)]
pub struct ConsoleOptions {
    /// The local console token; `None` disables token sign-in.
    pub token: Option<String>,
    /// The built-in local Slack of the Slack preview, when symflow runs without Slack.
    pub preview: Option<Arc<PreviewSlack>>,
    /// Sign-in with an OpenID Connect provider; when set, token sign-in is off unless
    /// `allow_token_with_oidc`.
    pub oidc: Option<oidc::OidcSettings>,
    /// Keep token sign-in on alongside OIDC (`--console-allow-token-sign-in`).
    pub allow_token_with_oidc: bool,
}

impl std::fmt::Debug for ConsoleOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConsoleOptions")
            .field("token", &self.token.as_ref().map(|_| "<set>"))
            .field("preview", &self.preview.is_some())
            .field("oidc", &self.oidc)
            .field("allow_token_with_oidc", &self.allow_token_with_oidc)
            .finish()
    }
}

/// The console's state: the server's, its token, the sessions.
pub struct Console {
    pub app: Arc<App>,
    token: Option<String>,
    pub sessions: Sessions,
    pub preview: Option<Arc<PreviewSlack>>,
    admins: Vec<String>,
    /// OIDC sign-in, when configured.
    pub oidc: Option<Arc<oidc::Oidc>>,
    /// Whether token sign-in is on (off when OIDC is configured, unless allowed).
    token_sign_in: bool,
}

/// The person behind a request: their session and who they are to the engine.
pub struct SignedIn {
    pub session: Session,
    pub actor: Actor,
}

impl SignedIn {
    pub fn header(&self) -> html::Header<'_> {
        html::Header {
            email: &self.session.email,
            role: match self.actor.role {
                symflow_engine::Role::Admin => "admin",
                symflow_engine::Role::Member => "member",
                symflow_engine::Role::Guest => "guest",
            },
            csrf: &self.session.csrf,
        }
    }
}

impl Console {
    /// Who is signed in, or a redirect to the sign-in page.
    pub async fn signed_in(&self, headers: &HeaderMap) -> Result<SignedIn, Response> {
        let to_sign_in = || Redirect::to("/console/sign-in").into_response();
        let session = self.sessions.from_headers(headers).ok_or_else(to_sign_in)?;
        let store = self.app.store.clone();
        let user_id = session.user_id;
        let actor = tokio::task::spawn_blocking(move || auth::actor_for(&store, user_id))
            .await
            .ok()
            .flatten()
            .ok_or_else(to_sign_in)?;
        Ok(SignedIn { session, actor })
    }

    /// [`Console::signed_in`], and the form's CSRF token checked.
    pub async fn signed_in_form(
        &self,
        headers: &HeaderMap,
        csrf: &str,
    ) -> Result<SignedIn, Response> {
        let signed_in = self.signed_in(headers).await?;
        if !auth::csrf_ok(&signed_in.session, csrf) {
            return Err(forbidden(
                "This form has expired or did not come from the console. Reload the page and try again.",
            ));
        }
        Ok(signed_in)
    }

    fn is_admin_email(&self, email: &str) -> bool {
        let email = email.trim().to_lowercase();
        self.admins.iter().any(|a| a == &email)
    }
}

/// A page that says a request was refused.
pub fn forbidden(message: &str) -> Response {
    let body = format!("<div class=\"error\">{}</div>", esc(message));
    (
        StatusCode::FORBIDDEN,
        html::page("Not allowed", None, &body),
    )
        .into_response()
}

/// The console's and the Slack preview's routes.
pub fn router(app: Arc<App>, options: ConsoleOptions, admins: &[String]) -> Router {
    let token_sign_in = options.oidc.is_none() || options.allow_token_with_oidc;
    let console = Arc::new(Console {
        app,
        oidc: options
            .oidc
            .map(|settings| Arc::new(oidc::Oidc::new(settings))),
        token_sign_in,
        token: options.token.filter(|t| !t.trim().is_empty()),
        sessions: Sessions::default(),
        preview: options.preview,
        admins: admins
            .iter()
            .map(|a| a.trim().to_lowercase())
            .filter(|a| !a.is_empty())
            .collect(),
    });
    Router::new()
        .route("/console", get(|| async { Redirect::to("/console/runs") }))
        .route("/console/sign-in", get(sign_in_page).post(sign_in))
        .route("/console/sign-out", post(sign_out))
        .route("/console/oidc/login", get(oidc::login))
        .route(oidc::CALLBACK_PATH, get(oidc::callback))
        .route("/console/runs", get(pages::runs))
        .route("/console/runs/{id}", get(pages::run))
        .route("/console/runs/{id}/act", post(pages::act))
        .route("/console/export.jsonl", get(export::jsonl))
        .route("/console/export.csv", get(export::csv))
        .merge(crate::preview::routes())
        .with_state(console)
}

fn sign_in_form(console: &Console, error: Option<&str>, email: &str) -> Response {
    let error = error
        .map(|e| format!("<div class=\"error\" id=\"sign-in-error\">{}</div>", esc(e)))
        .unwrap_or_default();
    let sso = if console.oidc.is_some() {
        "<p><a class=\"button primary\" href=\"/console/oidc/login\" id=\"sign-in-sso\">Sign in with single sign-on</a></p>"
    } else {
        ""
    };
    let token_form = if console.token_sign_in {
        format!(
            "<form method=\"post\" action=\"/console/sign-in\">\
             <label>Your e-mail<input name=\"email\" id=\"email\" type=\"email\" required value=\"{}\" autocomplete=\"username\"></label>\
             <label>Console token<input name=\"token\" id=\"token\" type=\"password\" required autocomplete=\"current-password\"></label>\
             <button class=\"primary\" id=\"sign-in\">Sign in</button></form>\
             <p class=\"muted\">The console token is printed when <code>symflow up</code> starts \
             (or set with <code>SYMFLOW_CONSOLE_TOKEN</code>).</p>",
            esc(email)
        )
    } else {
        String::new()
    };
    let body = format!(
        "<div class=\"signin card\"><h1>Sign in to symflow</h1>{error}{sso}{token_form}\
         <p class=\"muted\">What you see and may do follows each flow's \
         <code>get_permissions</code> for the symflow user with your e-mail.</p></div>"
    );
    html::page("Sign in", None, &body)
}

async fn sign_in_page(State(console): State<Arc<Console>>) -> Response {
    sign_in_form(&console, None, "")
}
#[derive(Deserialize)]
struct SignInForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    token: String,
}

async fn sign_in(
    State(console): State<Arc<Console>>,
    headers: HeaderMap,
    Form(form): Form<SignInForm>,
) -> Response {
    let checked = match &console.token {
        _ if !console.token_sign_in => Err(SignInError::TokenOffWithOidc),
        None => Err(SignInError::NoToken),
        Some(expected) if !auth::same_secret(form.token.trim(), expected) => {
            Err(SignInError::WrongToken)
        }
        Some(_) => Ok(()),
    };
    if let Err(e) = checked {
        tracing::warn!("console sign-in refused for {:?}: {e}", form.email);
        let mut response = sign_in_form(&console, Some(&e.to_string()), &form.email);
        *response.status_mut() = match e {
            SignInError::TokenOffWithOidc => StatusCode::FORBIDDEN,
            _ => StatusCode::UNAUTHORIZED,
        };
        return response;
    }
    let store = console.app.store.clone();
    let email = form.email.clone();
    let admin = console.is_admin_email(&email);
    let user = tokio::task::spawn_blocking(move || auth::user_for_email(&store, &email, admin))
        .await
        .map_err(|e| SignInError::Store(e.to_string()))
        .and_then(|r| r);
    match user {
        Ok(user) => {
            let email = user.email.clone().unwrap_or_else(|| form.email.clone());
            tracing::info!(user = %user.id, "{email} signed in to the console");
            let id = console.sessions.create(user.id, email);
            (
                [(header::SET_COOKIE, auth::session_cookie(&id, &headers))],
                Redirect::to("/console/runs"),
            )
                .into_response()
        }
        Err(e) => {
            let mut response = sign_in_form(&console, Some(&e.to_string()), &form.email);
            *response.status_mut() = StatusCode::BAD_REQUEST;
            response
        }
    }
}

#[derive(Deserialize)]
struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

async fn sign_out(
    State(console): State<Arc<Console>>,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Response {
    if let Err(refused) = console.signed_in_form(&headers, &form.csrf).await {
        return refused;
    }
    console.sessions.remove(&headers);
    (
        [(header::SET_COOKIE, auth::cleared_cookie())],
        Redirect::to("/console/sign-in"),
    )
        .into_response()
}
