//! Log destinations (`sym_log_destination`, spec §7): every audit event of the flows whose
//! environment lists a destination is streamed to it, in order, at least once.
//!
//! Each destination keeps a cursor in the store (the position of the last event it took in
//! the append-only audit trail). A loop per destination reads the events after its cursor,
//! delivers each one, and only then moves the cursor, in a transaction of its own. So nothing
//! is lost on a restart or a crash (the loop starts again from the cursor), and an event may
//! arrive twice if the process stopped between delivering it and moving the cursor: each
//! event carries its `id` (also sent as the `Idempotency-Key` header, Segment's `messageId`)
//! for the receiver to drop repeats. A destination that fails is retried with exponential
//! back-off (up to a minute between attempts) until it takes the event; later events wait
//! behind it, so the order holds.
//!
//! Types:
//! - `http` (settings `url`): each event `POST`ed as JSON; any 2xx is taken.
//! - `file` (settings `path`, relative to the environment directory): one JSON object per
//!   line, synced to disk before the cursor moves.
//! - `kinesis_firehose` and `kinesis_data_stream` (settings `stream_name`; the region from
//!   `settings.region` of the `integration_id` integration, else `AWS_REGION`): one record per
//!   event, see [`kinesis`].
//! - `segment`: one Tracking API `track` call per event, with the write key of the
//!   `sym_secret` its integration names, see [`segment`].
//! - `datadog`: one Logs intake entry per event, with the API key of the `sym_secret` its
//!   integration names, see [`datadog`].
//!
//! The cloud types reach their services with what the flows' integrations use
//! ([`ServiceAccess`]: `SYMFLOW_AWS_ENDPOINT_URL`, `SYMFLOW_SEGMENT_API_URL`,
//! `SYMFLOW_DATADOG_API_URL`, AWS credentials from the environment, the same secret sources).
//! A destination whose settings are only known after `terraform apply` is not started (the
//! server says why); its cursor waits, so it receives every event once it can be started.

pub mod datadog;
pub mod kinesis;
pub mod secret_key;
pub mod segment;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use symflow_config::{setting, Config, LogDestination, SettingValue};
use symflow_integrations::SecretRef;
use symflow_store::EventRecord;
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::app::App;
use crate::integrations::ServiceAccess;
use kinesis::{KinesisWriter, StreamKind};
use secret_key::{KeyRef, SecretKey};

/// How often a destination that is up to date looks for new events.
const POLL: Duration = Duration::from_millis(250);
/// Events read per transaction.
const PAGE: u32 = 200;
/// How long one HTTP delivery may take.
const HTTP_TIMEOUT: Duration = Duration::from_secs(10);
/// The longest wait between two attempts at one event.
const MAX_BACKOFF: Duration = Duration::from_secs(60);

/// Where a destination writes, as its configuration says.
#[derive(Debug, Clone)]
pub enum Sink {
    Http {
        url: String,
    },
    File {
        path: PathBuf,
    },
    /// `kinesis_firehose` or `kinesis_data_stream`.
    Kinesis {
        kind: StreamKind,
        stream_name: String,
        /// `settings.region` of the destination's integration.
        region: Option<String>,
    },
    Segment {
        write_key: KeyRef,
    },
    Datadog {
        api_key: KeyRef,
    },
}

impl Sink {
    /// Whether it writes to a service reached through [`ServiceAccess`].
    fn needs_services(&self) -> bool {
        !matches!(self, Sink::Http { .. } | Sink::File { .. })
    }
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

/// The destinations symflow can deliver to now, with the flows whose environment lists
/// each. A destination it cannot deliver to (a setting missing, which the configuration
/// reported, or known only after apply) is left out and the reason logged.
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
        let key = format!("sym_log_destination.{name}");
        let sink = match sink_of(config, destination) {
            Ok(sink) => sink,
            Err(why) => {
                tracing::error!(
                    destination = %key,
                    "{key} ({}) receives no events for now: {why}. Its cursor waits, so it gets every event once this is fixed and symflow restarted.",
                    destination.meta.location
                );
                continue;
            }
        };
        let flow_srns = flows_of.get(name).cloned().unwrap_or_default();
        if flow_srns.is_empty() {
            tracing::warn!(
                "{key} is in no environment's log_destination_ids, so it receives no events"
            );
        }
        out.push(Destination {
            key,
            sink,
            flow_srns,
        });
    }
    out
}

/// What a destination's settings (and its integration's) say to write to, or why symflow
/// cannot write to it.
fn sink_of(config: &Config, destination: &LogDestination) -> Result<Sink, String> {
    let text = |key: &str| -> Result<String, String> {
        match setting(&destination.settings, key) {
            Some(SettingValue::Text(value)) if !value.trim().is_empty() => {
                Ok(value.trim().to_string())
            }
            Some(SettingValue::Unknown(unknown)) => Err(format!(
                "settings.{key} is {unknown}; give symflow the Terraform state (--tf-state)"
            )),
            _ => Err(format!("it has no settings.{key}")),
        }
    };
    let integration = destination
        .integration
        .as_ref()
        .and_then(|link| config.get(link));
    let ty = destination.destination_type.as_str();
    Ok(match ty {
        "http" => Sink::Http { url: text("url")? },
        "file" => Sink::File {
            path: config.root.join(text("path")?),
        },
        "kinesis_firehose" | "kinesis_data_stream" => Sink::Kinesis {
            kind: if ty == "kinesis_firehose" {
                StreamKind::Firehose
            } else {
                StreamKind::DataStream
            },
            stream_name: text("stream_name")?,
            region: integration
                .and_then(|i| i.settings.get("region"))
                .and_then(SettingValue::as_text)
                .map(str::trim)
                .filter(|r| !r.is_empty())
                .map(str::to_string),
        },
        "segment" | "datadog" => {
            let integration = integration.ok_or_else(|| {
                format!("its integration_id names no declared sym_integration holding the {ty} key")
            })?;
            let keys = LogDestination::key_settings(ty);
            let (key_setting, value) = keys
                .iter()
                .find_map(|key| setting(&integration.settings, key).map(|v| (*key, v)))
                .ok_or_else(|| {
                    format!(
                        "{} has no settings.{}",
                        integration.meta.address,
                        keys.join(" or settings.")
                    )
                })?;
            let secret = match value {
                SettingValue::Secret(link) => SecretRef::from_link(config, link),
                SettingValue::Unknown(unknown) => {
                    return Err(format!(
                        "settings.{key_setting} of {} is {unknown}; give symflow the Terraform state (--tf-state)",
                        integration.meta.address
                    ))
                }
                _ => {
                    return Err(format!(
                        "settings.{key_setting} of {} is not a sym_secret id",
                        integration.meta.address
                    ))
                }
            };
            let key = KeyRef {
                secret,
                named_by: format!("settings.{key_setting} of {}", integration.meta.address),
            };
            if ty == "segment" {
                Sink::Segment { write_key: key }
            } else {
                Sink::Datadog { api_key: key }
            }
        }
        other => return Err(format!("symflow has no log destination type {other:?}")),
    })
}

/// A sink with what it writes with: its client, its key.
enum SinkWriter {
    Http {
        client: reqwest::Client,
        url: String,
    },
    File {
        path: PathBuf,
    },
    Kinesis(KinesisWriter),
    Segment(segment::SegmentWriter),
    Datadog(datadog::DatadogWriter),
}

impl SinkWriter {
    fn new(sink: &Sink, client: &reqwest::Client, access: Option<&ServiceAccess>) -> SinkWriter {
        let services = || access.expect("service access is built for sinks that need it");
        match sink {
            Sink::Http { url } => SinkWriter::Http {
                client: client.clone(),
                url: url.clone(),
            },
            Sink::File { path } => SinkWriter::File { path: path.clone() },
            Sink::Kinesis {
                kind,
                stream_name,
                region,
            } => SinkWriter::Kinesis(KinesisWriter::new(
                *kind,
                stream_name,
                region.as_deref(),
                &services().options,
            )),
            Sink::Segment { write_key } => SinkWriter::Segment(segment::SegmentWriter::new(
                client.clone(),
                services().options.endpoints.segment.clone(),
                SecretKey::new(write_key.clone(), services().secrets.clone()),
            )),
            Sink::Datadog { api_key } => SinkWriter::Datadog(datadog::DatadogWriter::new(
                client.clone(),
                services().options.endpoints.datadog.clone(),
                SecretKey::new(api_key.clone(), services().secrets.clone()),
            )),
        }
    }
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
    let access = if list.iter().any(|d| d.sink.needs_services()) {
        match app.runner.capabilities.integrations.service_access() {
            Some(access) => Some(access),
            None => Some(ServiceAccess::from_env(&config.root)?),
        }
    } else {
        None
    };
    for destination in list {
        tracing::info!(destination = %destination.key, "streaming audit events to {:?}", destination.sink);
        let writer = SinkWriter::new(&destination.sink, &client, access.as_ref());
        tasks.spawn(stream(app.clone(), destination, writer, stopped.clone()));
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
    writer: SinkWriter,
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
                    match deliver(&writer, &event).await {
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

async fn deliver(writer: &SinkWriter, event: &EventRecord) -> anyhow::Result<()> {
    match writer {
        SinkWriter::Http { client, url } => {
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
        SinkWriter::File { path } => {
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
        SinkWriter::Kinesis(writer) => writer.write(event).await,
        SinkWriter::Segment(writer) => writer.write(event).await,
        SinkWriter::Datadog(writer) => writer.write(event).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config_of(tf: &str) -> (tempfile::TempDir, Config) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("main.tf"), tf).unwrap();
        let loaded = symflow_config::load_dir(dir.path(), &Default::default()).unwrap();
        (dir, loaded.config)
    }

    #[test]
    fn cloud_destinations_take_their_stream_region_and_key_from_their_settings_and_integration() {
        let (_dir, config) = config_of(
            r#"provider "sym" {
  org = "S-TEST"
}
resource "sym_log_destination" "firehose" {
  type           = "kinesis_firehose"
  integration_id = sym_integration.context.id
  settings       = { stream_name = "sym-audit" }
}
resource "sym_log_destination" "unknown_stream" {
  type     = "kinesis_data_stream"
  settings = { stream_name = aws_kinesis_stream.sym.arn }
}
resource "aws_kinesis_stream" "sym" {
  name = "sym-audit"
}
resource "sym_log_destination" "segment" {
  type           = "segment"
  integration_id = sym_integration.segment.id
}
resource "sym_integration" "context" {
  type        = "permission_context"
  name        = "context"
  external_id = "123456789012"
  settings    = { region = "eu-west-1" }
}
resource "sym_integration" "segment" {
  type        = "segment"
  name        = "segment"
  external_id = "acme"
  settings    = { write_key_secret = sym_secret.write_key.id }
}
resource "sym_secrets" "aws" {
  type = "aws_secrets_manager"
  name = "sym"
}
resource "sym_secret" "write_key" {
  path      = "sym/segment-write-key"
  source_id = sym_secrets.aws.id
}
"#,
        );
        let list = destinations(&config, |_| None);
        let keys: Vec<&str> = list.iter().map(|d| d.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "sym_log_destination.firehose",
                "sym_log_destination.segment"
            ],
            "a stream known only after apply is not started"
        );
        match &list[0].sink {
            Sink::Kinesis {
                kind,
                stream_name,
                region,
            } => {
                assert_eq!(*kind, StreamKind::Firehose);
                assert_eq!(stream_name, "sym-audit");
                assert_eq!(region.as_deref(), Some("eu-west-1"));
            }
            other => panic!("{other:?}"),
        }
        match &list[1].sink {
            Sink::Segment { write_key } => {
                assert_eq!(write_key.secret.path, "sym/segment-write-key");
                assert_eq!(
                    write_key.named_by,
                    "settings.write_key_secret of sym_integration.segment"
                );
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn backoff_doubles_up_to_a_minute() {
        assert_eq!(backoff(0), Duration::from_millis(500));
        assert_eq!(backoff(1), Duration::from_secs(1));
        assert_eq!(backoff(3), Duration::from_secs(4));
        assert_eq!(backoff(30), MAX_BACKOFF);
    }
}
