//! [`RunStore`] on PostgreSQL: runs with an optimistic-concurrency version; reading a run locks
//! its row until commit, so a read-decide-write step on a run waits for another replica's.

use postgres::Row;
use uuid::Uuid;

use super::{
    is_foreign_key_violation, is_unique_violation, sql_limit, uuid_column, uuid_text,
    PostgresTransaction,
};
use crate::error::require_json;
use crate::{now_ms, Error, NewRun, Result, RunChange, RunQuery, RunRecord, RunStore};

const RUN_COLUMNS: &str = "id, tenant, flow, status, finished, requester_user_id, created_at, \
                           updated_at, state_json, version";

fn run_from_row(row: &Row) -> Result<RunRecord> {
    Ok(RunRecord {
        id: uuid_column(row, 0)?,
        tenant: row.try_get(1)?,
        flow: row.try_get(2)?,
        status: row.try_get(3)?,
        finished: row.try_get(4)?,
        requester_user_id: uuid_column(row, 5)?,
        created_at_ms: row.try_get(6)?,
        updated_at_ms: row.try_get(7)?,
        state_json: row.try_get(8)?,
        version: row.try_get(9)?,
    })
}

impl RunStore for PostgresTransaction<'_> {
    fn create_run(&mut self, run: &NewRun) -> Result<RunRecord> {
        require_json("run state", &run.state_json)?;
        let now = now_ms();
        let sql = format!(
            "INSERT INTO runs ({RUN_COLUMNS}) VALUES ($1, $2, $3, $4, FALSE, $5, $6, $6, $7, 1) \
             RETURNING {RUN_COLUMNS}"
        );
        let inserted = self.guarded(|tx| {
            tx.query_one(
                &sql,
                &[
                    &uuid_text(run.id),
                    &run.tenant,
                    &run.flow,
                    &run.status,
                    &uuid_text(run.requester_user_id),
                    &now,
                    &run.state_json,
                ],
            )
        });
        match inserted {
            Ok(row) => run_from_row(&row),
            Err(e) if is_unique_violation(&e) => Err(Error::AlreadyExists {
                what: "run",
                detail: run.id.to_string(),
            }),
            Err(e) if is_foreign_key_violation(&e) => Err(Error::NotFound {
                what: "requester user",
                id: run.requester_user_id.to_string(),
            }),
            Err(e) => Err(e.into()),
        }
    }

    fn get_run(&mut self, id: Uuid) -> Result<Option<RunRecord>> {
        self.tx
            .query_opt(
                &format!("SELECT {RUN_COLUMNS} FROM runs WHERE id = $1 FOR UPDATE"),
                &[&uuid_text(id)],
            )?
            .map(|row| run_from_row(&row))
            .transpose()
    }

    fn update_run(&mut self, id: Uuid, expected_version: i64, change: &RunChange) -> Result<i64> {
        require_json("run state", &change.state_json)?;
        // Under READ COMMITTED a concurrent update of the row makes this wait, then re-check
        // the version on the committed row: the loser sees no match.
        let updated = self.tx.query_opt(
            "UPDATE runs SET status = $3, finished = $4, state_json = $5, updated_at = $6, \
             version = version + 1 WHERE id = $1 AND version = $2 RETURNING version",
            &[
                &uuid_text(id),
                &expected_version,
                &change.status,
                &change.finished,
                &change.state_json,
                &now_ms(),
            ],
        )?;
        if let Some(row) = updated {
            return Ok(row.try_get(0)?);
        }
        let actual = self
            .tx
            .query_opt("SELECT version FROM runs WHERE id = $1", &[&uuid_text(id)])?;
        match actual {
            Some(row) => Err(Error::Conflict {
                run_id: id,
                expected_version,
                actual_version: row.try_get(0)?,
            }),
            None => Err(Error::NotFound {
                what: "run",
                id: id.to_string(),
            }),
        }
    }

    fn unfinished_runs(&mut self, tenant: &str, limit: u32) -> Result<Vec<RunRecord>> {
        self.tx
            .query(
                &format!(
                    "SELECT {RUN_COLUMNS} FROM runs WHERE tenant = $1 AND NOT finished \
                     ORDER BY created_at, id LIMIT $2"
                ),
                &[&tenant, &sql_limit(limit)],
            )?
            .iter()
            .map(run_from_row)
            .collect()
    }

    fn list_runs(&mut self, query: &RunQuery) -> Result<Vec<RunRecord>> {
        let requester = query.requester_user_id.map(uuid_text);
        self.tx
            .query(
                &format!(
                    "SELECT {RUN_COLUMNS} FROM runs WHERE tenant = $1 \
                     AND ($2::TEXT IS NULL OR flow = $2) AND ($3::TEXT IS NULL OR status = $3) \
                     AND ($4::TEXT IS NULL OR requester_user_id = $4) \
                     AND ($5::BIGINT IS NULL OR created_at >= $5) \
                     AND ($6::BIGINT IS NULL OR created_at < $6) \
                     ORDER BY created_at DESC, id DESC LIMIT $7"
                ),
                &[
                    &query.tenant,
                    &query.flow,
                    &query.status,
                    &requester,
                    &query.created_from_ms,
                    &query.created_until_ms,
                    &sql_limit(query.limit),
                ],
            )?
            .iter()
            .map(run_from_row)
            .collect()
    }
}
