//! PagerDuty (REST API v2, `Authorization: Token token=...`): the on-call and incident checks
//! behind `sym.sdk.integrations.pagerduty` — `is_on_call`, `users_on_call`,
//! `users_for_schedule`, `get_incidents` (`has_incident` is the SDK's own, on top of it).
//!
//! Escalation policies and schedules may be named: names are looked up with `?query=` and
//! must match exactly (case-insensitively). Users are matched by email (`/users?query=`), or
//! by the PagerDuty identity the host stored for them.

use std::sync::Arc;

use reqwest::header::{HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE};
use reqwest::Method;
use serde_json::Value;
use symflow_sandbox::bindings::pagerduty::{IncidentQuery, OnCallQuery};
use symflow_sandbox::capabilities::PagerdutyCapability;
use symflow_sandbox::types::{CapabilityError, User, UserIdentity};
use url::Url;

use crate::client::{self, Bridge, Limits, Reply};
use crate::error::{ErrorKind, IntegrationError, Service};
use crate::secrets::ApiToken;
use crate::users::{identity_in, to_users, ServicePerson, UserDirectory};

/// PagerDuty's API.
pub const DEFAULT_BASE_URL: &str = "https://api.pagerduty.com";
const PAGE: usize = 100;
const MAX_PAGES: usize = 20;

/// A PagerDuty REST API v2 client.
#[derive(Debug)]
pub struct PagerDuty {
    base: Url,
    http: reqwest::Client,
    token: ApiToken,
    limits: Limits,
    /// `sym_integration.external_id` (`mycompany.pagerduty.com`), the identities' service id.
    service_id: String,
}

/// Which incidents (see [`PagerDuty::incidents`]).
#[derive(Debug, Clone, Default)]
pub struct Incidents {
    /// PagerDuty user ids assigned.
    pub user_ids: Vec<String>,
    /// Service ids.
    pub service_ids: Vec<String>,
    /// `triggered`, `acknowledged`, `resolved`.
    pub statuses: Vec<String>,
    /// `low`, `high`.
    pub urgencies: Vec<String>,
    /// ISO 8601 start.
    pub since: Option<String>,
    /// ISO 8601 end.
    pub until: Option<String>,
}

impl Incidents {
    /// Sym's defaults for what is not given: statuses `triggered` and `acknowledged`,
    /// urgency `high`, since 24 hours before `now`.
    pub fn with_defaults(mut self, now: std::time::SystemTime) -> Self {
        if self.statuses.is_empty() {
            self.statuses = vec!["triggered".into(), "acknowledged".into()];
        }
        if self.urgencies.is_empty() {
            self.urgencies = vec!["high".into()];
        }
        if self.since.is_none() {
            let day = std::time::Duration::from_secs(24 * 3600);
            self.since = Some(crate::time::rfc3339(now.checked_sub(day).unwrap_or(now)));
        }
        self
    }
}

impl PagerDuty {
    /// A client for the API at `base`, authenticated by `token`.
    pub fn new(base: Url, token: ApiToken, service_id: impl Into<String>, limits: Limits) -> Self {
        PagerDuty {
            base,
            http: client::api_client(),
            token,
            limits,
            service_id: service_id.into(),
        }
    }

    async fn get(&self, path: &str, query: &[(&str, String)]) -> Result<Value, IntegrationError> {
        let mut url = client::join(&self.base, path);
        if !query.is_empty() {
            let mut pairs = url.query_pairs_mut();
            for (key, value) in query {
                pairs.append_pair(key, value);
            }
        }
        let token = self
            .token
            .get(Service::PagerDuty, "api_token_secret")
            .await?;
        let mut request = reqwest::Request::new(Method::GET, url);
        let headers = request.headers_mut();
        headers.insert(
            ACCEPT,
            HeaderValue::from_static("application/vnd.pagerduty+json;version=2"),
        );
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        let mut auth =
            HeaderValue::from_str(&format!("Token token={}", token.expose())).map_err(|_| {
                IntegrationError::config(
                    Service::PagerDuty,
                    "the PagerDuty API token is not a valid header value",
                )
            })?;
        auth.set_sensitive(true);
        headers.insert(AUTHORIZATION, auth);
        let reply = client::send(Service::PagerDuty, &self.http, request, self.limits).await?;
        if !reply.is_success() {
            return Err(api_error(path, &reply));
        }
        reply.json(Service::PagerDuty)
    }

    /// Every item of a paginated list (`offset`/`limit`/`more`).
    async fn list(
        &self,
        path: &str,
        key: &str,
        query: &[(&str, String)],
    ) -> Result<Vec<Value>, IntegrationError> {
        let mut items = Vec::new();
        for page in 0..MAX_PAGES {
            let mut paged = query.to_vec();
            paged.push(("limit", PAGE.to_string()));
            paged.push(("offset", (page * PAGE).to_string()));
            let reply = self.get(path, &paged).await?;
            let batch = reply
                .get(key)
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let n = batch.len();
            items.extend(batch);
            if reply.get("more").and_then(Value::as_bool) != Some(true) || n == 0 {
                break;
            }
        }
        Ok(items)
    }

    /// The PagerDuty user id of `email`.
    pub async fn user_id_by_email(&self, email: &str) -> Result<Option<String>, IntegrationError> {
        let users = self
            .list("/users", "users", &[("query", email.to_string())])
            .await?;
        Ok(users
            .iter()
            .find(|u| str_of(u, "email").is_some_and(|e| e.eq_ignore_ascii_case(email)))
            .and_then(|u| str_of(u, "id"))
            .map(str::to_string))
    }

    async fn id_by_name(
        &self,
        path: &str,
        key: &str,
        what: &str,
        name: &str,
    ) -> Result<String, IntegrationError> {
        let found = self.list(path, key, &[("query", name.to_string())]).await?;
        found
            .iter()
            .find(|item| str_of(item, "name").is_some_and(|n| n.eq_ignore_ascii_case(name)))
            .and_then(|item| str_of(item, "id"))
            .map(str::to_string)
            .ok_or_else(|| {
                IntegrationError::new(
                    Service::PagerDuty,
                    ErrorKind::NotFound,
                    format!("PagerDuty has no {what} named {name:?}"),
                )
                .with_hint(format!(
                    "check the {what} name (or pass its id); names must match exactly"
                ))
            })
    }

    /// Escalation policy and schedule ids of a query, names looked up.
    pub async fn resolve(
        &self,
        query: &OnCallQuery,
    ) -> Result<(Vec<String>, Vec<String>), IntegrationError> {
        let mut policies = Vec::new();
        if let Some(id) = nonempty(&query.escalation_policy_id) {
            policies.push(id.to_string());
        } else if let Some(name) = nonempty(&query.escalation_policy_name) {
            policies.push(
                self.id_by_name(
                    "/escalation_policies",
                    "escalation_policies",
                    "escalation policy",
                    name,
                )
                .await?,
            );
        }
        let mut schedules = Vec::new();
        if let Some(id) = nonempty(&query.schedule_id) {
            schedules.push(id.to_string());
        } else if let Some(name) = nonempty(&query.schedule_name) {
            schedules.push(
                self.id_by_name("/schedules", "schedules", "schedule", name)
                    .await?,
            );
        }
        Ok((policies, schedules))
    }

    /// Current on-call entries (`/oncalls`), with user objects included.
    pub async fn oncalls(
        &self,
        policies: &[String],
        schedules: &[String],
        user_ids: &[String],
    ) -> Result<Vec<Value>, IntegrationError> {
        let mut query: Vec<(&str, String)> = vec![("include[]", "users".to_string())];
        query.extend(
            policies
                .iter()
                .map(|id| ("escalation_policy_ids[]", id.clone())),
        );
        query.extend(schedules.iter().map(|id| ("schedule_ids[]", id.clone())));
        query.extend(user_ids.iter().map(|id| ("user_ids[]", id.clone())));
        self.list("/oncalls", "oncalls", &query).await
    }

    /// Is the user (PagerDuty id, or found by email) on call for the query?
    pub async fn is_on_call(
        &self,
        pd_user_id: Option<String>,
        email: &str,
        query: &OnCallQuery,
    ) -> Result<bool, IntegrationError> {
        let user_id = match pd_user_id {
            Some(id) => id,
            None => match self.user_id_by_email(email).await? {
                Some(id) => id,
                // Not a PagerDuty user: not on call.
                None => return Ok(false),
            },
        };
        let (policies, schedules) = self.resolve(query).await?;
        let oncalls = self
            .oncalls(&policies, &schedules, std::slice::from_ref(&user_id))
            .await?;
        Ok(oncalls
            .iter()
            .any(|o| o.get("user").and_then(|u| str_of(u, "id")) == Some(user_id.as_str())))
    }

    fn person(&self, user: &Value) -> Option<ServicePerson> {
        let id = str_of(user, "id")?;
        Some(ServicePerson {
            email: str_of(user, "email").map(str::to_string),
            name: str_of(user, "name")
                .or_else(|| str_of(user, "summary"))
                .map(str::to_string),
            identity: Some(UserIdentity {
                service: "pagerduty".into(),
                service_id: self.service_id.clone(),
                user_id: id.to_string(),
            }),
        })
    }

    /// The people on call for the query.
    pub async fn users_on_call(
        &self,
        query: &OnCallQuery,
    ) -> Result<Vec<ServicePerson>, IntegrationError> {
        let (policies, schedules) = self.resolve(query).await?;
        let oncalls = self.oncalls(&policies, &schedules, &[]).await?;
        Ok(oncalls
            .iter()
            .filter_map(|o| o.get("user"))
            .filter_map(|u| self.person(u))
            .collect())
    }

    /// The people of a schedule (`/schedules/{id}/users`).
    pub async fn users_for_schedule(
        &self,
        query: &OnCallQuery,
    ) -> Result<Vec<ServicePerson>, IntegrationError> {
        let (_, schedules) = self.resolve(query).await?;
        let Some(schedule) = schedules.first() else {
            return Err(IntegrationError::new(
                Service::PagerDuty,
                ErrorKind::Config,
                "users_for_schedule needs schedule_name or schedule_id",
            ));
        };
        let reply = self
            .get(
                &format!("/schedules/{}/users", client::encode_segment(schedule)),
                &[],
            )
            .await?;
        Ok(reply
            .get("users")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|u| self.person(u))
            .collect())
    }

    /// Incidents (`/incidents`) matching the filters.
    pub async fn incidents(&self, filter: &Incidents) -> Result<Vec<Value>, IntegrationError> {
        let mut query: Vec<(&str, String)> = Vec::new();
        query.extend(filter.statuses.iter().map(|s| ("statuses[]", s.clone())));
        query.extend(filter.urgencies.iter().map(|u| ("urgencies[]", u.clone())));
        query.extend(
            filter
                .service_ids
                .iter()
                .map(|s| ("service_ids[]", s.clone())),
        );
        query.extend(filter.user_ids.iter().map(|u| ("user_ids[]", u.clone())));
        if let Some(since) = &filter.since {
            query.push(("since", since.clone()));
        }
        if let Some(until) = &filter.until {
            query.push(("until", until.clone()));
        }
        self.list("/incidents", "incidents", &query).await
    }

    /// The PagerDuty identity the host stored for `user`, if any.
    pub fn stored_identity(&self, user: &User) -> Option<String> {
        identity_in(user, "pagerduty", Some(&self.service_id)).map(str::to_string)
    }
}

fn nonempty(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

fn str_of<'a>(value: &'a Value, key: &str) -> Option<&'a str> {
    value.get(key).and_then(Value::as_str)
}

fn email_of(user: &User) -> &str {
    if user.email.is_empty() {
        &user.username
    } else {
        &user.email
    }
}

/// PagerDuty's error document: `{"error": {"message", "code", "errors": [...]}}`.
fn api_error(path: &str, reply: &Reply) -> IntegrationError {
    let status = reply.status.as_u16();
    let doc: Value = serde_json::from_slice(&reply.body).unwrap_or_default();
    let error = doc.get("error").cloned().unwrap_or_default();
    let mut text = error
        .get("message")
        .and_then(Value::as_str)
        .map(str::to_string)
        .unwrap_or_else(|| reply.snippet());
    let details: Vec<&str> = error
        .get("errors")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    if !details.is_empty() {
        text.push_str(&format!(" ({})", details.join("; ")));
    }
    let kind = ErrorKind::from_status(status);
    let hint = match kind {
        ErrorKind::Unauthorized => {
            "check the PagerDuty API token in the integration's api_token_secret".to_string()
        }
        ErrorKind::Forbidden => {
            "the PagerDuty API token lacks access: use a full-access or read-only REST API key"
                .to_string()
        }
        ErrorKind::NotFound => "check the PagerDuty ids given to the helper".to_string(),
        ErrorKind::RateLimited => "PagerDuty rate-limited the call; it can be retried".to_string(),
        _ => "see PagerDuty's error above".to_string(),
    };
    IntegrationError::new(
        Service::PagerDuty,
        kind,
        format!("PagerDuty GET {path} failed with HTTP {status}: {text}"),
    )
    .with_status(status)
    .with_hint(hint)
}

/// The `pagerduty` capability over a [`PagerDuty`] client.
pub struct PagerDutyCapability {
    client: PagerDuty,
    bridge: Bridge,
    users: Arc<dyn UserDirectory>,
}

impl std::fmt::Debug for PagerDutyCapability {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PagerDutyCapability")
            .field("client", &self.client)
            .finish_non_exhaustive()
    }
}

impl PagerDutyCapability {
    /// The capability over `client`.
    pub fn new(client: PagerDuty, bridge: Bridge, users: Arc<dyn UserDirectory>) -> Self {
        PagerDutyCapability {
            client,
            bridge,
            users,
        }
    }
}

impl PagerdutyCapability for PagerDutyCapability {
    fn is_on_call(&self, user: User, query: OnCallQuery) -> Result<bool, CapabilityError> {
        let stored = self.client.stored_identity(&user);
        let email = email_of(&user).to_string();
        Ok(self
            .bridge
            .block_on(self.client.is_on_call(stored, &email, &query))?)
    }

    fn users_on_call(&self, query: OnCallQuery) -> Result<Vec<User>, CapabilityError> {
        let people = self.bridge.block_on(self.client.users_on_call(&query))?;
        Ok(to_users(self.users.as_ref(), people))
    }

    fn users_for_schedule(&self, query: OnCallQuery) -> Result<Vec<User>, CapabilityError> {
        let people = self
            .bridge
            .block_on(self.client.users_for_schedule(&query))?;
        Ok(to_users(self.users.as_ref(), people))
    }

    fn get_incidents(&self, query: IncidentQuery) -> Result<String, CapabilityError> {
        let client = &self.client;
        let incidents = self.bridge.block_on(async {
            let mut user_ids = Vec::new();
            for user in &query.assignees {
                let id = match client.stored_identity(user) {
                    Some(id) => Some(id),
                    None => client.user_id_by_email(email_of(user)).await?,
                };
                user_ids.extend(id);
            }
            if !query.assignees.is_empty() && user_ids.is_empty() {
                // None of the assignees is a PagerDuty user: no incident is theirs.
                return Ok(Vec::new());
            }
            client
                .incidents(
                    &Incidents {
                        user_ids,
                        service_ids: query.service_ids.clone(),
                        statuses: query.statuses.clone(),
                        urgencies: query.urgencies.clone(),
                        since: query.since.clone(),
                        until: query.until.clone(),
                    }
                    .with_defaults(std::time::SystemTime::now()),
                )
                .await
        })?;
        Ok(Value::Array(incidents).to_string())
    }
}
