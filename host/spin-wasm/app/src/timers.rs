//! Timers under Spin. Spin has no background tasks, so due timers (access expiry, notification
//! timeouts) fire when something calls in: on `/tick`, which an external scheduler calls
//! (SpinKube's `trigger-cron`, a Kubernetes CronJob, `spin aka cron`, any cron with curl), and
//! after every Slack request. `/tick` needs `Authorization: Bearer <tick_token>`.

use symflow_engine::Input;

use crate::driver::now;
use crate::{Answer, Ctx};

pub fn tick(ctx: &Ctx, headers: &[(String, Vec<u8>)]) -> Answer {
    let Some(expected) = &ctx.tick_token else {
        return Answer::text(
            503,
            "symflow has no tick token, so /tick is closed. Set the Spin variable tick_token and send it as `Authorization: Bearer <token>`.",
        );
    };
    let given = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("authorization"))
        .and_then(|(_, v)| std::str::from_utf8(v).ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    if !constant_time_eq(given.as_bytes(), expected.as_bytes()) {
        return Answer::text(401, "/tick needs `Authorization: Bearer <tick_token>`.");
    }
    // The timers fire after the answer, as after every request.
    Answer::text(200, "ok")
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Fires every timer that is due, each through its run's engine.
pub async fn fire_due(ctx: &Ctx) {
    let tenant = &ctx.tenant.name;
    let Ok(timers) = ctx.store.timers(tenant) else {
        return;
    };
    let now = now();
    let due: Vec<_> = timers.into_iter().filter(|t| t.at <= now).collect();
    for timer in due {
        // The engine cancels (or re-arms) the timer it handles; drop it first so a failing
        // run cannot fire forever.
        if let Ok(mut all) = ctx.store.timers(tenant) {
            all.retain(|t| t.id != timer.id);
            let _ = ctx.store.save_timers(tenant, &all);
        }
        let result = crate::work::drive_stored(
            ctx,
            &timer.run_id,
            |_| {},
            Input::TimerFired { kind: timer.kind },
        )
        .await;
        if let Err(e) = result {
            eprintln!("timer {}: {e}", timer.id);
        }
    }
}
