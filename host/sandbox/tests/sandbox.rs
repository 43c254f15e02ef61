//! The sandbox's guarantees, checked through a real component: every reducer
//! and hook kind is called and its result checked, and every limit and every
//! way out of the sandbox is tried.

use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

use symflow_flow_build::{build_flow, BuildOptions, FlowSource, ImportPolicy};
use symflow_sandbox::recording::{stand_in_user, Recorder, Script};
use symflow_sandbox::types::{
    Channel, Destination, ErrorKind, Event, FieldType, FlowInfo, FormField, Integration,
    Permission, PromptForm,
};
use symflow_sandbox::HookStep;
use symflow_sandbox::{
    Capabilities, EventLimits, FlowComponent, FlowInstance, Sandbox, SandboxConfig, SandboxError,
};

fn flows_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/flows")
}

fn sandbox() -> &'static Sandbox {
    static SANDBOX: OnceLock<Sandbox> = OnceLock::new();
    SANDBOX.get_or_init(|| Sandbox::new(&SandboxConfig::default()).expect("sandbox"))
}

/// The kitchen-sink flow, built once per test process (and cached across runs).
fn kitchen_sink() -> &'static FlowComponent {
    static COMPONENT: OnceLock<FlowComponent> = OnceLock::new();
    COMPONENT.get_or_init(|| {
        let dir = flows_dir();
        let mut source =
            FlowSource::from_file("kitchen-sink", &dir.join("kitchen_sink_impl.py")).unwrap();
        let strategy = dir.join("kitchen_sink_strategy.py");
        source.strategy = Some((
            strategy.clone(),
            std::fs::read_to_string(&strategy).unwrap(),
        ));
        let on_change = dir.join("on_change_region.py");
        source.on_change = vec![(
            "region".into(),
            on_change.clone(),
            std::fs::read_to_string(&on_change).unwrap(),
        )];
        let cache = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("flow-cache");
        let built = build_flow(
            &source,
            &BuildOptions {
                cache_dir: cache.clone(),
                // The flow imports os, socket and subprocess on purpose: the point is
                // to show the sandbox stops them at run time.
                import_policy: ImportPolicy::Unrestricted,
            },
        )
        .unwrap_or_else(|e| panic!("kitchen-sink flow failed to build:\n{e}"));
        FlowComponent::load(
            sandbox(),
            "kitchen-sink",
            &built.wasm_path,
            Some(&cache.join("cwasm")),
        )
        .unwrap()
    })
}

fn custom_integration() -> Integration {
    Integration {
        key: "custom".into(),
        name: "echo".into(),
        integration_type: "custom".into(),
        external_id: "echo-service".into(),
        settings_json: r#"{"secrets": [{"$secret": "echo-token"}]}"#.into(),
    }
}

fn event(name: &str, email: &str, fields: serde_json::Value) -> Event {
    Event {
        name: name.into(),
        run_id: "6f1d1c52-0b43-4a43-9b85-5d0e5d3c9a11".into(),
        run_srn: "acme:run:kitchen-sink:latest:6f1d1c52-0b43-4a43-9b85-5d0e5d3c9a11".into(),
        user: stand_in_user(email),
        timestamp: "2026-11-28T06:00:00Z".into(),
        fields_json: fields.to_string(),
        channel: Channel {
            identifier: Some("#general".into()),
            channel_type: "slack".into(),
        },
        flow: FlowInfo {
            name: "kitchen-sink".into(),
            srn: "acme:flow:kitchen-sink:latest".into(),
            label: "Kitchen sink".into(),
            vars_json: r#"{"team": "platform"}"#.into(),
            fields: Vec::new(),
            integrations: vec![custom_integration()],
            strategy: None,
            environment_name: "prod".into(),
        },
        steps: Vec::new(),
        source_channel: None,
    }
}

fn recorder() -> Recorder {
    let mut script = Script::default();
    script.on_call.insert("oncall@example.com".into());
    script
        .secrets
        .insert("echo-token".into(), "s3cr3t-value".into());
    Recorder::new(script)
}

fn instance(recorder: &Recorder) -> FlowInstance {
    FlowInstance::new(
        kitchen_sink(),
        recorder.capabilities(),
        EventLimits::default(),
    )
    .expect("instantiate")
}

fn audit_messages(recorder: &Recorder) -> Vec<String> {
    recorder
        .calls()
        .into_iter()
        .filter(|c| c.function == "send_message" && c.args.contains("#audit"))
        .map(|c| c.args)
        .collect()
}

#[test]
fn lists_every_handler_the_module_defines() {
    let recorder = recorder();
    let mut flow = instance(&recorder);
    let handlers = flow.list_handlers().unwrap();
    for expected in [
        "get_permissions",
        "get_request_notifications",
        "get_approvers",
        "get_identity",
        "prefetch:repo",
        "on_change_region",
        "on_request",
        "after_request",
        "on_request_forward",
        "after_deescalate",
        "strategy",
    ] {
        assert!(
            handlers.iter().any(|h| h == expected),
            "{expected} missing from {handlers:?}"
        );
    }
    assert!(!handlers.iter().any(|h| h == "get_flows"), "{handlers:?}");
}

#[test]
fn reducers_return_typed_values() {
    let recorder = recorder();
    let mut flow = instance(&recorder);
    let request = event(
        "request",
        "alice@example.com",
        serde_json::json!({"reason": "deploy"}),
    );

    let permission = flow.get_permissions(&request).unwrap();
    assert!(matches!(permission.webapp_view, Permission::Member));
    assert!(matches!(permission.approve_deny, Permission::Admin));
    assert!(!permission.allow_self_approval);

    let notifications = flow.get_request_notifications(&request).unwrap();
    assert_eq!(notifications.len(), 2);
    assert_eq!(notifications[0].timeout, Some(600));
    assert!(
        matches!(&notifications[0].destinations[0].destination, Destination::SlackChannel(c) if c == "#sym-requests")
    );
    assert!(
        matches!(&notifications[1].destinations[0].destination, Destination::SlackUser(u) if u == "backup@example.com")
    );

    let approvers = flow.get_approvers(&request).unwrap();
    assert_eq!(approvers.notifications.len(), 1);
    let legacy = &approvers.notifications[0].destinations[0];
    assert!(
        legacy.allow_self,
        "slack.channel(..., allow_self=True) must carry allow_self"
    );
    assert!(matches!(&legacy.destination, Destination::SlackChannel(c) if c == "#sym-requests"));

    let identity = flow
        .get_identity(
            &request,
            "okta",
            "acme.okta.com",
            &stand_in_user("bob@example.com"),
        )
        .unwrap();
    assert_eq!(
        identity.as_deref(),
        Some("okta/acme.okta.com/bob@example.com")
    );

    let options = flow.prefetch("repo", &request).unwrap();
    assert_eq!(
        options.iter().map(|o| o.value.as_str()).collect::<Vec<_>>(),
        ["api", "web"]
    );
    assert_eq!(options[0].label, "API service");

    let self_ok = event(
        "request",
        "alice@example.com",
        serde_json::json!({"mode": "self-ok"}),
    );
    assert!(flow.get_permissions(&self_ok).unwrap().allow_self_approval);
}

#[test]
fn on_change_rewrites_the_form() {
    let recorder = recorder();
    let mut flow = instance(&recorder);
    let field = |name: &str, value: Option<&str>| FormField {
        name: name.into(),
        field_type: FieldType::String,
        label: None,
        required: true,
        visible: name != "zone",
        value_json: value.map(|v| serde_json::json!(v).to_string()),
        allowed_values: None,
        original_allowed_values: None,
    };
    let form = PromptForm {
        fields: vec![field("region", Some("eu-west-1")), field("zone", None)],
        flow_vars_json: "{}".into(),
        additional_header_text: None,
    };
    let changed = flow
        .on_change("region", "alice@example.com", &form)
        .unwrap();
    let zone = changed.fields.iter().find(|f| f.name == "zone").unwrap();
    assert!(zone.visible);
    let allowed = zone
        .allowed_values
        .as_ref()
        .expect("zone becomes a dropdown");
    assert_eq!(allowed[0].value, "eu-west-1-a");
}

#[test]
fn every_hook_kind_runs_and_on_hooks_redirect() {
    let recorder = recorder();
    let mut flow = instance(&recorder);
    let steps = [
        (HookStep::Prompt, "prompt"),
        (HookStep::Request, "request"),
        (HookStep::Approve, "approve"),
        (HookStep::Deny, "deny"),
        (HookStep::Escalate, "escalate"),
        (HookStep::Deescalate, "deescalate"),
    ];
    for (step, name) in steps {
        let e = event(name, "alice@example.com", serde_json::json!({}));
        assert_eq!(
            flow.on_hook(step, &e, None).unwrap(),
            None,
            "on_{name} redirected"
        );
        flow.after_hook(step, &e, None).unwrap();
    }
    let forward = symflow_sandbox::types::ForwardContext {
        all_destinations: Vec::new(),
        current_index: 0,
        next_index: Some(1),
    };
    let e = event(
        "request_forward",
        "alice@example.com",
        serde_json::json!({}),
    );
    flow.on_hook(HookStep::RequestForward, &e, Some(&forward))
        .unwrap();
    flow.after_hook(HookStep::RequestForward, &e, Some(&forward))
        .unwrap();

    let audit = audit_messages(&recorder);
    for name in [
        "prompt",
        "request",
        "approve",
        "deny",
        "escalate",
        "deescalate",
    ] {
        assert!(
            audit
                .iter()
                .any(|m| m.contains(&format!("\"on_{name}:alice@example.com\""))),
            "on_{name}: {audit:?}"
        );
        assert!(
            audit
                .iter()
                .any(|m| m.contains(&format!("\"after_{name}:alice@example.com\""))),
            "after_{name}: {audit:?}"
        );
    }
    assert!(
        audit.iter().any(|m| m.contains("on_request_forward:0->1")),
        "{audit:?}"
    );

    // on_request auto-approves an on-call requester (PagerDuty through its capability).
    let oncall = event(
        "request",
        "oncall@example.com",
        serde_json::json!({"mode": "oncall"}),
    );
    let transition = flow
        .on_hook(HookStep::Request, &oncall, None)
        .unwrap()
        .expect("auto-approval");
    assert_eq!(transition.step, "approve");
    let kwargs: serde_json::Value = serde_json::from_str(&transition.kwargs_json).unwrap();
    assert_eq!(kwargs["reason"], "requester is on call");
    assert!(recorder
        .calls()
        .iter()
        .any(|c| c.capability == "pagerduty" && c.function == "is_on_call"));

    // on_approve can refuse with ApprovalTemplate.ignore(message=...).
    let mallory = event("approve", "mallory@example.com", serde_json::json!({}));
    let ignore = flow
        .on_hook(HookStep::Approve, &mallory, None)
        .unwrap()
        .expect("ignore");
    assert_eq!(ignore.step, "ignore");
    assert_eq!(ignore.message.as_deref(), Some("Mallory may not approve"));
}

#[test]
fn custom_strategy_methods_run_in_the_sandbox() {
    let recorder = recorder();
    let mut flow = instance(&recorder);
    let integration = custom_integration();
    let identity = flow
        .fetch_remote_identity(&integration, &stand_in_user("carol@example.com"))
        .unwrap();
    assert_eq!(identity.as_deref(), Some("remote-carol"));
    assert_eq!(
        flow.fetch_remote_identity(&integration, &stand_in_user("eve@elsewhere.org"))
            .unwrap(),
        None
    );

    let mut escalate = event(
        "escalate",
        "carol@example.com",
        serde_json::json!({"target_id": "t-1"}),
    );
    escalate.steps.push(symflow_sandbox::types::RunStep {
        event_name: "request".into(),
        actor: Some(stand_in_user("carol@example.com")),
        context_json: "{}".into(),
        output_json: None,
        timestamp: "2026-11-28T06:00:00Z".into(),
    });
    let granted = flow
        .escalate(&integration, "t-1", &escalate)
        .unwrap()
        .expect("escalate output");
    let granted: serde_json::Value = serde_json::from_str(&granted).unwrap();
    assert_eq!(granted["granted"], "t-1");
    assert_eq!(granted["to"], "remote-carol");
    // get_requester_identity persisted the identity it found.
    assert!(recorder
        .calls()
        .iter()
        .any(|c| c.function == "persist_user_identity" && c.args.contains("remote-carol")));
}

#[test]
fn deescalate_sees_the_escalate_output() {
    let recorder = recorder();
    let mut flow = instance(&recorder);
    let mut deescalate = event(
        "deescalate",
        "carol@example.com",
        serde_json::json!({"target_id": "t-1"}),
    );
    deescalate.steps.push(symflow_sandbox::types::RunStep {
        event_name: "escalate".into(),
        actor: Some(stand_in_user("carol@example.com")),
        context_json: "{}".into(),
        output_json: Some(r#"{"granted": "t-1", "grant_id": 42}"#.into()),
        timestamp: "2026-11-28T06:00:00Z".into(),
    });
    let out = flow
        .deescalate(&custom_integration(), "t-1", &deescalate)
        .unwrap()
        .unwrap();
    let out: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(out["revoked"], "t-1");
    assert_eq!(out["escalated_with"]["grant_id"], 42);
}

#[test]
fn an_endless_loop_hits_the_deadline_and_the_next_event_succeeds() {
    let recorder = recorder();
    let limits = EventLimits {
        deadline: Duration::from_millis(300),
        ..EventLimits::default()
    };
    let mut flow = FlowInstance::new(kitchen_sink(), recorder.capabilities(), limits).unwrap();
    let looping = event(
        "request",
        "alice@example.com",
        serde_json::json!({"mode": "loop"}),
    );
    let error = flow.on_hook(HookStep::Request, &looping, None).unwrap_err();
    assert!(
        matches!(error, SandboxError::Deadline { limit_ms: 300 }),
        "{error:?}"
    );
    assert!(error.to_string().contains("time limit"), "{error}");
    // The trapped instance refuses further calls...
    assert!(flow.get_permissions(&looping).is_err());
    // ...and the next event on the same host gets a fresh, working one.
    let mut next = instance(&recorder);
    let ok = event("request", "alice@example.com", serde_json::json!({}));
    assert_eq!(next.on_hook(HookStep::Request, &ok, None).unwrap(), None);
}

#[test]
fn unbounded_allocation_hits_the_memory_cap() {
    let recorder = recorder();
    let limits = EventLimits {
        memory_bytes: 64 << 20,
        ..EventLimits::default()
    };
    let mut flow = FlowInstance::new(kitchen_sink(), recorder.capabilities(), limits).unwrap();
    let hog = event(
        "request",
        "alice@example.com",
        serde_json::json!({"mode": "alloc"}),
    );
    let error = flow.on_hook(HookStep::Request, &hog, None).unwrap_err();
    assert!(
        matches!(error, SandboxError::MemoryLimit { limit_mib: 64 }),
        "{error:?}"
    );
    let mut next = instance(&recorder);
    assert!(next.get_permissions(&hog).is_ok());
}

fn python_failure(mode: &str) -> symflow_sandbox::types::FlowError {
    let recorder = recorder();
    let mut flow = instance(&recorder);
    let e = event(
        "request",
        "alice@example.com",
        serde_json::json!({"mode": mode}),
    );
    match flow.on_hook(HookStep::Request, &e, None) {
        Err(SandboxError::Flow(error)) => error,
        other => panic!("mode {mode}: expected a Python exception, got {other:?}"),
    }
}

#[test]
fn a_raising_hook_returns_the_python_traceback() {
    let error = python_failure("raise");
    assert_eq!(error.kind, ErrorKind::PythonException);
    assert!(
        error.message.contains("boom from on_request"),
        "{}",
        error.message
    );
    assert!(
        error
            .traceback
            .contains("Traceback (most recent call last)"),
        "{}",
        error.traceback
    );
    assert!(
        error.traceback.contains("ValueError: boom from on_request"),
        "{}",
        error.traceback
    );
    assert!(
        error.traceback.contains("in on_request"),
        "{}",
        error.traceback
    );
}

#[test]
fn the_host_file_system_is_not_there() {
    let error = python_failure("open");
    assert!(
        error.traceback.contains("FileNotFoundError")
            || error.traceback.contains("PermissionError"),
        "{}",
        error.traceback
    );
    assert!(
        !error.traceback.contains("root:"),
        "host file leaked: {}",
        error.traceback
    );
}

#[test]
fn the_environment_is_empty() {
    let recorder = recorder();
    let mut flow = instance(&recorder);
    let e = event(
        "request",
        "alice@example.com",
        serde_json::json!({"mode": "environ"}),
    );
    let transition = flow.on_hook(HookStep::Request, &e, None).unwrap().unwrap();
    assert_eq!(transition.message.as_deref(), Some("environ={}"));
    assert!(
        std::env::vars().next().is_some(),
        "the host itself has an environment"
    );
}

#[test]
fn sockets_are_refused() {
    let error = python_failure("socket");
    assert!(
        error.traceback.contains("PermissionError") || error.traceback.contains("OSError"),
        "the connect must be refused by the sandbox: {}",
        error.traceback
    );
}

#[test]
fn subprocesses_cannot_be_spawned() {
    let error = python_failure("subprocess");
    assert_eq!(error.kind, ErrorKind::PythonException);
    assert!(!error.traceback.contains("spawned"), "{}", error.traceback);
}

#[test]
fn two_events_never_share_globals() {
    let recorder = recorder();
    for _ in 0..3 {
        let mut flow = instance(&recorder);
        let e = event(
            "request",
            "alice@example.com",
            serde_json::json!({"mode": "count"}),
        );
        let first = flow.on_hook(HookStep::Request, &e, None).unwrap().unwrap();
        assert_eq!(
            first.message.as_deref(),
            Some("seen=1"),
            "a fresh instance starts from the build-time snapshot"
        );
        // Within one event the instance (and its globals) is shared.
        let second = flow.on_hook(HookStep::Request, &e, None).unwrap().unwrap();
        assert_eq!(second.message.as_deref(), Some("seen=2"));
    }
}

#[test]
fn stdout_flood_is_bounded_and_the_call_succeeds() {
    let recorder = recorder();
    let limits = EventLimits {
        output_bytes: 4096,
        ..EventLimits::default()
    };
    let mut flow = FlowInstance::new(kitchen_sink(), recorder.capabilities(), limits).unwrap();
    let e = event(
        "request",
        "alice@example.com",
        serde_json::json!({"mode": "flood"}),
    );
    assert_eq!(flow.on_hook(HookStep::Request, &e, None).unwrap(), None);
    let log = flow.log();
    assert_eq!(log.text.len(), 4096);
    assert!(log.dropped_bytes > 1_000_000, "{}", log.dropped_bytes);
}

#[test]
fn sys_exit_ends_only_that_event() {
    let recorder = recorder();
    let mut flow = instance(&recorder);
    let e = event(
        "request",
        "alice@example.com",
        serde_json::json!({"mode": "exit"}),
    );
    let error = flow.on_hook(HookStep::Request, &e, None).unwrap_err();
    // CPython's runtime turns an uncaught SystemExit into exit(1) of the instance.
    assert!(matches!(error, SandboxError::Exit { .. }), "{error:?}");
    assert!(error.to_string().contains("exit("), "{error}");
    assert!(instance(&recorder).get_permissions(&e).is_ok());
}

#[test]
fn capabilities_not_granted_are_refused() {
    let recorder = recorder();
    // Nothing granted: the PagerDuty check inside on_request fails with not-granted.
    let mut flow =
        FlowInstance::new(kitchen_sink(), Capabilities::none(), EventLimits::default()).unwrap();
    let e = event(
        "request",
        "oncall@example.com",
        serde_json::json!({"mode": "oncall"}),
    );
    let error = flow.on_hook(HookStep::Request, &e, None).unwrap_err();
    let flow_error = error.flow_error().expect("a Python-level error");
    assert!(
        flow_error.traceback.contains("not-granted")
            || flow_error.message.contains("no access to pagerduty"),
        "{flow_error:?}"
    );
    assert!(recorder.calls().is_empty());
}

#[test]
fn secrets_come_only_through_the_secrets_capability() {
    let recorder = recorder();
    let mut flow = instance(&recorder);
    let e = event(
        "request",
        "alice@example.com",
        serde_json::json!({"mode": "secret"}),
    );
    let transition = flow.on_hook(HookStep::Request, &e, None).unwrap().unwrap();
    assert_eq!(transition.message.as_deref(), Some("s3cr3t-value"));
    let reads: Vec<_> = recorder
        .calls()
        .into_iter()
        .filter(|c| c.capability == "secrets")
        .collect();
    assert_eq!(reads.len(), 1);
    assert!(
        !reads[0].args.contains("s3cr3t-value"),
        "values are never recorded"
    );

    // Without the secret granted, the same flow cannot read it.
    let stingy = Recorder::new(Script::default());
    let mut flow = FlowInstance::new(
        kitchen_sink(),
        stingy.capabilities(),
        EventLimits::default(),
    )
    .unwrap();
    let error = flow.on_hook(HookStep::Request, &e, None).unwrap_err();
    assert!(error.flow_error().is_some(), "{error:?}");
}

#[test]
fn undefined_handlers_say_so() {
    let recorder = recorder();
    let mut flow = instance(&recorder);
    let user = stand_in_user("alice@example.com");
    let error = flow.get_flows(&user, &[], "{}").unwrap_err();
    assert!(error.is_not_defined(), "{error:?}");
}
