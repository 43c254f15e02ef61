//! The tenant file: the environment's flows as the Spin component needs them, from the same
//! pipeline as `symflow up` (load the Terraform, build each flow, read its handlers, make its
//! `FlowSpec` and `flow-info`). The JSON shapes are those of the component's wit-bindgen types
//! (serde with Rust field and variant names).

use std::path::{Path, PathBuf};

use serde_json::{json, Value};
use symflow_flow_host::catalog::CatalogPaths;
use symflow_sandbox::types;
use symflow_server::flows::Flows;

/// Flows one composition can carry (`flow-0` … `flow-3` in `http-app.wit`).
pub const SLOTS: usize = 4;

pub struct Tenant {
    pub json: Value,
    /// (flow name, built component) in slot order.
    pub flows: Vec<(String, PathBuf)>,
}

pub fn build_tenant(env_dir: &Path, out_dir: &Path, admins: &[String]) -> anyhow::Result<Tenant> {
    let config = symflow_server::up::load_config(env_dir, &[])?;
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
    if all.len() > SLOTS {
        anyhow::bail!(
            "{} declares {} flows; one Spin component carries at most {SLOTS} (each flow's Python is its own ~20 MB component). Split the environment into several tenants (see docs/spin.md).",
            env_dir.display(),
            all.len()
        );
    }
    let mut entries = Vec::new();
    let mut components = Vec::new();
    for (slot, flow) in all.iter().enumerate() {
        let strategy_integration = flow.strategy_integration().map(integration);
        entries.push(json!({
            "slot": slot,
            "spec": flow.spec(),
            "info": flow_info(&flow.info),
            "error_channel": flow.error_channel,
            "strategy_type": flow.strategy_type,
            "strategy_integration": strategy_integration,
            "granted": flow.integrations.keys().collect::<Vec<_>>(),
            "secrets": [],
        }));
        components.push((flow.name().to_string(), flow.loaded.built.wasm_path.clone()));
    }
    let name = env_dir
        .canonicalize()
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "default".into());
    Ok(Tenant {
        json: json!({ "name": name, "org": flows.org, "admins": admins, "flows": entries }),
        flows: components,
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
