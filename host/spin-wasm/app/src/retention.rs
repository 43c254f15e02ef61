//! Keeps the key-value store inside the hosted platforms' limits (Fermyon Cloud: 1024 keys per
//! store). Every run is one key for its whole life, so without this a busy tenant fills the
//! store in about a thousand requests and then cannot start another.
//!
//! On a `/tick` at least an hour after the last pruning (the time is kept in `<tenant>/pruned_at`,
//! so a scheduler calling every minute does not read every run every minute), a run's key is
//! deleted when the run ended more than `run_retention_days`
//! ago (Spin variable, default 30), or when it never got past the request modal (nobody
//! submitted it) and was started more than a day ago. Before its key goes, the run's audit
//! trail is written to the component's log, one JSON line per event prefixed `symflow-audit `,
//! so the platform's log keeps it. Runs that are still open (pending, granted) are never
//! deleted, whatever their age.

use symflow_engine::{RunStatus, Timestamp};

use crate::Ctx;

/// How long a finished run stays readable when `run_retention_days` is not set.
pub const DEFAULT_RETENTION_DAYS: u64 = 30;
/// How long a run may wait at the request modal.
const ABANDONED_PROMPT_MS: u64 = 24 * 60 * 60 * 1000;
const DAY_MS: u64 = 24 * 60 * 60 * 1000;
/// Pruning reads every run key, so it runs at most this often.
const PRUNE_EVERY_MS: u64 = 60 * 60 * 1000;

/// [`prune`] when the last pruning is at least an hour old; how many runs it deleted.
pub fn prune_if_due(ctx: &Ctx, retention_days: u64, now: Timestamp) -> usize {
    let tenant = &ctx.tenant.name;
    let last = ctx.store.pruned_at(tenant).unwrap_or(None).unwrap_or(0);
    if last != 0 && now.0.saturating_sub(last) < PRUNE_EVERY_MS {
        return 0;
    }
    if let Err(e) = ctx.store.set_pruned_at(tenant, now.0) {
        eprintln!("symflow could not record the pruning time: {e}");
    }
    prune(ctx, retention_days, now)
}

/// Deletes the runs past retention; how many it deleted.
pub fn prune(ctx: &Ctx, retention_days: u64, now: Timestamp) -> usize {
    let tenant = &ctx.tenant.name;
    let ids = match ctx.store.run_ids(tenant) {
        Ok(ids) => ids,
        Err(e) => {
            eprintln!("symflow could not list runs to prune: {e}");
            return 0;
        }
    };
    let mut deleted = 0;
    for id in ids {
        let Ok(Some(record)) = ctx.store.run(tenant, &id) else {
            continue;
        };
        let run = &record.run;
        let expired = match run.ended_at {
            Some(ended) => now.0.saturating_sub(ended.0) > retention_days.saturating_mul(DAY_MS),
            None => {
                matches!(run.status, RunStatus::New | RunStatus::Prompting)
                    && now.0.saturating_sub(run.created_at.0) > ABANDONED_PROMPT_MS
            }
        };
        if !expired {
            continue;
        }
        for event in &record.audit {
            eprintln!("symflow-audit {event}");
        }
        match ctx.store.delete_run(tenant, &id) {
            Ok(()) => deleted += 1,
            Err(e) => eprintln!("symflow could not delete run {id}: {e}"),
        }
    }
    deleted
}
