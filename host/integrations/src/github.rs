//! GitHub (REST API, `Authorization: Bearer <token>`): repository collaborators, for
//! `sym.sdk.integrations.github.get_repo_collaborators` and the `github` strategy, which
//! grants a repository of the integration's organisation (`external_id`) with a permission.
//!
//! A Sym user's GitHub identity is their login: the identity the host stored for them, else
//! the account whose public email matches (`/search/users?q=<email> in:email`).

use std::sync::Arc;

use reqwest::header::{HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE};
use reqwest::Method;
use serde_json::{json, Value};
use symflow_sandbox::capabilities::GithubCapability;
use symflow_sandbox::types::{CapabilityError, User, UserIdentity};
use url::Url;

use crate::client::{self, encode_segment, Bridge, Limits, Reply};
use crate::error::{ErrorKind, IntegrationError, Service};
use crate::secrets::ApiToken;
use crate::users::{to_users, ServicePerson, UserDirectory};

/// GitHub's API.
pub const DEFAULT_BASE_URL: &str = "https://api.github.com";
const MAX_PAGES: usize = 30;

/// SDK role names (`read`, `write`, ...) to the API's permission names (`pull`, `push`, ...).
pub fn api_permission(role: &str) -> &str {
    match role {
        "read" => "pull",
        "write" => "push",
        other => other,
    }
}

/// A GitHub REST API client for one organisation.
#[derive(Debug)]
pub struct GitHub {
    base: Url,
    http: reqwest::Client,
    token: ApiToken,
    limits: Limits,
    org: String,
}

impl GitHub {
    /// A client for `org` at `base`.
    pub fn new(base: Url, org: impl Into<String>, token: ApiToken, limits: Limits) -> Self {
        GitHub {
            base,
            http: client::api_client(),
            token,
            limits,
            org: org.into(),
        }
    }

    /// The organisation (`sym_integration.external_id`).
    pub fn org(&self) -> &str {
        &self.org
    }

    async fn call(
        &self,
        method: Method,
        url: Url,
        body: Option<Value>,
    ) -> Result<Reply, IntegrationError> {
        let token = self.token.get(Service::GitHub, "api_token_secret").await?;
        let mut request = reqwest::Request::new(method, url);
        let headers = request.headers_mut();
        headers.insert(
            ACCEPT,
            HeaderValue::from_static("application/vnd.github+json"),
        );
        headers.insert(
            "x-github-api-version",
            HeaderValue::from_static("2022-11-28"),
        );
        let mut auth =
            HeaderValue::from_str(&format!("Bearer {}", token.expose())).map_err(|_| {
                IntegrationError::config(
                    Service::GitHub,
                    "the GitHub token is not a valid header value",
                )
            })?;
        auth.set_sensitive(true);
        headers.insert(AUTHORIZATION, auth);
        if let Some(body) = body {
            headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
            *request.body_mut() = Some(body.to_string().into());
        }
        client::send(Service::GitHub, &self.http, request, self.limits).await
    }

    fn repo_path(&self, repo: &str) -> String {
        format!(
            "/repos/{}/{}",
            encode_segment(&self.org),
            encode_segment(repo)
        )
    }

    /// Collaborators of `repo` holding `permission` (API name) or more.
    pub async fn collaborators(
        &self,
        repo: &str,
        permission: &str,
    ) -> Result<Vec<Value>, IntegrationError> {
        let mut url = client::join(
            &self.base,
            &format!("{}/collaborators", self.repo_path(repo)),
        );
        url.query_pairs_mut()
            .append_pair("permission", api_permission(permission))
            .append_pair("per_page", "100");
        let what = format!("GET /repos/{}/{repo}/collaborators", self.org);
        let mut all = Vec::new();
        for _ in 0..MAX_PAGES {
            let reply = self.call(Method::GET, url.clone(), None).await?;
            if !reply.is_success() {
                return Err(repo_hint(api_error(&what, &reply), &self.org, repo));
            }
            if let Value::Array(batch) = reply.json(Service::GitHub)? {
                all.extend(batch);
            }
            match client::next_link(&reply.headers, &self.base) {
                Some(next) => url = next,
                None => break,
            }
        }
        Ok(all)
    }

    /// The login whose public email is `email`, if exactly one account has it.
    pub async fn login_for_email(&self, email: &str) -> Result<Option<String>, IntegrationError> {
        let mut url = client::join(&self.base, "/search/users");
        url.query_pairs_mut()
            .append_pair("q", &format!("{email} in:email"));
        let reply = self.call(Method::GET, url, None).await?;
        if !reply.is_success() {
            return Err(api_error("GET /search/users", &reply));
        }
        let doc = reply.json(Service::GitHub)?;
        let items = doc
            .get("items")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        if items.len() != 1 {
            return Ok(None);
        }
        Ok(items[0]
            .get("login")
            .and_then(Value::as_str)
            .map(str::to_string))
    }

    /// Makes `login` a collaborator of `repo` with `permission` (`PUT`; GitHub answers 201
    /// with an invitation or 204 when they already are one, and updates the permission).
    pub async fn add_collaborator(
        &self,
        repo: &str,
        login: &str,
        permission: &str,
    ) -> Result<u16, IntegrationError> {
        let url = client::join(
            &self.base,
            &format!(
                "{}/collaborators/{}",
                self.repo_path(repo),
                encode_segment(login)
            ),
        );
        let body = json!({ "permission": api_permission(permission) });
        let reply = self.call(Method::PUT, url, Some(body)).await?;
        if !reply.is_success() {
            let what = format!("PUT /repos/{}/{repo}/collaborators/{login}", self.org);
            return Err(repo_hint(api_error(&what, &reply), &self.org, repo));
        }
        Ok(reply.status.as_u16())
    }

    /// Removes `login` from `repo`'s collaborators; false when GitHub answers 404 (they were
    /// not one any more).
    pub async fn remove_collaborator(
        &self,
        repo: &str,
        login: &str,
    ) -> Result<bool, IntegrationError> {
        let url = client::join(
            &self.base,
            &format!(
                "{}/collaborators/{}",
                self.repo_path(repo),
                encode_segment(login)
            ),
        );
        let reply = self.call(Method::DELETE, url, None).await?;
        if reply.status.as_u16() == 404 {
            return Ok(false);
        }
        if !reply.is_success() {
            let what = format!("DELETE /repos/{}/{repo}/collaborators/{login}", self.org);
            return Err(repo_hint(api_error(&what, &reply), &self.org, repo));
        }
        Ok(true)
    }

    fn person(&self, collaborator: &Value) -> Option<ServicePerson> {
        let login = collaborator.get("login").and_then(Value::as_str)?;
        Some(ServicePerson {
            email: collaborator
                .get("email")
                .and_then(Value::as_str)
                .map(str::to_string),
            name: collaborator
                .get("name")
                .and_then(Value::as_str)
                .map(str::to_string),
            identity: Some(UserIdentity {
                service: "github".into(),
                service_id: self.org.clone(),
                user_id: login.to_string(),
            }),
        })
    }
}

fn repo_hint(mut err: IntegrationError, org: &str, repo: &str) -> IntegrationError {
    if err.kind == ErrorKind::NotFound {
        err.hint = Some(format!(
            "check that the repository {org}/{repo} exists (target setting repo_name) and that \
             the token can administer it"
        ));
    }
    err
}

/// GitHub's error document: `{"message", "errors": [{"message"|"code"}], "documentation_url"}`.
fn api_error(what: &str, reply: &Reply) -> IntegrationError {
    let status = reply.status.as_u16();
    let doc: Value = serde_json::from_slice(&reply.body).unwrap_or_default();
    let mut text = doc
        .get("message")
        .and_then(Value::as_str)
        .map(str::to_string)
        .unwrap_or_else(|| reply.snippet());
    let details: Vec<String> = doc
        .get("errors")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|e| {
            e.get("message")
                .or_else(|| e.get("code"))
                .and_then(Value::as_str)
                .map(str::to_string)
        })
        .collect();
    if !details.is_empty() {
        text.push_str(&format!(" ({})", details.join("; ")));
    }
    let rate_limited = status == 429
        || (status == 403
            && reply
                .headers
                .get("x-ratelimit-remaining")
                .and_then(|v| v.to_str().ok())
                == Some("0"));
    let kind = if rate_limited {
        ErrorKind::RateLimited
    } else {
        ErrorKind::from_status(status)
    };
    let hint = match kind {
        ErrorKind::Unauthorized => "check the GitHub token in the integration's api_token_secret (it may have expired)".to_string(),
        ErrorKind::Forbidden => "the GitHub token needs admin access to the repository (classic: repo scope; fine-grained: Administration read/write)".to_string(),
        ErrorKind::RateLimited => "GitHub rate-limited the token; it can be retried later".to_string(),
        ErrorKind::Api if status == 422 => "GitHub refused the input: check the permission (pull, triage, push, maintain, admin) and the user".to_string(),
        _ => "see GitHub's error above".to_string(),
    };
    IntegrationError::new(
        Service::GitHub,
        kind,
        format!("GitHub {what} failed with HTTP {status}: {text}"),
    )
    .with_status(status)
    .with_hint(hint)
}

/// The `github` capability over a [`GitHub`] client.
pub struct GitHubCapability {
    client: GitHub,
    bridge: Bridge,
    users: Arc<dyn UserDirectory>,
}

impl std::fmt::Debug for GitHubCapability {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GitHubCapability")
            .field("client", &self.client)
            .finish_non_exhaustive()
    }
}

impl GitHubCapability {
    /// The capability over `client`.
    pub fn new(client: GitHub, bridge: Bridge, users: Arc<dyn UserDirectory>) -> Self {
        GitHubCapability {
            client,
            bridge,
            users,
        }
    }
}

impl GithubCapability for GitHubCapability {
    fn get_repo_collaborators(
        &self,
        repo_name: String,
        roles: Vec<String>,
    ) -> Result<Vec<User>, CapabilityError> {
        let roles = if roles.is_empty() {
            vec!["read".to_string()]
        } else {
            roles
        };
        let collaborators = self.bridge.block_on(async {
            let mut all: Vec<Value> = Vec::new();
            for role in &roles {
                for c in self.client.collaborators(&repo_name, role).await? {
                    if !all.iter().any(|seen| seen.get("login") == c.get("login")) {
                        all.push(c);
                    }
                }
            }
            Ok::<_, IntegrationError>(all)
        })?;
        let people = collaborators
            .iter()
            .filter_map(|c| self.client.person(c))
            .collect();
        Ok(to_users(self.users.as_ref(), people))
    }
}
