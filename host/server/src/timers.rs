//! The timer loop: fires durable timers (access expiring, notifications timing out) when they
//! come due — including those that came due while the server was down, which are due at
//! once on start. Each firing is an input to the run, completed in the same transaction as
//! the step it causes, so a timer fired twice (a crash after the claim) acts once.

use std::sync::Arc;
use std::time::Duration;

use symflow_engine::Input;
use symflow_store::Timer;
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::app::App;
use crate::driver::{timer_kind_of, Cause, Next, RunRef};
use crate::replicas::RESUME_TIMER_KIND;
use crate::work::Origin;

const BATCH: u32 = 16;
/// Looks at the queue at least this often.
const MAX_SLEEP: Duration = Duration::from_secs(1);

pub async fn run_timer_loop(app: Arc<App>, mut stop: watch::Receiver<bool>) {
    // Firings in progress stop with the loop.
    let mut firing = JoinSet::new();
    loop {
        while firing.try_join_next().is_some() {}
        if *stop.borrow() {
            return;
        }
        let now = symflow_store::now_ms();
        // Longer than handling one timer can take (a strategy call included).
        let lease_ms = crate::replicas::millis(app.leases.timer);
        let claimed = app
            .store
            .transaction_async(move |tx| tx.claim_due_timers(now, BATCH, lease_ms))
            .await;
        let timers = match claimed {
            Ok(timers) => timers,
            Err(e) => {
                tracing::error!("cannot claim due timers: {e}");
                Vec::new()
            }
        };
        let full = timers.len() as u32 == BATCH;
        for timer in timers {
            let app = app.clone();
            firing.spawn(async move { fire(&app, timer).await });
        }
        if full {
            continue;
        }
        let next = app
            .store
            .transaction_async(|tx| tx.next_claimable_timer_at())
            .await
            .ok()
            .flatten();
        let sleep = match next {
            Some(at) => {
                let wait = (at - symflow_store::now_ms()).max(0) as u64;
                Duration::from_millis(wait).min(MAX_SLEEP)
            }
            None => MAX_SLEEP,
        };
        tokio::select! {
            _ = app.timers_changed.notified() => {}
            _ = tokio::time::sleep(sleep) => {}
            _ = stop.changed() => {}
        }
    }
}

async fn fire(app: &Arc<App>, timer: Timer) {
    if timer.kind == RESUME_TIMER_KIND {
        tracing::info!(run = %timer.run_id, "a flow call's lease ran out (its replica stopped?): resuming the run");
        if let Err(e) = app
            .drive(
                RunRef::Existing(timer.run_id),
                Next::Resume,
                Origin::default(),
                Cause::Timer(timer.id),
            )
            .await
        {
            tracing::error!(run = %timer.run_id, "resuming the run failed (tried again after the timer's lease): {e:#}");
        }
        return;
    }
    let Some(kind) = timer_kind_of(&timer.payload_json) else {
        tracing::error!(timer = %timer.id, run = %timer.run_id, "unreadable timer; completed without acting");
        let _ = app.complete(Cause::Timer(timer.id)).await;
        return;
    };
    tracing::info!(run = %timer.run_id, kind = %timer.kind, "timer fired");
    if let Err(e) = app
        .drive(
            RunRef::Existing(timer.run_id),
            Next::input(Input::TimerFired { kind }),
            Origin::default(),
            Cause::Timer(timer.id),
        )
        .await
    {
        tracing::error!(run = %timer.run_id, kind = %timer.kind, "handling the timer failed (it fires again after its lease): {e:#}");
    }
}
