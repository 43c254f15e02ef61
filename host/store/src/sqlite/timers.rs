//! [`TimerQueue`] on SQLite. A claim is one `UPDATE … RETURNING` inside a `BEGIN IMMEDIATE`
//! transaction, so two connections (threads or processes) never claim the same timer at once;
//! PostgreSQL will do the same with `FOR UPDATE SKIP LOCKED`.

use rusqlite::{params, OptionalExtension, Row};
use uuid::Uuid;

use super::{
    is_foreign_key_violation, parsed_column, sql_limit, uuid_column, uuid_text, SqliteTransaction,
};
use crate::error::require_json;
use crate::timers::TimerState;
use crate::{now_ms, Error, NewTimer, Result, Timer, TimerId, TimerQueue};

const TIMER_COLUMNS: &str =
    "id, run_id, kind, due_at, payload_json, state, claimed_at, lease_expires_at, attempts";

fn timer_from_row(row: &Row<'_>) -> rusqlite::Result<Timer> {
    Ok(Timer {
        id: TimerId(row.get(0)?),
        run_id: uuid_column(row, 1)?,
        kind: row.get(2)?,
        due_at_ms: row.get(3)?,
        payload_json: row.get(4)?,
        state: parsed_column(row, 5, TimerState::parse)?,
        claimed_at_ms: row.get(6)?,
        lease_expires_at_ms: row.get(7)?,
        attempts: row.get(8)?,
    })
}

impl TimerQueue for SqliteTransaction<'_> {
    fn schedule_timer(&mut self, timer: &NewTimer) -> Result<TimerId> {
        require_json("timer payload", &timer.payload_json)?;
        let inserted = self
            .connection
            .prepare_cached(
                "INSERT INTO timers (run_id, kind, due_at, payload_json, state, created_at) \
                 VALUES (?1, ?2, ?3, ?4, 'pending', ?5) RETURNING id",
            )?
            .query_row(
                params![
                    uuid_text(timer.run_id),
                    timer.kind,
                    timer.due_at_ms,
                    timer.payload_json,
                    now_ms()
                ],
                |row| row.get(0),
            );
        match inserted {
            Ok(id) => Ok(TimerId(id)),
            Err(e) if is_foreign_key_violation(&e) => Err(Error::NotFound {
                what: "run",
                id: timer.run_id.to_string(),
            }),
            Err(e) => Err(e.into()),
        }
    }

    fn cancel_timers_for_run(&mut self, run_id: Uuid, kind: Option<&str>) -> Result<u64> {
        let cancelled = self
            .connection
            .prepare_cached(
                "UPDATE timers SET state = 'cancelled', lease_expires_at = NULL \
                 WHERE run_id = ?1 AND (?2 IS NULL OR kind = ?2) \
                   AND state IN ('pending', 'claimed')",
            )?
            .execute(params![uuid_text(run_id), kind])?;
        Ok(cancelled as u64)
    }

    fn claim_due_timers(&mut self, now_ms: i64, limit: u32, lease_ms: i64) -> Result<Vec<Timer>> {
        if lease_ms <= 0 {
            return Err(Error::InvalidInput {
                what: "timer lease",
                detail: format!("{lease_ms} ms; it must be positive"),
            });
        }
        let mut statement = self.connection.prepare_cached(&format!(
            "UPDATE timers SET state = 'claimed', claimed_at = ?1, lease_expires_at = ?1 + ?3, \
                               attempts = attempts + 1 \
             WHERE id IN ( \
                 SELECT id FROM timers \
                 WHERE (state = 'pending' AND due_at <= ?1) \
                    OR (state = 'claimed' AND lease_expires_at <= ?1) \
                 ORDER BY due_at, id LIMIT ?2) \
             RETURNING {TIMER_COLUMNS}"
        ))?;
        let mut claimed = statement
            .query_map(params![now_ms, sql_limit(limit), lease_ms], timer_from_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        claimed.sort_by_key(|timer| (timer.due_at_ms, timer.id));
        Ok(claimed)
    }

    fn complete_timer(&mut self, id: TimerId) -> Result<bool> {
        let completed = self
            .connection
            .prepare_cached(
                "UPDATE timers SET state = 'done', lease_expires_at = NULL \
                 WHERE id = ?1 AND state IN ('pending', 'claimed')",
            )?
            .execute([id.0])?;
        Ok(completed == 1)
    }

    fn get_timer(&mut self, id: TimerId) -> Result<Option<Timer>> {
        Ok(self
            .connection
            .prepare_cached(&format!("SELECT {TIMER_COLUMNS} FROM timers WHERE id = ?1"))?
            .query_row([id.0], timer_from_row)
            .optional()?)
    }

    fn timers_for_run(&mut self, run_id: Uuid) -> Result<Vec<Timer>> {
        let mut statement = self.connection.prepare_cached(&format!(
            "SELECT {TIMER_COLUMNS} FROM timers WHERE run_id = ?1 ORDER BY id"
        ))?;
        let timers = statement
            .query_map([uuid_text(run_id)], timer_from_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(timers)
    }

    fn next_claimable_timer_at(&mut self) -> Result<Option<i64>> {
        Ok(self
            .connection
            .prepare_cached(
                "SELECT MIN(at) FROM ( \
                     SELECT MIN(due_at) AS at FROM timers WHERE state = 'pending' \
                     UNION ALL \
                     SELECT MIN(lease_expires_at) FROM timers WHERE state = 'claimed')",
            )?
            .query_row([], |row| row.get(0))?)
    }

    fn end_timer_leases(&mut self, now_ms: i64) -> Result<u64> {
        let ended = self
            .connection
            .prepare_cached(
                "UPDATE timers SET lease_expires_at = ?1 \
                 WHERE state = 'claimed' AND lease_expires_at > ?1",
            )?
            .execute([now_ms])?;
        Ok(ended as u64)
    }
}
