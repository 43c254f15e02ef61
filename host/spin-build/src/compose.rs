//! The composition (wac-graph): one capabilities instance feeding the flow bundle's imports and
//! the HTTP component's `symflow:spin/context` and `symflow:spin/strategies`; the bundle's `handlers` and `bundle` exports
//! plugged into the HTTP component's imports of the same names; the HTTP component's
//! `wasi:http/incoming-handler` exported. Everything left unsatisfied (WASI, Spin's key-value
//! and variables) becomes an import of the composed component, for Spin to provide.

use anyhow::{anyhow, Context};
use wac_graph::types::Package;
use wac_graph::{CompositionGraph, EncodeOptions};

/// The capability interfaces a flow imports (`world flow` in guest-wit/wit/world.wit).
pub const FLOW_CAPABILITIES: [&str; 10] = [
    "sym:flow/slack@0.1.0",
    "sym:flow/pagerduty@0.1.0",
    "sym:flow/okta@0.1.0",
    "sym:flow/github@0.1.0",
    "sym:flow/aws-lambda@0.1.0",
    "sym:flow/http@0.1.0",
    "sym:flow/secrets@0.1.0",
    "sym:flow/store@0.1.0",
    "sym:flow/users@0.1.0",
    "sym:flow/log@0.1.0",
];
pub const HANDLERS: &str = "sym:flow/handlers@0.1.0";
pub const BUNDLE: &str = "sym:flow/bundle@0.1.0";
/// Types-only interface: exported by the capabilities component, imported by everyone else.
pub const TYPES: &str = "sym:flow/types@0.1.0";
pub const CONTEXT: &str = "symflow:spin/context@0.1.0";
/// The built-in access strategies, run by the capabilities component for the HTTP component.
pub const STRATEGIES: &str = "symflow:spin/strategies@0.1.0";

pub fn compose(app: &[u8], caps: &[u8], bundle: &[u8]) -> anyhow::Result<Vec<u8>> {
    let mut graph = CompositionGraph::new();
    let register = |graph: &mut CompositionGraph, name: &str, bytes: &[u8]| {
        let package = Package::from_bytes(name, None, bytes.to_vec(), graph.types_mut())
            .with_context(|| format!("reading component {name}"))?;
        graph
            .register_package(package)
            .map_err(|e| anyhow!("registering {name}: {e}"))
    };
    let app_id = register(&mut graph, "symflow:http-app", app)?;
    let caps_id = register(&mut graph, "symflow:capabilities", caps)?;
    let bundle_id = register(&mut graph, "symflow:flows", bundle)?;
    let caps = graph.instantiate(caps_id);
    let flows = graph.instantiate(bundle_id);
    for capability in FLOW_CAPABILITIES.into_iter().chain([TYPES]) {
        let export = graph
            .alias_instance_export(caps, capability)
            .map_err(|e| anyhow!("capabilities component: {capability}: {e}"))?;
        graph
            .set_instantiation_argument(flows, capability, export)
            .map_err(|e| anyhow!("flow bundle import {capability}: {e}"))?;
    }
    let app = graph.instantiate(app_id);
    let types = graph
        .alias_instance_export(caps, TYPES)
        .map_err(|e| anyhow!("capabilities component: {TYPES}: {e}"))?;
    graph
        .set_instantiation_argument(app, TYPES, types)
        .map_err(|e| anyhow!("HTTP component import {TYPES}: {e}"))?;
    for interface in [HANDLERS, BUNDLE] {
        let export = graph
            .alias_instance_export(flows, interface)
            .map_err(|e| anyhow!("the flow bundle exports no {interface}: {e}"))?;
        graph
            .set_instantiation_argument(app, interface, export)
            .map_err(|e| anyhow!("HTTP component import {interface}: {e}"))?;
    }
    for interface in [CONTEXT, STRATEGIES] {
        let export = graph
            .alias_instance_export(caps, interface)
            .map_err(|e| anyhow!("capabilities component: {interface}: {e}"))?;
        graph
            .set_instantiation_argument(app, interface, export)
            .map_err(|e| anyhow!("HTTP component import {interface}: {e}"))?;
    }
    let handler_name = {
        let package = &graph[app_id];
        let world = &graph.types()[package.ty()];
        world
            .exports
            .keys()
            .find(|name| name.starts_with("wasi:http/incoming-handler@0.2"))
            .cloned()
            .ok_or_else(|| {
                anyhow!("the HTTP component exports no wasi:http/incoming-handler@0.2.x")
            })?
    };
    let handler = graph
        .alias_instance_export(app, &handler_name)
        .map_err(|e| anyhow!("{handler_name}: {e}"))?;
    graph
        .export(handler, &handler_name)
        .map_err(|e| anyhow!("exporting {handler_name}: {e}"))?;
    graph
        .encode(EncodeOptions::default())
        .map_err(|e| anyhow!("encoding the composition: {e}"))
}
