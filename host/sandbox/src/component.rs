//! One compiled flow: its component, precompiled once and cached on disk, and an
//! `InstancePre` with every import already resolved, so an event only has to
//! instantiate.
//!
//! Compiling a Python component with Cranelift takes seconds; loading the
//! precompiled artifact with `deserialize_file` (an mmap) takes milliseconds.
//! The artifact is keyed by the component's content hash plus the engine's
//! compatibility hash, so a new wasmtime or new engine settings never load a
//! stale artifact.

use std::path::{Path, PathBuf};
use std::time::Instant;

use sha2::{Digest, Sha256};
use wasmtime::component::{Component, HasSelf, Linker};

use crate::bindings::{Flow, FlowPre};
use crate::error::SandboxError;
use crate::instance::HostState;
use crate::sandbox::Sandbox;

/// A flow's component, ready to instantiate once per event.
#[derive(Clone)]
pub struct FlowComponent {
    pre: FlowPre<HostState>,
    name: String,
    /// How this component was obtained, for logs and benchmarks.
    pub load_report: LoadReport,
}

/// Where the compiled code came from and how long it took.
#[derive(Debug, Clone)]
pub struct LoadReport {
    pub from_cache: bool,
    pub millis: f64,
    pub artifact: Option<PathBuf>,
}

impl FlowComponent {
    /// Load `wasm_path`, using (and filling) the precompiled cache in `cache_dir`.
    pub fn load(
        sandbox: &Sandbox,
        name: &str,
        wasm_path: &Path,
        cache_dir: Option<&Path>,
    ) -> Result<Self, SandboxError> {
        let started = Instant::now();
        let bytes = std::fs::read(wasm_path).map_err(|e| SandboxError::Setup {
            message: format!("cannot read {}: {e}", wasm_path.display()),
        })?;
        let engine = sandbox.engine();
        let (component, from_cache, artifact) = match cache_dir {
            Some(dir) => {
                let key = format!(
                    "{}-{}",
                    hex::encode(&Sha256::digest(&bytes)[..16]),
                    sandbox.compatibility_key()
                );
                let artifact = dir.join(format!("{key}.cwasm"));
                if artifact.exists() {
                    // SAFETY: the artifact was written by `Component::serialize` of this
                    // same engine configuration (the key includes the engine's
                    // compatibility hash) into the host's private cache directory.
                    match unsafe { Component::deserialize_file(engine, &artifact) } {
                        Ok(component) => (component, true, Some(artifact)),
                        Err(_) => (
                            compile_and_store(engine, &bytes, &artifact)?,
                            false,
                            Some(artifact),
                        ),
                    }
                } else {
                    std::fs::create_dir_all(dir).map_err(SandboxError::setup)?;
                    (
                        compile_and_store(engine, &bytes, &artifact)?,
                        false,
                        Some(artifact),
                    )
                }
            }
            None => (
                Component::new(engine, &bytes).map_err(SandboxError::setup)?,
                false,
                None,
            ),
        };
        let pre = Self::link(sandbox, &component)?;
        Ok(FlowComponent {
            pre,
            name: name.to_string(),
            load_report: LoadReport {
                from_cache,
                millis: started.elapsed().as_secs_f64() * 1000.0,
                artifact,
            },
        })
    }

    fn link(sandbox: &Sandbox, component: &Component) -> Result<FlowPre<HostState>, SandboxError> {
        let mut linker: Linker<HostState> = Linker::new(sandbox.engine());
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker).map_err(SandboxError::setup)?;
        Flow::add_to_linker::<HostState, HasSelf<HostState>>(&mut linker, |state| state)
            .map_err(SandboxError::setup)?;
        let instance_pre = linker
            .instantiate_pre(component)
            .map_err(SandboxError::setup)?;
        FlowPre::new(instance_pre).map_err(SandboxError::setup)
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub(crate) fn pre(&self) -> &FlowPre<HostState> {
        &self.pre
    }
}

fn compile_and_store(
    engine: &wasmtime::Engine,
    bytes: &[u8],
    artifact: &Path,
) -> Result<Component, SandboxError> {
    let component = Component::new(engine, bytes).map_err(SandboxError::setup)?;
    let serialized = component.serialize().map_err(SandboxError::setup)?;
    // Write under a name no other thread or process uses, then rename into place: a crash never
    // leaves a truncated artifact, and a process that has already mapped the artifact
    // (`deserialize_file`) keeps its inode, where rewriting the file in place would change that
    // process's memory images under it.
    let dir = artifact.parent().unwrap_or(Path::new("."));
    let mut partial = tempfile::NamedTempFile::new_in(dir).map_err(SandboxError::setup)?;
    std::io::Write::write_all(&mut partial, &serialized).map_err(SandboxError::setup)?;
    partial
        .persist(artifact)
        .map_err(|e| SandboxError::setup(e.error))?;
    Ok(component)
}
