//! Signing in to the console and staying signed in.
//!
//! Sign-in is with the server's local console token (`--console-token` /
//! `SYMFLOW_CONSOLE_TOKEN`, or one generated at start-up and printed in the log) plus the
//! e-mail of the symflow user to act as: whoever holds the token is trusted to say who they
//! are, so the token is for a single operator or a trusted team on loopback, not for a shared
//! deployment: there, configure OIDC ([`super::oidc`]), which turns token sign-in off. The e-mail maps to the symflow user of that
//! e-mail (created as a member if Slack never introduced them; admin when on the admin list),
//! so the flow's permissions apply to what the console shows and allows.
//!
//! A session is a random id in an `HttpOnly; SameSite=Strict` cookie, kept in memory (a
//! restart signs everyone out). Each session has its own CSRF token, which every form that
//! changes something carries and every POST handler checks.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::http::{header, HeaderMap};
use sha2::{Digest, Sha256};
use symflow_engine::{Actor, Role};
use symflow_store::{Store, User, UserRole, DEFAULT_TENANT};
use uuid::Uuid;

/// The session cookie's name.
pub const COOKIE: &str = "symflow_console";
/// How long a session lasts without signing in again.
const SESSION_LIFETIME: Duration = Duration::from_secs(12 * 60 * 60);

/// A signed-in person.
#[derive(Debug, Clone)]
pub struct Session {
    pub user_id: Uuid,
    pub email: String,
    pub csrf: String,
    expires: Instant,
}

/// Sessions by id, in memory.
#[derive(Default)]
pub struct Sessions {
    by_id: Mutex<HashMap<String, Session>>,
}

/// A long random string (two v4 UUIDs: 244 random bits).
pub fn random_token() -> String {
    format!("{}{}", Uuid::new_v4().simple(), Uuid::new_v4().simple())
}

impl Sessions {
    /// Starts a session; returns its id (the cookie's value).
    pub fn create(&self, user_id: Uuid, email: String) -> String {
        let id = random_token();
        let session = Session {
            user_id,
            email,
            csrf: random_token(),
            expires: Instant::now() + SESSION_LIFETIME,
        };
        let mut sessions = self.by_id.lock().unwrap_or_else(|e| e.into_inner());
        sessions.retain(|_, s| s.expires > Instant::now());
        sessions.insert(id.clone(), session);
        id
    }

    /// The session the request's cookie names, if it is still valid.
    pub fn from_headers(&self, headers: &HeaderMap) -> Option<Session> {
        let id = cookie(headers, COOKIE)?;
        let sessions = self.by_id.lock().unwrap_or_else(|e| e.into_inner());
        sessions
            .get(&id)
            .filter(|s| s.expires > Instant::now())
            .cloned()
    }

    pub fn remove(&self, headers: &HeaderMap) {
        if let Some(id) = cookie(headers, COOKIE) {
            self.by_id
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .remove(&id);
        }
    }
}

/// The value of cookie `name` in the request.
pub(crate) fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// `Set-Cookie` for a new session. `Secure` when the request came through HTTPS (a proxy
/// that says so), so the cookie still works on plain-HTTP loopback.
pub fn session_cookie(id: &str, headers: &HeaderMap) -> String {
    let secure = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("https"));
    format!(
        "{COOKIE}={id}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{}",
        SESSION_LIFETIME.as_secs(),
        if secure { "; Secure" } else { "" }
    )
}

/// `Set-Cookie` that ends the session in the browser.
pub fn cleared_cookie() -> String {
    format!("{COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0")
}

/// Compares secrets without leaking where they differ (both hashed first).
pub fn same_secret(given: &str, expected: &str) -> bool {
    let a = Sha256::digest(given.as_bytes());
    let b = Sha256::digest(expected.as_bytes());
    a.iter()
        .zip(b.iter())
        .fold(0u8, |acc, (x, y)| acc | (x ^ y))
        == 0
}

/// Whether the form's CSRF token is the session's.
pub fn csrf_ok(session: &Session, given: &str) -> bool {
    !given.is_empty() && same_secret(given, &session.csrf)
}

/// Why a sign-in was refused, as shown on the sign-in page.
#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    #[error("This server has no console token, so nobody can sign in with one. Start symflow with --console-token or SYMFLOW_CONSOLE_TOKEN (`symflow up` generates one and prints it).")]
    NoToken,
    #[error("That console token is not this server's. Use the one printed when symflow started, or the value of SYMFLOW_CONSOLE_TOKEN.")]
    WrongToken,
    #[error("Enter the e-mail of the person you are, e.g. alice@example.com.")]
    NoEmail,
    #[error("Sign-in with the console token is off because this server signs people in with single sign-on (OIDC). Use \"Sign in with single sign-on\"; to allow the token as well, start symflow with --console-allow-token-sign-in.")]
    TokenOffWithOidc,
    #[error("the store failed: {0}")]
    Store(String),
}

/// The symflow user with this e-mail: found, or created as a member (admin when listed).
/// A listed admin who is not one yet is made one, as for Slack users.
pub fn user_for_email(store: &Store, email: &str, admin: bool) -> Result<User, SignInError> {
    let email = email.trim().to_lowercase();
    if !email.contains('@') {
        return Err(SignInError::NoEmail);
    }
    store
        .transaction(|tx| {
            let role = if admin {
                UserRole::Admin
            } else {
                UserRole::Member
            };
            let (mut user, _) = match tx.find_user_by_email(DEFAULT_TENANT, &email)? {
                Some(user) => (user, false),
                None => tx.get_or_create_user_by_email(DEFAULT_TENANT, &email, role)?,
            };
            if admin && user.role != UserRole::Admin {
                tx.set_user_role(user.id, UserRole::Admin)?;
                user.role = UserRole::Admin;
            }
            Ok::<_, symflow_store::Error>(user)
        })
        .map_err(|e| SignInError::Store(e.to_string()))
}

/// The engine's view of a stored user acting from the console: with their Slack identity when
/// they have one, so DMs about what they do reach them in Slack.
pub fn actor_for(store: &Store, user_id: Uuid) -> Option<Actor> {
    let (user, identities) = store
        .transaction(|tx| {
            let user = tx.get_user(user_id)?;
            let identities = match &user {
                Some(u) => tx.identities_of(u.id)?,
                None => Vec::new(),
            };
            Ok::<_, symflow_store::Error>((user, identities))
        })
        .ok()?;
    let user = user?;
    let slack = identities.iter().find(|i| i.key.service == "slack");
    let name = [user.first_name.as_deref(), user.last_name.as_deref()]
        .into_iter()
        .flatten()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    Some(Actor {
        user_id: user.id.to_string(),
        email: user.email.clone().unwrap_or_default(),
        username: user.username.clone(),
        name,
        role: match user.role {
            UserRole::Admin => Role::Admin,
            UserRole::Member => Role::Member,
            UserRole::Guest => Role::Guest,
        },
        slack_user_id: slack.map(|i| i.key.external_user_id.clone()),
        slack_team_id: slack.map(|i| i.key.service_id.clone()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn a_session_is_found_by_its_cookie_only() {
        let sessions = Sessions::default();
        let id = sessions.create(Uuid::new_v4(), "a@example.com".into());
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_str(&format!("other=1; {COOKIE}={id}")).unwrap(),
        );
        let session = sessions.from_headers(&headers).expect("signed in");
        assert_eq!(session.email, "a@example.com");
        assert!(csrf_ok(&session, &session.csrf.clone()));
        assert!(!csrf_ok(&session, ""));
        assert!(!csrf_ok(&session, "forged"));

        let mut wrong = HeaderMap::new();
        wrong.insert(
            header::COOKIE,
            HeaderValue::from_str(&format!("{COOKIE}={}", random_token())).unwrap(),
        );
        assert!(sessions.from_headers(&wrong).is_none());
        sessions.remove(&headers);
        assert!(sessions.from_headers(&headers).is_none());
    }

    #[test]
    fn the_session_cookie_is_http_only_and_strict() {
        let cookie = session_cookie("abc", &HeaderMap::new());
        assert!(cookie.contains("HttpOnly"));
        assert!(cookie.contains("SameSite=Strict"));
        assert!(!cookie.contains("Secure"));
    }
}
