//! Numbered schema migrations, applied in one transaction at open. The database's
//! `PRAGMA user_version` is the number of the last migration applied; a database whose number
//! is higher than any migration this build knows was written by a newer symflow and is refused.
//!
//! A migration, once released, never changes: schema changes are new files with the next
//! number. A PostgreSQL backend keeps its own SQL files with the same numbers and meaning.

use rusqlite::{Connection, TransactionBehavior};

use crate::{Error, Result};

/// One schema change.
struct Migration {
    version: i64,
    sql: &'static str,
}

/// Every migration, in order, numbered 1, 2, 3, ...
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

/// The schema version this build creates and understands.
pub const SCHEMA_VERSION: i64 = MIGRATIONS[MIGRATIONS.len() - 1].version;

/// The schema version recorded in the database (0 for a new file).
pub(super) fn user_version(connection: &Connection) -> Result<i64> {
    Ok(connection.query_row("PRAGMA user_version", [], |row| row.get(0))?)
}

/// Brings the schema up to [`SCHEMA_VERSION`]. Runs under `BEGIN IMMEDIATE`, so two processes
/// opening a new file at once do not both apply a migration: the second waits, then sees the
/// first one's version.
pub(super) fn migrate(connection: &mut Connection) -> Result<()> {
    let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let found = user_version(&transaction)?;
    if found > SCHEMA_VERSION {
        return Err(Error::SchemaTooNew {
            found,
            supported: SCHEMA_VERSION,
        });
    }
    for migration in MIGRATIONS.iter().filter(|m| m.version > found) {
        transaction.execute_batch(migration.sql)?;
        transaction.pragma_update(None, "user_version", migration.version)?;
    }
    transaction.commit()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_numbered_from_one_without_gaps() {
        for (index, migration) in MIGRATIONS.iter().enumerate() {
            assert_eq!(migration.version, index as i64 + 1);
        }
    }
}
