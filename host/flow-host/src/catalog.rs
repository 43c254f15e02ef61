//! Every flow of an environment, built and loaded.
//!
//! The catalog is made once at start-up (`symflow up`) or per command
//! (`symflow build`, `symflow run`): builds come from the content-hash cache
//! when nothing changed, compiled code from the precompiled cache, and each
//! flow's handler list is read once so the engine knows which hooks exist.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use symflow_config::{Config, Flow};
use symflow_flow_build::{
    build_flow, BuildFailure, BuildOptions, BuiltFlow, FlowSource, ImportPolicy,
};
use symflow_sandbox::{Capabilities, EventLimits, FlowComponent, FlowInstance, Sandbox};

/// The name the flows filter gets in the catalog.
pub const FLOWS_FILTER: &str = "sym-flows-filter";

/// Where the catalog keeps its caches, under a data directory.
#[derive(Debug, Clone)]
pub struct CatalogPaths {
    pub builds: PathBuf,
    pub compiled: PathBuf,
}

impl CatalogPaths {
    pub fn under(data_dir: &Path) -> Self {
        CatalogPaths {
            builds: data_dir.join("builds"),
            compiled: data_dir.join("compiled"),
        }
    }
}

/// Progress of a multi-flow build, for a progress bar.
#[derive(Debug, Clone)]
pub enum BuildProgress {
    Started { total: usize },
    Building { index: usize, name: String },
    Built { index: usize, flow: BuiltFlow },
    Failed { index: usize, name: String },
}

/// One flow with its component loaded and its handlers known.
#[derive(Clone)]
pub struct LoadedFlow {
    pub name: String,
    pub component: FlowComponent,
    pub built: BuiltFlow,
    /// What `list_handlers` reported: `get_permissions`, `on_request`, ...
    pub handlers: Vec<String>,
    /// Memory cap and deadline of each of this flow's events.
    pub limits: EventLimits,
}

impl LoadedFlow {
    pub fn defines(&self, handler: &str) -> bool {
        self.handlers.iter().any(|h| h == handler)
    }
}

/// The loaded flows of one configuration, by flow name (`sym_flow.name`).
#[derive(Clone, Default)]
pub struct FlowCatalog {
    pub flows: BTreeMap<String, LoadedFlow>,
    pub flows_filter: Option<LoadedFlow>,
}

/// The Python sources of one flow: its impl, on-change handlers, strategy file.
pub fn flow_source(config: &Config, flow: &Flow) -> FlowSource {
    let impl_path = flow
        .implementation
        .path
        .clone()
        .unwrap_or_else(|| flow.meta.location.file.clone());
    let on_change = flow
        .params
        .prompt_fields
        .iter()
        .filter_map(|field| {
            let source = field.on_change.as_ref()?;
            let path = source
                .path
                .clone()
                .unwrap_or_else(|| field.location.file.clone());
            Some((field.name.clone(), path, source.source.clone()))
        })
        .collect();
    let strategy = flow
        .params
        .strategy
        .as_ref()
        .and_then(|link| config.get(link))
        .and_then(|strategy| strategy.implementation.as_ref())
        .map(|source| {
            let path = source.path.clone().unwrap_or_default();
            (path, source.source.clone())
        });
    FlowSource {
        name: flow.name.clone(),
        impl_path,
        impl_source: flow.implementation.source.clone(),
        on_change,
        strategy,
        requires_permissions: true,
    }
}

/// Every piece of Python the configuration declares, one source per flow (and
/// the flows filter under [`FLOWS_FILTER`]).
pub fn all_sources(config: &Config) -> Vec<FlowSource> {
    let mut sources: Vec<FlowSource> = config
        .flows
        .values()
        .map(|flow| flow_source(config, flow))
        .collect();
    for filter in config.flows_filters.values() {
        sources.push(FlowSource {
            name: FLOWS_FILTER.into(),
            impl_path: filter
                .implementation
                .path
                .clone()
                .unwrap_or_else(|| filter.meta.location.file.clone()),
            impl_source: filter.implementation.source.clone(),
            on_change: Vec::new(),
            strategy: None,
            requires_permissions: false,
        });
    }
    sources
}

/// Build every flow (cached when unchanged). Reports every failure, not just the first.
pub fn build_all(
    config: &Config,
    paths: &CatalogPaths,
    progress: &mut dyn FnMut(BuildProgress),
) -> Result<Vec<BuiltFlow>, Vec<BuildFailure>> {
    let sources = all_sources(config);
    progress(BuildProgress::Started {
        total: sources.len(),
    });
    let options = BuildOptions {
        cache_dir: paths.builds.clone(),
        import_policy: ImportPolicy::Sym,
    };
    let mut built = Vec::new();
    let mut failures = Vec::new();
    for (index, source) in sources.iter().enumerate() {
        progress(BuildProgress::Building {
            index,
            name: source.name.clone(),
        });
        match build_flow(source, &options) {
            Ok(flow) => {
                progress(BuildProgress::Built {
                    index,
                    flow: flow.clone(),
                });
                built.push(flow);
            }
            Err(failure) => {
                progress(BuildProgress::Failed {
                    index,
                    name: source.name.clone(),
                });
                failures.push(failure);
            }
        }
    }
    if failures.is_empty() {
        Ok(built)
    } else {
        Err(failures)
    }
}

impl FlowCatalog {
    /// Load built flows into the sandbox and read each one's handler list.
    pub fn load(
        sandbox: &Sandbox,
        built: Vec<BuiltFlow>,
        paths: &CatalogPaths,
    ) -> anyhow::Result<Self> {
        let mut catalog = FlowCatalog::default();
        for flow in built {
            let component =
                FlowComponent::load(sandbox, &flow.name, &flow.wasm_path, Some(&paths.compiled))
                    .map_err(|e| anyhow::anyhow!("flow {}: {e}", flow.name))?;
            let handlers =
                FlowInstance::new(&component, Capabilities::none(), EventLimits::default())
                    .and_then(|mut instance| instance.list_handlers())
                    .map_err(|e| anyhow::anyhow!("flow {}: {e}", flow.name))?;
            let loaded = LoadedFlow {
                name: flow.name.clone(),
                component,
                built: flow,
                handlers,
                limits: EventLimits::default(),
            };
            if loaded.name == FLOWS_FILTER {
                catalog.flows_filter = Some(loaded);
            } else {
                catalog.flows.insert(loaded.name.clone(), loaded);
            }
        }
        Ok(catalog)
    }

    pub fn get(&self, name: &str) -> Option<&LoadedFlow> {
        self.flows.get(name)
    }

    /// Apply each flow's limits from its `vars` (see [`limits_from_vars`]).
    pub fn apply_limits(&mut self, config: &Config) -> Result<(), String> {
        for flow in config.flows.values() {
            if let Some(loaded) = self.flows.get_mut(&flow.name) {
                loaded.limits = limits_from_vars(&flow.vars)?;
            }
        }
        Ok(())
    }
}

/// Flow var that raises or lowers the memory cap of the flow's events (MiB).
pub const MEMORY_LIMIT_VAR: &str = "symflow_memory_limit_mib";
/// Flow var that sets the time limit of each of the flow's events (milliseconds).
pub const TIME_LIMIT_VAR: &str = "symflow_time_limit_ms";

/// A flow's sandbox limits: the defaults (256 MiB, 5 s) unless its `vars` set
/// [`MEMORY_LIMIT_VAR`] or [`TIME_LIMIT_VAR`]. Sym passes `vars` to the flow as
/// strings; these two are read by the host as well.
pub fn limits_from_vars(
    vars: &std::collections::BTreeMap<String, String>,
) -> Result<EventLimits, String> {
    let mut limits = EventLimits::default();
    let number = |key: &str, max: u64| -> Result<Option<u64>, String> {
        match vars.get(key) {
            None => Ok(None),
            Some(text) => match text.trim().parse::<u64>() {
                Ok(n) if n > 0 && n <= max => Ok(Some(n)),
                _ => Err(format!(
                    "vars.{key} = {text:?}: use a whole number between 1 and {max}"
                )),
            },
        }
    };
    if let Some(mib) = number(MEMORY_LIMIT_VAR, 1024)? {
        limits.memory_bytes = (mib as usize) << 20;
    }
    if let Some(ms) = number(TIME_LIMIT_VAR, 60_000)? {
        limits.deadline = std::time::Duration::from_millis(ms);
    }
    Ok(limits)
}
