//! The audit trail as a download: every event of the runs the person may see (with the runs
//! page's filters), oldest run first and in order within each run. JSON lines carry each event
//! exactly as stored (spec §7 shape); CSV has one row per event with the columns an auditor
//! sorts on, and the event JSON in the last column.

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use symflow_store::EventRecord;

use super::pages::{visible_runs, Filters};
use super::Console;

/// The events to export, with the flow of their run.
async fn events(
    console: &Console,
    headers: &HeaderMap,
    filters: &Filters,
) -> Result<Vec<(String, EventRecord)>, Response> {
    let signed_in = console.signed_in(headers).await?;
    let runs = visible_runs(console, &signed_in, filters)
        .await
        .map_err(|e| super::forbidden(&format!("the store failed: {e}")))?;
    let store = console.app.store.clone();
    let ids: Vec<(uuid::Uuid, String)> = runs
        .iter()
        .rev()
        .map(|r| (r.record.id, r.record.flow.clone()))
        .collect();
    tokio::task::spawn_blocking(move || {
        store.transaction(|tx| {
            let mut all = Vec::new();
            for (id, flow) in &ids {
                for event in tx.events_for_run(*id)? {
                    all.push((flow.clone(), event));
                }
            }
            Ok::<_, symflow_store::Error>(all)
        })
    })
    .await
    .map_err(|e| super::forbidden(&e.to_string()))?
    .map_err(|e| super::forbidden(&format!("the store failed: {e}")))
}

fn download(content_type: &str, filename: &str, body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        body,
    )
        .into_response()
}

pub async fn jsonl(
    State(console): State<Arc<Console>>,
    headers: HeaderMap,
    Query(filters): Query<Filters>,
) -> Response {
    let events = match events(&console, &headers, &filters).await {
        Ok(e) => e,
        Err(r) => return r,
    };
    let mut body = String::new();
    for (_, event) in events {
        // Stored as compact JSON already; re-serialised so one event is one line whatever it holds.
        let line = serde_json::from_str::<Value>(&event.event_json)
            .map(|v| v.to_string())
            .unwrap_or(event.event_json);
        body.push_str(&line);
        body.push('\n');
    }
    download("application/x-ndjson", "symflow-audit.jsonl", body)
}

/// One CSV field, quoted when it must be (RFC 4180).
fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

pub const CSV_COLUMNS: &[&str] = &[
    "occurred_at",
    "run_id",
    "flow",
    "seq",
    "event_id",
    "event_type",
    "actor",
    "channel",
    "run_status",
    "errored",
    "errors",
    "event_json",
];

/// One CSV row for `event`.
pub fn csv_row(flow: &str, event: &EventRecord) -> String {
    let json: Value = serde_json::from_str(&event.event_json).unwrap_or(Value::Null);
    let text = |pointer: &str| {
        json.pointer(pointer)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let errors: Vec<String> = json
        .pointer("/state/errors")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    let fields = [
        text("/event/timestamp"),
        event.run_id.to_string(),
        flow.to_string(),
        event.seq.to_string(),
        event.id.to_string(),
        event.event_type.clone(),
        text("/actor/username"),
        text("/event/channel"),
        text("/run/status"),
        event.errored.to_string(),
        errors.join("; "),
        json.to_string(),
    ];
    fields
        .iter()
        .map(|f| csv_field(f))
        .collect::<Vec<_>>()
        .join(",")
}

pub async fn csv(
    State(console): State<Arc<Console>>,
    headers: HeaderMap,
    Query(filters): Query<Filters>,
) -> Response {
    let events = match events(&console, &headers, &filters).await {
        Ok(e) => e,
        Err(r) => return r,
    };
    let mut body = CSV_COLUMNS.join(",");
    body.push_str("\r\n");
    for (flow, event) in &events {
        body.push_str(&csv_row(flow, event));
        body.push_str("\r\n");
    }
    download("text/csv; charset=utf-8", "symflow-audit.csv", body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_only_when_needed() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\"\n"), "\"say \"\"hi\"\"\n\"");
    }
}
