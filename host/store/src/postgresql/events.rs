//! [`EventLog`] on PostgreSQL: appends only (the schema's triggers refuse UPDATE, DELETE and
//! TRUNCATE); the run's row is locked while its next number is taken, and a reader of the whole
//! log waits for appends in flight, so streaming by position never skips an event.

use postgres::types::ToSql;
use postgres::Row;
use uuid::Uuid;

use super::{
    is_foreign_key_violation, is_unique_violation, optional_uuid_column, sql_limit, uuid_column,
    uuid_text, PostgresTransaction,
};
use crate::error::require_json;
use crate::{Error, EventCountQuery, EventCountScope, EventLog, EventRecord, NewEvent, Result};

const EVENT_COLUMNS: &str =
    "position, id, run_id, seq, type, actor_user_id, target_id, errored, occurred_at, event_json";

fn event_from_row(row: &Row) -> Result<EventRecord> {
    Ok(EventRecord {
        position: row.try_get(0)?,
        id: uuid_column(row, 1)?,
        run_id: uuid_column(row, 2)?,
        seq: row.try_get(3)?,
        event_type: row.try_get(4)?,
        actor_user_id: optional_uuid_column(row, 5)?,
        target_id: row.try_get(6)?,
        errored: row.try_get(7)?,
        occurred_at_ms: row.try_get(8)?,
        event_json: row.try_get(9)?,
    })
}

impl EventLog for PostgresTransaction<'_> {
    fn append_event(&mut self, event: &NewEvent) -> Result<EventRecord> {
        require_json("event", &event.event_json)?;
        let run_id = uuid_text(event.run_id);
        // Lock the run: appenders to the same run take their numbers one after the other, and
        // each sees the numbers committed before it.
        let run = self
            .tx
            .query_opt("SELECT 1 FROM runs WHERE id = $1 FOR UPDATE", &[&run_id])?;
        if run.is_none() {
            return Err(Error::NotFound {
                what: "run",
                id: event.run_id.to_string(),
            });
        }
        let sql = format!(
            "INSERT INTO events (id, run_id, seq, type, actor_user_id, target_id, errored, \
                                 occurred_at, event_json) \
             SELECT $1, $2, COALESCE(MAX(seq), 0) + 1, $3, $4, $5, $6, $7, $8 \
             FROM events WHERE run_id = $2 \
             RETURNING {EVENT_COLUMNS}"
        );
        let actor = event.actor_user_id.map(uuid_text);
        let appended = self.guarded(|tx| {
            tx.query_one(
                &sql,
                &[
                    &uuid_text(event.id),
                    &run_id,
                    &event.event_type,
                    &actor,
                    &event.target_id,
                    &event.errored,
                    &event.occurred_at_ms,
                    &event.event_json,
                ],
            )
        });
        match appended {
            Ok(row) => event_from_row(&row),
            Err(e) if is_unique_violation(&e) => Err(Error::AlreadyExists {
                what: "event",
                detail: event.id.to_string(),
            }),
            Err(e) if is_foreign_key_violation(&e) => Err(Error::NotFound {
                what: "actor user",
                id: actor.unwrap_or_default(),
            }),
            Err(e) => Err(e.into()),
        }
    }

    fn events_for_run(&mut self, run_id: Uuid) -> Result<Vec<EventRecord>> {
        self.tx
            .query(
                &format!("SELECT {EVENT_COLUMNS} FROM events WHERE run_id = $1 ORDER BY seq"),
                &[&uuid_text(run_id)],
            )?
            .iter()
            .map(event_from_row)
            .collect()
    }

    fn events_after(&mut self, after_position: i64, limit: u32) -> Result<Vec<EventRecord>> {
        // Positions are handed out at insert but become visible at commit, which on PostgreSQL
        // can come in another order: a reader could see position 11 before 10 commits, move its
        // cursor past 10 and never see it. SHARE mode waits for the transactions appending now
        // to finish (and holds new appenders back until this transaction ends), so what this
        // statement sees is a gap-free prefix of the log. Read pages in transactions of their
        // own, so the lock is short.
        self.tx.batch_execute("LOCK TABLE events IN SHARE MODE")?;
        self.tx
            .query(
                &format!(
                    "SELECT {EVENT_COLUMNS} FROM events WHERE position > $1 \
                     ORDER BY position LIMIT $2"
                ),
                &[&after_position, &sql_limit(limit)],
            )?
            .iter()
            .map(event_from_row)
            .collect()
    }

    fn count_events(&mut self, query: &EventCountQuery) -> Result<u64> {
        let actor = uuid_text(query.actor_user_id);
        let mut params: Vec<&(dyn ToSql + Sync)> = vec![
            &actor,
            &query.event_type,
            &query.since_ms,
            &query.until_ms,
            &query.include_errored,
        ];
        let scope_condition = match &query.scope {
            EventCountScope::Flow(flow) => {
                params.push(flow);
                "e.run_id IN (SELECT id FROM runs WHERE flow = $6)"
            }
            EventCountScope::Target(target) => {
                params.push(target);
                "e.target_id = $6"
            }
            EventCountScope::Any => "TRUE",
        };
        let count: i64 = self
            .tx
            .query_one(
                &format!(
                    "SELECT COUNT(*) FROM events e \
                     WHERE e.actor_user_id = $1 AND e.type = $2 \
                       AND ($3::BIGINT IS NULL OR e.occurred_at >= $3) \
                       AND ($4::BIGINT IS NULL OR e.occurred_at < $4) \
                       AND ($5 OR NOT e.errored) \
                       AND {scope_condition}"
                ),
                &params,
            )?
            .try_get(0)?;
        Ok(u64::try_from(count).unwrap_or_default())
    }
}
