//! The outbox worker: claims the work promised before each Slack ack (accepted requests,
//! effects of committed steps) and carries it out, several runs at a time, each run's items
//! in order (the store hands out one item per run at a time).
//!
//! An item that fails for a reason that may pass (Slack rate limits, Slack unreachable) is
//! retried with back-off; after [`MAX_ATTEMPTS`] it is given up on and logged.

use std::sync::Arc;
use std::time::Duration;

use symflow_store::{OutboxItem, DEFAULT_TENANT};
use tokio::sync::{watch, Semaphore};
use tokio::task::JoinSet;

use crate::app::App;
use crate::work::Work;

/// Items carried out at once.
const CONCURRENCY: usize = 16;
/// Looks for work at least this often even without a wake-up (retries coming due).
const POLL: Duration = Duration::from_millis(500);
pub const MAX_ATTEMPTS: i64 = 5;

/// How carrying out an item ended.
#[derive(Debug)]
pub enum Outcome {
    /// Done (or already marked done by the step it caused).
    Done,
    /// Try again after a while.
    Retry { after: Duration, error: String },
    /// Never going to work.
    Failed(String),
}

pub async fn run_outbox_worker(app: Arc<App>, mut stop: watch::Receiver<bool>) {
    let slots = Arc::new(Semaphore::new(CONCURRENCY));
    // Items in progress belong to this task: stopping the worker stops them too, as a crash
    // would (their claims lapse and they are handed out again).
    let mut running = JoinSet::new();
    loop {
        while running.try_join_next().is_some() {}
        if *stop.borrow() {
            return;
        }
        let first = match slots.clone().acquire_owned().await {
            Ok(permit) => permit,
            Err(_) => return,
        };
        let limit = 1 + slots.available_permits() as u32;
        // How long a claim lasts before another worker may take the item (a crash mid-item).
        let lease_ms = crate::replicas::millis(app.leases.outbox);
        let claimed = app
            .store
            .transaction_async(move |tx| {
                tx.claim_pending_outbox(symflow_store::now_ms(), limit, lease_ms)
            })
            .await;
        let items = match claimed {
            Ok(items) => items,
            Err(e) => {
                tracing::error!("cannot claim outbox items: {e}");
                Vec::new()
            }
        };
        if items.is_empty() {
            drop(first);
            tokio::select! {
                _ = app.work_ready.notified() => {}
                _ = tokio::time::sleep(POLL) => {}
                _ = stop.changed() => {}
            }
            continue;
        }
        let mut first = Some(first);
        for item in items {
            let permit = match first.take() {
                Some(p) => p,
                None => match slots.clone().acquire_owned().await {
                    Ok(p) => p,
                    Err(_) => return,
                },
            };
            let app = app.clone();
            running.spawn(async move {
                process(&app, item).await;
                drop(permit);
                app.work_ready.notify_one();
            });
        }
    }
}

async fn process(app: &Arc<App>, item: OutboxItem) {
    let id = item.id;
    let outcome = match serde_json::from_str::<Work>(&item.payload_json) {
        Err(e) => Outcome::Failed(format!("unreadable outbox item: {e}")),
        Ok(Work::Inbound(inbound)) => crate::inbound::handle(app, id, inbound).await,
        Ok(Work::Api(work)) => crate::api::work::handle(app, id, work).await,
        Ok(Work::Effect {
            run_id,
            flow,
            effect,
            origin,
        }) => crate::effects::carry_out(app, id, run_id, &flow, effect, origin).await,
        Ok(Work::Console(click)) => crate::console::actions::handle(app, id, click).await,
    };
    let attempts = item.attempts;
    let kind = item.kind.clone();
    let result = app
        .store
        .transaction_async(move |tx| -> symflow_store::Result<()> {
            match outcome {
                Outcome::Done => {
                    tx.mark_outbox_done(id)?;
                }
                Outcome::Retry { after, error } if attempts < MAX_ATTEMPTS => {
                    tracing::warn!(item = %id, kind = %kind, attempt = attempts, "will retry: {error}");
                    let at = symflow_store::now_ms() + after.as_millis() as i64;
                    tx.retry_outbox_later(id, at, &error)?;
                }
                Outcome::Retry { error, .. } | Outcome::Failed(error) => {
                    tracing::error!(item = %id, kind = %kind, tenant = DEFAULT_TENANT, "gave up: {error}");
                    tx.mark_outbox_failed(id, &error)?;
                }
            }
            Ok(())
        })
        .await;
    if let Err(e) = result {
        tracing::error!(item = %id, "cannot record the outcome of an outbox item: {e}");
    }
}

/// Back-off before attempt `attempts + 1`: 1 s, 2 s, 4 s, ...
pub fn backoff(attempts: i64) -> Duration {
    Duration::from_secs(1 << attempts.clamp(0, 6))
}
