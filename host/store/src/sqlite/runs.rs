//! [`RunStore`] on SQLite: runs with an optimistic-concurrency version.

use rusqlite::{params, OptionalExtension, Row};
use uuid::Uuid;

use super::{is_unique_violation, sql_limit, uuid_column, uuid_text, SqliteTransaction};
use crate::error::require_json;
use crate::{now_ms, Error, NewRun, Result, RunChange, RunQuery, RunRecord, RunStore};

const RUN_COLUMNS: &str = "id, tenant, flow, status, finished, requester_user_id, created_at, \
                           updated_at, state_json, version";

fn run_from_row(row: &Row<'_>) -> rusqlite::Result<RunRecord> {
    Ok(RunRecord {
        id: uuid_column(row, 0)?,
        tenant: row.get(1)?,
        flow: row.get(2)?,
        status: row.get(3)?,
        finished: row.get(4)?,
        requester_user_id: uuid_column(row, 5)?,
        created_at_ms: row.get(6)?,
        updated_at_ms: row.get(7)?,
        state_json: row.get(8)?,
        version: row.get(9)?,
    })
}

impl RunStore for SqliteTransaction<'_> {
    fn create_run(&mut self, run: &NewRun) -> Result<RunRecord> {
        require_json("run state", &run.state_json)?;
        let now = now_ms();
        let inserted = self
            .connection
            .prepare_cached(&format!(
                "INSERT INTO runs ({RUN_COLUMNS}) VALUES (?1, ?2, ?3, ?4, 0, ?5, ?6, ?6, ?7, 1) \
                 RETURNING {RUN_COLUMNS}"
            ))?
            .query_row(
                params![
                    uuid_text(run.id),
                    run.tenant,
                    run.flow,
                    run.status,
                    uuid_text(run.requester_user_id),
                    now,
                    run.state_json,
                ],
                run_from_row,
            );
        match inserted {
            Ok(record) => Ok(record),
            Err(e) if is_unique_violation(&e) => Err(Error::AlreadyExists {
                what: "run",
                detail: run.id.to_string(),
            }),
            Err(e) if super::is_foreign_key_violation(&e) => Err(Error::NotFound {
                what: "requester user",
                id: run.requester_user_id.to_string(),
            }),
            Err(e) => Err(e.into()),
        }
    }

    fn get_run(&mut self, id: Uuid) -> Result<Option<RunRecord>> {
        Ok(self
            .connection
            .prepare_cached(&format!("SELECT {RUN_COLUMNS} FROM runs WHERE id = ?1"))?
            .query_row([uuid_text(id)], run_from_row)
            .optional()?)
    }

    fn update_run(&mut self, id: Uuid, expected_version: i64, change: &RunChange) -> Result<i64> {
        require_json("run state", &change.state_json)?;
        let new_version: Option<i64> = self
            .connection
            .prepare_cached(
                "UPDATE runs SET status = ?3, finished = ?4, state_json = ?5, updated_at = ?6, \
                 version = version + 1 WHERE id = ?1 AND version = ?2 RETURNING version",
            )?
            .query_row(
                params![
                    uuid_text(id),
                    expected_version,
                    change.status,
                    change.finished,
                    change.state_json,
                    now_ms(),
                ],
                |row| row.get(0),
            )
            .optional()?;
        if let Some(version) = new_version {
            return Ok(version);
        }
        let actual_version: Option<i64> = self
            .connection
            .prepare_cached("SELECT version FROM runs WHERE id = ?1")?
            .query_row([uuid_text(id)], |row| row.get(0))
            .optional()?;
        match actual_version {
            Some(actual_version) => Err(Error::Conflict {
                run_id: id,
                expected_version,
                actual_version,
            }),
            None => Err(Error::NotFound {
                what: "run",
                id: id.to_string(),
            }),
        }
    }

    fn unfinished_runs(&mut self, tenant: &str, limit: u32) -> Result<Vec<RunRecord>> {
        let mut statement = self.connection.prepare_cached(&format!(
            "SELECT {RUN_COLUMNS} FROM runs WHERE tenant = ?1 AND finished = 0 \
             ORDER BY created_at, id LIMIT ?2"
        ))?;
        let runs = statement
            .query_map(params![tenant, sql_limit(limit)], run_from_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(runs)
    }

    fn list_runs(&mut self, query: &RunQuery) -> Result<Vec<RunRecord>> {
        let mut statement = self.connection.prepare_cached(&format!(
            "SELECT {RUN_COLUMNS} FROM runs WHERE tenant = ?1 \
             AND (?2 IS NULL OR flow = ?2) AND (?3 IS NULL OR status = ?3) \
             AND (?4 IS NULL OR requester_user_id = ?4) \
             AND (?5 IS NULL OR created_at >= ?5) AND (?6 IS NULL OR created_at < ?6) \
             ORDER BY created_at DESC, id DESC LIMIT ?7"
        ))?;
        let runs = statement
            .query_map(
                params![
                    query.tenant,
                    query.flow,
                    query.status,
                    query.requester_user_id.map(uuid_text),
                    query.created_from_ms,
                    query.created_until_ms,
                    sql_limit(query.limit),
                ],
                run_from_row,
            )?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(runs)
    }
}
