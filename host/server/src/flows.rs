//! The flows the server runs: each `sym_flow` of the configuration turned into what the
//! engine decides with (a [`FlowSpec`]), what the sandbox runs (its loaded component) and
//! what the flow sees of itself (its WIT `flow-info`), plus where its errors go.
//!
//! Built once at start-up; everything here is read-only afterwards and shared by `Arc`.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use serde_json::Value;
use symflow_config::{Config, RequestSource};
use symflow_engine::{Engine, FieldType, FlowSpec, PromptFieldSpec, Source, TargetSpec};
use symflow_flow_host::{records, FlowCatalog, LoadedFlow};
use symflow_sandbox::types;

/// The handler name a component reports when it bundles a custom strategy.
pub const STRATEGY_HANDLER: &str = "strategy";

/// One flow, ready to run.
pub struct RuntimeFlow {
    pub engine: Engine,
    pub loaded: LoadedFlow,
    /// What the flow sees of itself in every event.
    pub info: types::FlowInfo,
    /// `sym_error_logger.destination` of the flow's environment (`#sym-errors`).
    pub error_channel: Option<String>,
    /// The environment's integrations by key (`slack`, `pagerduty`, ...).
    pub integrations: BTreeMap<String, types::Integration>,
    /// `strategy.type` when the flow grants access.
    pub strategy_type: Option<String>,
    /// Each strategy target's `field_bindings`, by target name: the settings a request fills
    /// in from its prompt fields of the same name (spec §2.6).
    pub field_bindings: BTreeMap<String, Vec<String>>,
}

impl RuntimeFlow {
    pub fn spec(&self) -> &FlowSpec {
        self.engine.spec()
    }

    pub fn name(&self) -> &str {
        &self.spec().name
    }

    /// The flow's Python defines `handler`.
    pub fn defines(&self, handler: &str) -> bool {
        self.loaded.defines(handler)
    }

    /// Python must run before the request modal can be drawn (`on_prompt`, `@prefetch`),
    /// so a "Loading…" modal is opened first, within Slack's 3 s trigger window.
    pub fn needs_python_before_modal(&self) -> bool {
        self.defines("on_prompt") || self.spec().prompt_fields.iter().any(|f| f.prefetch)
    }

    /// The strategy's integration, for `escalate` / `deescalate`.
    pub fn strategy_integration(&self) -> Option<&types::Integration> {
        self.info.strategy.as_ref()?.integration.as_ref()
    }
}

/// The flows filter (`sym_flows_filter`), when the configuration has one.
pub struct FlowsFilter {
    pub loaded: LoadedFlow,
    /// `sym_flows_filter.vars` as a JSON object.
    pub vars_json: String,
}

/// Every flow of the configuration, by name.
#[derive(Default)]
pub struct Flows {
    by_name: BTreeMap<String, Arc<RuntimeFlow>>,
    pub filter: Option<FlowsFilter>,
    /// The org id (`provider "sym" { org }`), lower-cased.
    pub org: String,
}

impl Flows {
    /// Pairs each configured flow with its loaded component. A flow whose component is
    /// missing from `catalog` is an error: the server must not start half-configured.
    pub fn new(config: &Config, catalog: &FlowCatalog) -> anyhow::Result<Flows> {
        let mut by_name = BTreeMap::new();
        for flow in config.flows.values() {
            let loaded = catalog.get(&flow.name).cloned().ok_or_else(|| {
                anyhow::anyhow!(
                    "flow {:?} was not built; run `symflow build` and look for its error",
                    flow.name
                )
            })?;
            let resolved = config.resolve_flow(flow);
            let info = records::flow_info(config, &resolved);
            let spec = flow_spec(flow, &info, &loaded);
            let integrations = resolved
                .integrations
                .iter()
                .map(|(key, integration)| (key.to_string(), records::integration(key, integration)))
                .collect();
            let runtime = RuntimeFlow {
                engine: Engine::new(spec),
                loaded,
                error_channel: resolved.error_logger.map(|l| l.destination.clone()),
                integrations,
                strategy_type: resolved
                    .strategy
                    .as_ref()
                    .map(|s| s.strategy.strategy_type.clone()),
                field_bindings: resolved
                    .strategy
                    .as_ref()
                    .map(|s| {
                        s.targets
                            .iter()
                            .map(|t| (t.name.clone(), t.field_bindings.clone()))
                            .collect()
                    })
                    .unwrap_or_default(),
                info,
            };
            by_name.insert(flow.name.clone(), Arc::new(runtime));
        }
        let filter = config.flows_filters.values().next().and_then(|filter| {
            let loaded = catalog.flows_filter.clone()?;
            let vars: serde_json::Map<String, Value> = filter
                .vars
                .iter()
                .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                .collect();
            Some(FlowsFilter {
                loaded,
                vars_json: Value::Object(vars).to_string(),
            })
        });
        Ok(Flows {
            by_name,
            filter,
            org: records::org(config),
        })
    }

    /// The flow named `name` (`sym_flow.name`), compared without regard to case as Sym does.
    pub fn get(&self, name: &str) -> Option<&Arc<RuntimeFlow>> {
        self.by_name.get(name).or_else(|| {
            self.by_name
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, f)| f)
        })
    }

    pub fn all(&self) -> impl Iterator<Item = &Arc<RuntimeFlow>> {
        self.by_name.values()
    }

    pub fn len(&self) -> usize {
        self.by_name.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_name.is_empty()
    }

    /// Where errors that belong to no flow go: the first flow's error channel.
    pub fn any_error_channel(&self) -> Option<String> {
        self.all().find_map(|f| f.error_channel.clone())
    }
}

/// The engine's picture of a flow. Targets come from the WIT records so the ids the engine
/// checks and the ids the flow's Python sees are the same strings.
fn flow_spec(flow: &symflow_config::Flow, info: &types::FlowInfo, loaded: &LoadedFlow) -> FlowSpec {
    let params = &flow.params;
    let mut spec = FlowSpec::new(flow.name.clone(), info.srn.clone());
    spec.label = info.label.clone();
    spec.has_strategy = params.strategy.is_some();
    spec.targets = info
        .strategy
        .as_ref()
        .map(|s| s.targets.iter().map(target_spec).collect())
        .unwrap_or_default();
    spec.allow_revoke = params.allow_revoke;
    spec.schedule_deescalation = params.schedule_deescalation;
    spec.allowed_sources = params.allowed_sources.as_ref().map(|sources| {
        sources
            .iter()
            .map(|s| match s {
                RequestSource::Slack => Source::Slack,
                RequestSource::Api => Source::Api,
            })
            .collect()
    });
    spec.allow_guest_interaction = params.allow_guest_interaction;
    spec.include_decision_message = params.include_decision_message;
    spec.additional_header_text = params.additional_header_text.clone();
    spec.prompt_fields = params
        .prompt_fields
        .iter()
        .map(|f| PromptFieldSpec {
            name: f.name.clone(),
            field_type: field_type(f.field_type),
            label: f.label.clone(),
            required: f.required,
            default: f.default.clone(),
            visible: f.visible,
            allowed_values: f.allowed_values.clone(),
            prefetch: f.prefetch,
        })
        .collect();
    spec.handlers = loaded.handlers.iter().cloned().collect::<BTreeSet<_>>();
    spec
}

fn target_spec(target: &types::Target) -> TargetSpec {
    TargetSpec {
        id: target.id.clone(),
        name: target.name.clone(),
        label: target.label.clone(),
        srn: target.srn.clone(),
        target_type: target.target_type.clone(),
        settings: serde_json::from_str(&target.settings_json)
            .unwrap_or(Value::Object(Default::default())),
    }
}

fn field_type(field_type: symflow_config::FieldType) -> FieldType {
    use symflow_config::FieldType as C;
    match field_type {
        C::String => FieldType::String,
        C::Int => FieldType::Int,
        C::Bool => FieldType::Bool,
        C::Duration => FieldType::Duration,
        C::SlackUser => FieldType::SlackUser,
        C::SlackUserList => FieldType::SlackUserList,
        C::StrList => FieldType::StrList,
        C::IntList => FieldType::IntList,
    }
}
