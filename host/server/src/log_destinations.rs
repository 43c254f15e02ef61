//! Log destinations (`sym_log_destination`, spec §7): every audit event of the flows whose
//! environment lists a destination is streamed to it, in order, at least once.
//!
//! Each destination keeps a cursor in the store (the position of the last event it took in
//! the append-only audit trail). A loop per destination reads the events after its cursor,
//! delivers each one, and only then moves the cursor, in a transaction of its own. So nothing
//! is lost on a restart or a crash (the loop starts again from the cursor), and an event may
//! arrive twice if the process stopped between delivering it and moving the cursor: each
//! event carries its `id` (also sent as the `Idempotency-Key` header) for the receiver to
//! drop repeats. A destination that fails is retried with exponential back-off (up to a
//! minute between attempts) until it takes the event; later events wait behind it, so the
//! order holds.
//!
//! Types: `http` (settings `url`: each event `POST`ed as JSON; any 2xx is taken) and `file`
//! (settings `path`, relative to the environment directory: one JSON object per line, synced
//! to disk before the cursor moves). Sym's other types (Kinesis, Segment, Datadog) are
//! accepted by the configuration with a warning and receive nothing.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use symflow_config::Config;
use symflow_store::EventRecord;
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::app::App;

/// How often a destination that is up to date looks for new events.
const POLL: Duration = Duration::from_millis(250);
/// Events read per transaction.
const PAGE: u32 = 200;
/// How long one HTTP delivery may take.
const HTTP_TIMEOUT: Duration = Duration::from_secs(10);
/// The longest wait between two attempts at one event.
const MAX_BACKOFF: Duration = Duration::from_secs(60);

/// Where a destination writes.
#[derive(Debug, Clone)]
pub enum Sink {
    Http { url: String },
    File { path: PathBuf },
}

/// A destination the server streams to.
#[derive(Debug, Clone)]
pub struct Destination {
    /// `sym_log_destination.<name>`: the key of its cursor.
    pub key: String,
    pub sink: Sink,
    /// SRNs of the flows whose events it takes (lower-cased).
    pub flow_srns: Vec<String>,
}

/// The destinations symflow can deliver to, with the flows whose environment lists each.
/// Types symflow does not deliver to are left out (the configuration warned about them).
pub fn destinations(
    config: &Config,
    flow_srn: impl Fn(&str) -> Option<String>,
) -> Vec<Destination> {
    let mut flows_of: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for flow in config.flows.values() {
        let Some(environment) = config.get(&flow.environment) else {
            continue;
        };
        let Some(srn) = flow_srn(&flow.name) else {
            continue;
        };
        for link in &environment.log_destinations {
            if let Some(address) = link.address() {
                flows_of
                    .entry(address.name.clone())
                    .or_default()
                    .push(srn.to_lowercase());
            }
        }
    }
    let mut out = Vec::new();
    for (name, destination) in &config.log_destinations {
        let setting = |key: &str| {
            destination
                .settings
                .get(key)
                .and_then(|v| v.as_text())
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        let sink = match destination.destination_type.as_str() {
            "http" => match setting("url") {
                Some(url) => Sink::Http { url },
                None => continue,
            },
            "file" => match setting("path") {
                Some(path) => Sink::File {
                    path: config.root.join(path),
                },
                None => continue,
            },
            _ => continue,
        };
        let flow_srns = flows_of.get(name).cloned().unwrap_or_default();
        if flow_srns.is_empty() {
            tracing::warn!(
                "sym_log_destination.{name} is in no environment's log_destination_ids, so it receives no events"
            );
        }
        out.push(Destination {
            key: format!("sym_log_destination.{name}"),
            sink,
            flow_srns,
        });
    }
    out
}

/// Starts one streaming loop per destination of `config`.
pub fn spawn(
    app: &Arc<App>,
    config: &Config,
    stopped: &watch::Receiver<bool>,
    tasks: &mut JoinSet<()>,
) -> anyhow::Result<()> {
    let list = destinations(config, |name| {
        app.flows.get(name).map(|f| f.spec().srn.clone())
    });
    if list.is_empty() {
        return Ok(());
    }
    let client = reqwest::Client::builder()
        .timeout(HTTP_TIMEOUT)
        .user_agent(concat!("symflow/", env!("CARGO_PKG_VERSION")))
        .build()?;
    for destination in list {
        tracing::info!(destination = %destination.key, "streaming audit events to {:?}", destination.sink);
        tasks.spawn(stream(
            app.clone(),
            destination,
            client.clone(),
            stopped.clone(),
        ));
    }
    Ok(())
}

/// Waits `duration`, or less if the server stops; `false` if it stopped.
async fn pause(stop: &mut watch::Receiver<bool>, duration: Duration) -> bool {
    tokio::select! {
        _ = tokio::time::sleep(duration) => !*stop.borrow(),
        _ = stop.changed() => false,
    }
}

/// Back-off before attempt `failures + 1`: 0.5 s, 1 s, 2 s, ... up to [`MAX_BACKOFF`].
pub fn backoff(failures: u32) -> Duration {
    (Duration::from_millis(500) * 2u32.saturating_pow(failures.min(10))).min(MAX_BACKOFF)
}

async fn stream(
    app: Arc<App>,
    destination: Destination,
    client: reqwest::Client,
    mut stop: watch::Receiver<bool>,
) {
    let key = destination.key.clone();
    loop {
        if *stop.borrow() {
            return;
        }
        let cursor_key = key.clone();
        let page = app
            .store
            .transaction_async(move |tx| {
                let cursor = tx.log_cursor(&cursor_key)?;
                tx.events_after(cursor, PAGE)
            })
            .await;
        let events = match page {
            Ok(events) => events,
            Err(e) => {
                tracing::error!(destination = %key, "cannot read the audit trail: {e}");
                if !pause(&mut stop, POLL * 4).await {
                    return;
                }
                continue;
            }
        };
        if events.is_empty() {
            if !pause(&mut stop, POLL).await {
                return;
            }
            continue;
        }
        for event in events {
            if destination.takes(&event) {
                let mut failures = 0;
                loop {
                    match deliver(&client, &destination.sink, &event).await {
                        Ok(()) => break,
                        Err(e) => {
                            let wait = backoff(failures);
                            failures += 1;
                            tracing::warn!(
                                destination = %key,
                                event = %event.id,
                                attempt = failures,
                                "could not deliver an audit event, retrying in {wait:?}: {e:#}"
                            );
                            if !pause(&mut stop, wait).await {
                                return;
                            }
                        }
                    }
                }
            }
            let (cursor_key, position) = (key.clone(), event.position);
            let moved = app
                .store
                .transaction_async(move |tx| tx.set_log_cursor(&cursor_key, position))
                .await;
            if let Err(e) = moved {
                // The event will be delivered again after the next read: at least once.
                tracing::error!(destination = %key, "cannot move the cursor: {e}");
                break;
            }
        }
    }
}

impl Destination {
    /// Whether the event belongs to a flow whose environment lists this destination.
    fn takes(&self, event: &EventRecord) -> bool {
        let flow = serde_json::from_str::<Value>(&event.event_json)
            .ok()
            .and_then(|v| {
                v.pointer("/run/flow")
                    .and_then(Value::as_str)
                    .map(str::to_lowercase)
            });
        flow.is_some_and(|flow| self.flow_srns.contains(&flow))
    }
}

async fn deliver(client: &reqwest::Client, sink: &Sink, event: &EventRecord) -> anyhow::Result<()> {
    match sink {
        Sink::Http { url } => {
            let response = client
                .post(url)
                .header("content-type", "application/json")
                .header("idempotency-key", event.id.to_string())
                .header("x-symflow-event-id", event.id.to_string())
                .body(event.event_json.clone())
                .send()
                .await?;
            let status = response.status();
            if status.is_success() {
                Ok(())
            } else {
                let body = response.text().await.unwrap_or_default();
                anyhow::bail!(
                    "{url} answered {status}: {}",
                    body.chars().take(200).collect::<String>()
                )
            }
        }
        Sink::File { path } => {
            let path = path.clone();
            let mut line = event.event_json.replace('\n', " ");
            line.push('\n');
            tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
                if let Some(parent) = path.parent() {
                    std::fs::create_dir_all(parent)?;
                }
                let mut file = std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(&path)
                    .map_err(|e| anyhow::anyhow!("cannot open {}: {e}", path.display()))?;
                file.write_all(line.as_bytes())?;
                file.sync_data()?;
                Ok(())
            })
            .await?
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_a_minute() {
        assert_eq!(backoff(0), Duration::from_millis(500));
        assert_eq!(backoff(1), Duration::from_secs(1));
        assert_eq!(backoff(3), Duration::from_secs(4));
        assert_eq!(backoff(30), MAX_BACKOFF);
    }
}
