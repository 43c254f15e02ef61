//! Google Workspace (Admin SDK Directory API, service-account auth): the group membership
//! operations of the `google_group` strategy (Sym's `sym_strategy` of type `google_group`,
//! integration type `google`, targets `google_group` with `group_email` and `role`).
//!
//! It exists so that an approved Google Group request really adds the requester to the group
//! and expiry really takes them out, instead of symflow refusing the strategy type.
//!
//! Authentication is Google's OAuth 2 service-account flow (RFC 7523): a JWT signed RS256
//! with the key file's `private_key`, `iss` = its `client_email`, `scope` =
//! `admin.directory.group.member`, `aud` = its `token_uri`, one hour of validity and, for
//! domain-wide delegation, `sub` = the admin to act as. It is posted form-encoded
//! (`grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion=...`) to the token URI
//! for an `access_token`, kept until 60 s before it expires and fetched again once when the
//! API answers 401. Members are inserted with `POST /admin/directory/v1/groups/{group}/members`
//! (409 "Member already exists" is the grant already holding) and deleted with `DELETE
//! .../members/{member}` (404 is the grant already gone). With a base URL override
//! (`SYMFLOW_GOOGLE_API_URL`) the token comes from `{base}/token` too, so that a test's fake
//! serves both. Neither the key, the JWT nor an access token appears in an error or a log.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use reqwest::header::{HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE};
use reqwest::Method;
use ring::signature::RsaKeyPair;
use serde_json::{json, Value};
use symflow_config::secrets::SecretValue;
use url::Url;

use crate::client::{self, encode_segment, Limits, Reply};
use crate::error::{ErrorKind, IntegrationError, Service};
use crate::secrets::ApiToken;

/// Google's public Admin SDK base URL.
pub const DEFAULT_BASE: &str = "https://admin.googleapis.com";
/// Google's OAuth 2 token endpoint, when the key file names none.
pub const DEFAULT_TOKEN_URI: &str = "https://oauth2.googleapis.com/token";
/// The scope needed to change group members.
pub const MEMBER_SCOPE: &str = "https://www.googleapis.com/auth/admin.directory.group.member";
/// A token is fetched again this long before Google says it expires.
const EXPIRY_MARGIN: Duration = Duration::from_secs(60);
/// The lifetime asked for in the JWT (Google's maximum).
const ASSERTION_LIFETIME: u64 = 3600;

/// The roles a group member can have.
pub const ROLES: [&str; 3] = ["MEMBER", "MANAGER", "OWNER"];

/// An access token and when to stop using it.
struct CachedToken {
    value: SecretValue,
    renew_at: Instant,
}

/// The parts of a service-account key file used here.
struct ServiceAccountKey {
    client_email: String,
    token_uri: String,
    key: RsaKeyPair,
}

/// A Google Workspace Directory API client.
pub struct Google {
    base: Url,
    /// `Some` when the base URL was overridden: the token endpoint to use instead of the key's.
    token_override: Option<Url>,
    http: reqwest::Client,
    key_secret: ApiToken,
    key_setting: String,
    admin_email: Option<String>,
    limits: Limits,
    domain: String,
    token: tokio::sync::Mutex<Option<CachedToken>>,
}

impl std::fmt::Debug for Google {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Google")
            .field("base", &self.base.as_str())
            .field("domain", &self.domain)
            .field("admin_email", &self.admin_email)
            .finish_non_exhaustive()
    }
}

impl Google {
    /// A client for the Workspace `domain` (the integration's `external_id`). `base` is the
    /// override of `https://admin.googleapis.com` (its `/token` then replaces the key file's
    /// token URI); `key_secret` holds the service-account key JSON, read from the setting
    /// `key_setting`; `admin_email` is the user to impersonate (domain-wide delegation).
    pub fn new(
        base: Option<Url>,
        domain: impl Into<String>,
        key_secret: ApiToken,
        key_setting: impl Into<String>,
        admin_email: Option<String>,
        limits: Limits,
    ) -> Self {
        let token_override = base.as_ref().map(|b| client::join(b, "/token"));
        Google {
            base: base.unwrap_or_else(|| Url::parse(DEFAULT_BASE).expect("a valid URL")),
            token_override,
            http: client::api_client(),
            key_secret,
            key_setting: key_setting.into(),
            admin_email: admin_email.filter(|e| !e.trim().is_empty()),
            limits,
            domain: domain.into(),
            token: tokio::sync::Mutex::new(None),
        }
    }

    /// The Workspace domain (`sym_integration.external_id`), the identities' service id.
    pub fn domain(&self) -> &str {
        &self.domain
    }

    async fn service_account_key(&self) -> Result<ServiceAccountKey, IntegrationError> {
        let secret = self
            .key_secret
            .get(Service::Google, &self.key_setting)
            .await?;
        let bad = |what: &str| {
            IntegrationError::config(
                Service::Google,
                format!(
                    "the Google integration's {} is not a service-account key file: {what}",
                    self.key_setting
                ),
            )
            .with_hint("put the JSON key of the service account (from the Google Cloud console, type \"service_account\") in the sym_secret")
        };
        let doc: Value =
            serde_json::from_str(secret.expose()).map_err(|_| bad("it is not JSON"))?;
        let text = |key: &str| {
            doc.get(key)
                .and_then(Value::as_str)
                .filter(|v| !v.trim().is_empty())
        };
        let client_email = text("client_email").ok_or_else(|| bad("it has no client_email"))?;
        let pem = text("private_key").ok_or_else(|| bad("it has no private_key"))?;
        let body: String = pem
            .lines()
            .map(str::trim)
            .filter(|l| !l.starts_with("-----"))
            .collect();
        let der = STANDARD
            .decode(body)
            .map_err(|_| bad("its private_key is not PEM"))?;
        let key = RsaKeyPair::from_pkcs8(&der)
            .map_err(|_| bad("its private_key is not a PKCS#8 RSA key"))?;
        Ok(ServiceAccountKey {
            client_email: client_email.to_string(),
            token_uri: text("token_uri").unwrap_or(DEFAULT_TOKEN_URI).to_string(),
            key,
        })
    }

    /// The signed JWT assertion for the token endpoint `aud`.
    fn assertion(&self, key: &ServiceAccountKey, aud: &str) -> Result<String, IntegrationError> {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default();
        let mut claims = json!({
            "iss": key.client_email,
            "scope": MEMBER_SCOPE,
            "aud": aud,
            "iat": now,
            "exp": now + ASSERTION_LIFETIME,
        });
        if let Some(admin) = &self.admin_email {
            claims["sub"] = json!(admin);
        }
        let header = URL_SAFE_NO_PAD.encode(json!({"alg": "RS256", "typ": "JWT"}).to_string());
        let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
        let signing_input = format!("{header}.{payload}");
        let mut signature = vec![0; key.key.public().modulus_len()];
        key.key
            .sign(
                &ring::signature::RSA_PKCS1_SHA256,
                &ring::rand::SystemRandom::new(),
                signing_input.as_bytes(),
                &mut signature,
            )
            .map_err(|_| {
                IntegrationError::config(
                    Service::Google,
                    "the service-account key could not sign the token request",
                )
            })?;
        Ok(format!(
            "{signing_input}.{}",
            URL_SAFE_NO_PAD.encode(signature)
        ))
    }

    /// A fresh access token from the token endpoint.
    async fn fetch_token(&self) -> Result<CachedToken, IntegrationError> {
        let key = self.service_account_key().await?;
        let token_url = match &self.token_override {
            Some(url) => url.clone(),
            None => Url::parse(&key.token_uri).map_err(|_| {
                IntegrationError::config(
                    Service::Google,
                    "the service-account key's token_uri is not a URL",
                )
            })?,
        };
        let assertion = self.assertion(&key, &key.token_uri)?;
        let form = serde_urlencoded::to_string([
            ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
            ("assertion", assertion.as_str()),
        ])
        .map_err(|_| {
            IntegrationError::config(Service::Google, "the token request could not be encoded")
        })?;
        let mut request = reqwest::Request::new(Method::POST, token_url);
        let headers = request.headers_mut();
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        headers.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("application/x-www-form-urlencoded"),
        );
        *request.body_mut() = Some(form.into());
        let reply = client::send(Service::Google, &self.http, request, self.limits).await?;
        if !reply.is_success() {
            let mut err = api_error("POST token", &reply);
            if matches!(
                err.kind,
                ErrorKind::Unauthorized | ErrorKind::Api | ErrorKind::Forbidden
            ) {
                err.hint = Some(format!(
                    "check the service-account key in the {} sym_secret and, with admin_email, that the service account has domain-wide delegation for the scope {MEMBER_SCOPE}",
                    self.key_setting
                ));
            }
            return Err(err);
        }
        let doc = reply.json(Service::Google)?;
        let value = doc
            .get("access_token")
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                IntegrationError::new(
                    Service::Google,
                    ErrorKind::BadResponse,
                    "Google's token endpoint answered without an access_token",
                )
            })?;
        let lifetime = Duration::from_secs(
            doc.get("expires_in")
                .and_then(Value::as_u64)
                .unwrap_or(ASSERTION_LIFETIME),
        );
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
                    Service::Google,
                    ErrorKind::BadResponse,
                    "Google gave an access token that is not a valid header value",
                )
            })?;
        auth.set_sensitive(true);
        headers.insert(AUTHORIZATION, auth);
        if let Some(body) = body {
            *request.body_mut() = Some(body.to_string().into());
        }
        client::send(Service::Google, &self.http, request, self.limits).await
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
        tracing::debug!("Google refused the access token; fetching a new one");
        let token = self.access_token(Some(token.expose())).await?;
        self.send_once(&method, &url, body.as_ref(), &token).await
    }

    fn members_url(&self, group: &str, member: Option<&str>) -> Url {
        let mut path = format!(
            "/admin/directory/v1/groups/{}/members",
            encode_segment(group)
        );
        if let Some(member) = member {
            path.push('/');
            path.push_str(&encode_segment(member));
        }
        client::join(&self.base, &path)
    }

    /// Inserts `email` into the group with `role`; false when they were a member already.
    pub async fn add_member(
        &self,
        group: &str,
        email: &str,
        role: &str,
    ) -> Result<bool, IntegrationError> {
        let url = self.members_url(group, None);
        let reply = self
            .call(
                Method::POST,
                url,
                Some(json!({"email": email, "role": role})),
            )
            .await?;
        if reply.is_success() {
            return Ok(true);
        }
        if reply.status.as_u16() == 409 {
            tracing::debug!(group, "Google group member already exists");
            return Ok(false);
        }
        Err(group_hint(
            api_error("POST /admin/directory/v1/groups/{group}/members", &reply),
            group,
        ))
    }

    /// Deletes `email` from the group; false when they were not a member.
    pub async fn remove_member(&self, group: &str, email: &str) -> Result<bool, IntegrationError> {
        let url = self.members_url(group, Some(email));
        let reply = self.call(Method::DELETE, url, None).await?;
        if reply.is_success() {
            return Ok(true);
        }
        if reply.status.as_u16() == 404 {
            tracing::debug!(group, "Google group member already gone");
            return Ok(false);
        }
        Err(group_hint(
            api_error(
                "DELETE /admin/directory/v1/groups/{group}/members/{member}",
                &reply,
            ),
            group,
        ))
    }
}

fn group_hint(mut err: IntegrationError, group: &str) -> IntegrationError {
    if err.kind == ErrorKind::Forbidden {
        err.hint = Some(format!(
            "the service account may not change the members of {group:?}: check its domain-wide delegation, the scope {MEMBER_SCOPE} and the admin_email it acts as"
        ));
    }
    err
}

/// Google's error documents: `{"error": {"code", "message", "errors": [...]}}`, and the
/// token endpoint's `{"error": "invalid_grant", "error_description": ...}`.
fn api_error(what: &str, reply: &Reply) -> IntegrationError {
    let status = reply.status.as_u16();
    let doc: Value = serde_json::from_slice(&reply.body).unwrap_or_default();
    let text = match doc.get("error") {
        Some(Value::Object(inner)) => inner
            .get("message")
            .and_then(Value::as_str)
            .map(str::to_string),
        Some(Value::String(code)) => {
            Some(match doc.get("error_description").and_then(Value::as_str) {
                Some(description) => format!("{code}: {description}"),
                None => code.clone(),
            })
        }
        _ => None,
    }
    .unwrap_or_else(|| reply.snippet());
    let kind = ErrorKind::from_status(status);
    let hint = match kind {
        ErrorKind::Unauthorized => "check the service-account key (it may have been deleted or disabled)",
        ErrorKind::Forbidden => "the service account lacks a permission: changing group members needs the admin.directory.group.member scope with domain-wide delegation",
        ErrorKind::NotFound => "check the group_email of the target",
        ErrorKind::RateLimited => "Google rate-limited the call; it can be retried",
        _ => "see Google's error above",
    };
    IntegrationError::new(
        Service::Google,
        kind,
        format!("Google {what} failed with HTTP {status}: {text}"),
    )
    .with_status(status)
    .with_hint(hint)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_override_serves_the_token_too() {
        let google = Google::new(
            Some(Url::parse("http://127.0.0.1:9005").unwrap()),
            "example.com",
            ApiToken::value("{}"),
            "service_account_key_secret",
            None,
            Limits::default(),
        );
        assert_eq!(
            google.token_override.as_ref().map(Url::as_str),
            Some("http://127.0.0.1:9005/token")
        );
        assert_eq!(
            google
                .members_url("eng@example.com", Some("a+b@example.com"))
                .path(),
            "/admin/directory/v1/groups/eng%40example.com/members/a%2Bb%40example.com"
        );
        let public = Google::new(
            None,
            "example.com",
            ApiToken::value("{}"),
            "service_account_key_secret",
            None,
            Limits::default(),
        );
        assert!(public.token_override.is_none());
        assert_eq!(public.base.as_str(), "https://admin.googleapis.com/");
    }
}
