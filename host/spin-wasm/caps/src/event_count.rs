//! `users.get_event_count` under Spin: counts the audit events the HTTP component keeps in each
//! run's key (`<tenant>/run/<id>`, field `audit`), as the native store counts its events table —
//! events of one type by one user, over the calling flow (`filter_on = "flow"`) or every flow,
//! optionally between two times, errored events only when asked. It reads every run key of the
//! tenant (at most ~1000 on Fermyon Cloud, and pruned: `app/src/retention.rs`).

use serde_json::Value;

use crate::bindings::exports::sym::flow::types::CapabilityError;
use crate::bindings::exports::symflow::spin::context::CallContext;
use crate::{error, kv};

pub struct Query<'a> {
    pub user_id: &'a str,
    pub event_name: &'a str,
    pub since: Option<&'a str>,
    pub until: Option<&'a str>,
    pub filter_on: &'a str,
    pub include_errored: bool,
}

pub fn count(ctx: &CallContext, query: &Query) -> Result<u32, CapabilityError> {
    let bound = |text: Option<&str>, what: &str| -> Result<Option<i64>, CapabilityError> {
        match text.filter(|t| !t.trim().is_empty()) {
            None => Ok(None),
            Some(t) => epoch_ms(t).map(Some).ok_or_else(|| {
                error("users", "bad-time", format!("{what} {t:?} is not an ISO-8601 time"))
            }),
        }
    };
    let since = bound(query.since, "since")?;
    let until = bound(query.until, "until")?;
    let store = kv()?;
    let prefix = format!("{}/run/", ctx.tenant);
    let keys = store
        .get_keys()
        .map_err(|e| error("users", "unavailable", e.to_string()))?;
    let user = format!(":{}:", query.user_id);
    let flow = format!(":flow:{}:", ctx.flow);
    let mut count = 0u32;
    for key in keys.iter().filter(|k| k.starts_with(&prefix)) {
        let Ok(Some(bytes)) = store.get(key) else {
            continue;
        };
        let Ok(record) = serde_json::from_slice::<Value>(&bytes) else {
            continue;
        };
        for event in record["audit"].as_array().into_iter().flatten() {
            let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
            if text(&event["event"]["type"]) != query.event_name
                || !text(&event["actor"]["user"]).contains(&user)
                || (query.filter_on == "flow" && !text(&event["run"]["flow"]).contains(&flow))
                || (!query.include_errored && text(&event["state"]["status"]) == "error")
            {
                continue;
            }
            let at = epoch_ms(&text(&event["event"]["timestamp"]));
            if since.is_some_and(|s| at.is_none_or(|a| a < s))
                || until.is_some_and(|u| at.is_none_or(|a| a > u))
            {
                continue;
            }
            count = count.saturating_add(1);
        }
    }
    Ok(count)
}

/// Milliseconds since the epoch of an ISO-8601 time (`2026-11-28T16:21:23.615000`, with an
/// optional `Z` or `±HH:MM` offset; none means UTC, as the audit log writes it).
fn epoch_ms(text: &str) -> Option<i64> {
    let text = text.trim();
    let (date, time) = text.split_once('T').or_else(|| text.split_once(' '))?;
    let mut ymd = date.split('-').map(|p| p.parse::<i64>().ok());
    let (y, m, d) = (ymd.next()??, ymd.next()??, ymd.next()??);
    let (clock, offset_min) = match time.find(['Z', '+', '-']) {
        Some(i) => {
            let zone = &time[i..];
            let offset = if zone == "Z" {
                0
            } else {
                let sign = if zone.starts_with('-') { -1 } else { 1 };
                let (h, mi) = zone[1..].split_once(':').unwrap_or((&zone[1..], "0"));
                sign * (h.parse::<i64>().ok()? * 60 + mi.parse::<i64>().ok()?)
            };
            (&time[..i], offset)
        }
        None => (time, 0),
    };
    let mut hms = clock.split(':');
    let h: i64 = hms.next()?.parse().ok()?;
    let mi: i64 = hms.next()?.parse().ok()?;
    let sec: f64 = hms.next().unwrap_or("0").parse().ok()?;
    // Days from the civil date (Howard Hinnant's algorithm).
    let (y, m) = if m <= 2 { (y - 1, m + 9) } else { (y, m - 3) };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * m + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = days * 86_400 + h * 3600 + mi * 60 - offset_min * 60;
    Some(secs * 1000 + (sec * 1000.0).round() as i64)
}
