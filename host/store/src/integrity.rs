//! What an integrity check found: the database engine's own checks plus symflow's invariants
//! (every event belongs to a run, event numbers have no gaps, no timer is held for a finished
//! run, ...). Crash tests call [`crate::Store::integrity_check`] after killing the server.

use std::fmt;

use uuid::Uuid;

/// The outcome of [`crate::Store::integrity_check`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IntegrityReport {
    pub problems: Vec<IntegrityProblem>,
}

impl IntegrityReport {
    pub fn is_ok(&self) -> bool {
        self.problems.is_empty()
    }
}

impl fmt::Display for IntegrityReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.problems.is_empty() {
            return f.write_str("ok");
        }
        for (i, problem) in self.problems.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{problem}")?;
        }
        Ok(())
    }
}

/// One thing that is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IntegrityProblem {
    /// The database engine's own check (`PRAGMA integrity_check`) reported this.
    Database(String),
    /// A row refers to a row of `parent` that does not exist.
    ForeignKey {
        table: String,
        rowid: Option<i64>,
        parent: String,
    },
    /// An event's run does not exist.
    EventWithoutRun { event_id: String, run_id: String },
    /// A run's events are not numbered 1..=count.
    EventSequenceGap {
        run_id: String,
        count: i64,
        min_seq: i64,
        max_seq: i64,
    },
    /// A timer is held by a worker although its run is finished: the step it caused should have
    /// completed it in the same transaction.
    ClaimedTimerOnFinishedRun { timer_id: i64, run_id: Uuid },
}

impl fmt::Display for IntegrityProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IntegrityProblem::Database(message) => write!(f, "database: {message}"),
            IntegrityProblem::ForeignKey {
                table,
                rowid,
                parent,
            } => match rowid {
                Some(rowid) => write!(f, "{table} row {rowid} refers to a missing {parent} row"),
                None => write!(f, "a {table} row refers to a missing {parent} row"),
            },
            IntegrityProblem::EventWithoutRun { event_id, run_id } => {
                write!(f, "event {event_id} belongs to missing run {run_id}")
            }
            IntegrityProblem::EventSequenceGap {
                run_id,
                count,
                min_seq,
                max_seq,
            } => write!(
                f,
                "run {run_id} has {count} events numbered {min_seq}..={max_seq}, not 1..={count}"
            ),
            IntegrityProblem::ClaimedTimerOnFinishedRun { timer_id, run_id } => {
                write!(
                    f,
                    "timer {timer_id} is claimed but run {run_id} is finished"
                )
            }
        }
    }
}
