//! Which secrets a flow was given, and the Spin variable each one is read from.
//!
//! The native host gives a flow the `sym_secret`s that its environment's integrations (and its
//! custom strategy's integration) reference in their settings (`api_token_secret =
//! sym_secret.x.id`, `secret_ids_json = jsonencode([...])`); the flow sees each as
//! `{"$secret": "<id>"}`, the id being the secret's Terraform name. The tenant file carries
//! those same settings (`flow-info.integrations`, `strategy_integration`), so this module reads
//! the ids from there and maps each to the secret Spin variable `secret_<id>` (lower-cased,
//! every other character an underscore: `sym_secret.pagerduty_api_key` →
//! `secret_pagerduty_api_key`, set with `SPIN_VARIABLE_SECRET_PAGERDUTY_API_KEY` for `spin up`).

use serde_json::Value;

use crate::bindings::symflow::spin::context::GivenSecret;
use crate::tenant::{Tenant, TenantFlow};

/// The Spin variable holding the value of the `sym_secret` named `id`.
pub fn variable_for(id: &str) -> String {
    let mut name = String::from("secret_");
    for c in id.chars() {
        let c = c.to_ascii_lowercase();
        let c = if c.is_ascii_lowercase() || c.is_ascii_digit() {
            c
        } else {
            '_'
        };
        // Spin variable names allow no double underscore and no trailing one.
        if !(c == '_' && name.ends_with('_')) {
            name.push(c);
        }
    }
    name.trim_end_matches('_').to_string()
}

/// Every secret `flow` was given (id, Spin variable, `json_key`), sorted by id.
pub fn given(tenant: &Tenant, flow: &TenantFlow) -> Vec<GivenSecret> {
    let mut ids = Vec::new();
    let settings = flow
        .info
        .integrations
        .iter()
        .chain(flow.strategy_integration.iter())
        .map(|i| i.settings_json.as_str());
    for json in settings {
        if let Ok(value) = serde_json::from_str::<Value>(json) {
            collect(&value, &mut ids);
        }
    }
    // Whatever the build wrote explicitly counts as given too.
    ids.extend(flow.secrets.iter().map(|(id, _)| id.clone()));
    ids.sort();
    ids.dedup();
    ids.into_iter()
        .map(|id| {
            let variable = flow
                .secrets
                .iter()
                .find(|(given, _)| *given == id)
                .map(|(_, var)| var.clone())
                .unwrap_or_else(|| variable_for(&id));
            GivenSecret {
                json_key: tenant.secret_json_keys.get(&id).cloned(),
                id,
                variable,
            }
        })
        .collect()
}

fn collect(value: &Value, ids: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(id)) = map.get("$secret") {
                ids.push(id.clone());
            }
            map.values().for_each(|v| collect(v, ids));
        }
        Value::Array(items) => items.iter().for_each(|v| collect(v, ids)),
        _ => {}
    }
}
