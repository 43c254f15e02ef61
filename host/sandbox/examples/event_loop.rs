//! Runs the per-event path in a loop and prints median and p99, for profiling
//! with `perf record` and for numbers criterion does not give (percentiles).
//!
//! `cargo run --release -p symflow-sandbox --example event_loop -- <component.wasm> [iterations] [pooling|on-demand]`

use std::time::Instant;

use symflow_sandbox::recording::{sample_approve_event, Recorder, Script};
use symflow_sandbox::{EventLimits, FlowComponent, FlowInstance, HookStep, Sandbox, SandboxConfig};

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let wasm = args.next().expect("path to a built flow component (.wasm)");
    let iterations: usize = args.next().map(|n| n.parse().unwrap()).unwrap_or(2000);
    let pooling = args.next().as_deref() != Some("on-demand");
    let env = |name: &str| std::env::var(name).ok();
    let sandbox = Sandbox::new(&SandboxConfig {
        pooling,
        table_lazy_init: env("SYMFLOW_TABLE_LAZY_INIT").is_some_and(|v| v == "1"),
        keep_resident_bytes: env("SYMFLOW_KEEP_RESIDENT").map_or(32 << 20, |v| v.parse().unwrap()),
        ..SandboxConfig::default()
    })?;
    let cache = std::env::temp_dir().join("symflow-event-loop-cwasm");
    let component = FlowComponent::load(&sandbox, "flow", wasm.as_ref(), Some(&cache))?;
    let recorder = Recorder::new(Script::default());
    let event = sample_approve_event();
    let mut phases: [Vec<f64>; 4] = Default::default();
    for _ in 0..iterations {
        let t0 = Instant::now();
        let mut flow =
            FlowInstance::new(&component, recorder.capabilities(), EventLimits::default())?;
        let t1 = Instant::now();
        flow.after_hook(HookStep::Approve, &event, None)?;
        let t2 = Instant::now();
        flow.get_permissions(&event)?;
        let t3 = Instant::now();
        drop(flow);
        let t4 = Instant::now();
        recorder.clear();
        for (phase, (a, b)) in phases
            .iter_mut()
            .zip([(t0, t1), (t1, t2), (t2, t3), (t0, t4)])
        {
            phase.push((b - a).as_secs_f64() * 1e6);
        }
    }
    for (name, samples) in [
        "instantiate",
        "first call (hook)",
        "second call (reducer)",
        "whole event",
    ]
    .iter()
    .zip(phases.iter_mut())
    {
        samples.sort_by(|a, b| a.partial_cmp(b).unwrap());
        let p = |q: f64| samples[((samples.len() - 1) as f64 * q) as usize];
        println!(
            "{name:<24} median {:>8.1} µs   p99 {:>8.1} µs",
            p(0.5),
            p(0.99)
        );
    }
    Ok(())
}
