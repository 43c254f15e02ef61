//! [`TimerQueue`] on PostgreSQL: a claim picks due rows with `FOR UPDATE SKIP LOCKED`, so
//! replicas claiming at once take disjoint timers without waiting for each other, and a row
//! claimed and committed by another replica meanwhile is re-checked and left alone.

use postgres::Row;
use uuid::Uuid;

use super::{
    is_foreign_key_violation, parsed_column, sql_limit, uuid_column, uuid_text, PostgresTransaction,
};
use crate::error::require_json;
use crate::timers::TimerState;
use crate::{now_ms, Error, NewTimer, Result, Timer, TimerId, TimerQueue};

const TIMER_COLUMNS: &str =
    "id, run_id, kind, due_at, payload_json, state, claimed_at, lease_expires_at, attempts";

fn timer_from_row(row: &Row) -> Result<Timer> {
    Ok(Timer {
        id: TimerId(row.try_get(0)?),
        run_id: uuid_column(row, 1)?,
        kind: row.try_get(2)?,
        due_at_ms: row.try_get(3)?,
        payload_json: row.try_get(4)?,
        state: parsed_column(row, 5, TimerState::parse)?,
        claimed_at_ms: row.try_get(6)?,
        lease_expires_at_ms: row.try_get(7)?,
        attempts: row.try_get(8)?,
    })
}

impl TimerQueue for PostgresTransaction<'_> {
    fn schedule_timer(&mut self, timer: &NewTimer) -> Result<TimerId> {
        require_json("timer payload", &timer.payload_json)?;
        let inserted = self.guarded(|tx| {
            tx.query_one(
                "INSERT INTO timers (run_id, kind, due_at, payload_json, state, created_at) \
                 VALUES ($1, $2, $3, $4, 'pending', $5) RETURNING id",
                &[
                    &uuid_text(timer.run_id),
                    &timer.kind,
                    &timer.due_at_ms,
                    &timer.payload_json,
                    &now_ms(),
                ],
            )
        });
        match inserted {
            Ok(row) => Ok(TimerId(row.try_get(0)?)),
            Err(e) if is_foreign_key_violation(&e) => Err(Error::NotFound {
                what: "run",
                id: timer.run_id.to_string(),
            }),
            Err(e) => Err(e.into()),
        }
    }

    fn cancel_timers_for_run(&mut self, run_id: Uuid, kind: Option<&str>) -> Result<u64> {
        Ok(self.tx.execute(
            "UPDATE timers SET state = 'cancelled', lease_expires_at = NULL \
             WHERE run_id = $1 AND ($2::TEXT IS NULL OR kind = $2) \
               AND state IN ('pending', 'claimed')",
            &[&uuid_text(run_id), &kind],
        )?)
    }

    fn claim_due_timers(&mut self, now_ms: i64, limit: u32, lease_ms: i64) -> Result<Vec<Timer>> {
        if lease_ms <= 0 {
            return Err(Error::InvalidInput {
                what: "timer lease",
                detail: format!("{lease_ms} ms; it must be positive"),
            });
        }
        let rows = self.tx.query(
            &format!(
                "UPDATE timers SET state = 'claimed', claimed_at = $1::BIGINT, \
                                   lease_expires_at = $1::BIGINT + $3::BIGINT, attempts = attempts + 1 \
                 WHERE id IN ( \
                     SELECT id FROM timers \
                     WHERE (state = 'pending' AND due_at <= $1) \
                        OR (state = 'claimed' AND lease_expires_at <= $1) \
                     ORDER BY due_at, id LIMIT $2 \
                     FOR UPDATE SKIP LOCKED) \
                 RETURNING {TIMER_COLUMNS}"
            ),
            &[&now_ms, &sql_limit(limit), &lease_ms],
        )?;
        let mut claimed = rows
            .iter()
            .map(timer_from_row)
            .collect::<Result<Vec<_>>>()?;
        claimed.sort_by_key(|timer| (timer.due_at_ms, timer.id));
        Ok(claimed)
    }

    fn complete_timer(&mut self, id: TimerId) -> Result<bool> {
        let completed = self.tx.execute(
            "UPDATE timers SET state = 'done', lease_expires_at = NULL \
             WHERE id = $1 AND state IN ('pending', 'claimed')",
            &[&id.0],
        )?;
        Ok(completed == 1)
    }

    fn get_timer(&mut self, id: TimerId) -> Result<Option<Timer>> {
        self.tx
            .query_opt(
                &format!("SELECT {TIMER_COLUMNS} FROM timers WHERE id = $1"),
                &[&id.0],
            )?
            .map(|row| timer_from_row(&row))
            .transpose()
    }

    fn timers_for_run(&mut self, run_id: Uuid) -> Result<Vec<Timer>> {
        self.tx
            .query(
                &format!("SELECT {TIMER_COLUMNS} FROM timers WHERE run_id = $1 ORDER BY id"),
                &[&uuid_text(run_id)],
            )?
            .iter()
            .map(timer_from_row)
            .collect()
    }

    fn next_claimable_timer_at(&mut self) -> Result<Option<i64>> {
        Ok(self
            .tx
            .query_one(
                "SELECT LEAST( \
                     (SELECT MIN(due_at) FROM timers WHERE state = 'pending'), \
                     (SELECT MIN(lease_expires_at) FROM timers WHERE state = 'claimed'))",
                &[],
            )?
            .try_get(0)?)
    }

    fn end_timer_leases(&mut self, now_ms: i64) -> Result<u64> {
        Ok(self.tx.execute(
            "UPDATE timers SET lease_expires_at = $1 \
             WHERE state = 'claimed' AND lease_expires_at > $1",
            &[&now_ms],
        )?)
    }
}
