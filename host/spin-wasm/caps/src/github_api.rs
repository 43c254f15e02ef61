//! GitHub under Spin: `get_repo_collaborators` and the built-in `github` access strategy
//! (repository collaborator with a permission), with the native client's REST calls
//! (`host/integrations/src/github.rs`) over Spin's outbound HTTP. Spin variables:
//! `github_org` (the organisation owning the repositories: the integration's `external_id` on
//! the native host, which this component does not see), `github_api_token` (secret), and
//! `github_api_url` (default `https://api.github.com`, which must be in
//! `allowed_outbound_hosts`).

use serde_json::{json, Value};

use crate::bindings::exports::sym::flow::types::{CapabilityError, User, UserIdentity, UserRole};
use crate::outbound::{encode, next_link, RestApi};
use crate::{error, user_for_email, variable};

const DEFAULT_API: &str = "https://api.github.com";
const MAX_PAGES: usize = 10;

fn gh_error(code: &str, message: impl Into<String>) -> CapabilityError {
    error("github", code, message)
}

/// Sym's role names as GitHub's API permissions.
fn api_permission(role: &str) -> &str {
    match role {
        "read" => "pull",
        "write" => "push",
        other => other,
    }
}

struct Client {
    api: RestApi,
    org: String,
}

impl Client {
    fn from_variables() -> Result<Client, CapabilityError> {
        let token = variable("github_api_token").ok_or_else(|| {
            gh_error(
                "not-configured",
                "symflow has no GitHub token on Spin. Set the secret Spin variable github_api_token (SPIN_VARIABLE_GITHUB_API_TOKEN for `spin up`).",
            )
        })?;
        let org = variable("github_org").ok_or_else(|| {
            gh_error(
                "not-configured",
                "symflow does not know your GitHub organisation on Spin. Set the Spin variable github_org (SPIN_VARIABLE_GITHUB_ORG for `spin up`).",
            )
        })?;
        let base = variable("github_api_url").unwrap_or_else(|| DEFAULT_API.into());
        let api = RestApi::new(&base, "application/vnd.github+json", format!("Bearer {token}"))
            .with_header("x-github-api-version", "2022-11-28")
            .with_header("user-agent", "symflow");
        Ok(Client { api, org })
    }

    fn repo_path(&self, repo: &str) -> String {
        format!("/repos/{}/{}", encode(&self.org), encode(repo))
    }

    fn fail(&self, what: &str, status: u16, body: &Value, repo: &str) -> CapabilityError {
        let message = body["message"].as_str().unwrap_or("no details");
        let (code, hint) = match status {
            401 => ("unauthorized", " (check the Spin variable github_api_token)".to_string()),
            404 => (
                "not-found",
                format!(
                    " (check that the repository {}/{repo} exists and that the token can administer it)",
                    self.org
                ),
            ),
            _ => ("error", String::new()),
        };
        gh_error(code, format!("GitHub answered HTTP {status} to {what}: {message}{hint}"))
    }

    fn send(
        &self,
        method: &str,
        target: &str,
        body: Option<&Value>,
    ) -> Result<crate::outbound::JsonAnswer, CapabilityError> {
        self.api
            .call_with(method, target, body)
            .map_err(|e| gh_error("unreachable", format!("GitHub could not be reached: {e}")))
    }

    /// The GitHub login of `user`: their stored GitHub identity, else the one account whose
    /// public e-mail is theirs.
    fn login_of(&self, user: &User) -> Result<Option<String>, CapabilityError> {
        if let Some(identity) = user.identities.iter().find(|i| i.service == "github") {
            return Ok(Some(identity.user_id.clone()));
        }
        let query = format!("{} in:email", user.email);
        let answer = self.send("GET", &format!("/search/users?q={}", encode(&query)), None)?;
        if answer.status >= 300 {
            return Err(self.fail("GET /search/users", answer.status, &answer.body, ""));
        }
        let items = answer.body["items"].as_array().cloned().unwrap_or_default();
        Ok(match items.as_slice() {
            [one] => one["login"].as_str().map(str::to_string),
            _ => None,
        })
    }
}

/// A collaborator as a symflow user with their GitHub identity (no e-mail when GitHub shows
/// none, as on the native host).
fn person(collaborator: &Value, org: &str) -> Option<User> {
    let login = collaborator["login"].as_str()?;
    let mut user = match collaborator["email"].as_str() {
        Some(email) => user_for_email(email),
        None => {
            let mut user = user_for_email(login);
            user.email = String::new();
            user.identities.clear();
            user
        }
    };
    user.username = if user.email.is_empty() {
        login.to_string()
    } else {
        user.username
    };
    user.role = UserRole::Member;
    user.identities.retain(|i| i.service != "github");
    user.identities.push(UserIdentity {
        service: "github".into(),
        service_id: org.to_string(),
        user_id: login.to_string(),
    });
    Some(user)
}

/// Collaborators of `repo` holding one of `roles` (`read` when none is given), once each.
pub fn get_repo_collaborators(repo: &str, roles: &[String]) -> Result<Vec<User>, CapabilityError> {
    let client = Client::from_variables()?;
    let roles: Vec<&str> = if roles.is_empty() {
        vec!["read"]
    } else {
        roles.iter().map(String::as_str).collect()
    };
    let mut all: Vec<Value> = Vec::new();
    for role in roles {
        let mut target = format!(
            "{}/collaborators?permission={}&per_page=100",
            client.repo_path(repo),
            api_permission(role)
        );
        for _ in 0..MAX_PAGES {
            let answer = client.send("GET", &target, None)?;
            if answer.status >= 300 {
                let what = format!("GET /repos/{}/{repo}/collaborators", client.org);
                return Err(client.fail(&what, answer.status, &answer.body, repo));
            }
            for c in answer.body.as_array().cloned().unwrap_or_default() {
                if !all.iter().any(|seen| seen["login"] == c["login"]) {
                    all.push(c);
                }
            }
            match next_link(&answer) {
                Some(next) => target = next,
                None => break,
            }
        }
    }
    Ok(all.iter().filter_map(|c| person(c, &client.org)).collect())
}

/// The `github` strategy's grant: `user` becomes a collaborator of `repo` with `permission`
/// (GitHub answers 201 with an invitation, or 204 when they already are one); the login used.
pub fn add_collaborator(user: &User, repo: &str, permission: &str) -> Result<String, CapabilityError> {
    let client = Client::from_variables()?;
    let login = client.login_of(user)?.ok_or_else(|| {
        gh_error(
            "identity-not-found",
            format!(
                "no GitHub account shows the e-mail {} publicly; access cannot be granted (give them a github identity)",
                user.email
            ),
        )
    })?;
    let target = format!("{}/collaborators/{}", client.repo_path(repo), encode(&login));
    let body = json!({ "permission": api_permission(permission) });
    let answer = client.send("PUT", &target, Some(&body))?;
    if answer.status >= 300 {
        let what = format!("PUT /repos/{}/{repo}/collaborators/{login}", client.org);
        return Err(client.fail(&what, answer.status, &answer.body, repo));
    }
    Ok(login)
}

/// Takes `login` off `repo`'s collaborators; false when they were not one any more.
pub fn remove_collaborator(login: &str, repo: &str) -> Result<bool, CapabilityError> {
    let client = Client::from_variables()?;
    let target = format!("{}/collaborators/{}", client.repo_path(repo), encode(login));
    let answer = client.send("DELETE", &target, None)?;
    if answer.status == 404 {
        return Ok(false);
    }
    if answer.status >= 300 {
        let what = format!("DELETE /repos/{}/{repo}/collaborators/{login}", client.org);
        return Err(client.fail(&what, answer.status, &answer.body, repo));
    }
    Ok(true)
}

/// The GitHub login of `user`, if one is known or findable.
pub fn login_of(user: &User) -> Result<Option<String>, CapabilityError> {
    Client::from_variables()?.login_of(user)
}
