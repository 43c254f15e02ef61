//! The one wasmtime `Engine` a host process runs flows on, and the clock that
//! enforces their deadlines.
//!
//! The engine is configured once: component model, the pooling allocator (slots
//! for instances, memories and tables reserved up front so instantiation is a
//! matter of reusing a slot), copy-on-write memory images (a fresh instance maps
//! the snapshot Python heap instead of copying it), and epoch interruption
//! driven by a ticker thread so a flow in `while True: pass` is stopped.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};

/// How often the epoch advances; deadlines are counted in these ticks.
pub const EPOCH_TICK: Duration = Duration::from_millis(1);

/// Settings of the host's sandbox.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// Reuse pre-reserved slots for instances (on by default).
    pub pooling: bool,
    /// How many flow instances may be alive at once with pooling.
    pub max_concurrent_instances: u32,
    /// The largest memory cap any flow may be given (per linear memory).
    pub max_memory_bytes: usize,
    /// Fill function tables on first use rather than at instantiation.
    pub table_lazy_init: bool,
    /// With pooling: bytes of each memory kept resident between instances and
    /// reset by copying, instead of being unmapped and faulted back in.
    pub keep_resident_bytes: usize,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            pooling: true,
            max_concurrent_instances: 64,
            max_memory_bytes: 1 << 30,
            // Measured (BENCHMARKS.md): filling tables eagerly and keeping the first
            // 32 MiB of each pooled memory resident cut the whole event by ~16 % at
            // the median and ~35 % at p99 against lazy tables and full decommit.
            table_lazy_init: false,
            keep_resident_bytes: 32 << 20,
        }
    }
}

/// A wasmtime engine configured for flows, plus its epoch ticker.
pub struct Sandbox {
    engine: Engine,
    ticker: Option<JoinHandle<()>>,
    stop: Arc<AtomicBool>,
}

impl Sandbox {
    pub fn new(config: &SandboxConfig) -> anyhow::Result<Self> {
        let engine = Engine::new(&wasmtime_config(config)).map_err(anyhow::Error::from)?;
        let stop = Arc::new(AtomicBool::new(false));
        let ticker = {
            let engine = engine.clone();
            let stop = stop.clone();
            std::thread::Builder::new()
                .name("symflow-epoch".into())
                .spawn(move || {
                    while !stop.load(Ordering::Relaxed) {
                        std::thread::sleep(EPOCH_TICK);
                        engine.increment_epoch();
                    }
                })?
        };
        Ok(Sandbox {
            engine,
            ticker: Some(ticker),
            stop,
        })
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// A hash that changes whenever precompiled artifacts stop being loadable
    /// (wasmtime version, engine settings, CPU features).
    pub fn compatibility_key(&self) -> String {
        use std::hash::{Hash, Hasher};
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        self.engine
            .precompile_compatibility_hash()
            .hash(&mut hasher);
        format!("{:016x}", hasher.finish())
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(ticker) = self.ticker.take() {
            let _ = ticker.join();
        }
    }
}

fn wasmtime_config(settings: &SandboxConfig) -> Config {
    let mut config = Config::new();
    config.wasm_component_model(true);
    config.epoch_interruption(true);
    config.memory_init_cow(true);
    config.table_lazy_init(settings.table_lazy_init);
    if settings.pooling {
        let mut pool = PoolingAllocationConfig::default();
        let instances = settings.max_concurrent_instances;
        pool.total_component_instances(instances);
        // A Python component holds ~14 core instances, a handful of memories and tables.
        pool.max_core_instances_per_component(64);
        pool.total_core_instances(instances * 32);
        pool.max_memories_per_component(32);
        pool.total_memories(instances * 8);
        pool.max_tables_per_component(64);
        pool.total_tables(instances * 16);
        pool.table_elements(1 << 20);
        pool.max_memory_size(settings.max_memory_bytes);
        pool.max_component_instance_size(1 << 20);
        pool.max_core_instance_size(1 << 20);
        pool.linear_memory_keep_resident(settings.keep_resident_bytes);
        pool.table_keep_resident(settings.keep_resident_bytes);
        config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    }
    config
}
