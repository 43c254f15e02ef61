//! Okta (management API, `Authorization: SSWS <token>`): the helpers behind
//! `sym.sdk.integrations.okta` and the group operations of the `okta` strategy.
//!
//! The API lives at `https://<external_id>` (the Okta domain of the `sym_integration`).
//! Users are found by login (`/api/v1/users/{login}`, which takes an email login) and then
//! by `profile.email`. Lists follow Okta's `Link: <...>; rel="next"` pagination, only on the
//! same origin so the token never leaves for another host.

use std::sync::Arc;

use reqwest::header::{HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE};
use reqwest::Method;
use serde_json::Value;
use symflow_sandbox::capabilities::OktaCapability as OktaCapabilityTrait;
use symflow_sandbox::types::{CapabilityError, User, UserIdentity};
use url::Url;

use crate::client::{self, encode_segment, Bridge, Limits, Reply};
use crate::error::{ErrorKind, IntegrationError, Service};
use crate::secrets::ApiToken;
use crate::users::{identity_in, to_users, ServicePerson, UserDirectory};

const MAX_PAGES: usize = 50;

/// An Okta management API client.
#[derive(Debug)]
pub struct Okta {
    base: Url,
    http: reqwest::Client,
    token: ApiToken,
    limits: Limits,
    domain: String,
}

impl Okta {
    /// A client for the org at `base` (`https://dev-123.okta.com`), whose domain is `domain`.
    pub fn new(base: Url, domain: impl Into<String>, token: ApiToken, limits: Limits) -> Self {
        Okta {
            base,
            http: client::api_client(),
            token,
            limits,
            domain: domain.into(),
        }
    }

    /// The Okta domain (`sym_integration.external_id`), the identities' service id.
    pub fn domain(&self) -> &str {
        &self.domain
    }

    async fn call(&self, method: Method, url: Url) -> Result<Reply, IntegrationError> {
        let token = self.token.get(Service::Okta, "api_token_secret").await?;
        let mut request = reqwest::Request::new(method, url);
        let headers = request.headers_mut();
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        let mut auth =
            HeaderValue::from_str(&format!("SSWS {}", token.expose())).map_err(|_| {
                IntegrationError::config(
                    Service::Okta,
                    "the Okta API token is not a valid header value",
                )
            })?;
        auth.set_sensitive(true);
        headers.insert(AUTHORIZATION, auth);
        let reply = client::send(Service::Okta, &self.http, request, self.limits).await?;
        Ok(reply)
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

    async fn get_list(&self, mut url: Url, what: &str) -> Result<Vec<Value>, IntegrationError> {
        let mut items = Vec::new();
        for _ in 0..MAX_PAGES {
            let reply = self.call(Method::GET, url.clone()).await?;
            if !reply.is_success() {
                return Err(api_error(what, &reply));
            }
            match reply.json(Service::Okta)? {
                Value::Array(batch) => items.extend(batch),
                _ => {
                    return Err(IntegrationError::new(
                        Service::Okta,
                        ErrorKind::BadResponse,
                        format!("Okta {what} did not answer a JSON list"),
                    ))
                }
            }
            match client::next_link(&reply.headers, &self.base) {
                Some(next) => url = next,
                None => break,
            }
        }
        Ok(items)
    }

    /// The Okta user with this login or email, if any.
    pub async fn find_user(&self, login_or_email: &str) -> Result<Option<Value>, IntegrationError> {
        let url = self.url(
            &format!("/api/v1/users/{}", encode_segment(login_or_email)),
            &[],
        );
        let reply = self.call(Method::GET, url).await?;
        if reply.status.as_u16() == 404 {
            let filter = format!("profile.email eq \"{}\"", login_or_email.replace('"', ""));
            let url = self.url("/api/v1/users", &[("search", &filter)]);
            let found = self.get_list(url, "GET /api/v1/users?search=").await?;
            return Ok(found.into_iter().next());
        }
        if !reply.is_success() {
            return Err(api_error("GET /api/v1/users/{login}", &reply));
        }
        reply.json(Service::Okta).map(Some)
    }

    /// The Okta user id for this email.
    pub async fn user_id(&self, email: &str) -> Result<Option<String>, IntegrationError> {
        Ok(self
            .find_user(email)
            .await?
            .and_then(|u| u.get("id").and_then(Value::as_str).map(str::to_string)))
    }

    /// Is the user a member of the group?
    pub async fn is_member(&self, user_id: &str, group_id: &str) -> Result<bool, IntegrationError> {
        let url = self.url(
            &format!("/api/v1/users/{}/groups", encode_segment(user_id)),
            &[],
        );
        let groups = self.get_list(url, "GET /api/v1/users/{id}/groups").await?;
        Ok(groups
            .iter()
            .any(|g| g.get("id").and_then(Value::as_str) == Some(group_id)))
    }

    /// The members of a group.
    pub async fn group_members(&self, group_id: &str) -> Result<Vec<Value>, IntegrationError> {
        let url = self.url(
            &format!("/api/v1/groups/{}/users", encode_segment(group_id)),
            &[("limit", "200")],
        );
        self.get_list(url, "GET /api/v1/groups/{id}/users")
            .await
            .map_err(|e| group_hint(e, group_id))
    }

    /// Groups, filtered as Okta's List Groups API does.
    pub async fn list_groups(
        &self,
        name_filter: Option<&str>,
        filter: Option<&str>,
        expand: Option<&str>,
        only_native_groups: bool,
    ) -> Result<Vec<Value>, IntegrationError> {
        let native = "type eq \"OKTA_GROUP\"";
        let filter = match (filter.filter(|f| !f.is_empty()), only_native_groups) {
            (Some(f), true) => Some(format!("({f}) and {native}")),
            (Some(f), false) => Some(f.to_string()),
            (None, true) => Some(native.to_string()),
            (None, false) => None,
        };
        let mut query: Vec<(&str, &str)> = Vec::new();
        if let Some(q) = name_filter.filter(|q| !q.is_empty()) {
            query.push(("q", q));
        }
        if let Some(f) = &filter {
            query.push(("filter", f));
        }
        if let Some(e) = expand.filter(|e| !e.is_empty()) {
            query.push(("expand", e));
        }
        let url = self.url("/api/v1/groups", &query);
        self.get_list(url, "GET /api/v1/groups").await
    }

    /// Adds the user to the group (`PUT`, idempotent in Okta).
    pub async fn add_to_group(
        &self,
        group_id: &str,
        user_id: &str,
    ) -> Result<(), IntegrationError> {
        let url = self.url(
            &format!(
                "/api/v1/groups/{}/users/{}",
                encode_segment(group_id),
                encode_segment(user_id)
            ),
            &[],
        );
        let reply = self.call(Method::PUT, url).await?;
        if !reply.is_success() {
            return Err(group_hint(
                api_error("PUT /api/v1/groups/{groupId}/users/{userId}", &reply),
                group_id,
            ));
        }
        Ok(())
    }

    /// Removes the user from the group; false when Okta no longer knows the membership.
    pub async fn remove_from_group(
        &self,
        group_id: &str,
        user_id: &str,
    ) -> Result<bool, IntegrationError> {
        let url = self.url(
            &format!(
                "/api/v1/groups/{}/users/{}",
                encode_segment(group_id),
                encode_segment(user_id)
            ),
            &[],
        );
        let reply = self.call(Method::DELETE, url).await?;
        if reply.status.as_u16() == 404 {
            return Ok(false);
        }
        if !reply.is_success() {
            return Err(group_hint(
                api_error("DELETE /api/v1/groups/{groupId}/users/{userId}", &reply),
                group_id,
            ));
        }
        Ok(true)
    }

    fn person(&self, user: &Value) -> Option<ServicePerson> {
        let id = user.get("id").and_then(Value::as_str)?;
        let profile = user.get("profile").cloned().unwrap_or_default();
        let email = profile
            .get("email")
            .or_else(|| profile.get("login"))
            .and_then(Value::as_str)
            .map(str::to_string);
        let name = match (
            profile.get("firstName").and_then(Value::as_str),
            profile.get("lastName").and_then(Value::as_str),
        ) {
            (Some(f), Some(l)) => Some(format!("{f} {l}")),
            (Some(f), None) => Some(f.to_string()),
            _ => None,
        };
        Some(ServicePerson {
            email,
            name,
            identity: Some(UserIdentity {
                service: "okta".into(),
                service_id: self.domain.clone(),
                user_id: id.to_string(),
            }),
        })
    }

    /// The Okta id the host stored for `user`, else looked up by email.
    pub async fn id_of(&self, user: &User) -> Result<Option<String>, IntegrationError> {
        if let Some(id) = identity_in(user, "okta", Some(&self.domain)) {
            return Ok(Some(id.to_string()));
        }
        let email = if user.email.is_empty() {
            &user.username
        } else {
            &user.email
        };
        self.user_id(email).await
    }
}

fn group_hint(mut err: IntegrationError, group_id: &str) -> IntegrationError {
    if err.kind == ErrorKind::NotFound {
        err.hint = Some(format!(
            "check that the Okta group {group_id:?} (target setting group_id) exists"
        ));
    }
    err
}

/// Okta's error document: `{"errorCode", "errorSummary", "errorCauses": [{"errorSummary"}]}`.
fn api_error(what: &str, reply: &Reply) -> IntegrationError {
    let status = reply.status.as_u16();
    let doc: Value = serde_json::from_slice(&reply.body).unwrap_or_default();
    let mut text = doc
        .get("errorSummary")
        .and_then(Value::as_str)
        .map(str::to_string)
        .unwrap_or_else(|| reply.snippet());
    if let Some(code) = doc.get("errorCode").and_then(Value::as_str) {
        text = format!("{code} {text}");
    }
    let causes: Vec<&str> = doc
        .get("errorCauses")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|c| c.get("errorSummary").and_then(Value::as_str))
        .collect();
    if !causes.is_empty() {
        text.push_str(&format!(" ({})", causes.join("; ")));
    }
    let kind = ErrorKind::from_status(status);
    let hint = match kind {
        ErrorKind::Unauthorized => "check the Okta API token in the integration's api_token_secret (it may have expired)".to_string(),
        ErrorKind::Forbidden => "the Okta API token's admin lacks a permission: it needs to manage group membership (e.g. Group Admin for the group)".to_string(),
        ErrorKind::NotFound => "check the Okta ids given (group_id, user)".to_string(),
        ErrorKind::RateLimited => "Okta rate-limited the call; it can be retried".to_string(),
        _ => "see Okta's error above".to_string(),
    };
    IntegrationError::new(
        Service::Okta,
        kind,
        format!("Okta {what} failed with HTTP {status}: {text}"),
    )
    .with_status(status)
    .with_hint(hint)
}

/// The `okta` capability over an [`Okta`] client.
pub struct OktaCapability {
    client: Okta,
    bridge: Bridge,
    users: Arc<dyn UserDirectory>,
}

impl std::fmt::Debug for OktaCapability {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OktaCapability")
            .field("client", &self.client)
            .finish_non_exhaustive()
    }
}

impl OktaCapability {
    /// The capability over `client`.
    pub fn new(client: Okta, bridge: Bridge, users: Arc<dyn UserDirectory>) -> Self {
        OktaCapability {
            client,
            bridge,
            users,
        }
    }
}

impl OktaCapabilityTrait for OktaCapability {
    fn is_user_in_group(&self, user: User, group_id: String) -> Result<bool, CapabilityError> {
        Ok(self.bridge.block_on(async {
            match self.client.id_of(&user).await? {
                Some(id) => self.client.is_member(&id, &group_id).await,
                None => Ok(false),
            }
        })?)
    }

    fn users_in_group(&self, group_id: String) -> Result<Vec<User>, CapabilityError> {
        let members = self.bridge.block_on(self.client.group_members(&group_id))?;
        let people = members
            .iter()
            .filter_map(|m| self.client.person(m))
            .collect();
        Ok(to_users(self.users.as_ref(), people))
    }

    fn get_user_info(&self, user: User) -> Result<String, CapabilityError> {
        let found = self.bridge.block_on(async {
            match identity_in(&user, "okta", Some(&self.client.domain)) {
                Some(id) => self.client.find_user(id).await,
                None => {
                    self.client
                        .find_user(if user.email.is_empty() {
                            &user.username
                        } else {
                            &user.email
                        })
                        .await
                }
            }
        })?;
        match found {
            Some(profile) => Ok(profile.to_string()),
            None => Err(IntegrationError::new(
                Service::Okta,
                ErrorKind::NotFound,
                format!("Okta has no user for {}", user.username),
            )
            .into()),
        }
    }

    fn list_groups(
        &self,
        name_filter: Option<String>,
        filter: Option<String>,
        expand: Option<String>,
        only_native_groups: bool,
    ) -> Result<String, CapabilityError> {
        let groups = self.bridge.block_on(self.client.list_groups(
            name_filter.as_deref(),
            filter.as_deref(),
            expand.as_deref(),
            only_native_groups,
        ))?;
        Ok(Value::Array(groups).to_string())
    }
}
