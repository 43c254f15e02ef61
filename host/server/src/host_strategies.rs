//! `escalate` / `deescalate` of the built-in strategies (`okta`, `github`, `aws_sso`,
//! `aws_iam`, `aws_lambda`, `http`), which the host runs itself instead of the flow's Python.
//!
//! The engine asks for them exactly as for a custom strategy ([`FlowCall::Escalate`] /
//! [`FlowCall::Deescalate`]) and gets the same answer back: the step output, which it keeps
//! in the run and which is handed to `deescalate` (and to hooks via `get_step_output`). A
//! service error becomes the Sym exception of that service (`OktaError`, `GitHubError`,
//! `IdentityNotFound`, ...) with its `Type:NAME` code, so the run fails with a readable
//! reason in the error channel.
//!
//! The requester's identity in the service is read from the store when known, else looked
//! up by e-mail and stored (as `persist_user_identity` would).

use std::time::Duration;

use serde_json::{Map, Value};
use symflow_engine::{ErrorKind, EventInfo, FlowCall, FlowError, Run};
use symflow_integrations::strategies::{AccessRequest, BuiltinStrategy, TargetSpec};
use symflow_integrations::IntegrationError;
use symflow_store::{IdentityKey, Store, UserRole, DEFAULT_TENANT};
use tokio::runtime::Handle;

use crate::flows::RuntimeFlow;
use crate::users::wit_user;

/// Runs `call` (escalate or deescalate) of `strategy` for `event` of `run`, blocking on
/// `handle` (the caller is a blocking thread). Returns the step output.
pub fn run_blocking(
    handle: &Handle,
    store: &Store,
    strategy: &dyn BuiltinStrategy,
    flow: &RuntimeFlow,
    run: &Run,
    call: FlowCall,
    event: &EventInfo,
) -> Result<Value, FlowError> {
    let request = access_request(handle, store, strategy, flow, run, call, event)?;
    let result = if call == FlowCall::Escalate {
        handle.block_on(strategy.escalate(&request))
    } else {
        handle.block_on(strategy.deescalate(&request))
    };
    result.map_err(|e| flow_error(&e))
}

fn access_request(
    handle: &Handle,
    store: &Store,
    strategy: &dyn BuiltinStrategy,
    flow: &RuntimeFlow,
    run: &Run,
    call: FlowCall,
    event: &EventInfo,
) -> Result<AccessRequest, FlowError> {
    let requester = run.requester.as_ref().ok_or_else(|| {
        FlowError::new(
            ErrorKind::Sandbox,
            "this run has no requester, so there is nobody to grant access to",
        )
    })?;
    let target_id = event
        .target_id
        .clone()
        .or_else(|| run.target_id.clone())
        .unwrap_or_default();
    let target = target_spec(flow, &target_id, &run.fields).ok_or_else(|| {
        FlowError::new(
            ErrorKind::Sandbox,
            format!(
                "the request names the target {target_id:?}, which is not one of the `{}` strategy's targets",
                strategy.strategy_type()
            ),
        )
    })?;
    let identity = match strategy.identity_service() {
        Some((service, service_id)) => {
            let (service, service_id) = (service.to_string(), service_id.to_string());
            stored_identity(store, requester, &service, &service_id).or_else(|| {
                let found = handle
                    .block_on(strategy.fetch_identity(&requester.email))
                    .ok()
                    .flatten()?;
                let key = IdentityKey::new(&service, &service_id, &found);
                if let Err(e) = store.transaction(|tx| {
                    tx.persist_user_identity(
                        DEFAULT_TENANT,
                        &requester.email,
                        &key,
                        UserRole::Member,
                    )
                }) {
                    tracing::warn!(run = %run.id, "cannot store the requester's {service} identity: {e}");
                }
                Some(found)
            })
        }
        None => None,
    };
    Ok(AccessRequest {
        target,
        requester_email: requester.email.clone(),
        identity,
        duration: run.duration_secs.map(Duration::from_secs),
        event: symflow_engine::audit::event_json(flow.spec(), run, event, None),
        escalate_output: (call == FlowCall::Deescalate)
            .then(|| run.step_outputs.get("escalate").cloned())
            .flatten(),
    })
}

/// The requester's stored identity in `service` / `service_id`.
fn stored_identity(
    store: &Store,
    requester: &symflow_engine::Actor,
    service: &str,
    service_id: &str,
) -> Option<String> {
    wit_user(requester, store)
        .identities
        .into_iter()
        .find(|i| i.service == service && (service_id.is_empty() || i.service_id == service_id))
        .map(|i| i.user_id)
}

/// The flow's target `target_id` with its text settings, those named in its `field_bindings`
/// taken from the request's prompt fields of the same name when the requester filled them.
fn target_spec(
    flow: &RuntimeFlow,
    target_id: &str,
    fields: &Map<String, Value>,
) -> Option<TargetSpec> {
    let strategy = flow.info.strategy.as_ref()?;
    let target = strategy
        .targets
        .iter()
        .find(|t| t.id == target_id || t.name == target_id)
        .or_else(|| (strategy.targets.len() == 1).then(|| &strategy.targets[0]))?;
    let mut settings: Map<String, Value> =
        serde_json::from_str(&target.settings_json).unwrap_or_default();
    for name in flow.field_bindings.get(&target.name).into_iter().flatten() {
        let bound = match fields.get(name) {
            Some(Value::String(text)) if !text.trim().is_empty() => text.clone(),
            Some(Value::Number(number)) => number.to_string(),
            Some(Value::Bool(flag)) => flag.to_string(),
            _ => continue,
        };
        settings.insert(name.clone(), Value::String(bound));
    }
    Some(TargetSpec {
        name: target.name.clone(),
        target_type: target.target_type.clone(),
        label: target.label.clone(),
        settings: settings
            .iter()
            .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string())))
            .collect(),
        // `{"$unknown": "<reference>"}`: known only after terraform apply (see records.rs).
        unknown: settings
            .iter()
            .filter_map(|(k, v)| {
                let reference = v.get("$unknown")?.as_str()?;
                Some((
                    k.clone(),
                    symflow_config::Unknown {
                        reference: reference.to_string(),
                    },
                ))
            })
            .collect(),
    })
}

/// A service error as the Sym exception a flow would have seen.
pub fn flow_error(error: &IntegrationError) -> FlowError {
    FlowError {
        kind: ErrorKind::SymException,
        error_code: Some(error.error_code()),
        message: format!("{}: {}", error.exception(), error.message),
        hint: error.hint.clone(),
        traceback: String::new(),
    }
}

#[cfg(test)]
mod tests {
    use symflow_integrations::{ErrorKind as IntegrationKind, Service};

    use super::*;

    #[test]
    fn an_okta_refusal_reads_as_sym_s_okta_error() {
        let error = IntegrationError::new(
            Service::Okta,
            IntegrationKind::Forbidden,
            "Okta refused to add 00u1 to 00g1: You do not have permission",
        )
        .with_status(403)
        .with_hint("give the API token's admin the Group Membership Admin role");
        let flow_error = flow_error(&error);
        assert_eq!(flow_error.kind, ErrorKind::SymException);
        assert_eq!(flow_error.error_code.as_deref(), Some("Okta:FORBIDDEN"));
        assert!(flow_error.headline().starts_with("OktaError: Okta refused"));
        assert!(flow_error.hint.unwrap().contains("Group Membership Admin"));
    }
}
