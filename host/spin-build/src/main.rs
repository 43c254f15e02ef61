//! `symflow-spin-build [ENV_DIR]`: what spin.toml's `[component.symflow.build]` runs. Builds
//! the Spin components, the environment's flows and the tenant file, and composes them into
//! `target/spin/symflow.wasm`. Admins: `SYMFLOW_ADMINS=a@x.com,b@y.com`.

use std::path::PathBuf;

fn main() -> anyhow::Result<()> {
    let root = symflow_spin_build::repo_root();
    let env_dir = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("flows"));
    let target = std::env::var("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| root.join("target"));
    let options = symflow_spin_build::SpinBuildOptions {
        env_dir,
        out_dir: root.join("target/spin"),
        wasm_target_dir: target.join("spin-wasm"),
        admins: std::env::var("SYMFLOW_ADMINS")
            .unwrap_or_default()
            .split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect(),
    };
    let built = symflow_spin_build::build(&options)?;
    let size = std::fs::metadata(&built.component)?.len();
    println!(
        "{} ({:.1} MB, flows: {})",
        built.component.display(),
        size as f64 / 1e6,
        built.flows.join(", ")
    );
    println!("{}", built.tenant_json.display());
    Ok(())
}
