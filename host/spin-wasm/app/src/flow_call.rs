//! One flow call: scope the capabilities to the run (`symflow:spin/context`), select the flow
//! in the tenant's bundle (`sym:flow/bundle`), call its handler, and translate between the engine's shapes and the WIT records —
//! the same translation as the native server's `flow_calls`, on wit-bindgen's types.
//!
//! Under Spin the composition is instantiated fresh for each request, so every flow call of a
//! request shares one instance of the bundle (the native server shares one instance of a flow
//! per event): flows of one tenant share an interpreter within a request, never across
//! requests or tenants.

use std::collections::BTreeMap;

use serde_json::{Map, Value};
use symflow_engine::views::FieldOption;
use symflow_engine::{
    Actor, ChannelType, Approvers, Destination, ErrorKind, EventInfo, FlowCall, FlowError, FlowValue,
    Notification, Permission, RequestDestination, RequestPermission, Role, Run, Step, Transition,
};

use crate::bindings::sym::flow::types as wit;
use crate::bindings::sym::flow::{bundle, handlers};
use crate::bindings::symflow::spin::{context, strategies};
use crate::identities::Directory;
use crate::state::State;
use crate::tenant::{FlowsFilter, Tenant, TenantFlow};

/// Runs one handler of the flow for the engine.
pub fn call(
    tenant: &Tenant,
    store: &State,
    flow: &TenantFlow,
    slack_api_base: &str,
    run: &Run,
    call: FlowCall,
    event: &EventInfo,
) -> Result<FlowValue, FlowError> {
    if matches!(call, FlowCall::Escalate | FlowCall::Deescalate) && !flow.defines("strategy") {
        return builtin_strategy(store, &tenant.name, flow, run, call, event);
    }
    let ev = enter(tenant, store, flow, slack_api_base, run, event);
    let result = select(flow).and_then(|()| dispatch(flow, call, event, &ev));
    leave(flow, run, &call.handler_name());
    result
}

/// The request modal's options per `prefetch = true` field.
pub type Prefetched = BTreeMap<String, Vec<FieldOption>>;

/// Options of every `prefetch = true` prompt field from the flow's `@prefetch` reducers, for
/// the request modal `actor` is about to see; a reducer that fails leaves its field empty and
/// is returned with its error (field, message).
pub fn prefetch(
    tenant: &Tenant,
    store: &State,
    flow: &TenantFlow,
    slack_api_base: &str,
    run: &Run,
    actor: &Actor,
) -> (Prefetched, Vec<(String, String)>) {
    let fields: Vec<&str> = flow
        .spec
        .prompt_fields
        .iter()
        .filter(|f| f.prefetch)
        .map(|f| f.name.as_str())
        .collect();
    let mut options = BTreeMap::new();
    let mut failures = Vec::new();
    if fields.is_empty() {
        return (options, failures);
    }
    let event = EventInfo {
        name: Step::Prompt,
        actor: actor.clone(),
        channel: ChannelType::Slack,
        channel_id: run.source_channel.clone(),
        fields: run.fields.clone(),
        timestamp: crate::driver::now(),
        forward: None,
        target_id: None,
    };
    let ev = enter(tenant, store, flow, slack_api_base, run, &event);
    for field in fields {
        let answer = select(flow).and_then(|()| handlers::prefetch(field, &ev).map_err(flow_error));
        match answer {
            Ok(list) => {
                let list = list
                    .into_iter()
                    .map(|o| FieldOption {
                        value: o.value,
                        label: o.label,
                    })
                    .collect();
                options.insert(field.to_string(), list);
            }
            Err(e) => {
                failures.push((field.to_string(), e.message));
                options.insert(field.to_string(), Vec::new());
            }
        }
    }
    leave(flow, run, "prefetch");
    (options, failures)
}

/// The flows filter's `get_flows`: the names of `flows` that `actor` may see in the picker.
pub fn get_flows(
    tenant: &Tenant,
    store: &State,
    slack_api_base: &str,
    filter: &FlowsFilter,
    actor: &Actor,
    flows: &[&TenantFlow],
) -> Result<Vec<String>, FlowError> {
    context::set(&context::CallContext {
        tenant: tenant.name.clone(),
        flow: filter.name.clone(),
        run_id: None,
        // The environment's integrations, as every flow of the tenant has them.
        granted: tenant
            .flows
            .first()
            .map(|f| f.granted.clone())
            .unwrap_or_default(),
        secrets: Vec::new(),
        slack_api_base: slack_api_base.to_string(),
    });
    let user = wit_user(actor, &Directory::new(store, &tenant.name));
    let summaries: Vec<wit::FlowSummary> = flows
        .iter()
        .map(|f| wit::FlowSummary {
            name: f.name().to_string(),
            srn: f.info.srn.clone(),
            label: f.info.label.clone(),
            vars_json: f.info.vars_json.clone(),
        })
        .collect();
    let result = select_name(&filter.name).and_then(|()| {
            handlers::get_flows(&user, &summaries, &filter.vars_json).map_err(flow_error)
        });
    let log = context::take_log();
    if !log.trim().is_empty() {
        eprintln!("[{}] get_flows: {}", filter.name, log.trim_end());
    }
    result
}

/// Scopes the capabilities to this call of `flow` about `run` (`symflow:spin/context`) and
/// builds the event the flow sees.
fn enter(
    tenant: &Tenant,
    store: &State,
    flow: &TenantFlow,
    slack_api_base: &str,
    run: &Run,
    event: &EventInfo,
) -> wit::Event {
    context::set(&context::CallContext {
        tenant: tenant.name.clone(),
        flow: flow.name().to_string(),
        run_id: Some(run.id.clone()),
        granted: flow.granted.clone(),
        secrets: crate::secrets::given(tenant, flow),
        slack_api_base: slack_api_base.to_string(),
    });
    wit_event(flow, run, event, &Directory::new(store, &tenant.name))
}

/// Makes `flow` the one the bundle's handlers run.
fn select(flow: &TenantFlow) -> Result<(), FlowError> {
    select_name(flow.name())
}

fn select_name(name: &str) -> Result<(), FlowError> {
    bundle::select_flow(name).map_err(|carried| {
        FlowError::new(
            ErrorKind::Sandbox,
            format!("the deployed component does not match tenant.json: {carried}"),
        )
    })
}

/// The flow's log lines of this call, into the component's stderr tagged with the run.
fn leave(flow: &TenantFlow, run: &Run, handler: &str) {
    let log = context::take_log();
    if !log.trim().is_empty() {
        eprintln!(
            "[{} {}] {}: {}",
            flow.name(),
            run.id,
            handler,
            log.trim_end()
        );
    }
}

/// A `sym_strategy` that is not `custom`: granted and taken back by the capabilities
/// component's built-in strategies (`symflow:spin/strategies`), for the requester, from the
/// chosen target's settings.
fn builtin_strategy(
    store: &State,
    tenant: &str,
    flow: &TenantFlow,
    run: &Run,
    call: FlowCall,
    event: &EventInfo,
) -> Result<FlowValue, FlowError> {
    let kind = flow.strategy_type.as_deref().unwrap_or("unknown");
    let failed = |message: String| FlowError::new(ErrorKind::Sandbox, message);
    let target_id = event.target_id.as_deref().unwrap_or_default();
    let target = flow
        .spec
        .targets
        .iter()
        .find(|t| t.id == target_id || t.name == target_id)
        .ok_or_else(|| failed(format!("the request names no target of this flow ({target_id:?})")))?;
    let requester = run
        .requester
        .as_ref()
        .ok_or_else(|| failed("the run has no requester to grant access to".into()))?;
    let user = wit_user(requester, &Directory::new(store, tenant));
    let settings = target.settings.to_string();
    let granted = if call == FlowCall::Escalate {
        strategies::escalate(kind, &settings, &user)
    } else {
        let granted = run.step_outputs.get("escalate").map(Value::to_string);
        strategies::deescalate(kind, &settings, &user, granted.as_deref())
    }
    .map_err(|message| FlowError {
        kind: ErrorKind::SymException,
        error_code: Some(format!("{kind}:STRATEGY_FAILED")),
        message,
        hint: None,
        traceback: String::new(),
    })?;
    Ok(FlowValue::StepOutput(
        serde_json::from_str(&granted).ok(),
    ))
}

fn dispatch(
    flow: &TenantFlow,
    call: FlowCall,
    event: &EventInfo,
    ev: &wit::Event,
) -> Result<FlowValue, FlowError> {
    let forward = event.forward.as_ref().map(forward_context);
    let forward = forward.as_ref();
    match call {
        FlowCall::GetPermissions => handlers::get_permissions(ev)
            .map(|p| FlowValue::Permissions(permission(&p)))
            .map_err(flow_error),
        FlowCall::GetRequestNotifications => handlers::get_request_notifications(ev)
            .map(|l| FlowValue::Notifications(l.iter().map(notification).collect()))
            .map_err(flow_error),
        FlowCall::GetApprovers => handlers::get_approvers(ev)
            .map(|a| {
                FlowValue::Approvers(Approvers {
                    notifications: a.notifications.iter().map(notification).collect(),
                    continue_on_delivery_failure: a.continue_on_delivery_failure,
                    continue_on_timeout: a.continue_on_timeout,
                })
            })
            .map_err(flow_error),
        FlowCall::On(step) => {
            let answer = match (step, forward) {
                (Step::Prompt, _) => handlers::on_prompt(ev),
                (Step::Request, _) => handlers::on_request(ev),
                (Step::RequestForward, Some(f)) => handlers::on_request_forward(ev, f),
                (Step::Approve, _) => handlers::on_approve(ev),
                (Step::Deny, _) => handlers::on_deny(ev),
                (Step::Escalate, _) => handlers::on_escalate(ev),
                (Step::Deescalate, _) => handlers::on_deescalate(ev),
                _ => return Err(not_supported(&call)),
            };
            answer
                .map_err(flow_error)?
                .map(|t| transition(&call, &t))
                .transpose()
                .map(FlowValue::Transition)
        }
        FlowCall::After(step) => {
            let answer = match (step, forward) {
                (Step::Prompt, _) => handlers::after_prompt(ev),
                (Step::Request, _) => handlers::after_request(ev),
                (Step::RequestForward, Some(f)) => handlers::after_request_forward(ev, f),
                (Step::Approve, _) => handlers::after_approve(ev),
                (Step::Deny, _) => handlers::after_deny(ev),
                (Step::Escalate, _) => handlers::after_escalate(ev),
                (Step::Deescalate, _) => handlers::after_deescalate(ev),
                _ => return Err(not_supported(&call)),
            };
            answer.map(|()| FlowValue::Done).map_err(flow_error)
        }
        FlowCall::Escalate | FlowCall::Deescalate => {
            let integration = flow
                .strategy_integration
                .clone()
                .unwrap_or(wit::Integration {
                    key: String::new(),
                    name: String::new(),
                    integration_type: "custom".into(),
                    external_id: String::new(),
                    settings_json: "{}".into(),
                });
            let target = event.target_id.clone().unwrap_or_default();
            let output = if call == FlowCall::Escalate {
                handlers::escalate(&integration, &target, ev)
            } else {
                handlers::deescalate(&integration, &target, ev)
            }
            .map_err(flow_error)?;
            Ok(FlowValue::StepOutput(
                output.and_then(|text| serde_json::from_str(&text).ok()),
            ))
        }
    }
}

fn not_supported(call: &FlowCall) -> FlowError {
    FlowError::new(
        ErrorKind::NotDefined,
        format!("symflow does not run `{}` hooks", call.handler_name()),
    )
}

fn flow_error(e: wit::FlowError) -> FlowError {
    FlowError {
        kind: match e.kind {
            wit::ErrorKind::SymException => ErrorKind::SymException,
            wit::ErrorKind::PythonException => ErrorKind::PythonException,
            wit::ErrorKind::InvalidReturn => ErrorKind::InvalidReturn,
            wit::ErrorKind::NotDefined => ErrorKind::NotDefined,
        },
        error_code: e.error_code,
        message: e.message,
        hint: e.hint,
        traceback: e.traceback,
    }
}

/// The WIT `user` a flow sees for `actor`: the identities stored for them plus their Slack
/// identity.
pub fn wit_user(actor: &Actor, directory: &Directory) -> wit::User {
    let mut identities = directory.of(&actor.email);
    if let (Some(user_id), false) = (
        &actor.slack_user_id,
        identities.iter().any(|i| i.service == "slack"),
    ) {
        identities.push(wit::UserIdentity {
            service: "slack".into(),
            service_id: actor.slack_team_id.clone().unwrap_or_default(),
            user_id: user_id.clone(),
        });
    }
    let mut names = actor.name.splitn(2, ' ');
    wit::User {
        id: actor.user_id.clone(),
        email: actor.email.clone(),
        username: actor.username.clone(),
        user_type: "normal".into(),
        first_name: names.next().unwrap_or_default().to_string(),
        last_name: names.next().unwrap_or_default().to_string(),
        role: match actor.role {
            Role::Admin => wit::UserRole::Admin,
            Role::Member => wit::UserRole::Member,
            Role::Guest => wit::UserRole::Guest,
        },
        identities,
    }
}

fn actor_from_wit(user: &wit::User) -> Actor {
    let slack = user.identities.iter().find(|i| i.service == "slack");
    Actor {
        user_id: user.id.clone(),
        email: user.email.clone(),
        username: user.username.clone(),
        name: format!("{} {}", user.first_name, user.last_name)
            .trim()
            .to_string(),
        role: match user.role {
            wit::UserRole::Admin => Role::Admin,
            wit::UserRole::Member => Role::Member,
            wit::UserRole::Guest => Role::Guest,
        },
        slack_user_id: slack.map(|i| i.user_id.clone()),
        slack_team_id: slack.map(|i| i.service_id.clone()),
    }
}

/// The run's earlier steps as the flow sees them (`event.steps`), as the native server builds them.
fn wit_steps(run: &Run, event: &EventInfo, directory: &Directory) -> Vec<wit::RunStep> {
    let step = |name: Step,
                actor: &Actor,
                context: Option<&Value>,
                output: Option<&Value>,
                at: symflow_engine::Timestamp| wit::RunStep {
        event_name: name.as_str().to_string(),
        actor: Some(wit_user(actor, directory)),
        context_json: context.map(Value::to_string).unwrap_or_else(|| "{}".into()),
        output_json: output.map(Value::to_string),
        timestamp: at.to_rfc3339(),
    };
    let mut steps: Vec<wit::RunStep> = run
        .history
        .iter()
        .map(|s| {
            step(
                s.event,
                &s.actor,
                s.context.as_ref(),
                s.output.as_ref(),
                s.timestamp,
            )
        })
        .collect();
    let has_request = run.history.iter().any(|s| s.event == Step::Request);
    if let (false, true, Some(requester)) =
        (has_request, event.name != Step::Request, &run.requester)
    {
        if run.requested_at.is_some() {
            let at = run
                .history
                .iter()
                .take_while(|s| s.event == Step::Prompt)
                .count();
            let request = step(
                Step::Request,
                requester,
                run.contexts.get("request"),
                None,
                run.requested_at.unwrap_or(run.created_at),
            );
            steps.insert(at, request);
        }
    }
    if run.history.last().map(|s| s.event) != Some(event.name) {
        let context = run.contexts.get(event.name.as_str());
        steps.push(step(
            event.name,
            &event.actor,
            context,
            None,
            event.timestamp,
        ));
    }
    steps
}

fn wit_event(flow: &TenantFlow, run: &Run, event: &EventInfo, directory: &Directory) -> wit::Event {
    wit::Event {
        name: event.name.as_str().to_string(),
        run_id: run.id.clone(),
        run_srn: flow.spec.run_srn(&run.id),
        user: wit_user(&event.actor, directory),
        timestamp: event.timestamp.to_rfc3339(),
        fields_json: Value::Object(event.fields.clone()).to_string(),
        channel: wit::Channel {
            identifier: event.channel_id.clone(),
            channel_type: event.channel.as_str().to_string(),
        },
        flow: flow.info.clone(),
        steps: wit_steps(run, event, directory),
        source_channel: run.source_channel.clone(),
    }
}

fn permission_level(p: &wit::Permission) -> Permission {
    match p {
        wit::Permission::Admin => Permission::Admin,
        wit::Permission::Member => Permission::Member,
        wit::Permission::AllUsers => Permission::AllUsers,
        wit::Permission::UserIds(ids) => Permission::UserIds(ids.clone()),
    }
}

fn permission(p: &wit::RequestPermission) -> RequestPermission {
    RequestPermission {
        webapp_view: permission_level(&p.webapp_view),
        approve_deny: permission_level(&p.approve_deny),
        allow_self_approval: p.allow_self_approval,
    }
}

fn destination(d: &wit::Destination) -> Destination {
    match d {
        wit::Destination::SlackChannel(c) => Destination::SlackChannel(c.clone()),
        wit::Destination::SlackUser(u) => Destination::SlackUser(u.clone()),
        wit::Destination::SlackGroup(us) => Destination::SlackGroup(us.clone()),
        wit::Destination::User(u) => Destination::User(actor_from_wit(u)),
    }
}

fn notification(n: &wit::Notification) -> Notification {
    Notification {
        destinations: n
            .destinations
            .iter()
            .map(|d| RequestDestination {
                destination: destination(&d.destination),
                allow_self: d.allow_self,
                timeout: d.timeout,
            })
            .collect(),
        timeout: n.timeout,
    }
}

fn wit_destination(d: &Destination) -> wit::Destination {
    match d {
        Destination::SlackChannel(c) => wit::Destination::SlackChannel(c.clone()),
        Destination::SlackUser(u) => wit::Destination::SlackUser(u.clone()),
        Destination::SlackGroup(us) => wit::Destination::SlackGroup(us.clone()),
        Destination::User(a) => {
            wit::Destination::SlackUser(a.slack_user_id.clone().unwrap_or_else(|| a.email.clone()))
        }
    }
}

fn forward_context(f: &symflow_engine::ForwardContext) -> wit::ForwardContext {
    wit::ForwardContext {
        all_destinations: f
            .all_destinations
            .iter()
            .map(|n| wit::Notification {
                destinations: n
                    .destinations
                    .iter()
                    .map(|d| wit::RequestDestination {
                        destination: wit_destination(&d.destination),
                        allow_self: d.allow_self,
                        timeout: d.timeout,
                    })
                    .collect(),
                timeout: n.timeout,
            })
            .collect(),
        current_index: f.current_index as u32,
        next_index: f.next_index.map(|i| i as u32),
    }
}

fn transition(call: &FlowCall, t: &wit::Transition) -> Result<Transition, FlowError> {
    let step = Step::parse(&t.step).ok_or_else(|| {
        FlowError::new(
            ErrorKind::InvalidReturn,
            format!(
                "{} returned ApprovalTemplate step {:?}, which symflow does not know",
                call.handler_name(),
                t.step
            ),
        )
    })?;
    let kwargs = match serde_json::from_str::<Value>(&t.kwargs_json) {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    };
    Ok(Transition {
        step,
        message: t.message.clone(),
        target_srn: t.target_srn.clone(),
        duration: t.duration,
        kwargs,
    })
}
