//! The tenant file and the tenant's flow bundle: the environment's flows as the Spin component
//! needs them, from the same pipeline as `symflow up` (load the Terraform, build and check each
//! flow, read its handlers, make its `FlowSpec` and `flow-info`), then every flow built into one
//! Python component (`symflow_flow_build::build_bundle`): one interpreter for the tenant,
//! however many flows it has. The JSON shapes are those of the component's wit-bindgen types
//! (serde with Rust field and variant names).

use std::path::Path;

use serde_json::{json, Value};
use symflow_flow_build::{build_bundle, BuildOptions, BuiltFlow, FlowSource, ImportPolicy};
use symflow_flow_host::catalog::{self, CatalogPaths};
use symflow_sandbox::types;
use symflow_server::flows::Flows;

/// The strategy types the Spin component carries out (`host/spin-wasm/caps`); a flow with any
/// other is refused at build time rather than at its first approval.
pub const SPIN_STRATEGY_TYPES: &[&str] = &["okta", "github", "custom"];

pub struct Tenant {
    pub json: Value,
    /// The names of the flows the bundle carries.
    pub flows: Vec<String>,
    /// The flow bundle (world `sym:flow/flow-bundle`).
    pub bundle: BuiltFlow,
}

pub fn build_tenant(env_dir: &Path, out_dir: &Path, admins: &[String]) -> anyhow::Result<Tenant> {
    let config = symflow_server::up::load_config(env_dir, &Default::default())?;
    let paths = CatalogPaths::under(out_dir);
    let built = symflow_server::up::build(&config, &paths)?;
    let (_sandbox, catalog) = symflow_server::up::load_flows(built, &paths)?;
    let flows = Flows::new(&config, &catalog)?;
    let all: Vec<_> = flows.all().collect();
    if all.is_empty() {
        anyhow::bail!(
            "{} declares no sym_flow; there is nothing to serve",
            env_dir.display()
        );
    }
    let mut entries = Vec::new();
    for flow in &all {
        let strategy_integration = flow.strategy_integration().map(integration);
        entries.push(json!({
            "spec": flow.spec(),
            "info": flow_info(&flow.info),
            "error_channel": flow.error_channel,
            "strategy_type": flow.strategy_type,
            "strategy_integration": strategy_integration,
            "granted": flow.integrations.keys().collect::<Vec<_>>(),
            "secrets": [],
        }));
    }
    let names: Vec<String> = all.iter().map(|flow| flow.name().to_string()).collect();
    let sources: Vec<FlowSource> = names
        .iter()
        .map(|name| {
            config
                .flows
                .values()
                .find(|flow| &flow.name == name)
                .map(|flow| catalog::flow_source(&config, flow))
                .ok_or_else(|| anyhow::anyhow!("flow {name} is served but not declared"))
        })
        .collect::<anyhow::Result<_>>()?;
    let mut sources = sources;
    // The flows filter rides in the bundle under its catalog name.
    let flows_filter = flows
        .filter
        .as_ref()
        .map(|filter| json!({ "name": catalog::FLOWS_FILTER, "vars_json": filter.vars_json }));
    if flows_filter.is_some() {
        sources.extend(
            catalog::all_sources(&config)
                .into_iter()
                .filter(|source| source.name == catalog::FLOWS_FILTER),
        );
    }
    let name = env_dir
        .canonicalize()
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "default".into());
    let options = BuildOptions {
        cache_dir: paths.builds.clone(),
        import_policy: ImportPolicy::Sym,
    };
    let bundle = build_bundle(&name, &sources, &options).map_err(|failure| {
        anyhow::anyhow!(
            "building the flow bundle of {}:\n{failure}",
            env_dir.display()
        )
    })?;
    Ok(Tenant {
        json: json!({
            "name": name,
            "org": flows.org,
            "admins": admins,
            "flows": entries,
            "flows_filter": flows_filter,
            "secret_json_keys": config
                .secrets
                .iter()
                .filter_map(|(id, secret)| Some((id.clone(), secret.json_key()?.to_string())))
                .collect::<std::collections::BTreeMap<_, _>>(),
        }),
        flows: names,
        bundle,
    })
}

fn integration(i: &types::Integration) -> Value {
    serde_json::to_value(i).expect("WIT records serialise")
}

/// The sandbox's WIT records and the component's wit-bindgen records serialise alike (serde
/// with Rust field and variant names), so the component reads this back as its own type.
fn flow_info(info: &types::FlowInfo) -> Value {
    serde_json::to_value(info).expect("WIT records serialise")
}

/// Stops the build on a flow whose strategy the Spin component does not carry out, before
/// anything is compiled.
pub(crate) fn refuse_strategies_spin_cannot_run(
    config: &symflow_config::Config,
) -> anyhow::Result<()> {
    for flow in config.flows.values() {
        let resolved = config.resolve_flow(flow);
        let Some(strategy) = resolved.strategy else {
            continue;
        };
        let kind = strategy.strategy.strategy_type.as_str();
        if !SPIN_STRATEGY_TYPES.contains(&kind) {
            anyhow::bail!(
                "flow {} ({}): the Spin app cannot grant or remove access with a `{kind}` strategy yet (it runs {}); an approved request would grant nothing, so the build stops. Serve this flow with `symflow up`, or give it one of those strategies",
                flow.name,
                strategy.strategy.meta.location,
                SPIN_STRATEGY_TYPES.join(", ")
            );
        }
    }
    Ok(())
}
