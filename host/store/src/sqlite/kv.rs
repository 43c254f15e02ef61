//! [`KeyValueStore`] on SQLite: one row per (tenant, path).

use rusqlite::{params, OptionalExtension};

use super::SqliteTransaction;
use crate::error::require_json;
use crate::{now_ms, KeyValueStore, Result};

impl KeyValueStore for SqliteTransaction<'_> {
    fn kv_fetch(&mut self, tenant: &str, path: &str) -> Result<Option<String>> {
        Ok(self
            .connection
            .prepare_cached("SELECT value_json FROM kv WHERE tenant = ?1 AND path = ?2")?
            .query_row(params![tenant, path], |row| row.get(0))
            .optional()?)
    }

    fn kv_put(&mut self, tenant: &str, path: &str, value_json: &str) -> Result<()> {
        require_json("key-value value", value_json)?;
        self.connection
            .prepare_cached(
                "INSERT INTO kv (tenant, path, value_json, updated_at) VALUES (?1, ?2, ?3, ?4) \
                 ON CONFLICT (tenant, path) DO UPDATE \
                     SET value_json = excluded.value_json, updated_at = excluded.updated_at",
            )?
            .execute(params![tenant, path, value_json, now_ms()])?;
        Ok(())
    }

    fn kv_delete(&mut self, tenant: &str, path: &str) -> Result<bool> {
        let deleted = self
            .connection
            .prepare_cached("DELETE FROM kv WHERE tenant = ?1 AND path = ?2")?
            .execute(params![tenant, path])?;
        Ok(deleted == 1)
    }
}
