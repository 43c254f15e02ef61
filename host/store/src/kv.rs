//! Tenant-scoped key-value storage behind the SDK's `store` integration (`fetch(path)`,
//! `put(path, value)` with dotted paths). One tenant never sees another's keys.

use crate::Result;

/// The key-value store inside a transaction. Values are JSON text.
pub trait KeyValueStore {
    /// The JSON value at `path` in `tenant`, if any.
    fn kv_fetch(&mut self, tenant: &str, path: &str) -> Result<Option<String>>;

    /// Sets `path` in `tenant` to the JSON `value_json`, replacing what was there.
    fn kv_put(&mut self, tenant: &str, path: &str, value_json: &str) -> Result<()>;

    /// Removes `path`; `true` if it was there.
    fn kv_delete(&mut self, tenant: &str, path: &str) -> Result<bool>;
}
