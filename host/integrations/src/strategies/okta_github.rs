//! The `okta` (group membership) and `github` (repository collaborator) strategies.

use async_trait::async_trait;
use serde_json::{json, Value};

use super::{identity_of, AccessRequest, BuiltinStrategy};
use crate::error::{IntegrationError, Service};
use crate::github::GitHub;
use crate::okta::Okta;

/// `okta`: adds the requester to the target's Okta group (`okta_group`, setting `group_id`).
#[derive(Debug)]
pub(crate) struct OktaStrategy {
    okta: Okta,
    domain: String,
}

impl OktaStrategy {
    pub fn new(okta: Okta) -> Self {
        let domain = okta_domain(&okta);
        OktaStrategy { okta, domain }
    }
}

fn okta_domain(okta: &Okta) -> String {
    okta.domain().to_string()
}

#[async_trait]
impl BuiltinStrategy for OktaStrategy {
    fn strategy_type(&self) -> &'static str {
        "okta"
    }

    fn identity_service(&self) -> Option<(&str, &str)> {
        Some(("okta", &self.domain))
    }

    async fn fetch_identity(&self, email: &str) -> Result<Option<String>, IntegrationError> {
        self.okta.user_id(email).await
    }

    async fn escalate(&self, request: &AccessRequest) -> Result<Value, IntegrationError> {
        let group = request.target.required(Service::Okta, "group_id")?;
        let user = identity_of(self, Service::Okta, request).await?;
        self.okta.add_to_group(group, &user).await?;
        Ok(json!({ "group_id": group, "user_id": user }))
    }

    async fn deescalate(&self, request: &AccessRequest) -> Result<Value, IntegrationError> {
        let group = request.target.required(Service::Okta, "group_id")?;
        let user = match output_str(request, "user_id") {
            Some(user) => user,
            None => identity_of(self, Service::Okta, request).await?,
        };
        let removed = self.okta.remove_from_group(group, &user).await?;
        Ok(json!({ "group_id": group, "user_id": user, "removed": removed }))
    }
}

/// What the escalation recorded under `key`.
pub(super) fn output_str(request: &AccessRequest, key: &str) -> Option<String> {
    request
        .escalate_output
        .as_ref()
        .and_then(|o| o.get(key))
        .and_then(Value::as_str)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

/// `github`: makes the requester a collaborator of the target repository (`github_repo`,
/// setting `repo_name`) with `permission` (target setting, else strategy setting, else
/// `push`).
#[derive(Debug)]
pub(crate) struct GitHubStrategy {
    github: GitHub,
    permission: Option<String>,
}

impl GitHubStrategy {
    pub fn new(github: GitHub, permission: Option<String>) -> Self {
        GitHubStrategy { github, permission }
    }
}

#[async_trait]
impl BuiltinStrategy for GitHubStrategy {
    fn strategy_type(&self) -> &'static str {
        "github"
    }

    fn identity_service(&self) -> Option<(&str, &str)> {
        Some(("github", self.github.org()))
    }

    async fn fetch_identity(&self, email: &str) -> Result<Option<String>, IntegrationError> {
        self.github.login_for_email(email).await
    }

    async fn escalate(&self, request: &AccessRequest) -> Result<Value, IntegrationError> {
        let repo = request.target.required(Service::GitHub, "repo_name")?;
        let permission = request
            .target
            .setting("permission")
            .or(self.permission.as_deref())
            .unwrap_or("push");
        let login = identity_of(self, Service::GitHub, request).await?;
        let status = self
            .github
            .add_collaborator(repo, &login, permission)
            .await?;
        Ok(json!({
            "repo": format!("{}/{repo}", self.github.org()),
            "username": login,
            "permission": crate::github::api_permission(permission),
            "invited": status == 201,
        }))
    }

    async fn deescalate(&self, request: &AccessRequest) -> Result<Value, IntegrationError> {
        let repo = request.target.required(Service::GitHub, "repo_name")?;
        let login = match output_str(request, "username") {
            Some(login) => login,
            None => identity_of(self, Service::GitHub, request).await?,
        };
        let removed = self.github.remove_collaborator(repo, &login).await?;
        Ok(json!({
            "repo": format!("{}/{repo}", self.github.org()),
            "username": login,
            "removed": removed,
        }))
    }
}
