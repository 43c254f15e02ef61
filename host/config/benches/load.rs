//! How long `load_dir` takes on a generated environment with 100 flows (target: ≤ 100 ms).
//!
//! The directory is made with the scaffold, cycling through every flow type, so the bench reads
//! what `symflow init` + `symflow generate` write: modules, aws_* resources, secrets, strategies.

use std::hint::black_box;
use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion};
use symflow_config::scaffold::{
    generate, init, FlowSettings, FlowType, GenerateOptions, InitOptions,
};
use symflow_config::{load_dir, LoadOptions};

const FLOWS: usize = 100;

fn generate_environment(dir: &Path) {
    init(&InitOptions {
        directory: dir.to_path_buf(),
        slack_workspace_id: "T0123ABCD".into(),
        environment: "prod".into(),
        org: "S-BENCH".into(),
    })
    .expect("init");
    for index in 0..FLOWS {
        let flow_type = FlowType::ALL[index % FlowType::ALL.len()];
        let settings = match flow_type {
            FlowType::ApprovalOnly => FlowSettings::ApprovalOnly,
            FlowType::Okta => FlowSettings::Okta {
                domain: "acme.okta.com".into(),
                group_id: format!("00g{index:05}"),
            },
            FlowType::Custom => FlowSettings::Custom {
                target_identifier: format!("group-{index}"),
            },
            FlowType::Pagerduty => FlowSettings::Pagerduty {
                subdomain: "acme.pagerduty.com".into(),
                schedule_name: format!("schedule-{index}"),
            },
        };
        generate(&GenerateOptions {
            directory: dir.to_path_buf(),
            flow_name: format!("flow-{index:03}"),
            settings,
        })
        .expect("generate");
    }
}

fn bench_load(c: &mut Criterion) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("env");
    generate_environment(&dir);
    let loaded = load_dir(&dir, &LoadOptions::default()).expect("the generated directory loads");
    assert_eq!(loaded.config.flows.len(), FLOWS);
    assert!(loaded.diagnostics.is_empty());

    c.bench_function("load_dir 100 generated flows", |b| {
        b.iter(|| load_dir(black_box(&dir), &LoadOptions::default()).expect("loads"))
    });
}

criterion_group!(benches, bench_load);
criterion_main!(benches);
