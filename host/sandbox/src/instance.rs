//! One event's instance of a flow: a new `Store` with the event's limits, the
//! capabilities the flow was granted, and the typed calls of every export.
//!
//! All the calls that serve one event (`on_request`, then `get_permissions`,
//! then `get_request_notifications`, ...) go through the same instance and share
//! its deadline; the next event gets a new instance, so no global of one event
//! is ever seen by another. After a trap the instance refuses further calls.

use std::time::{Duration, Instant};

use wasmtime::component::ResourceTable;
use wasmtime::{Store, Trap};
use wasmtime_wasi::{I32Exit, WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

use crate::bindings::Flow;
use crate::capabilities::Capabilities;
use crate::component::FlowComponent;
use crate::error::SandboxError;
use crate::limits::EventLimiter;
use crate::output::BoundedOutput;
use crate::sandbox::EPOCH_TICK;
use crate::types::{
    Approvers, Event, FieldOption, FlowError, FlowSummary, ForwardContext, Integration,
    Notification, PromptForm, RequestPermission, Transition, User,
};

/// Limits of one event.
#[derive(Debug, Clone, Copy)]
pub struct EventLimits {
    /// Largest size any linear memory of the instance may grow to.
    pub memory_bytes: usize,
    /// Wall-clock budget for all the calls of the event.
    pub deadline: Duration,
    /// Bytes of stdout, stderr and log lines kept in the run's log.
    pub output_bytes: usize,
}

impl Default for EventLimits {
    fn default() -> Self {
        EventLimits {
            memory_bytes: 256 << 20,
            deadline: Duration::from_secs(5),
            output_bytes: 64 << 10,
        }
    }
}

/// The store data of one event.
pub struct HostState {
    wasi: WasiCtx,
    table: ResourceTable,
    limiter: EventLimiter,
    pub(crate) caps: Capabilities,
    pub(crate) log: BoundedOutput,
}

impl WasiView for HostState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

/// What the flow printed and logged during the event.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunLog {
    pub text: String,
    /// Bytes dropped past the output bound.
    pub dropped_bytes: u64,
}

/// The hooks of the approval template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HookStep {
    Prompt,
    Request,
    RequestForward,
    Approve,
    Deny,
    Escalate,
    Deescalate,
}

/// A live instance serving one event.
pub struct FlowInstance {
    store: Store<HostState>,
    flow: Flow,
    limits: EventLimits,
    started: Instant,
    failed: Option<String>,
}

impl FlowInstance {
    /// Instantiate `component` for one event.
    pub fn new(
        component: &FlowComponent,
        caps: Capabilities,
        limits: EventLimits,
    ) -> Result<Self, SandboxError> {
        let log = BoundedOutput::new(limits.output_bytes);
        // No preopened directories, no environment, no sockets, no stdin: the
        // flow sees an empty machine. Clocks and randomness stay available.
        let wasi = WasiCtxBuilder::new()
            .stdout(log.clone())
            .stderr(log.clone())
            .allow_tcp(false)
            .allow_udp(false)
            .allow_ip_name_lookup(false)
            .build();
        let state = HostState {
            wasi,
            table: ResourceTable::new(),
            limiter: EventLimiter::new(limits.memory_bytes),
            caps,
            log,
        };
        let mut store = Store::new(component.pre().engine(), state);
        store.limiter(|state| &mut state.limiter);
        let ticks = (limits.deadline.as_nanos() / EPOCH_TICK.as_nanos()).max(1) as u64;
        store.set_epoch_deadline(ticks);
        store.epoch_deadline_trap();
        let started = Instant::now();
        let flow = match component.pre().instantiate(&mut store) {
            Ok(flow) => flow,
            Err(e) => {
                return Err(classify(e, &store, &limits));
            }
        };
        Ok(FlowInstance {
            store,
            flow,
            limits,
            started,
            failed: None,
        })
    }

    /// Time since the instance was created.
    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    /// What the flow printed so far.
    pub fn log(&self) -> RunLog {
        let (text, dropped_bytes) = self.store.data().log.snapshot();
        RunLog {
            text,
            dropped_bytes,
        }
    }

    fn call<R>(
        &mut self,
        f: impl FnOnce(&Flow, &mut Store<HostState>) -> wasmtime::Result<Result<R, FlowError>>,
    ) -> Result<R, SandboxError> {
        if let Some(reason) = &self.failed {
            return Err(SandboxError::Trap {
                message: format!("this event's instance already failed ({reason})"),
            });
        }
        match f(&self.flow, &mut self.store) {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(flow_error)) => Err(SandboxError::Flow(flow_error)),
            Err(e) => {
                let error = classify(e, &self.store, &self.limits);
                self.failed = Some(error.to_string());
                Err(error)
            }
        }
    }

    /// The handler names the module defines.
    pub fn list_handlers(&mut self) -> Result<Vec<String>, SandboxError> {
        self.call(|flow, store| flow.sym_flow_handlers().call_list_handlers(store).map(Ok))
    }

    pub fn get_permissions(&mut self, event: &Event) -> Result<RequestPermission, SandboxError> {
        self.call(|flow, store| flow.sym_flow_handlers().call_get_permissions(store, event))
    }

    pub fn get_request_notifications(
        &mut self,
        event: &Event,
    ) -> Result<Vec<Notification>, SandboxError> {
        self.call(|flow, store| {
            flow.sym_flow_handlers()
                .call_get_request_notifications(store, event)
        })
    }

    pub fn get_approvers(&mut self, event: &Event) -> Result<Approvers, SandboxError> {
        self.call(|flow, store| flow.sym_flow_handlers().call_get_approvers(store, event))
    }

    pub fn get_identity(
        &mut self,
        event: &Event,
        service_type: &str,
        external_id: &str,
        user: &User,
    ) -> Result<Option<String>, SandboxError> {
        self.call(|flow, store| {
            flow.sym_flow_handlers().call_get_identity(
                store,
                event,
                service_type,
                external_id,
                user,
            )
        })
    }

    pub fn prefetch(
        &mut self,
        field: &str,
        event: &Event,
    ) -> Result<Vec<FieldOption>, SandboxError> {
        self.call(|flow, store| flow.sym_flow_handlers().call_prefetch(store, field, event))
    }

    pub fn on_change(
        &mut self,
        field: &str,
        username: &str,
        form: &PromptForm,
    ) -> Result<PromptForm, SandboxError> {
        self.call(|flow, store| {
            flow.sym_flow_handlers()
                .call_on_change(store, field, username, form)
        })
    }

    pub fn get_flows(
        &mut self,
        user: &User,
        flows: &[FlowSummary],
        flows_filter_vars_json: &str,
    ) -> Result<Vec<String>, SandboxError> {
        self.call(|flow, store| {
            flow.sym_flow_handlers()
                .call_get_flows(store, user, flows, flows_filter_vars_json)
        })
    }

    /// Run the `on_<step>` hook; `Some(transition)` when it redirects the run.
    pub fn on_hook(
        &mut self,
        step: HookStep,
        event: &Event,
        forward: Option<&ForwardContext>,
    ) -> Result<Option<Transition>, SandboxError> {
        self.call(|flow, store| {
            let h = flow.sym_flow_handlers();
            match step {
                HookStep::Prompt => h.call_on_prompt(store, event),
                HookStep::Request => h.call_on_request(store, event),
                HookStep::RequestForward => {
                    h.call_on_request_forward(store, event, forward.unwrap_or(&EMPTY_FORWARD))
                }
                HookStep::Approve => h.call_on_approve(store, event),
                HookStep::Deny => h.call_on_deny(store, event),
                HookStep::Escalate => h.call_on_escalate(store, event),
                HookStep::Deescalate => h.call_on_deescalate(store, event),
            }
        })
    }

    /// Run the `after_<step>` hook.
    pub fn after_hook(
        &mut self,
        step: HookStep,
        event: &Event,
        forward: Option<&ForwardContext>,
    ) -> Result<(), SandboxError> {
        self.call(|flow, store| {
            let h = flow.sym_flow_handlers();
            match step {
                HookStep::Prompt => h.call_after_prompt(store, event),
                HookStep::Request => h.call_after_request(store, event),
                HookStep::RequestForward => {
                    h.call_after_request_forward(store, event, forward.unwrap_or(&EMPTY_FORWARD))
                }
                HookStep::Approve => h.call_after_approve(store, event),
                HookStep::Deny => h.call_after_deny(store, event),
                HookStep::Escalate => h.call_after_escalate(store, event),
                HookStep::Deescalate => h.call_after_deescalate(store, event),
            }
        })
    }

    pub fn fetch_remote_identity(
        &mut self,
        integration: &Integration,
        user: &User,
    ) -> Result<Option<String>, SandboxError> {
        self.call(|flow, store| {
            flow.sym_flow_handlers()
                .call_fetch_remote_identity(store, integration, user)
        })
    }

    pub fn get_requester_identity(
        &mut self,
        integration: &Integration,
        event: &Event,
    ) -> Result<String, SandboxError> {
        self.call(|flow, store| {
            flow.sym_flow_handlers()
                .call_get_requester_identity(store, integration, event)
        })
    }

    /// The strategy's `escalate`; the JSON of what it returned.
    pub fn escalate(
        &mut self,
        integration: &Integration,
        target_id: &str,
        event: &Event,
    ) -> Result<Option<String>, SandboxError> {
        self.call(|flow, store| {
            flow.sym_flow_handlers()
                .call_escalate(store, integration, target_id, event)
        })
    }

    pub fn deescalate(
        &mut self,
        integration: &Integration,
        target_id: &str,
        event: &Event,
    ) -> Result<Option<String>, SandboxError> {
        self.call(|flow, store| {
            flow.sym_flow_handlers()
                .call_deescalate(store, integration, target_id, event)
        })
    }
}

const EMPTY_FORWARD: ForwardContext = ForwardContext {
    all_destinations: Vec::new(),
    current_index: 0,
    next_index: None,
};

/// Turn a wasmtime error into the reason a person can act on.
fn classify(
    error: wasmtime::Error,
    store: &Store<HostState>,
    limits: &EventLimits,
) -> SandboxError {
    if store.data().limiter.memory_cap_hit {
        return SandboxError::MemoryLimit {
            limit_mib: (limits.memory_bytes >> 20) as u64,
        };
    }
    if let Some(exit) = error.downcast_ref::<I32Exit>() {
        return SandboxError::Exit { code: exit.0 };
    }
    if let Some(Trap::Interrupt) = error.downcast_ref::<Trap>() {
        return SandboxError::Deadline {
            limit_ms: limits.deadline.as_millis() as u64,
        };
    }
    SandboxError::Trap {
        message: format!("{error:#}"),
    }
}
