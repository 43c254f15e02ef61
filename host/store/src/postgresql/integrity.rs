//! [`crate::Store::integrity_check`] on PostgreSQL. There is no `PRAGMA integrity_check`: the
//! server checks its own pages, and foreign keys cannot be switched off by a client, so this
//! checks symflow's invariants as queries (in one snapshot): foreign keys (orphans a disabled
//! trigger or a restore could leave), events of missing runs, gaps in event numbers, timers held
//! for finished runs, and that the append-only triggers are in place and enabled.

use crate::{IntegrityProblem, IntegrityReport, Result};

use super::uuid_column;

/// (table, parent, query of the child rows with a missing parent, as (rowid or NULL)).
const FOREIGN_KEYS: &[(&str, &str, &str)] = &[
    (
        "identities",
        "users",
        "SELECT NULL::BIGINT FROM identities c \
         WHERE NOT EXISTS (SELECT 1 FROM users p WHERE p.id = c.user_id)",
    ),
    (
        "runs",
        "users",
        "SELECT NULL::BIGINT FROM runs c \
         WHERE NOT EXISTS (SELECT 1 FROM users p WHERE p.id = c.requester_user_id)",
    ),
    (
        "events",
        "runs",
        "SELECT c.position FROM events c \
         WHERE NOT EXISTS (SELECT 1 FROM runs p WHERE p.id = c.run_id) ORDER BY c.position",
    ),
    (
        "events",
        "users",
        "SELECT c.position FROM events c WHERE c.actor_user_id IS NOT NULL \
         AND NOT EXISTS (SELECT 1 FROM users p WHERE p.id = c.actor_user_id) ORDER BY c.position",
    ),
    (
        "timers",
        "runs",
        "SELECT c.id FROM timers c \
         WHERE NOT EXISTS (SELECT 1 FROM runs p WHERE p.id = c.run_id) ORDER BY c.id",
    ),
    (
        "outbox",
        "runs",
        "SELECT c.id FROM outbox c WHERE c.run_id IS NOT NULL \
         AND NOT EXISTS (SELECT 1 FROM runs p WHERE p.id = c.run_id) ORDER BY c.id",
    ),
];

/// The triggers that keep the audit trail append-only.
const APPEND_ONLY_TRIGGERS: &[&str] = &[
    "events_refuse_update",
    "events_refuse_delete",
    "events_refuse_truncate",
];

pub(super) fn check(tx: &mut postgres::Transaction<'_>) -> Result<IntegrityReport> {
    let mut problems = Vec::new();

    for trigger in APPEND_ONLY_TRIGGERS {
        let enabled = tx.query_opt(
            "SELECT t.tgenabled <> 'D' FROM pg_trigger t \
             WHERE t.tgrelid = to_regclass('events') AND t.tgname = $1",
            &[trigger],
        )?;
        match enabled.map(|row| row.get::<_, bool>(0)) {
            Some(true) => {}
            Some(false) => problems.push(IntegrityProblem::Database(format!(
                "trigger {trigger} on events is disabled"
            ))),
            None => problems.push(IntegrityProblem::Database(format!(
                "trigger {trigger} on events is missing"
            ))),
        }
    }

    for (table, parent, query) in FOREIGN_KEYS {
        for row in tx.query(*query, &[])? {
            problems.push(IntegrityProblem::ForeignKey {
                table: (*table).to_owned(),
                rowid: row.try_get(0)?,
                parent: (*parent).to_owned(),
            });
        }
    }

    for row in tx.query(
        "SELECT e.id, e.run_id FROM events e \
         WHERE NOT EXISTS (SELECT 1 FROM runs r WHERE r.id = e.run_id) ORDER BY e.position",
        &[],
    )? {
        problems.push(IntegrityProblem::EventWithoutRun {
            event_id: row.try_get(0)?,
            run_id: row.try_get(1)?,
        });
    }

    // With (run_id, seq) unique, 1..=count holds exactly when min is 1 and max is count.
    for row in tx.query(
        "SELECT run_id, COUNT(*), MIN(seq), MAX(seq) FROM events GROUP BY run_id \
         HAVING MIN(seq) <> 1 OR MAX(seq) <> COUNT(*) ORDER BY run_id",
        &[],
    )? {
        problems.push(IntegrityProblem::EventSequenceGap {
            run_id: row.try_get(0)?,
            count: row.try_get(1)?,
            min_seq: row.try_get(2)?,
            max_seq: row.try_get(3)?,
        });
    }

    for row in tx.query(
        "SELECT t.id, t.run_id FROM timers t JOIN runs r ON r.id = t.run_id \
         WHERE t.state = 'claimed' AND r.finished ORDER BY t.id",
        &[],
    )? {
        problems.push(IntegrityProblem::ClaimedTimerOnFinishedRun {
            timer_id: row.try_get(0)?,
            run_id: uuid_column(&row, 1)?,
        });
    }

    Ok(IntegrityReport { problems })
}
