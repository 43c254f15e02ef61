//! [`UserDirectory`] on PostgreSQL: users unique by (tenant, lower-cased e-mail), identities
//! unique by (service, service id, outside user id) and by (user, service, service id).
//! `get_or_create_user` is one `INSERT … ON CONFLICT DO NOTHING`, so two replicas creating the
//! same user at once both end up with the one row.

use postgres::Row;
use uuid::Uuid;

use super::{is_unique_violation, parsed_column, uuid_column, uuid_text, PostgresTransaction};
use crate::{now_ms, Error, Identity, IdentityKey, NewUser, Result, User, UserDirectory, UserRole};

const USER_COLUMNS: &str =
    "id, tenant, email, username, first_name, last_name, role, user_type, created_at";

fn user_from_row(row: &Row) -> Result<User> {
    Ok(User {
        id: uuid_column(row, 0)?,
        tenant: row.try_get(1)?,
        email: row.try_get(2)?,
        username: row.try_get(3)?,
        first_name: row.try_get(4)?,
        last_name: row.try_get(5)?,
        role: parsed_column(row, 6, |text| text.parse().ok())?,
        user_type: parsed_column(row, 7, |text| text.parse().ok())?,
        created_at_ms: row.try_get(8)?,
    })
}

fn identity_from_row(row: &Row) -> Result<Identity> {
    Ok(Identity {
        user_id: uuid_column(row, 0)?,
        key: IdentityKey {
            service: row.try_get(1)?,
            service_id: row.try_get(2)?,
            external_user_id: row.try_get(3)?,
        },
        created_at_ms: row.try_get(4)?,
    })
}

/// The form of an e-mail that uniqueness and look-ups compare.
fn email_key(email: &str) -> String {
    email.trim().to_lowercase()
}

/// The e-mail of a new user, trimmed; an empty one is refused.
fn checked_email(user: &NewUser) -> Result<Option<&str>> {
    let email = user.email.as_deref().map(str::trim);
    if email == Some("") {
        return Err(Error::InvalidInput {
            what: "user e-mail",
            detail: "empty".into(),
        });
    }
    Ok(email)
}

impl PostgresTransaction<'_> {
    /// Inserts `user`; with `on_conflict_do_nothing`, a taken e-mail yields `Ok(None)`.
    fn insert_user(
        &mut self,
        user: &NewUser,
        on_conflict_do_nothing: bool,
    ) -> Result<Option<User>> {
        let email = checked_email(user)?;
        let conflict = if on_conflict_do_nothing {
            "ON CONFLICT (tenant, email_key) WHERE email_key IS NOT NULL DO NOTHING"
        } else {
            ""
        };
        let sql = format!(
            "INSERT INTO users (id, tenant, email, email_key, username, first_name, last_name, \
                                role, user_type, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) {conflict} RETURNING {USER_COLUMNS}"
        );
        let key = email.map(email_key);
        let inserted = self.guarded(|tx| {
            tx.query_opt(
                &sql,
                &[
                    &uuid_text(Uuid::new_v4()),
                    &user.tenant,
                    &email,
                    &key,
                    &user.username,
                    &user.first_name,
                    &user.last_name,
                    &user.role.as_str(),
                    &user.user_type.as_str(),
                    &now_ms(),
                ],
            )
        });
        match inserted {
            Ok(row) => row.map(|row| user_from_row(&row)).transpose(),
            Err(e) if is_unique_violation(&e) => Err(Error::AlreadyExists {
                what: "user",
                detail: format!("e-mail {} in tenant {}", email.unwrap_or(""), user.tenant),
            }),
            Err(e) => Err(e.into()),
        }
    }
}

impl UserDirectory for PostgresTransaction<'_> {
    fn create_user(&mut self, user: &NewUser) -> Result<User> {
        Ok(self
            .insert_user(user, false)?
            .expect("an INSERT without ON CONFLICT returns its row or fails"))
    }

    fn get_user(&mut self, id: Uuid) -> Result<Option<User>> {
        self.tx
            .query_opt(
                &format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"),
                &[&uuid_text(id)],
            )?
            .map(|row| user_from_row(&row))
            .transpose()
    }

    fn find_user_by_email(&mut self, tenant: &str, email: &str) -> Result<Option<User>> {
        self.tx
            .query_opt(
                &format!("SELECT {USER_COLUMNS} FROM users WHERE tenant = $1 AND email_key = $2"),
                &[&tenant, &email_key(email)],
            )?
            .map(|row| user_from_row(&row))
            .transpose()
    }

    fn find_user_by_identity(&mut self, key: &IdentityKey) -> Result<Option<User>> {
        self.tx
            .query_opt(
                &format!(
                    "SELECT {USER_COLUMNS} FROM users WHERE id = \
                     (SELECT user_id FROM identities \
                      WHERE service = $1 AND service_id = $2 AND external_user_id = $3)"
                ),
                &[&key.service, &key.service_id, &key.external_user_id],
            )?
            .map(|row| user_from_row(&row))
            .transpose()
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
        if let Some(created) = self.insert_user(user, true)? {
            return Ok((created, true));
        }
        // Another replica created it between the look-up and the insert; the insert waited for
        // its commit, and this statement's fresh snapshot sees it.
        match self.find_user_by_email(&user.tenant, email)? {
            Some(existing) => Ok((existing, false)),
            None => Err(Error::NotFound {
                what: "user with e-mail",
                id: email.to_owned(),
            }),
        }
    }

    fn persist_identity(&mut self, user_id: Uuid, key: &IdentityKey) -> Result<Identity> {
        // Lock the user, so two replicas changing the same user's identities queue up.
        let user = self.tx.query_opt(
            "SELECT 1 FROM users WHERE id = $1 FOR UPDATE",
            &[&uuid_text(user_id)],
        )?;
        if user.is_none() {
            return Err(Error::NotFound {
                what: "user",
                id: user_id.to_string(),
            });
        }
        let result = self.guarded(|tx| {
            tx.execute(
                "DELETE FROM identities \
                 WHERE (user_id = $1 AND service = $2 AND service_id = $3) \
                    OR (service = $2 AND service_id = $3 AND external_user_id = $4)",
                &[
                    &uuid_text(user_id),
                    &key.service,
                    &key.service_id,
                    &key.external_user_id,
                ],
            )?;
            tx.query_one(
                "INSERT INTO identities (user_id, service, service_id, external_user_id, \
                                         created_at) \
                 VALUES ($1, $2, $3, $4, $5) \
                 RETURNING user_id, service, service_id, external_user_id, created_at",
                &[
                    &uuid_text(user_id),
                    &key.service,
                    &key.service_id,
                    &key.external_user_id,
                    &now_ms(),
                ],
            )
        });
        match result {
            Ok(row) => identity_from_row(&row),
            Err(e) if is_unique_violation(&e) => Err(Error::AlreadyExists {
                what: "identity",
                detail: format!(
                    "{}:{}:{} (given to another user concurrently)",
                    key.service, key.service_id, key.external_user_id
                ),
            }),
            Err(e) => Err(e.into()),
        }
    }

    fn identities_of(&mut self, user_id: Uuid) -> Result<Vec<Identity>> {
        self.tx
            .query(
                "SELECT user_id, service, service_id, external_user_id, created_at \
                 FROM identities WHERE user_id = $1 ORDER BY service, service_id",
                &[&uuid_text(user_id)],
            )?
            .iter()
            .map(identity_from_row)
            .collect()
    }

    fn set_user_role(&mut self, user_id: Uuid, role: UserRole) -> Result<()> {
        let changed = self.tx.execute(
            "UPDATE users SET role = $2 WHERE id = $1",
            &[&uuid_text(user_id), &role.as_str()],
        )?;
        if changed == 0 {
            return Err(Error::NotFound {
                what: "user",
                id: user_id.to_string(),
            });
        }
        Ok(())
    }
}
