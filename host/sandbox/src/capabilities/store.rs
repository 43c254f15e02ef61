//! `sym:flow/store`: the tenant-scoped key-value store of `sym.sdk.integrations.store`.

use crate::bindings::store::Host;
use crate::instance::HostState;
use crate::types::CapabilityError;

use super::granted;

/// Key-value storage as the host offers it to a flow.
pub trait StoreCapability: Send + Sync {
    fn fetch(&self, path: String) -> Result<Option<String>, CapabilityError>;
    fn put(&self, path: String, value_json: String) -> Result<(), CapabilityError>;
}

impl Host for HostState {
    fn fetch(&mut self, path: String) -> Result<Option<String>, CapabilityError> {
        granted(&self.caps.store, "store")?.fetch(path)
    }
    fn put(&mut self, path: String, value_json: String) -> Result<(), CapabilityError> {
        granted(&self.caps.store, "store")?.put(path, value_json)
    }
}
