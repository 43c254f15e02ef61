//! [`KeyValueStore`] on PostgreSQL: one row per (tenant, path); a fetch locks the row it reads,
//! so a read-modify-write of one key in a transaction does not lose another replica's write.

use super::PostgresTransaction;
use crate::error::require_json;
use crate::{now_ms, KeyValueStore, Result};

impl KeyValueStore for PostgresTransaction<'_> {
    fn kv_fetch(&mut self, tenant: &str, path: &str) -> Result<Option<String>> {
        Ok(self
            .tx
            .query_opt(
                "SELECT value_json FROM kv WHERE tenant = $1 AND path = $2 FOR UPDATE",
                &[&tenant, &path],
            )?
            .map(|row| row.try_get(0))
            .transpose()?)
    }

    fn kv_put(&mut self, tenant: &str, path: &str, value_json: &str) -> Result<()> {
        require_json("key-value value", value_json)?;
        self.tx.execute(
            "INSERT INTO kv (tenant, path, value_json, updated_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (tenant, path) DO UPDATE \
                 SET value_json = excluded.value_json, updated_at = excluded.updated_at",
            &[&tenant, &path, &value_json, &now_ms()],
        )?;
        Ok(())
    }

    fn kv_delete(&mut self, tenant: &str, path: &str) -> Result<bool> {
        let deleted = self.tx.execute(
            "DELETE FROM kv WHERE tenant = $1 AND path = $2",
            &[&tenant, &path],
        )?;
        Ok(deleted == 1)
    }
}
