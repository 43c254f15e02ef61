//! PagerDuty's `is_on_call` under Spin: the same REST calls as the native client
//! (`host/integrations/src/pagerduty.rs`) — the user by e-mail (or the PagerDuty identity the
//! user already has), the schedule or escalation policy by name, then `/oncalls` — over Spin's
//! outbound HTTP, so `https://api.pagerduty.com` must be in `allowed_outbound_hosts`. The API
//! token is the secret Spin variable `pagerduty_api_token`; `pagerduty_api_url` points tests at
//! a fake. The other PagerDuty helpers still answer `not-supported-on-spin`.

use serde_json::Value;

use crate::bindings::exports::sym::flow::pagerduty::OnCallQuery;
use crate::bindings::exports::sym::flow::types::{CapabilityError, User};
use crate::{error, outbound, variable};

const DEFAULT_API: &str = "https://api.pagerduty.com";
const PAGE: usize = 100;
const MAX_PAGES: usize = 10;

fn pd_error(code: &str, message: impl Into<String>) -> CapabilityError {
    error("pagerduty", code, message)
}

struct Client {
    base: String,
    token: String,
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
            base: base.trim_end_matches('/').to_string(),
            token,
        })
    }

    fn get(&self, path: &str, query: &[(&str, String)]) -> Result<Value, CapabilityError> {
        let query: Vec<String> = query
            .iter()
            .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
            .collect();
        let url = format!("{}{path}?{}", self.base, query.join("&"));
        let answer = outbound::send(
            "GET",
            &url,
            &[
                (
                    "accept".into(),
                    "application/vnd.pagerduty+json;version=2".into(),
                ),
                ("content-type".into(), "application/json".into()),
                (
                    "authorization".into(),
                    format!("Token token={}", self.token),
                ),
            ],
            None,
        )
        .map_err(|e| {
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
        serde_json::from_slice(&answer.body).map_err(|e| {
            pd_error(
                "bad-answer",
                format!("PagerDuty's answer to {path} is not JSON: {e}"),
            )
        })
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

/// Is `user` on call now for the schedule or escalation policy of `query`?
pub fn is_on_call(user: &User, query: &OnCallQuery) -> Result<bool, CapabilityError> {
    let client = Client::from_variables()?;
    let Some(user_id) = client.user_id(user)? else {
        // Not a PagerDuty user: not on call.
        return Ok(false);
    };
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
    params.push(("user_ids[]", user_id.clone()));
    let oncalls = client.list("/oncalls", "oncalls", &params)?;
    Ok(oncalls
        .iter()
        .any(|o| o["user"]["id"].as_str() == Some(user_id.as_str())))
}

/// Percent-encodes a query component (RFC 3986 unreserved characters pass).
fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}
