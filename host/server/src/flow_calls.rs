//! Carrying out the engine's [`FlowCall`]s in the sandbox: the engine's event becomes the
//! WIT `event` record a flow receives, the call runs in the flow's component on a blocking
//! thread, and the WIT answer (or the sandbox's error) becomes the engine's [`FlowValue`]
//! (or [`FlowError`]).
//!
//! One [`FlowInstance`] serves one event: the calls of that event (`on_request`,
//! `get_permissions`, `get_request_notifications`, `after_request`) share it, and the next
//! event gets a fresh one. [`EventSlot`] carries the live instance from call to call.

use std::sync::Arc;

use serde_json::Value;
use symflow_engine::returned;
use symflow_engine::{
    Approvers, Destination, ErrorKind, EventInfo, FlowCall, FlowError, FlowValue, Notification,
    Permission, RequestDestination, RequestPermission, Run, Step,
};
use symflow_sandbox::types;
use symflow_sandbox::{FlowInstance, HookStep, SandboxError};
use symflow_store::Store;

use crate::capabilities::CapabilityFactory;
use crate::flows::{RuntimeFlow, STRATEGY_HANDLER};
use crate::host_strategies;
use crate::users::{actor_from_wit, wit_user};

/// The instance of the event being processed, if one is alive.
#[derive(Default)]
pub struct EventSlot {
    live: Option<(Step, FlowInstance)>,
}

/// What a flow call needs besides the call itself.
#[derive(Clone)]
pub struct FlowRunner {
    pub store: Store,
    pub capabilities: CapabilityFactory,
}

impl FlowRunner {
    /// Runs `call` for `event` of `run` in `flow`'s sandbox, on a blocking thread.
    pub async fn call(
        &self,
        flow: &Arc<RuntimeFlow>,
        run: &Run,
        call: FlowCall,
        event: &EventInfo,
        slot: &mut EventSlot,
    ) -> Result<FlowValue, FlowError> {
        let live = slot.live.take();
        let runner = self.clone();
        let flow = flow.clone();
        let run = run.clone();
        let event = event.clone();
        let joined = tokio::task::spawn_blocking(move || {
            let mut live = live.filter(|(step, _)| *step == event.name);
            let result = runner.call_blocking(&flow, &run, call, &event, &mut live);
            (result, live)
        })
        .await;
        match joined {
            Ok((result, live)) => {
                slot.live = live;
                result
            }
            Err(e) => Err(FlowError::new(
                ErrorKind::Sandbox,
                format!(
                    "the flow call {} stopped unexpectedly: {e}",
                    call.handler_name()
                ),
            )),
        }
    }

    fn call_blocking(
        &self,
        flow: &RuntimeFlow,
        run: &Run,
        call: FlowCall,
        event: &EventInfo,
        live: &mut Option<(Step, FlowInstance)>,
    ) -> Result<FlowValue, FlowError> {
        if matches!(call, FlowCall::Escalate | FlowCall::Deescalate)
            && !flow.defines(STRATEGY_HANDLER)
        {
            return self.call_host_strategy(flow, run, call, event);
        }
        let wit_event = wit_event(flow, run, event, &self.store);
        if live.is_none() {
            let caps = self.capabilities.for_event(Some(flow), Some(run));
            let instance = FlowInstance::new(&flow.loaded.component, caps, flow.loaded.limits)
                .map_err(sandbox_error)?;
            *live = Some((event.name, instance));
        }
        let (_, instance) = live.as_mut().expect("set above");
        let result = crate::answer_limits::within_limits(
            &call,
            dispatch(flow, instance, call, event, &wit_event),
        );
        let log = instance.log();
        if !log.text.trim().is_empty() {
            tracing::info!(flow = flow.name(), run = %run.id, call = %call.handler_name(), output = %log.text.trim_end(), "flow output");
        }
        result
    }
}

impl FlowRunner {
    /// Escalate / deescalate of a strategy the host runs (`okta`, `github`, `aws_*`, `http`).
    fn call_host_strategy(
        &self,
        flow: &RuntimeFlow,
        run: &Run,
        call: FlowCall,
        event: &EventInfo,
    ) -> Result<FlowValue, FlowError> {
        let kind = flow.strategy_type.as_deref().unwrap_or("unknown");
        let strategy = self
            .capabilities
            .integrations
            .access_strategy(flow)
            .map_err(|e| host_strategies::flow_error(&e))?
            .ok_or_else(|| {
                FlowError::new(
                    ErrorKind::Sandbox,
                    symflow_config::strategy_types::unsupported_strategy_message(kind),
                )
            })?;
        let output = host_strategies::run_blocking(
            &self.capabilities.handle,
            &self.store,
            strategy.as_ref(),
            flow,
            run,
            call,
            event,
        )?;
        Ok(FlowValue::StepOutput(Some(output)))
    }
}

fn dispatch(
    flow: &RuntimeFlow,
    instance: &mut FlowInstance,
    call: FlowCall,
    event: &EventInfo,
    wit_event: &types::Event,
) -> Result<FlowValue, FlowError> {
    let forward = event.forward.as_ref().map(forward_context);
    let handler = call.handler_name();
    match call {
        FlowCall::GetPermissions => {
            let p = instance.get_permissions(wit_event).map_err(sandbox_error)?;
            returned::permissions(&handler, permission(&p)).map(FlowValue::Permissions)
        }
        FlowCall::GetRequestNotifications => {
            let list = instance
                .get_request_notifications(wit_event)
                .map_err(sandbox_error)?;
            returned::notifications(&handler, list.iter().map(notification).collect())
                .map(FlowValue::Notifications)
        }
        FlowCall::GetApprovers => {
            let a = instance.get_approvers(wit_event).map_err(sandbox_error)?;
            let approvers = Approvers {
                notifications: a.notifications.iter().map(notification).collect(),
                continue_on_delivery_failure: a.continue_on_delivery_failure,
                continue_on_timeout: a.continue_on_timeout,
            };
            returned::approvers(&handler, approvers).map(FlowValue::Approvers)
        }
        FlowCall::On(step) => {
            let Some(hook) = hook_step(step) else {
                return Err(not_supported(&call));
            };
            instance
                .on_hook(hook, wit_event, forward.as_ref())
                .map_err(sandbox_error)?
                .map(|t| returned::transition(&handler, returned_transition(t)))
                .transpose()
                .map(FlowValue::Transition)
        }
        FlowCall::After(step) => {
            let Some(hook) = hook_step(step) else {
                return Err(not_supported(&call));
            };
            instance
                .after_hook(hook, wit_event, forward.as_ref())
                .map(|()| FlowValue::Done)
                .map_err(sandbox_error)
        }
        FlowCall::Escalate | FlowCall::Deescalate => {
            let integration =
                flow.strategy_integration()
                    .cloned()
                    .unwrap_or_else(|| types::Integration {
                        key: String::new(),
                        name: String::new(),
                        integration_type: "custom".into(),
                        external_id: String::new(),
                        settings_json: "{}".into(),
                    });
            let target = event.target_id.clone().unwrap_or_default();
            let output = if call == FlowCall::Escalate {
                instance.escalate(&integration, &target, wit_event)
            } else {
                instance.deescalate(&integration, &target, wit_event)
            }
            .map_err(sandbox_error)?;
            // The strategy has already granted or removed access: failing the call now would
            // leave that access unrecorded (and, for escalate, never scheduled for removal).
            // An unreadable or oversize output is dropped instead, and said so in the log.
            let output = returned::step_output(&handler, output.as_deref()).unwrap_or_else(|e| {
                tracing::warn!(flow = flow.name(), call = %handler, "the step output was dropped: {}", e.message);
                None
            });
            Ok(FlowValue::StepOutput(output))
        }
    }
}

fn not_supported(call: &FlowCall) -> FlowError {
    FlowError::new(
        ErrorKind::NotDefined,
        format!("symflow does not run `{}` hooks", call.handler_name()),
    )
}

fn hook_step(step: Step) -> Option<HookStep> {
    Some(match step {
        Step::Prompt => HookStep::Prompt,
        Step::Request => HookStep::Request,
        Step::RequestForward => HookStep::RequestForward,
        Step::Approve => HookStep::Approve,
        Step::Deny => HookStep::Deny,
        Step::Escalate => HookStep::Escalate,
        Step::Deescalate => HookStep::Deescalate,
        Step::RequestExpire | Step::Ignore => return None,
    })
}

/// The run's steps as the SDK reads them (`get_actor`, `get_context`, `get_step_output`).
///
/// Two steps are added to what the engine recorded: the `request` of a run whose
/// `on_request` redirected it (the engine does not record a request it did not process, but
/// the run has a requester, and a strategy's `get_requester_identity` asks for the `request`
/// actor), and the current event, which the engine records only once it is processed.
fn wit_steps(run: &Run, event: &EventInfo, store: &Store) -> Vec<types::RunStep> {
    let step = |name: Step,
                actor: &symflow_engine::Actor,
                context: Option<&Value>,
                output: Option<&Value>,
                at: symflow_engine::Timestamp| types::RunStep {
        event_name: name.as_str().to_string(),
        actor: Some(wit_user(actor, store)),
        context_json: context.map(Value::to_string).unwrap_or_else(|| "{}".into()),
        output_json: output.map(Value::to_string),
        timestamp: at.to_rfc3339(),
    };
    let mut steps: Vec<types::RunStep> = run
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

/// The WIT `event` for `event` of `run`: the current event plus the run's steps.
pub fn wit_event(flow: &RuntimeFlow, run: &Run, event: &EventInfo, store: &Store) -> types::Event {
    let spec = flow.spec();
    let steps = wit_steps(run, event, store);
    types::Event {
        name: event.name.as_str().to_string(),
        run_id: run.id.clone(),
        run_srn: spec.run_srn(&run.id),
        user: wit_user(&event.actor, store),
        timestamp: event.timestamp.to_rfc3339(),
        fields_json: Value::Object(event.fields.clone()).to_string(),
        channel: types::Channel {
            identifier: event.channel_id.clone(),
            channel_type: event.channel.as_str().to_string(),
        },
        flow: flow.info.clone(),
        steps,
        source_channel: run.source_channel.clone(),
    }
}

/// The sandbox's failure as the engine's: the flow's own error with its traceback, or the
/// sandbox stopping the call (deadline, memory, crash).
pub fn sandbox_error(error: SandboxError) -> FlowError {
    match error {
        SandboxError::Flow(e) => FlowError {
            kind: match e.kind {
                types::ErrorKind::SymException => ErrorKind::SymException,
                types::ErrorKind::PythonException => ErrorKind::PythonException,
                types::ErrorKind::InvalidReturn => ErrorKind::InvalidReturn,
                types::ErrorKind::NotDefined => ErrorKind::NotDefined,
            },
            error_code: e.error_code,
            message: e.message,
            hint: e.hint,
            traceback: e.traceback,
        },
        other => FlowError::new(ErrorKind::Sandbox, other.to_string()),
    }
}

fn permission_level(p: &types::Permission) -> Permission {
    match p {
        types::Permission::Admin => Permission::Admin,
        types::Permission::Member => Permission::Member,
        types::Permission::AllUsers => Permission::AllUsers,
        types::Permission::UserIds(ids) => Permission::UserIds(ids.clone()),
    }
}

fn permission(p: &types::RequestPermission) -> RequestPermission {
    RequestPermission {
        webapp_view: permission_level(&p.webapp_view),
        approve_deny: permission_level(&p.approve_deny),
        allow_self_approval: p.allow_self_approval,
    }
}

/// A WIT destination as the engine's.
pub fn destination(d: &types::Destination) -> Destination {
    match d {
        types::Destination::SlackChannel(c) => Destination::SlackChannel(c.clone()),
        types::Destination::SlackUser(u) => Destination::SlackUser(u.clone()),
        types::Destination::SlackGroup(us) => Destination::SlackGroup(us.clone()),
        types::Destination::User(u) => Destination::User(actor_from_wit(u)),
    }
}

fn notification(n: &types::Notification) -> Notification {
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

fn wit_destination(d: &Destination) -> types::Destination {
    match d {
        Destination::SlackChannel(c) => types::Destination::SlackChannel(c.clone()),
        Destination::SlackUser(u) => types::Destination::SlackUser(u.clone()),
        Destination::SlackGroup(us) => types::Destination::SlackGroup(us.clone()),
        // The flow gave these users; the engine only kept what it needs to reach them.
        Destination::User(a) => types::Destination::SlackUser(
            a.slack_user_id.clone().unwrap_or_else(|| a.email.clone()),
        ),
    }
}

fn forward_context(f: &symflow_engine::ForwardContext) -> types::ForwardContext {
    types::ForwardContext {
        all_destinations: f
            .all_destinations
            .iter()
            .map(|n| types::Notification {
                destinations: n
                    .destinations
                    .iter()
                    .map(|d| types::RequestDestination {
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

/// The WIT transition as undecoded values; [`returned::transition`] checks and decodes them.
fn returned_transition(t: types::Transition) -> returned::ReturnedTransition {
    returned::ReturnedTransition {
        step: t.step,
        message: t.message,
        target_srn: t.target_srn,
        duration: t.duration,
        kwargs_json: t.kwargs_json,
    }
}
