//! A real Python flow, built with componentize-py and run in the sandbox, using the
//! capabilities of this crate: a flow whose environment declares the integrations reaches
//! them (through the fakes); one whose environment does not gets Sym's `NOT_GRANTED` errors.

use std::path::PathBuf;

use axum::routing::get;
use axum::Router;
use serde_json::{json, Value};
use symflow_flow_build::{build_flow, BuildOptions, FlowSource, ImportPolicy};
use symflow_sandbox::types::{Channel, Event, FlowInfo};
use symflow_sandbox::{
    Capabilities, EventLimits, FlowComponent, FlowInstance, HookStep, Sandbox, SandboxConfig,
};

use crate::{fakes, user, world};

fn build() -> (Sandbox, FlowComponent) {
    let sandbox = Sandbox::new(&SandboxConfig::default()).expect("sandbox");
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/flows/capabilities_impl.py");
    let source = FlowSource::from_file("capabilities", &path).unwrap();
    let cache = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("integrations-flow-cache");
    let built = build_flow(
        &source,
        &BuildOptions {
            cache_dir: cache.clone(),
            import_policy: ImportPolicy::Sym,
        },
    )
    .unwrap_or_else(|e| panic!("flow failed to build:\n{e}"));
    let component = FlowComponent::load(
        &sandbox,
        "capabilities",
        &built.wasm_path,
        Some(&cache.join("cwasm")),
    )
    .unwrap();
    (sandbox, component)
}

fn event(vars: Value) -> Event {
    Event {
        name: "request".into(),
        run_id: "7a1d1c52-0b43-4a43-9b85-5d0e5d3c9a11".into(),
        run_srn: "s-testorg01:run:capabilities:latest:7a1d1c52-0b43-4a43-9b85-5d0e5d3c9a11".into(),
        user: user("carol@acme.com"),
        timestamp: "2026-11-28T06:00:00Z".into(),
        fields_json: "{}".into(),
        channel: Channel {
            identifier: Some("#general".into()),
            channel_type: "slack".into(),
        },
        flow: FlowInfo {
            name: "capabilities".into(),
            srn: "s-testorg01:flow:capabilities:latest".into(),
            label: "Capabilities".into(),
            vars_json: vars.to_string(),
            fields: Vec::new(),
            integrations: Vec::new(),
            strategy: None,
            environment_name: "full".into(),
        },
        steps: Vec::new(),
        source_channel: None,
    }
}

fn run(component: &FlowComponent, caps: Capabilities, event: &Event) -> Value {
    let mut flow = FlowInstance::new(component, caps, EventLimits::default()).expect("instantiate");
    let transition = flow
        .on_hook(HookStep::Request, event, None)
        .expect("on_request runs")
        .expect("a transition");
    serde_json::from_str(transition.message.as_deref().expect("a message")).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_python_flow_reaches_only_what_its_environment_declares() {
    let world = world().await;
    let site =
        fakes::serve(Router::new().route("/hello", get(|| async { "hi from the partner" }))).await;
    let port = site.port().unwrap();
    let vars = json!({
        "allowed_url": format!("http://127.0.0.1:{port}/hello"),
        "denied_url": format!("http://localhost:{port}/hello"),
    });
    let full = world.caps("full-flow");
    let bare = world.caps("bare-flow");
    let (full, bare) = tokio::task::spawn_blocking(move || {
        let (_sandbox, component) = build();
        let e = event(vars);
        (run(&component, full, &e), run(&component, bare, &e))
    })
    .await
    .unwrap();

    assert_eq!(full["on_call"], false, "{full}");
    assert_eq!(full["in_group"], true, "{full}");
    assert_eq!(full["admins"], json!(["octo-admin"]), "{full}");
    assert_eq!(full["partner_token"], "partner-token", "{full}");
    assert_eq!(full["unrelated"], "SymIntegration:NOT_GRANTED", "{full}");
    assert_eq!(full["allowed"], "hi from the partner", "{full}");
    let denied = full["denied"].as_str().unwrap();
    assert!(
        denied.starts_with("ConnectionError: ")
            && denied.contains("localhost")
            && denied.contains("allowed_hosts"),
        "{denied}"
    );

    assert_eq!(bare["on_call"], "PagerDuty:NOT_GRANTED", "{bare}");
    assert_eq!(bare["in_group"], "Okta:NOT_GRANTED", "{bare}");
    assert_eq!(bare["admins"], "GitHub:NOT_GRANTED", "{bare}");
    assert_eq!(
        bare["partner_token"], "SymIntegration:NOT_GRANTED",
        "{bare}"
    );
    assert!(
        bare["allowed"]
            .as_str()
            .unwrap()
            .starts_with("ConnectionError: "),
        "{bare}"
    );
}
