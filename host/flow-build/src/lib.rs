//! `symflow build`: turns a flow's `impl.py` (and its on-change handlers and
//! custom strategy file) into a WebAssembly component of the `sym:flow` world,
//! with the `componentize-py` crate as a library — no Python install needed.
//!
//! Builds are cached by content: the key hashes the flow's sources, the
//! embedded SDK and contract, and the componentize-py version, so an unchanged
//! flow is never rebuilt. Problems are reported as `file:line` with a hint.

mod checks;
mod guest;

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Instant;

use sha2::{Digest, Sha256};

pub use checks::{imports, ImportLine, ImportPolicy, SAFE_STDLIB};
pub use guest::{guest_hash, GuestTree};

/// Module names the build gives the user's files inside the component; the
/// SDK's app module (`symflow_guest.py`) imports them by these names.
pub const IMPL_MODULE: &str = "flow_impl";
pub const STRATEGY_MODULE: &str = "flow_strategy";
pub const MANIFEST_MODULE: &str = "flow_manifest";
pub const APP_MODULE: &str = "symflow_guest";
/// A flow bundle's list of flows and their modules (`build_bundle`).
pub const BUNDLE_MODULE: &str = "flow_bundle";
/// The WIT world of one flow's component, and of a bundle of several.
pub const FLOW_WORLD: &str = "flow";
pub const FLOW_BUNDLE_WORLD: &str = "flow-bundle";
const COMPONENTIZE_PY_VERSION: &str = "0.25.1";

/// The Python sources of one flow.
#[derive(Debug, Clone)]
pub struct FlowSource {
    /// The flow's name (`sym_flow.name`).
    pub name: String,
    /// Where `impl.py` lives, for messages; its text is in `impl_source`.
    pub impl_path: PathBuf,
    pub impl_source: String,
    /// `on_change` handlers: (field name, file path, source).
    pub on_change: Vec<(String, PathBuf, String)>,
    /// A custom strategy file (`sym_strategy.implementation`).
    pub strategy: Option<(PathBuf, String)>,
    /// Whether the flow must define `get_permissions`/`get_approvers`
    /// (false for a flows filter, which defines `get_flows`).
    pub requires_permissions: bool,
}

impl FlowSource {
    /// A flow read from its `impl.py`.
    pub fn from_file(name: &str, impl_path: &Path) -> std::io::Result<Self> {
        Ok(FlowSource {
            name: name.to_string(),
            impl_path: impl_path.to_path_buf(),
            impl_source: std::fs::read_to_string(impl_path)?,
            on_change: Vec::new(),
            strategy: None,
            requires_permissions: true,
        })
    }

    /// The content hash that names this flow's build.
    pub fn cache_key(&self, policy: ImportPolicy) -> String {
        let mut hasher = Sha256::new();
        let mut part = |bytes: &[u8]| {
            hasher.update((bytes.len() as u64).to_le_bytes());
            hasher.update(bytes);
        };
        part(COMPONENTIZE_PY_VERSION.as_bytes());
        part(guest_hash().as_bytes());
        part(format!("{policy:?}").as_bytes());
        part(self.impl_source.as_bytes());
        for (field, _, source) in &self.on_change {
            part(field.as_bytes());
            part(source.as_bytes());
        }
        if let Some((_, source)) = &self.strategy {
            part(source.as_bytes());
        }
        hex::encode(&hasher.finalize()[..16])
    }
}

/// Where builds go and what they may import.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    /// Cache directory holding built components (`<name>-<hash>.wasm`).
    pub cache_dir: PathBuf,
    pub import_policy: ImportPolicy,
}

/// A built flow component.
#[derive(Debug, Clone)]
pub struct BuiltFlow {
    pub name: String,
    pub wasm_path: PathBuf,
    /// True when the component came from the cache untouched.
    pub cached: bool,
    pub seconds: f64,
    pub size_bytes: u64,
    pub warnings: Vec<BuildWarning>,
}

/// A problem that stops a build, pointing at the user's file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildError {
    pub file: PathBuf,
    pub line: Option<usize>,
    pub message: String,
    pub hint: String,
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}: error: {}", self.file.display(), self.message)?,
            None => write!(f, "{}: error: {}", self.file.display(), self.message)?,
        }
        write!(f, "\n  hint: {}", self.hint)
    }
}

/// Something that builds but will likely misbehave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildWarning {
    pub file: PathBuf,
    pub line: usize,
    pub message: String,
}

impl fmt::Display for BuildWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}: warning: {}",
            self.file.display(),
            self.line,
            self.message
        )
    }
}

/// Every problem of a failed build.
#[derive(Debug, Clone)]
pub struct BuildFailure {
    pub errors: Vec<BuildError>,
    pub warnings: Vec<BuildWarning>,
}

impl fmt::Display for BuildFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, error) in self.errors.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for BuildFailure {}

/// Check and build one flow, or return the cached component.
pub fn build_flow(source: &FlowSource, options: &BuildOptions) -> Result<BuiltFlow, BuildFailure> {
    let started = Instant::now();
    let warnings = check_source(source, options)?;
    let key = source.cache_key(options.import_policy);
    let wasm_path = options
        .cache_dir
        .join(format!("{}-{key}.wasm", sanitize(&source.name)));
    componentize_cached(
        &source.name,
        &wasm_path,
        FLOW_WORLD,
        options,
        warnings,
        started,
        |dir| {
            let staged = stage_flow(source, dir, "flow")?;
            write_manifest(&staged, source, dir)?;
            Ok(staged.files)
        },
    )
}

/// Check every flow and build them into one component of world `flow-bundle` (one Python
/// interpreter for all of a tenant's flows: what Spin serves, where the package size is
/// capped), or return the cached bundle. `name` names the bundle (the tenant).
pub fn build_bundle(
    name: &str,
    sources: &[FlowSource],
    options: &BuildOptions,
) -> Result<BuiltFlow, BuildFailure> {
    let started = Instant::now();
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    for source in sources {
        match check_source(source, options) {
            Ok(found) => warnings.extend(found),
            Err(failure) => {
                errors.extend(failure.errors);
                warnings.extend(failure.warnings);
            }
        }
    }
    if !errors.is_empty() {
        return Err(BuildFailure { errors, warnings });
    }
    let key = {
        let mut hasher = Sha256::new();
        hasher.update(FLOW_BUNDLE_WORLD.as_bytes());
        for source in sources {
            hasher.update([0]);
            hasher.update(source.name.as_bytes());
            hasher.update([0]);
            hasher.update(source.cache_key(options.import_policy).as_bytes());
        }
        hex::encode(&hasher.finalize()[..16])
    };
    let wasm_path = options
        .cache_dir
        .join(format!("bundle-{}-{key}.wasm", sanitize(name)));
    componentize_cached(
        name,
        &wasm_path,
        FLOW_BUNDLE_WORLD,
        options,
        warnings,
        started,
        |dir| {
            let mut files = Vec::new();
            let mut flows = serde_json::Map::new();
            for (i, source) in sources.iter().enumerate() {
                let staged = stage_flow(source, dir, &format!("flow_{i}"))?;
                flows.insert(
                    source.name.clone(),
                    serde_json::json!({
                        "impl": staged.impl_module,
                        "on_change": staged.on_change.iter().cloned().collect::<serde_json::Map<_, _>>(),
                        "strategy": staged.strategy_module,
                    }),
                );
                files.extend(staged.files);
            }
            let flows = serde_json::Value::Object(flows).to_string();
            // A JSON string literal is a Python string literal too.
            let literal = serde_json::Value::String(flows).to_string();
            std::fs::write(
                dir.join(format!("{BUNDLE_MODULE}.py")),
                format!(
                    "\"\"\"Written by `symflow build`: the flows this bundle carries and their modules.\"\"\"\n\
                     import json\n\
                     FLOWS = json.loads({literal})\n"
                ),
            )?;
            Ok(files)
        },
    )
}

/// The static checks of one flow's files; the warnings when it passes.
fn check_source(
    source: &FlowSource,
    options: &BuildOptions,
) -> Result<Vec<BuildWarning>, BuildFailure> {
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    let local_modules: Vec<String> = vec![IMPL_MODULE.into(), STRATEGY_MODULE.into()];
    let files = std::iter::once((&source.impl_path, &source.impl_source))
        .chain(source.on_change.iter().map(|(_, path, text)| (path, text)))
        .chain(source.strategy.iter().map(|(path, text)| (path, text)));
    for (path, text) in files {
        checks::check_imports(
            path,
            text,
            options.import_policy,
            &local_modules,
            &mut errors,
            &mut warnings,
        );
    }
    if source.requires_permissions {
        checks::check_required_reducers(&source.impl_path, &source.impl_source, &mut errors);
    }
    if errors.is_empty() {
        Ok(warnings)
    } else {
        Err(BuildFailure { errors, warnings })
    }
}

/// The component at `wasm_path` when the cache has it; otherwise `stage` writes the Python
/// modules into a fresh build directory (returning (module file, user path) pairs, for
/// messages) and componentize-py builds them against `world`.
fn componentize_cached(
    name: &str,
    wasm_path: &Path,
    world: &str,
    options: &BuildOptions,
    warnings: Vec<BuildWarning>,
    started: Instant,
    stage: impl FnOnce(&Path) -> std::io::Result<Vec<(String, PathBuf)>>,
) -> Result<BuiltFlow, BuildFailure> {
    if wasm_path.exists() {
        let size_bytes = std::fs::metadata(wasm_path).map(|m| m.len()).unwrap_or(0);
        return Ok(BuiltFlow {
            name: name.to_string(),
            wasm_path: wasm_path.to_path_buf(),
            cached: true,
            seconds: started.elapsed().as_secs_f64(),
            size_bytes,
            warnings,
        });
    }

    let io_error = |e: std::io::Error, what: &str| BuildFailure {
        errors: vec![BuildError {
            file: options.cache_dir.clone(),
            line: None,
            message: format!("{what}: {e}"),
            hint: "check that the build cache directory is writable".into(),
        }],
        warnings: Vec::new(),
    };
    std::fs::create_dir_all(&options.cache_dir)
        .map_err(|e| io_error(e, "cannot create the build cache"))?;
    let guest = GuestTree::materialize(&options.cache_dir.join("guest"))
        .map_err(|e| io_error(e, "cannot write the SDK"))?;
    let workdir = tempfile::Builder::new()
        .prefix("flow-")
        .tempdir_in(&options.cache_dir)
        .map_err(|e| io_error(e, "cannot create a build directory"))?;
    let files = stage(workdir.path()).map_err(|e| io_error(e, "cannot stage the flow"))?;

    // Built inside this build's own directory (two threads of one process may build the same
    // flow at once), then renamed into the cache.
    let partial = workdir.path().join("component.wasm");
    if let Err(failure) = componentize(workdir.path(), &guest, world, &partial) {
        return Err(BuildFailure {
            errors: vec![checks::explain_componentize_failure(
                &format!("{failure:?}"),
                &files,
            )],
            warnings,
        });
    }
    std::fs::rename(&partial, wasm_path).map_err(|e| io_error(e, "cannot store the component"))?;
    let size_bytes = std::fs::metadata(wasm_path).map(|m| m.len()).unwrap_or(0);
    Ok(BuiltFlow {
        name: name.to_string(),
        wasm_path: wasm_path.to_path_buf(),
        cached: false,
        seconds: started.elapsed().as_secs_f64(),
        size_bytes,
        warnings,
    })
}

/// One flow's modules as staged in a build directory.
struct StagedFlow {
    /// (module file, user path) of every file written.
    files: Vec<(String, PathBuf)>,
    impl_module: String,
    /// (prompt field, module) per on-change handler.
    on_change: Vec<(String, serde_json::Value)>,
    strategy_module: Option<String>,
}

/// Stage the user's files under module names starting with `prefix` (`flow` for a flow
/// component: `flow_impl`, `flow_strategy`, `flow_on_change_<f>`, the names the app module
/// imports; `flow_<i>` for flow *i* of a bundle).
fn stage_flow(source: &FlowSource, dir: &Path, prefix: &str) -> std::io::Result<StagedFlow> {
    let mut files = Vec::new();
    let impl_module = format!("{prefix}_impl");
    std::fs::write(dir.join(format!("{impl_module}.py")), &source.impl_source)?;
    files.push((format!("{impl_module}.py"), source.impl_path.clone()));

    let mut on_change = Vec::new();
    for (field, path, text) in &source.on_change {
        let module = format!("{prefix}_on_change_{}", sanitize(field).replace('-', "_"));
        std::fs::write(dir.join(format!("{module}.py")), text)?;
        files.push((format!("{module}.py"), path.clone()));
        on_change.push((field.clone(), serde_json::Value::String(module)));
    }
    let mut strategy_module = None;
    if let Some((path, text)) = &source.strategy {
        let module = format!("{prefix}_strategy");
        std::fs::write(dir.join(format!("{module}.py")), text)?;
        files.push((format!("{module}.py"), path.clone()));
        strategy_module = Some(module);
    }
    Ok(StagedFlow {
        files,
        impl_module,
        on_change,
        strategy_module,
    })
}

/// The manifest of a flow component: which of its modules exist.
fn write_manifest(staged: &StagedFlow, source: &FlowSource, dir: &Path) -> std::io::Result<()> {
    let entries: Vec<String> = staged
        .on_change
        .iter()
        .map(|(field, module)| {
            format!(
                "    {}: {module},",
                serde_json::Value::String(field.clone())
            )
        })
        .collect();
    let manifest = format!(
        "\"\"\"Written by `symflow build`: which modules of this flow exist.\"\"\"\n\
         FLOW_NAME = {name}\n\
         ON_CHANGE_MODULES = {{\n{entries}\n}}\n\
         HAS_STRATEGY = {has_strategy}\n",
        name = serde_json::Value::String(source.name.clone()),
        entries = entries.join("\n"),
        has_strategy = if staged.strategy_module.is_some() {
            "True"
        } else {
            "False"
        },
    );
    std::fs::write(dir.join(format!("{MANIFEST_MODULE}.py")), manifest)
}

fn componentize(
    flow_dir: &Path,
    guest: &GuestTree,
    world: &str,
    output: &Path,
) -> anyhow::Result<()> {
    let wit_dir = guest.wit_dir();
    let python_dir = guest.python_dir();
    let flow_dir_str = flow_dir
        .to_str()
        .ok_or_else(|| anyhow::anyhow!("non-UTF-8 build path"))?;
    let python_dir_str = python_dir
        .to_str()
        .ok_or_else(|| anyhow::anyhow!("non-UTF-8 SDK path"))?;
    let wit_paths = [wit_dir.as_path()];
    let python_path = [flow_dir_str, python_dir_str];
    let empty: HashMap<&str, &str> = HashMap::new();
    let generator = componentize_py::ComponentGenerator {
        wit_paths: &wit_paths,
        worlds: &[world],
        features: &[],
        all_features: false,
        world_module: None,
        python_path: &python_path,
        module_worlds: &[],
        app_name: APP_MODULE,
        output_path: output,
        add_to_linker: None,
        stub_wasi: false,
        import_interface_names: &empty,
        export_interface_names: &empty,
        full_names: false,
        intersect_world: None,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(generator.generate())
}

fn sanitize(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect()
}
