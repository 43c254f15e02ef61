//! [`crate::Store::integrity_check`] on SQLite: `PRAGMA integrity_check`,
//! `PRAGMA foreign_key_check`, then symflow's own invariants as queries (including that the
//! append-only triggers of the audit trail are in place).

use rusqlite::Connection;

use super::uuid_column;
use crate::{IntegrityProblem, IntegrityReport, Result};

pub(super) fn check(connection: &Connection) -> Result<IntegrityReport> {
    let mut problems = Vec::new();

    let mut statement = connection.prepare("PRAGMA integrity_check")?;
    for line in statement.query_map([], |row| row.get::<_, String>(0))? {
        let line = line?;
        if line != "ok" {
            problems.push(IntegrityProblem::Database(line));
        }
    }

    let mut statement = connection.prepare("PRAGMA foreign_key_check")?;
    let violations = statement.query_map([], |row| {
        Ok(IntegrityProblem::ForeignKey {
            table: row.get(0)?,
            rowid: row.get(1)?,
            parent: row.get(2)?,
        })
    })?;
    for violation in violations {
        problems.push(violation?);
    }

    // The audit trail is append-only only while its triggers are there.
    for trigger in ["events_refuse_update", "events_refuse_delete"] {
        let present: bool = connection.query_row(
            "SELECT EXISTS (SELECT 1 FROM sqlite_master \
             WHERE type = 'trigger' AND tbl_name = 'events' AND name = ?1)",
            [trigger],
            |row| row.get(0),
        )?;
        if !present {
            problems.push(IntegrityProblem::Database(format!(
                "trigger {trigger} on events is missing"
            )));
        }
    }

    // Also caught by the foreign key check, but named plainly for the audit trail, and still
    // found if someone wrote with foreign keys switched off.
    let mut statement = connection.prepare(
        "SELECT e.id, e.run_id FROM events e \
         WHERE NOT EXISTS (SELECT 1 FROM runs r WHERE r.id = e.run_id) ORDER BY e.position",
    )?;
    let orphans = statement.query_map([], |row| {
        Ok(IntegrityProblem::EventWithoutRun {
            event_id: row.get(0)?,
            run_id: row.get(1)?,
        })
    })?;
    for orphan in orphans {
        problems.push(orphan?);
    }

    // With (run_id, seq) unique, 1..=count holds exactly when min is 1 and max is count.
    let mut statement = connection.prepare(
        "SELECT run_id, COUNT(*), MIN(seq), MAX(seq) FROM events GROUP BY run_id \
         HAVING MIN(seq) <> 1 OR MAX(seq) <> COUNT(*) ORDER BY run_id",
    )?;
    let gaps = statement.query_map([], |row| {
        Ok(IntegrityProblem::EventSequenceGap {
            run_id: row.get(0)?,
            count: row.get(1)?,
            min_seq: row.get(2)?,
            max_seq: row.get(3)?,
        })
    })?;
    for gap in gaps {
        problems.push(gap?);
    }

    let mut statement = connection.prepare(
        "SELECT t.id, t.run_id FROM timers t JOIN runs r ON r.id = t.run_id \
         WHERE t.state = 'claimed' AND r.finished = 1 ORDER BY t.id",
    )?;
    let held = statement.query_map([], |row| {
        Ok(IntegrityProblem::ClaimedTimerOnFinishedRun {
            timer_id: row.get(0)?,
            run_id: uuid_column(row, 1)?,
        })
    })?;
    for timer in held {
        problems.push(timer?);
    }

    Ok(IntegrityReport { problems })
}
