//! `spin build` for symflow. Spin loads one component per route; symflow's is a composition,
//! built here so that `spin up` needs nothing else:
//!
//! ```text
//!   capabilities (Rust, host/spin-wasm/caps) ──► flow-0 … flow-3 (componentize-py, one per flow)
//!        │  slack, store, secrets, http, log…          │ sym:flow/handlers
//!        └── symflow:spin/context ──────────────► HTTP component (Rust, host/spin-wasm/app)
//!                                                      │ wasi:http/incoming-handler@0.2
//!                                                      ▼
//!                                              target/spin/symflow.wasm (what spin.toml loads)
//! ```
//!
//! Plus `target/spin/tenant.json`: the environment's flows as the engine and the flows see them
//! (mounted into the component by spin.toml). [`imports`] reads what a built component imports,
//! for the test that checks Spin can satisfy all of it. See `docs/spin.md` for the design.

pub mod compose;
pub mod imports;
pub mod tenant;
pub mod wasm;

use std::path::{Path, PathBuf};

/// What `spin build` produced.
#[derive(Debug, Clone)]
pub struct SpinArtifacts {
    /// The composed component spin.toml loads.
    pub component: PathBuf,
    /// The tenant file mounted into it.
    pub tenant_json: PathBuf,
    /// The HTTP and capabilities components before composition.
    pub app: PathBuf,
    pub caps: PathBuf,
    /// The flows the tenant's bundle carries.
    pub flows: Vec<String>,
    /// The flow bundle: every flow of the tenant in one Python component.
    pub bundle: PathBuf,
}

/// Where things are.
#[derive(Debug, Clone)]
pub struct SpinBuildOptions {
    /// The environment directory (`flows/`).
    pub env_dir: PathBuf,
    /// Output directory (`target/spin`): component, tenant file, flow build cache.
    pub out_dir: PathBuf,
    /// Cargo target directory for the wasm32-wasip2 builds.
    pub wasm_target_dir: PathBuf,
    /// E-mails of symflow admins, written into the tenant file.
    pub admins: Vec<String>,
}

/// The repository root (this crate lives in `host/spin-build`).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Builds everything `spin up` loads.
pub fn build(options: &SpinBuildOptions) -> anyhow::Result<SpinArtifacts> {
    let config = symflow_server::up::load_config(&options.env_dir, &Default::default())?;
    tenant::refuse_strategies_spin_cannot_run(&config)?;
    std::fs::create_dir_all(&options.out_dir)?;
    let wasm = wasm::build_components(&options.wasm_target_dir)?;
    let tenant = tenant::build_tenant(&options.env_dir, &options.out_dir, &options.admins)?;
    let tenant_json = options.out_dir.join("tenant.json");
    write_atomically(&tenant_json, &serde_json::to_vec_pretty(&tenant.json)?)?;
    let component = options.out_dir.join("symflow.wasm");
    let composed = compose::compose(
        &std::fs::read(&wasm.app)?,
        &std::fs::read(&wasm.caps)?,
        &std::fs::read(&tenant.bundle.wasm_path)?,
    )?;
    write_atomically(&component, &composed)?;
    Ok(SpinArtifacts {
        component,
        tenant_json,
        app: wasm.app,
        caps: wasm.caps,
        flows: tenant.flows,
        bundle: tenant.bundle.wasm_path,
    })
}

/// Writes `bytes` under a temporary name in the same directory, then renames it into place, so
/// a reader (`spin up`, a test) never sees a half-written file and one that has it open keeps
/// the old contents.
fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut partial = tempfile::NamedTempFile::new_in(dir)?;
    partial.write_all(bytes)?;
    // Readable like any build output (a temporary file is private to its owner).
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(partial.path(), std::fs::Permissions::from_mode(0o644))?;
    }
    partial
        .persist(path)
        .map_err(|e| anyhow::anyhow!("writing {}: {}", path.display(), e.error))?;
    Ok(())
}
