//! [`EventLog`] on SQLite: appends only; the schema's triggers refuse UPDATE and DELETE.

use rusqlite::{params, Row};
use uuid::Uuid;

use super::{
    is_foreign_key_violation, is_unique_violation, optional_uuid_column, sql_limit, uuid_column,
    uuid_text, SqliteTransaction,
};
use crate::error::require_json;
use crate::{
    Error, EventCountQuery, EventCountScope, EventLog, EventRecord, NewEvent, Result, RunStore,
};

const EVENT_COLUMNS: &str =
    "position, id, run_id, seq, type, actor_user_id, target_id, errored, occurred_at, event_json";

fn event_from_row(row: &Row<'_>) -> rusqlite::Result<EventRecord> {
    Ok(EventRecord {
        position: row.get(0)?,
        id: uuid_column(row, 1)?,
        run_id: uuid_column(row, 2)?,
        seq: row.get(3)?,
        event_type: row.get(4)?,
        actor_user_id: optional_uuid_column(row, 5)?,
        target_id: row.get(6)?,
        errored: row.get(7)?,
        occurred_at_ms: row.get(8)?,
        event_json: row.get(9)?,
    })
}

impl EventLog for SqliteTransaction<'_> {
    fn append_event(&mut self, event: &NewEvent) -> Result<EventRecord> {
        require_json("event", &event.event_json)?;
        // The next number in the run, computed and used in one statement of an IMMEDIATE
        // transaction: no other writer can take it in between.
        let appended = self
            .connection
            .prepare_cached(&format!(
                "INSERT INTO events (id, run_id, seq, type, actor_user_id, target_id, errored, \
                                     occurred_at, event_json) \
                 SELECT ?1, ?2, COALESCE(MAX(seq), 0) + 1, ?3, ?4, ?5, ?6, ?7, ?8 \
                 FROM events WHERE run_id = ?2 \
                 RETURNING {EVENT_COLUMNS}"
            ))?
            .query_row(
                params![
                    uuid_text(event.id),
                    uuid_text(event.run_id),
                    event.event_type,
                    event.actor_user_id.map(uuid_text),
                    event.target_id,
                    event.errored,
                    event.occurred_at_ms,
                    event.event_json,
                ],
                event_from_row,
            );
        match appended {
            Ok(record) => Ok(record),
            Err(e) if is_unique_violation(&e) => Err(Error::AlreadyExists {
                what: "event",
                detail: event.id.to_string(),
            }),
            Err(e) if is_foreign_key_violation(&e) => {
                if self.get_run(event.run_id)?.is_none() {
                    Err(Error::NotFound {
                        what: "run",
                        id: event.run_id.to_string(),
                    })
                } else {
                    Err(Error::NotFound {
                        what: "actor user",
                        id: event
                            .actor_user_id
                            .map(|id| id.to_string())
                            .unwrap_or_default(),
                    })
                }
            }
            Err(e) => Err(e.into()),
        }
    }

    fn events_for_run(&mut self, run_id: Uuid) -> Result<Vec<EventRecord>> {
        let mut statement = self.connection.prepare_cached(&format!(
            "SELECT {EVENT_COLUMNS} FROM events WHERE run_id = ?1 ORDER BY seq"
        ))?;
        let events = statement
            .query_map([uuid_text(run_id)], event_from_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(events)
    }

    fn events_after(&mut self, after_position: i64, limit: u32) -> Result<Vec<EventRecord>> {
        let mut statement = self.connection.prepare_cached(&format!(
            "SELECT {EVENT_COLUMNS} FROM events WHERE position > ?1 ORDER BY position LIMIT ?2"
        ))?;
        let events = statement
            .query_map(params![after_position, sql_limit(limit)], event_from_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(events)
    }

    fn count_events(&mut self, query: &EventCountQuery) -> Result<u64> {
        let (scope_condition, scope_value) = match &query.scope {
            EventCountScope::Flow(flow) => (
                "e.run_id IN (SELECT id FROM runs WHERE flow = ?6)",
                Some(flow.as_str()),
            ),
            EventCountScope::Target(target) => ("e.target_id = ?6", Some(target.as_str())),
            EventCountScope::Any => ("?6 IS NULL", None),
        };
        let count: i64 = self
            .connection
            .prepare_cached(&format!(
                "SELECT COUNT(*) FROM events e \
                 WHERE e.actor_user_id = ?1 AND e.type = ?2 \
                   AND (?3 IS NULL OR e.occurred_at >= ?3) \
                   AND (?4 IS NULL OR e.occurred_at < ?4) \
                   AND (?5 OR e.errored = 0) \
                   AND {scope_condition}"
            ))?
            .query_row(
                params![
                    uuid_text(query.actor_user_id),
                    query.event_type,
                    query.since_ms,
                    query.until_ms,
                    query.include_errored,
                    scope_value,
                ],
                |row| row.get(0),
            )?;
        Ok(u64::try_from(count).unwrap_or_default())
    }
}
