//! Memory and instance caps for one event's `Store`.
//!
//! wasmtime's own `StoreLimits` refuses growth but does not say afterwards
//! *why* a call failed. This limiter refuses growth past the cap by trapping the
//! guest and records that it did, so the host reports "memory limit" rather than
//! an anonymous crash.

use wasmtime::ResourceLimiter;

pub(crate) struct EventLimiter {
    pub(crate) memory_cap_bytes: usize,
    pub(crate) max_instances: usize,
    pub(crate) max_tables: usize,
    pub(crate) max_memories: usize,
    pub(crate) max_table_elements: usize,
    pub(crate) memory_cap_hit: bool,
}

impl EventLimiter {
    pub(crate) fn new(memory_cap_bytes: usize) -> Self {
        EventLimiter {
            memory_cap_bytes,
            // A Python component holds ~14 core instances and a few memories and tables.
            max_instances: 64,
            max_tables: 64,
            max_memories: 32,
            max_table_elements: 1 << 20,
            memory_cap_hit: false,
        }
    }
}

impl ResourceLimiter for EventLimiter {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > self.memory_cap_bytes {
            self.memory_cap_hit = true;
            // Trap rather than let `memory.grow` return -1: Python would turn -1 into
            // a `MemoryError` the flow could catch and loop on. The event is over.
            return Err(wasmtime::format_err!(
                "memory limit of {} bytes reached (had {current}, wanted {desired})",
                self.memory_cap_bytes
            ));
        }
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= self.max_table_elements)
    }

    fn instances(&self) -> usize {
        self.max_instances
    }

    fn tables(&self) -> usize {
        self.max_tables
    }

    fn memories(&self) -> usize {
        self.max_memories
    }
}
