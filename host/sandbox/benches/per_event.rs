//! Per-event cost of the sandbox: a fresh instance, one hook, one reducer,
//! drop — and, for contrast, its parts and the one-off cost of loading a
//! component compiled vs from the precompiled cache.
//!
//! Run: `cargo bench -p symflow-sandbox --bench per_event`. The flow is the
//! example approval flow in `flows/impls/approval_impl.py`.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use symflow_flow_build::{build_flow, BuildOptions, FlowSource, ImportPolicy};
use symflow_sandbox::recording::{sample_approve_event, Recorder, Script};
use symflow_sandbox::{EventLimits, FlowComponent, FlowInstance, HookStep, Sandbox, SandboxConfig};

fn built_approval_flow() -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let source =
        FlowSource::from_file("approval", &root.join("flows/impls/approval_impl.py")).unwrap();
    let cache = root.join("target/bench-flow-cache");
    build_flow(
        &source,
        &BuildOptions {
            cache_dir: cache,
            import_policy: ImportPolicy::Sym,
        },
    )
    .unwrap()
    .wasm_path
}

fn per_event(c: &mut Criterion) {
    let wasm = built_approval_flow();
    let cwasm_dir = wasm.parent().unwrap().join("cwasm-bench");
    let recorder = Recorder::new(Script::default());
    let event = sample_approve_event();

    for (label, pooling) in [("pooling", true), ("on-demand", false)] {
        let sandbox = Sandbox::new(&SandboxConfig {
            pooling,
            ..SandboxConfig::default()
        })
        .unwrap();
        let component = FlowComponent::load(&sandbox, "approval", &wasm, Some(&cwasm_dir)).unwrap();
        let mut group = c.benchmark_group(format!("event/{label}"));
        group
            .sample_size(200)
            .measurement_time(Duration::from_secs(8));
        group.bench_function("instantiate+drop", |b| {
            b.iter(|| {
                FlowInstance::new(&component, recorder.capabilities(), EventLimits::default())
                    .unwrap()
            })
        });
        group.bench_function("instantiate+hook+reducer+drop", |b| {
            b.iter(|| {
                let mut flow =
                    FlowInstance::new(&component, recorder.capabilities(), EventLimits::default())
                        .unwrap();
                flow.after_hook(HookStep::Approve, &event, None).unwrap();
                flow.get_permissions(&event).unwrap()
            })
        });
        group.bench_function("warm reducer call", |b| {
            let mut flow =
                FlowInstance::new(&component, recorder.capabilities(), EventLimits::default())
                    .unwrap();
            b.iter(|| flow.get_permissions(&event).unwrap())
        });
        group.finish();
    }

    // One-off costs: compile with Cranelift vs load the precompiled artifact.
    let sandbox = Sandbox::new(&SandboxConfig::default()).unwrap();
    let started = Instant::now();
    let _ = FlowComponent::load(&sandbox, "approval", &wasm, None).unwrap();
    let compile = started.elapsed();
    let started = Instant::now();
    let _ = FlowComponent::load(&sandbox, "approval", &wasm, Some(&cwasm_dir)).unwrap();
    let cached = started.elapsed();
    println!(
        "component load: compile {:.0} ms, cached {:.1} ms, wasm {:.1} MB",
        compile.as_secs_f64() * 1e3,
        cached.as_secs_f64() * 1e3,
        std::fs::metadata(&wasm).unwrap().len() as f64 / 1e6
    );
}

criterion_group!(benches, per_event);
criterion_main!(benches);
