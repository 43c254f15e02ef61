//! [`ApiRecords`] and [`LogCursors`] on PostgreSQL. A cursor is one row per destination,
//! moved with a single `INSERT … ON CONFLICT` that never moves it back.

use postgres::Row;
use uuid::Uuid;

use super::{is_unique_violation, uuid_column, uuid_text, PostgresTransaction};
use crate::{now_ms, ApiEvent, ApiRecords, ApiToken, Error, LogCursors, NewApiToken, Result};

const TOKEN_COLUMNS: &str =
    "id, tenant, name, token_hash, user_id, created_at, expires_at, revoked_at";
const EVENT_COLUMNS: &str = "id, tenant, run_id, type, token_id, created_at, finished_at, error";

fn token_from_row(row: &Row) -> Result<ApiToken> {
    Ok(ApiToken {
        id: uuid_column(row, 0)?,
        tenant: row.try_get(1)?,
        name: row.try_get(2)?,
        token_hash: row.try_get(3)?,
        user_id: uuid_column(row, 4)?,
        created_at_ms: row.try_get(5)?,
        expires_at_ms: row.try_get(6)?,
        revoked_at_ms: row.try_get(7)?,
    })
}

fn event_from_row(row: &Row) -> Result<ApiEvent> {
    Ok(ApiEvent {
        id: uuid_column(row, 0)?,
        tenant: row.try_get(1)?,
        run_id: uuid_column(row, 2)?,
        event_type: row.try_get(3)?,
        token_id: uuid_column(row, 4)?,
        created_at_ms: row.try_get(5)?,
        finished_at_ms: row.try_get(6)?,
        error: row.try_get(7)?,
    })
}

impl ApiRecords for PostgresTransaction<'_> {
    fn create_api_token(&mut self, token: &NewApiToken) -> Result<ApiToken> {
        let sql = format!(
            "INSERT INTO api_tokens (id, tenant, name, token_hash, user_id, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {TOKEN_COLUMNS}"
        );
        let created = self.guarded(|tx| {
            tx.query_one(
                &sql,
                &[
                    &uuid_text(token.id),
                    &token.tenant,
                    &token.name,
                    &token.token_hash,
                    &uuid_text(token.user_id),
                    &now_ms(),
                    &token.expires_at_ms,
                ],
            )
        });
        match created {
            Ok(row) => token_from_row(&row),
            Err(e) if is_unique_violation(&e) => Err(Error::AlreadyExists {
                what: "API token",
                detail: token.id.to_string(),
            }),
            Err(e) => Err(e.into()),
        }
    }

    fn find_api_token_by_hash(&mut self, token_hash: &str) -> Result<Option<ApiToken>> {
        self.tx
            .query_opt(
                &format!("SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE token_hash = $1"),
                &[&token_hash],
            )?
            .map(|row| token_from_row(&row))
            .transpose()
    }

    fn list_api_tokens(&mut self, tenant: &str) -> Result<Vec<ApiToken>> {
        self.tx
            .query(
                &format!(
                    "SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE tenant = $1 ORDER BY created_at, name, id"
                ),
                &[&tenant],
            )?
            .iter()
            .map(token_from_row)
            .collect()
    }

    fn revoke_api_token(&mut self, id: Uuid, at_ms: i64) -> Result<bool> {
        let changed = self.tx.execute(
            "UPDATE api_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL",
            &[&uuid_text(id), &at_ms],
        )?;
        Ok(changed == 1)
    }

    fn record_api_event(&mut self, event: &ApiEvent) -> Result<()> {
        let inserted = self.guarded(|tx| {
            tx.execute(
                "INSERT INTO api_events (id, tenant, run_id, type, token_id, created_at, finished_at, error) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                &[
                    &uuid_text(event.id),
                    &event.tenant,
                    &uuid_text(event.run_id),
                    &event.event_type,
                    &uuid_text(event.token_id),
                    &event.created_at_ms,
                    &event.finished_at_ms,
                    &event.error,
                ],
            )
        });
        match inserted {
            Ok(_) => Ok(()),
            Err(e) if is_unique_violation(&e) => Err(Error::AlreadyExists {
                what: "API event",
                detail: event.id.to_string(),
            }),
            Err(e) => Err(e.into()),
        }
    }

    fn get_api_event(&mut self, id: Uuid) -> Result<Option<ApiEvent>> {
        self.tx
            .query_opt(
                &format!("SELECT {EVENT_COLUMNS} FROM api_events WHERE id = $1"),
                &[&uuid_text(id)],
            )?
            .map(|row| event_from_row(&row))
            .transpose()
    }

    fn finish_api_event(&mut self, id: Uuid, at_ms: i64, error: Option<&str>) -> Result<bool> {
        let changed = self.tx.execute(
            "UPDATE api_events SET finished_at = $2, error = $3 \
             WHERE id = $1 AND finished_at IS NULL",
            &[&uuid_text(id), &at_ms, &error],
        )?;
        Ok(changed == 1)
    }
}

impl LogCursors for PostgresTransaction<'_> {
    fn log_cursor(&mut self, destination: &str) -> Result<i64> {
        Ok(self
            .tx
            .query_opt(
                "SELECT position FROM log_cursors WHERE destination = $1",
                &[&destination],
            )?
            .map(|row| row.try_get(0))
            .transpose()?
            .unwrap_or(0))
    }

    fn set_log_cursor(&mut self, destination: &str, position: i64) -> Result<()> {
        self.tx.execute(
            "INSERT INTO log_cursors (destination, position, updated_at) VALUES ($1, $2, $3) \
             ON CONFLICT (destination) DO UPDATE \
                 SET position = GREATEST(log_cursors.position, excluded.position), \
                     updated_at = excluded.updated_at",
            &[&destination, &position, &now_ms()],
        )?;
        Ok(())
    }
}
