//! [`ApiRecords`] and [`LogCursors`] on SQLite.

use rusqlite::{params, OptionalExtension, Row};
use uuid::Uuid;

use super::{is_unique_violation, uuid_column, uuid_text, SqliteTransaction};
use crate::{now_ms, ApiEvent, ApiRecords, ApiToken, Error, LogCursors, NewApiToken, Result};

const TOKEN_COLUMNS: &str =
    "id, tenant, name, token_hash, user_id, created_at, expires_at, revoked_at";
const EVENT_COLUMNS: &str = "id, tenant, run_id, type, token_id, created_at, finished_at, error";

fn token_from_row(row: &Row<'_>) -> rusqlite::Result<ApiToken> {
    Ok(ApiToken {
        id: uuid_column(row, 0)?,
        tenant: row.get(1)?,
        name: row.get(2)?,
        token_hash: row.get(3)?,
        user_id: uuid_column(row, 4)?,
        created_at_ms: row.get(5)?,
        expires_at_ms: row.get(6)?,
        revoked_at_ms: row.get(7)?,
    })
}

fn event_from_row(row: &Row<'_>) -> rusqlite::Result<ApiEvent> {
    Ok(ApiEvent {
        id: uuid_column(row, 0)?,
        tenant: row.get(1)?,
        run_id: uuid_column(row, 2)?,
        event_type: row.get(3)?,
        token_id: uuid_column(row, 4)?,
        created_at_ms: row.get(5)?,
        finished_at_ms: row.get(6)?,
        error: row.get(7)?,
    })
}

impl ApiRecords for SqliteTransaction<'_> {
    fn create_api_token(&mut self, token: &NewApiToken) -> Result<ApiToken> {
        let created = self
            .connection
            .prepare_cached(&format!(
                "INSERT INTO api_tokens (id, tenant, name, token_hash, user_id, created_at, expires_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING {TOKEN_COLUMNS}"
            ))?
            .query_row(
                params![
                    uuid_text(token.id),
                    token.tenant,
                    token.name,
                    token.token_hash,
                    uuid_text(token.user_id),
                    now_ms(),
                    token.expires_at_ms,
                ],
                token_from_row,
            );
        match created {
            Ok(token) => Ok(token),
            Err(e) if is_unique_violation(&e) => Err(Error::AlreadyExists {
                what: "API token",
                detail: token.id.to_string(),
            }),
            Err(e) => Err(e.into()),
        }
    }

    fn find_api_token_by_hash(&mut self, token_hash: &str) -> Result<Option<ApiToken>> {
        Ok(self
            .connection
            .prepare_cached(&format!(
                "SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE token_hash = ?1"
            ))?
            .query_row(params![token_hash], token_from_row)
            .optional()?)
    }

    fn list_api_tokens(&mut self, tenant: &str) -> Result<Vec<ApiToken>> {
        let mut statement = self.connection.prepare_cached(&format!(
            "SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE tenant = ?1 ORDER BY created_at, name, id"
        ))?;
        let tokens = statement
            .query_map(params![tenant], token_from_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(tokens)
    }

    fn revoke_api_token(&mut self, id: Uuid, at_ms: i64) -> Result<bool> {
        let changed = self
            .connection
            .prepare_cached(
                "UPDATE api_tokens SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL",
            )?
            .execute(params![uuid_text(id), at_ms])?;
        Ok(changed == 1)
    }

    fn record_api_event(&mut self, event: &ApiEvent) -> Result<()> {
        let inserted = self
            .connection
            .prepare_cached(
                "INSERT INTO api_events (id, tenant, run_id, type, token_id, created_at, finished_at, error) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?
            .execute(params![
                uuid_text(event.id),
                event.tenant,
                uuid_text(event.run_id),
                event.event_type,
                uuid_text(event.token_id),
                event.created_at_ms,
                event.finished_at_ms,
                event.error,
            ]);
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
        Ok(self
            .connection
            .prepare_cached(&format!(
                "SELECT {EVENT_COLUMNS} FROM api_events WHERE id = ?1"
            ))?
            .query_row(params![uuid_text(id)], event_from_row)
            .optional()?)
    }

    fn finish_api_event(&mut self, id: Uuid, at_ms: i64, error: Option<&str>) -> Result<bool> {
        let changed = self
            .connection
            .prepare_cached(
                "UPDATE api_events SET finished_at = ?2, error = ?3 \
                 WHERE id = ?1 AND finished_at IS NULL",
            )?
            .execute(params![uuid_text(id), at_ms, error])?;
        Ok(changed == 1)
    }
}

impl LogCursors for SqliteTransaction<'_> {
    fn log_cursor(&mut self, destination: &str) -> Result<i64> {
        Ok(self
            .connection
            .prepare_cached("SELECT position FROM log_cursors WHERE destination = ?1")?
            .query_row(params![destination], |row| row.get(0))
            .optional()?
            .unwrap_or(0))
    }

    fn set_log_cursor(&mut self, destination: &str, position: i64) -> Result<()> {
        self.connection
            .prepare_cached(
                "INSERT INTO log_cursors (destination, position, updated_at) VALUES (?1, ?2, ?3) \
                 ON CONFLICT (destination) DO UPDATE \
                     SET position = MAX(position, excluded.position), updated_at = excluded.updated_at",
            )?
            .execute(params![destination, position, now_ms()])?;
        Ok(())
    }
}
