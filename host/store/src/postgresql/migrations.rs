//! Numbered schema migrations for PostgreSQL, the same numbers and meaning as SQLite's. The
//! version lives in the one-row table `symflow_schema` (PostgreSQL has no `user_version`);
//! migrating holds a transaction-scoped advisory lock, so replicas starting at once apply each
//! migration once.

use postgres::Client;

use crate::{Error, Result, SCHEMA_VERSION};

/// One schema change.
struct Migration {
    version: i64,
    sql: &'static str,
}

/// Every migration, in order, numbered like SQLite's.
const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        sql: include_str!("migrations/0001_initial.sql"),
    },
    Migration {
        version: 2,
        sql: include_str!("migrations/0002_api_and_log_destinations.sql"),
    },
];

/// Key of the advisory lock taken while migrating ("symflow" in ASCII).
const MIGRATION_LOCK: i64 = 0x73_79_6d_66_6c_6f_77;

const CREATE_VERSION_TABLE: &str = "CREATE TABLE IF NOT EXISTS symflow_schema ( \
     only_row BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (only_row), version BIGINT NOT NULL)";

/// The schema version recorded in the database (0 for an empty one).
pub(super) fn schema_version(client: &mut Client) -> Result<i64> {
    let exists: bool = client
        .query_one("SELECT to_regclass('symflow_schema') IS NOT NULL", &[])?
        .get(0);
    if !exists {
        return Ok(0);
    }
    let row = client.query_opt("SELECT version FROM symflow_schema", &[])?;
    Ok(row.map(|row| row.get(0)).unwrap_or(0))
}

/// Brings the schema up to [`SCHEMA_VERSION`] in one transaction.
pub(super) fn migrate(client: &mut Client) -> Result<()> {
    let mut transaction = client.transaction()?;
    transaction.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])?;
    transaction.batch_execute(CREATE_VERSION_TABLE)?;
    let found: i64 = transaction
        .query_opt("SELECT version FROM symflow_schema", &[])?
        .map(|row| row.get(0))
        .unwrap_or(0);
    if found > SCHEMA_VERSION {
        return Err(Error::SchemaTooNew {
            found,
            supported: SCHEMA_VERSION,
        });
    }
    for migration in MIGRATIONS.iter().filter(|m| m.version > found) {
        transaction.batch_execute(migration.sql)?;
        transaction.execute(
            "INSERT INTO symflow_schema (version) VALUES ($1) \
             ON CONFLICT (only_row) DO UPDATE SET version = excluded.version",
            &[&migration.version],
        )?;
    }
    transaction.commit()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_match_the_sqlite_numbers() {
        for (index, migration) in MIGRATIONS.iter().enumerate() {
            assert_eq!(migration.version, index as i64 + 1);
        }
        assert_eq!(MIGRATIONS[MIGRATIONS.len() - 1].version, SCHEMA_VERSION);
    }
}
