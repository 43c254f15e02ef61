//! Okta under Spin: `is_user_in_group`, `users_in_group` and `get_user_info` with the same
//! REST calls as the native client (`host/integrations/src/okta.rs`) — the user by the Okta
//! identity the user already has, else by login, else by e-mail search; then their groups or
//! the group's members — over Spin's outbound HTTP. The Okta org's URL
//! (`https://<org>.okta.com`) is the Spin variable `okta_api_url` and must also be in
//! `allowed_outbound_hosts`; the API token is the secret Spin variable `okta_api_token` (sent
//! as `SSWS <token>`). `list_groups` lists the org's groups the same way.

use serde_json::{json, Value};

use crate::bindings::exports::sym::flow::types::{CapabilityError, User, UserIdentity, UserRole};
use crate::outbound::{encode, next_link, RestApi};
use crate::{error, variable};

const MAX_PAGES: usize = 10;

fn okta_error(code: &str, message: impl Into<String>) -> CapabilityError {
    error("okta", code, message)
}

struct Client {
    api: RestApi,
}

impl Client {
    fn from_variables() -> Result<Client, CapabilityError> {
        let base = variable("okta_api_url").ok_or_else(|| {
            okta_error(
                "not-configured",
                "symflow does not know your Okta org on Spin. Set the Spin variable okta_api_url (SPIN_VARIABLE_OKTA_API_URL for `spin up`) to https://<your-org>.okta.com and add that URL to allowed_outbound_hosts in spin.toml.",
            )
        })?;
        let token = variable("okta_api_token").ok_or_else(|| {
            okta_error(
                "not-configured",
                "symflow has no Okta API token on Spin. Set the secret Spin variable okta_api_token (SPIN_VARIABLE_OKTA_API_TOKEN for `spin up`) to an Okta API token.",
            )
        })?;
        Ok(Client {
            api: RestApi::new(&base, "application/json", format!("SSWS {token}")),
        })
    }

    /// The host part of the org URL: the `service_id` of Okta identities.
    fn domain(&self) -> String {
        let base = &self.api.base;
        let rest = base.split("://").nth(1).unwrap_or(base);
        rest.split('/').next().unwrap_or(rest).to_string()
    }

    /// GET `url` (absolute or a path): status and JSON body (`Null` when the body is not JSON).
    fn get(&self, url: &str, what: &str) -> Result<(u16, Value, Option<String>), CapabilityError> {
        self.send("GET", url, what)
    }

    /// `method` `url` (absolute or a path): status, JSON body (`Null` when not JSON), next page.
    fn send(
        &self,
        method: &str,
        url: &str,
        what: &str,
    ) -> Result<(u16, Value, Option<String>), CapabilityError> {
        let answer = self
            .api
            .call(method, url)
            .map_err(|e| okta_error("unreachable", format!("Okta could not be reached: {e}")))?;
        if answer.status == 401 || (answer.status == 403 && method == "GET") {
            return Err(okta_error(
                "unauthorized",
                format!("Okta refused the API token (HTTP {}) for {what}; check the Spin variable okta_api_token", answer.status),
            ));
        }
        let next = next_link(&answer);
        Ok((answer.status, answer.body, next))
    }

    fn fail(what: &str, status: u16, body: &Value) -> CapabilityError {
        let summary = body["errorSummary"].as_str().unwrap_or("no details");
        let code = if status == 404 { "not-found" } else { "error" };
        okta_error(
            code,
            format!("Okta answered HTTP {status} to {what}: {summary}"),
        )
    }

    /// Every item of a paged list (Okta pages with `Link: <…>; rel="next"`).
    fn list(&self, path: &str, what: &str) -> Result<Vec<Value>, CapabilityError> {
        let mut url = path.to_string();
        let mut items = Vec::new();
        for _ in 0..MAX_PAGES {
            let (status, body, next) = self.get(&url, what)?;
            if status >= 300 {
                return Err(Client::fail(what, status, &body));
            }
            match body {
                Value::Array(batch) => items.extend(batch),
                _ => {
                    return Err(okta_error(
                        "bad-answer",
                        format!("Okta's answer to {what} is not a JSON list"),
                    ))
                }
            }
            match next {
                Some(next) => url = next,
                None => break,
            }
        }
        Ok(items)
    }

    /// The Okta user with this login or e-mail, if any.
    fn find_user(&self, login_or_email: &str) -> Result<Option<Value>, CapabilityError> {
        let url = format!("/api/v1/users/{}", encode(login_or_email));
        let (status, body, _) = self.get(&url, "GET /api/v1/users/{login}")?;
        if status == 404 {
            let filter = format!("profile.email eq \"{}\"", login_or_email.replace('"', ""));
            let found = self.list(
                &format!("/api/v1/users?search={}", encode(&filter)),
                "GET /api/v1/users?search=",
            )?;
            return Ok(found.into_iter().next());
        }
        if status >= 300 {
            return Err(Client::fail("GET /api/v1/users/{login}", status, &body));
        }
        Ok(Some(body))
    }

    /// The Okta id of `user`: their stored Okta identity, else looked up by e-mail.
    fn id_of(&self, user: &User) -> Result<Option<String>, CapabilityError> {
        let domain = self.domain();
        if let Some(identity) = user
            .identities
            .iter()
            .find(|i| i.service == "okta" && (i.service_id.is_empty() || i.service_id == domain))
        {
            return Ok(Some(identity.user_id.clone()));
        }
        let email = if user.email.is_empty() {
            &user.username
        } else {
            &user.email
        };
        Ok(self
            .find_user(email)?
            .and_then(|u| u["id"].as_str().map(str::to_string)))
    }
}

/// The `okta` access strategy: adds `user` to the group `group_id` (idempotent: Okta answers
/// 204 for a member too); the Okta user id it used.
pub fn add_to_group(user: &User, group_id: &str) -> Result<String, CapabilityError> {
    let client = Client::from_variables()?;
    let id = client.id_of(user)?.ok_or_else(|| {
        okta_error(
            "identity-not-found",
            format!(
                "Okta has no user with the e-mail {}; access cannot be granted",
                if user.email.is_empty() { &user.username } else { &user.email }
            ),
        )
    })?;
    client.membership("PUT", group_id, &id)?;
    Ok(id)
}

/// The Okta id of `user` (their Okta identity, else looked up by e-mail), if Okta knows them.
pub fn okta_id(user: &User) -> Result<Option<String>, CapabilityError> {
    Client::from_variables()?.id_of(user)
}

/// Takes `user_id` out of the group `group_id`; whether they were in it (a membership that is
/// already gone is not an error).
pub fn remove_from_group(user_id: &str, group_id: &str) -> Result<bool, CapabilityError> {
    Client::from_variables()?.membership("DELETE", group_id, user_id)
}

impl Client {
    /// PUT or DELETE `/api/v1/groups/{group}/users/{user}`; false when Okta answered 404 to a
    /// DELETE (not a member).
    fn membership(&self, method: &str, group_id: &str, user_id: &str) -> Result<bool, CapabilityError> {
        let what = format!("{method} /api/v1/groups/{{groupId}}/users/{{userId}}");
        let url = format!(
            "/api/v1/groups/{}/users/{}",
            encode(group_id),
            encode(user_id)
        );
        let (status, body, _) = self.send(method, &url, &what)?;
        if status == 404 && method == "DELETE" {
            return Ok(false);
        }
        if status >= 300 {
            let mut e = Client::fail(&what, status, &body);
            if status == 404 {
                e.message = format!("{} (check that the Okta group {group_id:?} exists)", e.message);
            }
            if status == 403 {
                e.message = format!(
                    "{} (the API token's Okta admin may not manage group {group_id:?}; give it a role over that group)",
                    e.message
                );
            }
            return Err(e);
        }
        Ok(true)
    }
}

/// Okta's groups (`GET /api/v1/groups`, every page) as a JSON list: `q` by name, Okta's
/// `filter` expression, `expand`; only Okta-mastered groups when `only_native` (added to the
/// filter as `type eq "OKTA_GROUP"`, as on the native host).
pub fn list_groups(
    name_filter: Option<&str>,
    filter: Option<&str>,
    expand: Option<&str>,
    only_native: bool,
) -> Result<String, CapabilityError> {
    let client = Client::from_variables()?;
    let native = "type eq \"OKTA_GROUP\"";
    let filter = match (filter.filter(|f| !f.is_empty()), only_native) {
        (Some(f), true) => Some(format!("({f}) and {native}")),
        (Some(f), false) => Some(f.to_string()),
        (None, true) => Some(native.to_string()),
        (None, false) => None,
    };
    let mut query = Vec::new();
    if let Some(q) = name_filter.filter(|q| !q.is_empty()) {
        query.push(format!("q={}", encode(q)));
    }
    if let Some(f) = &filter {
        query.push(format!("filter={}", encode(f)));
    }
    if let Some(e) = expand.filter(|e| !e.is_empty()) {
        query.push(format!("expand={}", encode(e)));
    }
    let path = if query.is_empty() {
        "/api/v1/groups".to_string()
    } else {
        format!("/api/v1/groups?{}", query.join("&"))
    };
    let groups = client.list(&path, "GET /api/v1/groups")?;
    Ok(Value::Array(groups).to_string())
}

/// Is `user` a member of the Okta group `group_id`? Not an Okta user: no.
pub fn is_user_in_group(user: &User, group_id: &str) -> Result<bool, CapabilityError> {
    let client = Client::from_variables()?;
    let Some(id) = client.id_of(user)? else {
        return Ok(false);
    };
    let groups = client.list(
        &format!("/api/v1/users/{}/groups", encode(&id)),
        "GET /api/v1/users/{id}/groups",
    )?;
    Ok(groups.iter().any(|g| g["id"].as_str() == Some(group_id)))
}

/// The members of the Okta group `group_id`, as symflow users with their Okta identity.
pub fn users_in_group(group_id: &str) -> Result<Vec<User>, CapabilityError> {
    let client = Client::from_variables()?;
    let members = client
        .list(
            &format!("/api/v1/groups/{}/users?limit=200", encode(group_id)),
            "GET /api/v1/groups/{id}/users",
        )
        .map_err(|mut e| {
            if e.code == "not-found" {
                e.message = format!(
                    "{} (check that the Okta group {group_id:?} exists)",
                    e.message
                );
            }
            e
        })?;
    let domain = client.domain();
    Ok(members.iter().filter_map(|m| person(m, &domain)).collect())
}

/// The Okta user record of `user` as JSON (`{}` when Okta does not know them).
pub fn get_user_info(user: &User) -> Result<String, CapabilityError> {
    let client = Client::from_variables()?;
    let Some(id) = client.id_of(user)? else {
        return Ok(json!({}).to_string());
    };
    Ok(client.find_user(&id)?.unwrap_or(json!({})).to_string())
}

fn person(member: &Value, domain: &str) -> Option<User> {
    let id = member["id"].as_str()?;
    let profile = &member["profile"];
    let email = profile["email"]
        .as_str()
        .or_else(|| profile["login"].as_str())?
        .to_string();
    let mut user = crate::user_for_email(&email);
    user.first_name = profile["firstName"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    user.last_name = profile["lastName"].as_str().unwrap_or_default().to_string();
    user.role = UserRole::Member;
    user.identities.retain(|i| i.service != "okta");
    user.identities.push(UserIdentity {
        service: "okta".into(),
        service_id: domain.to_string(),
        user_id: id.to_string(),
    });
    Some(user)
}
