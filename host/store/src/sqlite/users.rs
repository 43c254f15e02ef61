//! [`UserDirectory`] on SQLite: users unique by (tenant, lower-cased e-mail), identities unique
//! by (service, service id, outside user id) and by (user, service, service id).

use rusqlite::{params, OptionalExtension, Row};
use uuid::Uuid;

use super::{is_unique_violation, parsed_column, uuid_column, uuid_text, SqliteTransaction};
use crate::{now_ms, Error, Identity, IdentityKey, NewUser, Result, User, UserDirectory, UserRole};

const USER_COLUMNS: &str =
    "id, tenant, email, username, first_name, last_name, role, user_type, created_at";

fn user_from_row(row: &Row<'_>) -> rusqlite::Result<User> {
    Ok(User {
        id: uuid_column(row, 0)?,
        tenant: row.get(1)?,
        email: row.get(2)?,
        username: row.get(3)?,
        first_name: row.get(4)?,
        last_name: row.get(5)?,
        role: parsed_column(row, 6, |text| text.parse().ok())?,
        user_type: parsed_column(row, 7, |text| text.parse().ok())?,
        created_at_ms: row.get(8)?,
    })
}

fn identity_from_row(row: &Row<'_>) -> rusqlite::Result<Identity> {
    Ok(Identity {
        user_id: uuid_column(row, 0)?,
        key: IdentityKey {
            service: row.get(1)?,
            service_id: row.get(2)?,
            external_user_id: row.get(3)?,
        },
        created_at_ms: row.get(4)?,
    })
}

/// The form of an e-mail that uniqueness and look-ups compare.
fn email_key(email: &str) -> String {
    email.trim().to_lowercase()
}

impl UserDirectory for SqliteTransaction<'_> {
    fn create_user(&mut self, user: &NewUser) -> Result<User> {
        let email = user.email.as_deref().map(str::trim);
        if email == Some("") {
            return Err(Error::InvalidInput {
                what: "user e-mail",
                detail: "empty".into(),
            });
        }
        let inserted = self
            .connection
            .prepare_cached(&format!(
                "INSERT INTO users (id, tenant, email, email_key, username, first_name, \
                                    last_name, role, user_type, created_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) RETURNING {USER_COLUMNS}"
            ))?
            .query_row(
                params![
                    uuid_text(Uuid::new_v4()),
                    user.tenant,
                    email,
                    email.map(email_key),
                    user.username,
                    user.first_name,
                    user.last_name,
                    user.role.as_str(),
                    user.user_type.as_str(),
                    now_ms(),
                ],
                user_from_row,
            );
        match inserted {
            Ok(user) => Ok(user),
            Err(e) if is_unique_violation(&e) => Err(Error::AlreadyExists {
                what: "user",
                detail: format!("e-mail {} in tenant {}", email.unwrap_or(""), user.tenant),
            }),
            Err(e) => Err(e.into()),
        }
    }

    fn get_user(&mut self, id: Uuid) -> Result<Option<User>> {
        Ok(self
            .connection
            .prepare_cached(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = ?1"))?
            .query_row([uuid_text(id)], user_from_row)
            .optional()?)
    }

    fn find_user_by_email(&mut self, tenant: &str, email: &str) -> Result<Option<User>> {
        Ok(self
            .connection
            .prepare_cached(&format!(
                "SELECT {USER_COLUMNS} FROM users WHERE tenant = ?1 AND email_key = ?2"
            ))?
            .query_row(params![tenant, email_key(email)], user_from_row)
            .optional()?)
    }

    fn find_user_by_identity(&mut self, key: &IdentityKey) -> Result<Option<User>> {
        Ok(self
            .connection
            .prepare_cached(&format!(
                "SELECT {USER_COLUMNS} FROM users WHERE id = \
                 (SELECT user_id FROM identities \
                  WHERE service = ?1 AND service_id = ?2 AND external_user_id = ?3)"
            ))?
            .query_row(
                params![key.service, key.service_id, key.external_user_id],
                user_from_row,
            )
            .optional()?)
    }

    fn get_or_create_user(&mut self, user: &NewUser) -> Result<(User, bool)> {
        let Some(email) = user.email.as_deref() else {
            return Err(Error::InvalidInput {
                what: "user",
                detail: "get_or_create_user needs an e-mail".into(),
            });
        };
        if let Some(existing) = self.find_user_by_email(&user.tenant, email)? {
            return Ok((existing, false));
        }
        Ok((self.create_user(user)?, true))
    }

    fn persist_identity(&mut self, user_id: Uuid, key: &IdentityKey) -> Result<Identity> {
        if self.get_user(user_id)?.is_none() {
            return Err(Error::NotFound {
                what: "user",
                id: user_id.to_string(),
            });
        }
        self.connection
            .prepare_cached(
                "DELETE FROM identities \
                 WHERE (user_id = ?1 AND service = ?2 AND service_id = ?3) \
                    OR (service = ?2 AND service_id = ?3 AND external_user_id = ?4)",
            )?
            .execute(params![
                uuid_text(user_id),
                key.service,
                key.service_id,
                key.external_user_id
            ])?;
        Ok(self
            .connection
            .prepare_cached(
                "INSERT INTO identities (user_id, service, service_id, external_user_id, \
                                         created_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5) \
                 RETURNING user_id, service, service_id, external_user_id, created_at",
            )?
            .query_row(
                params![
                    uuid_text(user_id),
                    key.service,
                    key.service_id,
                    key.external_user_id,
                    now_ms()
                ],
                identity_from_row,
            )?)
    }

    fn identities_of(&mut self, user_id: Uuid) -> Result<Vec<Identity>> {
        let mut statement = self.connection.prepare_cached(
            "SELECT user_id, service, service_id, external_user_id, created_at FROM identities \
             WHERE user_id = ?1 ORDER BY service, service_id",
        )?;
        let identities = statement
            .query_map([uuid_text(user_id)], identity_from_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(identities)
    }

    fn set_user_role(&mut self, user_id: Uuid, role: UserRole) -> Result<()> {
        let changed = self
            .connection
            .prepare_cached("UPDATE users SET role = ?2 WHERE id = ?1")?
            .execute(params![uuid_text(user_id), role.as_str()])?;
        if changed == 0 {
            return Err(Error::NotFound {
                what: "user",
                id: user_id.to_string(),
            });
        }
        Ok(())
    }
}
