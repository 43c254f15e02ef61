//! PagerDuty under Spin (`is_on_call`, `users_on_call`, `users_for_schedule`, `get_incidents`):
//! the same REST calls as the native client (`host/integrations/src/pagerduty.rs`) — the user by
//! e-mail (or the PagerDuty identity the user already has), the schedule or escalation policy
//! by name, then `/oncalls`, `/schedules/{id}/users` or `/incidents` — over Spin's outbound
//! HTTP, so `https://api.pagerduty.com` must be in `allowed_outbound_hosts`. The API token is
//! the secret Spin variable `pagerduty_api_token`; `pagerduty_api_url` points tests at a fake.

use serde_json::Value;

use crate::bindings::exports::sym::flow::pagerduty::{IncidentQuery, OnCallQuery};
use crate::bindings::exports::sym::flow::types::{CapabilityError, User, UserIdentity, UserRole};
use crate::outbound::{encode, RestApi};
use crate::{error, variable};

const DEFAULT_API: &str = "https://api.pagerduty.com";
const PAGE: usize = 100;
const MAX_PAGES: usize = 10;

fn pd_error(code: &str, message: impl Into<String>) -> CapabilityError {
    error("pagerduty", code, message)
}

struct Client {
    api: RestApi,
}

impl Client {
    fn from_variables() -> Result<Client, CapabilityError> {
        let token = variable("pagerduty_api_token").ok_or_else(|| {
            pd_error(
                "not-configured",
                "symflow has no PagerDuty API token on Spin. Set the Spin variable pagerduty_api_token (SPIN_VARIABLE_PAGERDUTY_API_TOKEN for `spin up`) to a read-only PagerDuty REST API key.",
            )
        })?;
        let base = variable("pagerduty_api_url").unwrap_or_else(|| DEFAULT_API.into());
        Ok(Client {
            api: RestApi::new(
                &base,
                "application/vnd.pagerduty+json;version=2",
                format!("Token token={token}"),
            ),
        })
    }

    fn get(&self, path: &str, query: &[(&str, String)]) -> Result<Value, CapabilityError> {
        let query: Vec<String> = query
            .iter()
            .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
            .collect();
        let target = format!("{path}?{}", query.join("&"));
        let answer = self.api.call("GET", &target).map_err(|e| {
            pd_error(
                "unreachable",
                format!("PagerDuty could not be reached: {e}"),
            )
        })?;
        if answer.status == 401 || answer.status == 403 {
            return Err(pd_error(
                "unauthorized",
                format!("PagerDuty refused the API token (HTTP {}); check the Spin variable pagerduty_api_token", answer.status),
            ));
        }
        if answer.status >= 300 {
            return Err(pd_error(
                "error",
                format!("PagerDuty answered HTTP {} to GET {path}", answer.status),
            ));
        }
        if answer.body.is_null() {
            return Err(pd_error(
                "bad-answer",
                format!("PagerDuty's answer to {path} is not JSON"),
            ));
        }
        Ok(answer.body)
    }

    /// Every item of a paged list.
    fn list(
        &self,
        path: &str,
        key: &str,
        query: &[(&str, String)],
    ) -> Result<Vec<Value>, CapabilityError> {
        let mut items = Vec::new();
        for page in 0..MAX_PAGES {
            let mut paged = query.to_vec();
            paged.push(("limit", PAGE.to_string()));
            paged.push(("offset", (page * PAGE).to_string()));
            let reply = self.get(path, &paged)?;
            let batch = reply[key].as_array().cloned().unwrap_or_default();
            let n = batch.len();
            items.extend(batch);
            if reply["more"].as_bool() != Some(true) || n == 0 {
                break;
            }
        }
        Ok(items)
    }

    fn id_by_name(
        &self,
        path: &str,
        key: &str,
        what: &str,
        name: &str,
    ) -> Result<String, CapabilityError> {
        self.list(path, key, &[("query", name.to_string())])?
            .iter()
            .find(|item| {
                item["name"]
                    .as_str()
                    .is_some_and(|n| n.eq_ignore_ascii_case(name))
            })
            .and_then(|item| item["id"].as_str())
            .map(str::to_string)
            .ok_or_else(|| {
                pd_error(
                    "not-found",
                    format!("PagerDuty has no {what} named {name:?}; check the name in the flow"),
                )
            })
    }

    fn user_id(&self, user: &User) -> Result<Option<String>, CapabilityError> {
        if let Some(identity) = user.identities.iter().find(|i| i.service == "pagerduty") {
            return Ok(Some(identity.user_id.clone()));
        }
        let found = self.list("/users", "users", &[("query", user.email.clone())])?;
        Ok(found
            .iter()
            .find(|u| {
                u["email"]
                    .as_str()
                    .is_some_and(|e| e.eq_ignore_ascii_case(&user.email))
            })
            .and_then(|u| u["id"].as_str())
            .map(str::to_string))
    }
}

fn nonempty(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// The `/oncalls` filters of `query`: escalation policy and schedule ids (names resolved).
fn on_call_filters(
    client: &Client,
    query: &OnCallQuery,
) -> Result<Vec<(&'static str, String)>, CapabilityError> {
    let mut params: Vec<(&str, String)> = vec![("include[]", "users".to_string())];
    if let Some(id) = nonempty(&query.escalation_policy_id) {
        params.push(("escalation_policy_ids[]", id.to_string()));
    } else if let Some(name) = nonempty(&query.escalation_policy_name) {
        let id = client.id_by_name(
            "/escalation_policies",
            "escalation_policies",
            "escalation policy",
            name,
        )?;
        params.push(("escalation_policy_ids[]", id));
    }
    if let Some(id) = nonempty(&query.schedule_id) {
        params.push(("schedule_ids[]", id.to_string()));
    } else if let Some(name) = nonempty(&query.schedule_name) {
        let id = client.id_by_name("/schedules", "schedules", "schedule", name)?;
        params.push(("schedule_ids[]", id));
    }
    Ok(params)
}

/// Is `user` on call now for the schedule or escalation policy of `query`?
pub fn is_on_call(user: &User, query: &OnCallQuery) -> Result<bool, CapabilityError> {
    let client = Client::from_variables()?;
    let Some(user_id) = client.user_id(user)? else {
        // Not a PagerDuty user: not on call.
        return Ok(false);
    };
    let mut params = on_call_filters(&client, query)?;
    params.push(("user_ids[]", user_id.clone()));
    let oncalls = client.list("/oncalls", "oncalls", &params)?;
    Ok(oncalls
        .iter()
        .any(|o| o["user"]["id"].as_str() == Some(user_id.as_str())))
}

/// The people on call now for the schedule or escalation policy of `query`, once each.
pub fn users_on_call(query: &OnCallQuery) -> Result<Vec<User>, CapabilityError> {
    let client = Client::from_variables()?;
    let params = on_call_filters(&client, query)?;
    let mut people: Vec<User> = Vec::new();
    for oncall in client.list("/oncalls", "oncalls", &params)? {
        if let Some(person) = person(&oncall["user"]) {
            if !people.iter().any(|p| p.email == person.email) {
                people.push(person);
            }
        }
    }
    Ok(people)
}

/// The people of the schedule of `query` (`/schedules/{id}/users`).
pub fn users_for_schedule(query: &OnCallQuery) -> Result<Vec<User>, CapabilityError> {
    let client = Client::from_variables()?;
    let id = match (nonempty(&query.schedule_id), nonempty(&query.schedule_name)) {
        (Some(id), _) => id.to_string(),
        (None, Some(name)) => client.id_by_name("/schedules", "schedules", "schedule", name)?,
        (None, None) => {
            return Err(pd_error(
                "bad-query",
                "users_for_schedule needs schedule_name or schedule_id",
            ))
        }
    };
    let reply = client.get(&format!("/schedules/{}/users", encode(&id)), &[])?;
    Ok(reply["users"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(person)
        .collect())
}

/// Incidents matching `query` (`/incidents`), as a JSON list of PagerDuty incident objects.
pub fn get_incidents(query: &IncidentQuery) -> Result<String, CapabilityError> {
    let client = Client::from_variables()?;
    let mut params: Vec<(&str, String)> = Vec::new();
    params.extend(query.statuses.iter().map(|s| ("statuses[]", s.clone())));
    params.extend(query.urgencies.iter().map(|u| ("urgencies[]", u.clone())));
    params.extend(query.service_ids.iter().map(|s| ("service_ids[]", s.clone())));
    for assignee in &query.assignees {
        // Someone PagerDuty does not know has no incidents; leaving them out would widen the
        // query to everyone's.
        match client.user_id(assignee)? {
            Some(id) => params.push(("user_ids[]", id)),
            None if query.assignees.len() == 1 => return Ok("[]".into()),
            None => {}
        }
    }
    if let Some(since) = nonempty(&query.since) {
        params.push(("since", since.to_string()));
    }
    if let Some(until) = nonempty(&query.until) {
        params.push(("until", until.to_string()));
    }
    let incidents = client.list("/incidents", "incidents", &params)?;
    Ok(Value::Array(incidents).to_string())
}

/// A PagerDuty user object as a symflow user with their PagerDuty identity.
fn person(user: &Value) -> Option<User> {
    let id = user["id"].as_str()?;
    let email = user["email"].as_str()?;
    let mut person = crate::user_for_email(email);
    if let Some(name) = user["name"].as_str().or_else(|| user["summary"].as_str()) {
        let mut parts = name.splitn(2, ' ');
        person.first_name = parts.next().unwrap_or_default().to_string();
        person.last_name = parts.next().unwrap_or_default().to_string();
    }
    person.role = UserRole::Member;
    person.identities.retain(|i| i.service != "pagerduty");
    person.identities.push(UserIdentity {
        service: "pagerduty".into(),
        service_id: String::new(),
        user_id: id.to_string(),
    });
    Some(person)
}
