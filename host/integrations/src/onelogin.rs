//! OneLogin (API v2, OAuth 2 client credentials): the role operations of the `onelogin`
//! strategy (Sym's `sym_strategy` of type `onelogin`, targets `onelogin_role`).
//!
//! It exists so that an approved OneLogin request really adds the requester to the role and
//! expiry really takes them out, instead of symflow refusing the strategy type.
//!
//! The API lives at `https://<subdomain>.onelogin.com` (the `sym_integration`'s
//! `external_id` is the subdomain or the whole host). An access token comes from
//! `POST /auth/oauth2/v2/token` with HTTP basic auth `client_id:client_secret`; it is kept
//! until shortly before it expires, and fetched again once when the API answers 401.
//! Users are found by email (`GET /api/2/users?email=`), and role membership is changed with
//! `POST`/`DELETE /api/2/roles/{role_id}/users` and a JSON array of user ids. Both are made
//! idempotent here: when OneLogin refuses an add or a remove, the role's members
//! (`GET /api/2/roles/{role_id}/users`) decide whether the state asked for already holds.
//! Neither the client secret nor an access token ever appears in an error or a log.

use std::time::{Duration, Instant};

use base64::Engine as _;
use reqwest::header::{HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE};
use reqwest::Method;
use serde_json::{json, Value};
use symflow_config::secrets::SecretValue;
use url::Url;

use crate::client::{self, encode_segment, Limits, Reply};
use crate::error::{ErrorKind, IntegrationError, Service};
use crate::secrets::ApiToken;

const MAX_PAGES: usize = 50;
/// A token is fetched again this long before OneLogin says it expires.
const EXPIRY_MARGIN: Duration = Duration::from_secs(60);

/// The base URL of a OneLogin account: `acme` and `acme.onelogin.com` are both
/// `https://acme.onelogin.com`.
pub fn base_url_for(external_id: &str) -> Result<Url, IntegrationError> {
    let text = external_id.trim().trim_end_matches('/');
    if text.is_empty() {
        return Err(IntegrationError::config(
            Service::OneLogin,
            "the OneLogin integration's external_id is empty: set it to the account's subdomain (acme, or acme.onelogin.com)",
        ));
    }
    let host = if text.contains("://") || text.contains('.') {
        text.to_string()
    } else {
        format!("{text}.onelogin.com")
    };
    client::base_url(Service::OneLogin, &host)
}

/// An access token and when to stop using it.
struct CachedToken {
    value: SecretValue,
    renew_at: Instant,
}

/// A OneLogin API v2 client.
pub struct OneLogin {
    base: Url,
    http: reqwest::Client,
    client_id: Option<String>,
    client_secret: ApiToken,
    limits: Limits,
    account: String,
    token: tokio::sync::Mutex<Option<CachedToken>>,
}

impl std::fmt::Debug for OneLogin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OneLogin")
            .field("base", &self.base.as_str())
            .field("account", &self.account)
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

impl OneLogin {
    /// A client for the account at `base`, named `account` (the integration's `external_id`),
    /// authenticating with `client_id` and `client_secret`.
    pub fn new(
        base: Url,
        account: impl Into<String>,
        client_id: Option<String>,
        client_secret: ApiToken,
        limits: Limits,
    ) -> Self {
        OneLogin {
            base,
            http: client::api_client(),
            client_id: client_id.filter(|id| !id.trim().is_empty()),
            client_secret,
            limits,
            account: account.into(),
            token: tokio::sync::Mutex::new(None),
        }
    }

    /// The account (`sym_integration.external_id`), the identities' service id.
    pub fn account(&self) -> &str {
        &self.account
    }

    /// A fresh access token from the token endpoint.
    async fn fetch_token(&self) -> Result<CachedToken, IntegrationError> {
        let client_id = self.client_id.as_deref().ok_or_else(|| {
            IntegrationError::config(
                Service::OneLogin,
                "the OneLogin integration has no client_id",
            )
            .with_hint(
                "set settings.client_id on the sym_integration (the API credential's client id)",
            )
        })?;
        let secret = self
            .client_secret
            .get(Service::OneLogin, "client_secret")
            .await?;
        let basic = base64::engine::general_purpose::STANDARD
            .encode(format!("{client_id}:{}", secret.expose()));
        let mut auth = HeaderValue::from_str(&format!("Basic {basic}")).map_err(|_| {
            IntegrationError::config(
                Service::OneLogin,
                "the OneLogin client credentials are not a valid header value",
            )
        })?;
        auth.set_sensitive(true);
        let url = client::join(&self.base, "/auth/oauth2/v2/token");
        let mut request = reqwest::Request::new(Method::POST, url);
        let headers = request.headers_mut();
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        headers.insert(AUTHORIZATION, auth);
        *request.body_mut() = Some(
            json!({"grant_type": "client_credentials"})
                .to_string()
                .into(),
        );
        let reply = client::send(Service::OneLogin, &self.http, request, self.limits).await?;
        if !reply.is_success() {
            let mut err = api_error("POST /auth/oauth2/v2/token", &reply);
            if matches!(
                err.kind,
                ErrorKind::Unauthorized | ErrorKind::Api | ErrorKind::Forbidden
            ) {
                err.hint = Some(
                    "check the integration's client_id and the client_secret sym_secret: OneLogin did not accept them as an API credential pair".into(),
                );
            }
            return Err(err);
        }
        let doc = reply.json(Service::OneLogin)?;
        let value = doc
            .get("access_token")
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                IntegrationError::new(
                    Service::OneLogin,
                    ErrorKind::BadResponse,
                    "OneLogin's token endpoint answered without an access_token",
                )
            })?;
        let lifetime =
            Duration::from_secs(doc.get("expires_in").and_then(Value::as_u64).unwrap_or(600));
        Ok(CachedToken {
            value: SecretValue::new(value),
            renew_at: Instant::now() + lifetime.saturating_sub(EXPIRY_MARGIN),
        })
    }

    /// The cached access token, fetched when there is none, it is about to expire, or
    /// `stale` is the token the API just refused.
    async fn access_token(&self, stale: Option<&str>) -> Result<SecretValue, IntegrationError> {
        let mut cached = self.token.lock().await;
        let usable = cached
            .as_ref()
            .filter(|t| t.renew_at > Instant::now() && Some(t.value.expose()) != stale);
        if let Some(token) = usable {
            return Ok(SecretValue::new(token.value.expose()));
        }
        let fresh = self.fetch_token().await?;
        let value = SecretValue::new(fresh.value.expose());
        *cached = Some(fresh);
        Ok(value)
    }

    async fn send_once(
        &self,
        method: &Method,
        url: &Url,
        body: Option<&Value>,
        token: &SecretValue,
    ) -> Result<Reply, IntegrationError> {
        let mut request = reqwest::Request::new(method.clone(), url.clone());
        let headers = request.headers_mut();
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        let mut auth =
            HeaderValue::from_str(&format!("Bearer {}", token.expose())).map_err(|_| {
                IntegrationError::new(
                    Service::OneLogin,
                    ErrorKind::BadResponse,
                    "OneLogin gave an access token that is not a valid header value",
                )
            })?;
        auth.set_sensitive(true);
        headers.insert(AUTHORIZATION, auth);
        if let Some(body) = body {
            *request.body_mut() = Some(body.to_string().into());
        }
        client::send(Service::OneLogin, &self.http, request, self.limits).await
    }

    /// One API call with the cached token; a 401 fetches a new token and tries once more.
    async fn call(
        &self,
        method: Method,
        url: Url,
        body: Option<Value>,
    ) -> Result<Reply, IntegrationError> {
        let token = self.access_token(None).await?;
        let reply = self.send_once(&method, &url, body.as_ref(), &token).await?;
        if reply.status.as_u16() != 401 {
            return Ok(reply);
        }
        tracing::debug!("OneLogin refused the access token; fetching a new one");
        let token = self.access_token(Some(token.expose())).await?;
        self.send_once(&method, &url, body.as_ref(), &token).await
    }

    fn url(&self, path: &str, query: &[(&str, &str)]) -> Url {
        let mut url = client::join(&self.base, path);
        if !query.is_empty() {
            let mut pairs = url.query_pairs_mut();
            for (k, v) in query {
                pairs.append_pair(k, v);
            }
        }
        url
    }

    async fn get_list(&self, url: Url, what: &str) -> Result<Vec<Value>, IntegrationError> {
        let mut items = Vec::new();
        let mut next = Some(url);
        let mut pages = 0;
        while let Some(url) = next.take() {
            pages += 1;
            let reply = self.call(Method::GET, url.clone(), None).await?;
            if !reply.is_success() {
                return Err(api_error(what, &reply));
            }
            match reply.json(Service::OneLogin)? {
                Value::Array(batch) => items.extend(batch),
                _ => {
                    return Err(IntegrationError::new(
                        Service::OneLogin,
                        ErrorKind::BadResponse,
                        format!("OneLogin {what} did not answer a JSON list"),
                    ))
                }
            }
            if pages >= MAX_PAGES {
                break;
            }
            next = client::next_link(&reply.headers, &self.base).or_else(|| {
                // OneLogin v2 also pages with `Current-Page` / `Total-Pages` headers.
                let number = |name: &str| {
                    reply
                        .headers
                        .get(name)
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| v.trim().parse::<u64>().ok())
                };
                let (current, total) = (number("current-page")?, number("total-pages")?);
                (current < total).then(|| {
                    let mut next = url.clone();
                    let kept: Vec<(String, String)> = url
                        .query_pairs()
                        .filter(|(k, _)| k != "page")
                        .map(|(k, v)| (k.into_owned(), v.into_owned()))
                        .collect();
                    next.query_pairs_mut()
                        .clear()
                        .extend_pairs(kept)
                        .append_pair("page", &(current + 1).to_string());
                    next
                })
            });
        }
        Ok(items)
    }

    /// The OneLogin user id for this email, if there is such a user.
    pub async fn user_id(&self, email: &str) -> Result<Option<String>, IntegrationError> {
        let url = self.url("/api/2/users", &[("email", email)]);
        let users = self.get_list(url, "GET /api/2/users?email=").await?;
        Ok(users
            .iter()
            .find(|u| {
                u.get("email")
                    .and_then(Value::as_str)
                    .is_none_or(|e| e.eq_ignore_ascii_case(email))
            })
            .and_then(|u| id_text(u.get("id")?)))
    }

    /// The ids of the role's users.
    pub async fn role_members(&self, role_id: &str) -> Result<Vec<String>, IntegrationError> {
        let url = self.url(
            &format!("/api/2/roles/{}/users", encode_segment(role_id)),
            &[],
        );
        let users = self
            .get_list(url, "GET /api/2/roles/{role_id}/users")
            .await
            .map_err(|e| role_hint(e, role_id))?;
        Ok(users
            .iter()
            .filter_map(|u| u.get("id").and_then(id_text))
            .collect())
    }

    /// Adds the user to the role; false when they already had it.
    pub async fn add_to_role(
        &self,
        role_id: &str,
        user_id: &str,
    ) -> Result<bool, IntegrationError> {
        let what = "POST /api/2/roles/{role_id}/users";
        let reply = self.change_role(Method::POST, role_id, user_id).await?;
        if reply.is_success() {
            return Ok(true);
        }
        let err = role_hint(api_error(what, &reply), role_id);
        if settles(&err)
            && self
                .role_members(role_id)
                .await?
                .iter()
                .any(|m| m == user_id)
        {
            tracing::debug!(role_id, user_id, "OneLogin user already in the role");
            return Ok(false);
        }
        Err(err)
    }

    /// Removes the user from the role; false when they did not have it.
    pub async fn remove_from_role(
        &self,
        role_id: &str,
        user_id: &str,
    ) -> Result<bool, IntegrationError> {
        let what = "DELETE /api/2/roles/{role_id}/users";
        let reply = self.change_role(Method::DELETE, role_id, user_id).await?;
        if reply.is_success() {
            return Ok(true);
        }
        let err = role_hint(api_error(what, &reply), role_id);
        if settles(&err)
            && !self
                .role_members(role_id)
                .await?
                .iter()
                .any(|m| m == user_id)
        {
            tracing::debug!(role_id, user_id, "OneLogin user no longer in the role");
            return Ok(false);
        }
        Err(err)
    }

    async fn change_role(
        &self,
        method: Method,
        role_id: &str,
        user_id: &str,
    ) -> Result<Reply, IntegrationError> {
        let url = self.url(
            &format!("/api/2/roles/{}/users", encode_segment(role_id)),
            &[],
        );
        // OneLogin's ids are integers; send one as such when it is one.
        let id = user_id
            .parse::<u64>()
            .map(Value::from)
            .unwrap_or_else(|_| Value::from(user_id));
        self.call(method, url, Some(json!([id]))).await
    }
}

/// An id as text (OneLogin's are numbers).
fn id_text(id: &Value) -> Option<String> {
    match id {
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        _ => None,
    }
}

/// Can the role's members tell whether a refused change already holds? Not for refusals of
/// the credentials (401, 403) or throttling, which say nothing about the membership.
fn settles(err: &IntegrationError) -> bool {
    matches!(err.kind, ErrorKind::Api | ErrorKind::NotFound)
        && matches!(err.status, Some(400..=499))
}

fn role_hint(mut err: IntegrationError, role_id: &str) -> IntegrationError {
    if err.kind == ErrorKind::NotFound {
        err.hint = Some(format!(
            "check that the OneLogin role {role_id:?} (target setting role_id) exists"
        ));
    }
    err
}

/// OneLogin's error documents: v2 `{"statusCode", "name", "message"}`, and the older
/// `{"status": {"error", "code", "type", "message"}}`.
fn api_error(what: &str, reply: &Reply) -> IntegrationError {
    let status = reply.status.as_u16();
    let doc: Value = serde_json::from_slice(&reply.body).unwrap_or_default();
    let inner = doc.get("status").filter(|s| s.is_object()).unwrap_or(&doc);
    let message = inner
        .get("message")
        .and_then(|m| match m {
            Value::String(s) => Some(s.clone()),
            Value::Null => None,
            other => Some(other.to_string()),
        })
        .or_else(|| {
            inner
                .get("description")
                .and_then(Value::as_str)
                .map(str::to_string)
        });
    let name = inner
        .get("name")
        .or_else(|| inner.get("type"))
        .and_then(Value::as_str);
    let text = match (name, message) {
        (Some(name), Some(message)) => format!("{name}: {message}"),
        (None, Some(message)) => message,
        _ => reply.snippet(),
    };
    let kind = ErrorKind::from_status(status);
    let hint = match kind {
        ErrorKind::Unauthorized => "check the integration's client_id and client_secret (the API credential may have been deleted)",
        ErrorKind::Forbidden => "the OneLogin API credential lacks a permission: managing role users needs the \"Manage All\" scope",
        ErrorKind::NotFound => "check the OneLogin ids given (role_id, user)",
        ErrorKind::RateLimited => "OneLogin rate-limited the call; it can be retried",
        _ => "see OneLogin's error above",
    };
    IntegrationError::new(
        Service::OneLogin,
        kind,
        format!("OneLogin {what} failed with HTTP {status}: {text}"),
    )
    .with_status(status)
    .with_hint(hint)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_subdomain_or_the_host_names_the_account() {
        assert_eq!(
            base_url_for("acme").unwrap().as_str(),
            "https://acme.onelogin.com/"
        );
        assert_eq!(
            base_url_for("acme.onelogin.com").unwrap().as_str(),
            "https://acme.onelogin.com/"
        );
        assert!(base_url_for("").is_err());
    }
}
