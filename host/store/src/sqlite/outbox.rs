//! [`Outbox`] on SQLite: claims like the timer queue, plus one-at-a-time order per run.

use rusqlite::{params, OptionalExtension, Row};

use super::{
    is_foreign_key_violation, optional_uuid_column, parsed_column, sql_limit, uuid_text,
    SqliteTransaction,
};
use crate::error::require_json;
use crate::outbox::OutboxState;
use crate::{now_ms, Error, NewOutboxItem, Outbox, OutboxItem, OutboxItemId, Result};

const OUTBOX_COLUMNS: &str = "id, tenant, run_id, kind, payload_json, state, available_at, \
                              lease_expires_at, attempts, last_error";

fn outbox_item_from_row(row: &Row<'_>) -> rusqlite::Result<OutboxItem> {
    Ok(OutboxItem {
        id: OutboxItemId(row.get(0)?),
        tenant: row.get(1)?,
        run_id: optional_uuid_column(row, 2)?,
        kind: row.get(3)?,
        payload_json: row.get(4)?,
        state: parsed_column(row, 5, OutboxState::parse)?,
        available_at_ms: row.get(6)?,
        lease_expires_at_ms: row.get(7)?,
        attempts: row.get(8)?,
        last_error: row.get(9)?,
    })
}

impl Outbox for SqliteTransaction<'_> {
    fn enqueue_outbox(&mut self, item: &NewOutboxItem) -> Result<OutboxItemId> {
        require_json("outbox payload", &item.payload_json)?;
        let now = now_ms();
        let inserted = self
            .connection
            .prepare_cached(
                "INSERT INTO outbox (tenant, run_id, kind, payload_json, state, available_at, \
                                     created_at) \
                 VALUES (?1, ?2, ?3, ?4, 'pending', ?5, ?5) RETURNING id",
            )?
            .query_row(
                params![
                    item.tenant,
                    item.run_id.map(uuid_text),
                    item.kind,
                    item.payload_json,
                    now
                ],
                |row| row.get(0),
            );
        match inserted {
            Ok(id) => Ok(OutboxItemId(id)),
            Err(e) if is_foreign_key_violation(&e) => Err(Error::NotFound {
                what: "run",
                id: item.run_id.map(|id| id.to_string()).unwrap_or_default(),
            }),
            Err(e) => Err(e.into()),
        }
    }

    fn claim_pending_outbox(
        &mut self,
        now_ms: i64,
        limit: u32,
        lease_ms: i64,
    ) -> Result<Vec<OutboxItem>> {
        if lease_ms <= 0 {
            return Err(Error::InvalidInput {
                what: "outbox lease",
                detail: format!("{lease_ms} ms; it must be positive"),
            });
        }
        // Claimable: pending and available, or claimed with a lapsed lease; and no earlier item
        // of the same run still open (so a run's effects happen in order, one at a time).
        let mut statement = self.connection.prepare_cached(&format!(
            "UPDATE outbox SET state = 'claimed', lease_expires_at = ?1 + ?3, \
                               attempts = attempts + 1 \
             WHERE id IN ( \
                 SELECT o.id FROM outbox o \
                 WHERE ((o.state = 'pending' AND o.available_at <= ?1) \
                        OR (o.state = 'claimed' AND o.lease_expires_at <= ?1)) \
                   AND NOT EXISTS ( \
                       SELECT 1 FROM outbox earlier \
                       WHERE earlier.run_id = o.run_id AND earlier.id < o.id \
                         AND earlier.state IN ('pending', 'claimed')) \
                 ORDER BY o.id LIMIT ?2) \
             RETURNING {OUTBOX_COLUMNS}"
        ))?;
        let mut claimed = statement
            .query_map(
                params![now_ms, sql_limit(limit), lease_ms],
                outbox_item_from_row,
            )?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        claimed.sort_by_key(|item| item.id);
        Ok(claimed)
    }

    fn mark_outbox_done(&mut self, id: OutboxItemId) -> Result<bool> {
        let changed = self
            .connection
            .prepare_cached(
                "UPDATE outbox SET state = 'done', lease_expires_at = NULL, finished_at = ?2 \
                 WHERE id = ?1 AND state IN ('pending', 'claimed')",
            )?
            .execute(params![id.0, now_ms()])?;
        Ok(changed == 1)
    }

    fn retry_outbox_later(
        &mut self,
        id: OutboxItemId,
        available_at_ms: i64,
        error: &str,
    ) -> Result<bool> {
        let changed = self
            .connection
            .prepare_cached(
                "UPDATE outbox SET state = 'pending', lease_expires_at = NULL, \
                                   available_at = ?2, last_error = ?3 \
                 WHERE id = ?1 AND state IN ('pending', 'claimed')",
            )?
            .execute(params![id.0, available_at_ms, error])?;
        Ok(changed == 1)
    }

    fn mark_outbox_failed(&mut self, id: OutboxItemId, error: &str) -> Result<bool> {
        let changed = self
            .connection
            .prepare_cached(
                "UPDATE outbox SET state = 'failed', lease_expires_at = NULL, last_error = ?2, \
                                   finished_at = ?3 \
                 WHERE id = ?1 AND state IN ('pending', 'claimed')",
            )?
            .execute(params![id.0, error, now_ms()])?;
        Ok(changed == 1)
    }

    fn get_outbox_item(&mut self, id: OutboxItemId) -> Result<Option<OutboxItem>> {
        Ok(self
            .connection
            .prepare_cached(&format!(
                "SELECT {OUTBOX_COLUMNS} FROM outbox WHERE id = ?1"
            ))?
            .query_row([id.0], outbox_item_from_row)
            .optional()?)
    }

    fn end_outbox_leases(&mut self, now_ms: i64) -> Result<u64> {
        let ended = self
            .connection
            .prepare_cached(
                "UPDATE outbox SET lease_expires_at = ?1 \
                 WHERE state = 'claimed' AND lease_expires_at > ?1",
            )?
            .execute([now_ms])?;
        Ok(ended as u64)
    }
}
