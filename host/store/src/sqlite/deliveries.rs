//! [`DeliveryLog`] on SQLite: one row per delivery key, replaced once it has expired.

use rusqlite::params;

use super::SqliteTransaction;
use crate::{DeliveryLog, Error, Result};

impl DeliveryLog for SqliteTransaction<'_> {
    fn record_delivery(&mut self, key: &str, now_ms: i64, keep_for_ms: i64) -> Result<bool> {
        if keep_for_ms <= 0 {
            return Err(Error::InvalidInput {
                what: "delivery retention",
                detail: format!("{keep_for_ms} ms; it must be positive"),
            });
        }
        // Inserts a new key, or takes over an expired one; a live key changes nothing.
        let changed = self
            .connection
            .prepare_cached(
                "INSERT INTO deliveries (key, first_seen_at, expires_at) VALUES (?1, ?2, ?2 + ?3) \
                 ON CONFLICT (key) DO UPDATE \
                     SET first_seen_at = excluded.first_seen_at, expires_at = excluded.expires_at \
                     WHERE deliveries.expires_at <= excluded.first_seen_at",
            )?
            .execute(params![key, now_ms, keep_for_ms])?;
        Ok(changed == 1)
    }

    fn purge_expired_deliveries(&mut self, now_ms: i64) -> Result<u64> {
        let purged = self
            .connection
            .prepare_cached("DELETE FROM deliveries WHERE expires_at <= ?1")?
            .execute([now_ms])?;
        Ok(purged as u64)
    }
}
