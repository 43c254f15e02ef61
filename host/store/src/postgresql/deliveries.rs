//! [`DeliveryLog`] on PostgreSQL: one row per delivery key, claimed by a single
//! `INSERT … ON CONFLICT` statement, so of two replicas receiving the same Slack retry exactly
//! one sees it as new (the other waits for its commit, then finds the live key).

use super::PostgresTransaction;
use crate::{DeliveryLog, Error, Result};

impl DeliveryLog for PostgresTransaction<'_> {
    fn record_delivery(&mut self, key: &str, now_ms: i64, keep_for_ms: i64) -> Result<bool> {
        if keep_for_ms <= 0 {
            return Err(Error::InvalidInput {
                what: "delivery retention",
                detail: format!("{keep_for_ms} ms; it must be positive"),
            });
        }
        // Inserts a new key, or takes over an expired one; a live key changes nothing (the
        // DO UPDATE's WHERE makes it DO NOTHING for a live key).
        let changed = self.tx.execute(
            "INSERT INTO deliveries (key, first_seen_at, expires_at) VALUES ($1, $2::BIGINT, $2::BIGINT + $3::BIGINT) \
             ON CONFLICT (key) DO UPDATE \
                 SET first_seen_at = excluded.first_seen_at, expires_at = excluded.expires_at \
                 WHERE deliveries.expires_at <= excluded.first_seen_at",
            &[&key, &now_ms, &keep_for_ms],
        )?;
        Ok(changed == 1)
    }

    fn purge_expired_deliveries(&mut self, now_ms: i64) -> Result<u64> {
        Ok(self
            .tx
            .execute("DELETE FROM deliveries WHERE expires_at <= $1", &[&now_ms])?)
    }
}
