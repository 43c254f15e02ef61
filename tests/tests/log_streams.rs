//! The log destinations that write to cloud services, end to end: a break-glass request is
//! approved and revoked in Slack, and every audit event of the run reaches a Kinesis Firehose
//! delivery stream, a Kinesis data stream, a Segment source and Datadog (the fakes of
//! `symflow-service-fakes`, reached as `symflow up` reaches the real ones: the AWS endpoint
//! with SigV4-signed calls, the Segment write key and Datadog API key from `sym_secret`s),
//! in order. Then the same with each service refusing its first attempts: the events still
//! arrive, in order, after the retries.

use std::time::Duration;

use serde_json::{json, Value};
use symflow_e2e::api::config_with_log_destination_resources;
use symflow_e2e::services::{fakes, ServiceSetup};
use symflow_e2e::{breakglass_fields, people::*, Harness, Setup, PATIENCE};
use symflow_engine::RunStatus;
use symflow_integrations::aws::AwsCredentials;
use symflow_integrations::Endpoints;
use symflow_service_fakes::{DatadogState, SegmentState, StreamService, StreamsState};
use symflow_store::EventRecord;
use uuid::Uuid;

const FIREHOSE_STREAM: &str = "sym-audit-firehose";
const DATA_STREAM: &str = "sym-audit-stream";
const SEGMENT_SECRET: &str = "sym/e2e/segment-write-key";
const DATADOG_SECRET: &str = "sym/e2e/datadog-api-key";

/// The four destinations as a user writes them: Firehose named by its Terraform resource, the
/// region from a `permission_context` integration, keys in `sym_secret`s of integrations.
const DESTINATIONS: &str = r#"resource "sym_log_destination" "firehose" {
  type           = "kinesis_firehose"
  integration_id = sym_integration.audit_context.id
  settings       = { stream_name = aws_kinesis_firehose_delivery_stream.sym_audit.name }
}

resource "aws_kinesis_firehose_delivery_stream" "sym_audit" {
  name        = "sym-audit-firehose"
  destination = "extended_s3"
}

resource "sym_log_destination" "kinesis" {
  type           = "kinesis_data_stream"
  integration_id = sym_integration.audit_context.id
  settings       = { stream_name = "sym-audit-stream" }
}

resource "sym_integration" "audit_context" {
  type        = "permission_context"
  name        = "e2e-audit-context"
  external_id = "123456789012"
  settings = {
    cloud    = "aws"
    region   = "eu-west-1"
    role_arn = "arn:aws:iam::123456789012:role/sym-audit"
  }
}

resource "sym_log_destination" "segment" {
  type           = "segment"
  integration_id = sym_integration.segment.id
}

resource "sym_integration" "segment" {
  type        = "segment"
  name        = "e2e-segment"
  external_id = "e2e-workspace"
  settings    = { api_token_secret = sym_secret.segment_write_key.id }
}

resource "sym_log_destination" "datadog" {
  type           = "datadog"
  integration_id = sym_integration.datadog.id
}

resource "sym_integration" "datadog" {
  type        = "datadog"
  name        = "e2e-datadog"
  external_id = "e2e"
  settings    = { api_key_secret = sym_secret.datadog_api_key.id }
}

resource "sym_secrets" "audit" {
  type = "aws_secrets_manager"
  name = "e2e-audit-secrets"
}

resource "sym_secret" "segment_write_key" {
  path      = "sym/e2e/segment-write-key"
  source_id = sym_secrets.audit.id
}

resource "sym_secret" "datadog_api_key" {
  path      = "sym/e2e/datadog-api-key"
  source_id = sym_secrets.audit.id
}
"#;

type Shared<T> = std::sync::Arc<std::sync::Mutex<T>>;

/// The fake services, running.
struct Fakes {
    streams: Shared<StreamsState>,
    segment: Shared<SegmentState>,
    datadog: Shared<DatadogState>,
    setup: ServiceSetup,
}

impl Fakes {
    async fn start() -> Fakes {
        let (aws_url, streams) = fakes::aws_streams(&[FIREHOSE_STREAM], &[DATA_STREAM]).await;
        let (segment_url, segment) = fakes::segment().await;
        let (datadog_url, datadog) = fakes::datadog().await;
        let setup = ServiceSetup {
            endpoints: Endpoints {
                aws: Some(aws_url),
                segment: Some(segment_url),
                datadog: Some(datadog_url),
                ..Endpoints::default()
            },
            secrets: vec![
                (SEGMENT_SECRET.into(), json!(fakes::SEGMENT_WRITE_KEY)),
                (DATADOG_SECRET.into(), json!(fakes::DATADOG_API_KEY)),
            ],
            aws_credentials: Some(AwsCredentials::new(fakes::AWS_KEY_ID, fakes::AWS_SECRET)),
        };
        Fakes {
            streams,
            segment,
            datadog,
            setup,
        }
    }

    /// A server on the `e2e` environment with the four destinations, reaching these fakes.
    async fn harness(&self) -> (Harness, tempfile::TempDir) {
        let mut h = Harness::start(
            "e2e",
            Setup {
                services: Some(self.setup.clone()),
                ..Setup::default()
            },
        )
        .await;
        let (copy, config) = config_with_log_destination_resources(
            &["firehose", "kinesis", "segment", "datadog"],
            DESTINATIONS,
        );
        h.restart_with_config(|c| *c = config.clone()).await;
        (h, copy)
    }

    /// What each service took, once every one of them took at least `count` events.
    async fn wait_for(&self, count: usize) -> Taken {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let taken = self.taken();
            if taken.counts().iter().all(|n| *n >= count) {
                return taken;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "not every service took {count} events (firehose, kinesis, segment, datadog): {:?}; signature problems: {:?}",
                taken.counts(),
                self.streams.lock().unwrap().bad_signatures
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn taken(&self) -> Taken {
        let streams = self.streams.lock().unwrap();
        Taken {
            firehose: streams.firehose.iter().map(|r| r.text()).collect(),
            kinesis: streams
                .kinesis
                .iter()
                .map(|r| (r.text(), r.partition_key.clone().unwrap_or_default()))
                .collect(),
            segment: self.segment.lock().unwrap().tracked.clone(),
            datadog: self.datadog.lock().unwrap().logs.clone(),
        }
    }
}

/// What each fake took, in arrival order.
struct Taken {
    /// Decoded Firehose records.
    firehose: Vec<String>,
    /// Decoded Kinesis records with their partition keys.
    kinesis: Vec<(String, String)>,
    /// Segment `track` messages.
    segment: Vec<Value>,
    /// Datadog log entries.
    datadog: Vec<Value>,
}

impl Taken {
    fn counts(&self) -> [usize; 4] {
        [
            self.firehose.len(),
            self.kinesis.len(),
            self.segment.len(),
            self.datadog.len(),
        ]
    }
}

/// Runs a break-glass request through approval and revoke; its audit events.
async fn request_approve_revoke(h: &Harness) -> (Uuid, Vec<EventRecord>) {
    let run = h
        .request(ALICE, "breakglass", &breakglass_fields("streams", "1h"))
        .await;
    assert_eq!(h.click(BOB, run, "symflow_approve").await, 200);
    h.wait_status(run, RunStatus::Escalated).await;
    assert_eq!(h.click(ALICE, run, "symflow_revoke").await, 200);
    h.wait_status(run, RunStatus::Deescalated).await;
    let events = h.events(run);
    let steps: Vec<&str> = events.iter().map(|e| e.event_type.as_str()).collect();
    assert_eq!(
        steps,
        ["prompt", "request", "approve", "escalate", "deescalate"]
    );
    (run, events)
}

fn parsed(event: &EventRecord) -> Value {
    serde_json::from_str(&event.event_json).expect("an audit event is JSON")
}

/// The first of each run of repeats with the same key: what an at-least-once receiver keeps.
fn first_seen<T: Clone, K: PartialEq>(items: &[T], key: impl Fn(&T) -> K) -> Vec<T> {
    let mut seen: Vec<K> = Vec::new();
    let mut kept = Vec::new();
    for item in items {
        let k = key(item);
        if !seen.contains(&k) {
            seen.push(k);
            kept.push(item.clone());
        }
    }
    kept
}

/// Each service got exactly the run's events in order (after dropping repeats by id), each
/// in the shape its destination type sends.
fn assert_every_event_in_order(run: Uuid, events: &[EventRecord], taken: &Taken) {
    let ids: Vec<String> = events.iter().map(|e| e.id.to_string()).collect();
    let id_of = |text: &String| -> String {
        serde_json::from_str::<Value>(text).expect("a record is JSON")["id"]
            .as_str()
            .expect("an id")
            .to_string()
    };

    let firehose = first_seen(&taken.firehose, id_of);
    let expected: Vec<String> = events
        .iter()
        .map(|e| format!("{}\n", e.event_json))
        .collect();
    assert_eq!(
        firehose, expected,
        "Firehose records are the events' JSON lines, in order"
    );

    let kinesis = first_seen(&taken.kinesis, |(text, _)| id_of(text));
    let expected: Vec<(String, String)> = events
        .iter()
        .map(|e| (e.event_json.clone(), run.to_string()))
        .collect();
    assert_eq!(
        kinesis, expected,
        "Kinesis records are the events' JSON, partitioned by run, in order"
    );

    let segment = first_seen(&taken.segment, |m| m["messageId"].clone());
    assert_eq!(
        segment
            .iter()
            .map(|m| m["messageId"].as_str().unwrap().to_string())
            .collect::<Vec<_>>(),
        ids,
        "Segment messages carry the event ids, in order"
    );
    for (message, event) in segment.iter().zip(events) {
        assert_eq!(message["event"], event.event_type.as_str());
        assert_eq!(message["properties"], parsed(event));
        assert!(
            message["userId"]
                .as_str()
                .is_some_and(|u| u.contains(":user:normal:")),
            "{message}"
        );
        assert!(message["timestamp"].as_str().unwrap().ends_with('Z'));
    }

    let datadog = first_seen(&taken.datadog, |entry| entry["id"].clone());
    assert_eq!(datadog.len(), events.len());
    for (entry, event) in datadog.iter().zip(events) {
        let mut attributes = entry.clone();
        for reserved in ["ddsource", "service", "ddtags", "message"] {
            attributes.as_object_mut().unwrap().remove(reserved);
        }
        assert_eq!(attributes, parsed(event), "a Datadog entry is the event");
        assert_eq!(entry["ddsource"], "symflow");
        assert_eq!(entry["ddtags"], format!("sym_event:{}", event.event_type));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_audit_event_reaches_firehose_kinesis_segment_and_datadog_in_order() {
    let fakes = Fakes::start().await;
    let (h, _copy) = fakes.harness().await;
    let (run, events) = request_approve_revoke(&h).await;

    let taken = fakes.wait_for(events.len()).await;
    assert_eq!(
        taken.counts(),
        [events.len(); 4],
        "nothing failed, so each event arrived once"
    );
    assert_every_event_in_order(run, &events, &taken);

    let streams = fakes.streams.lock().unwrap();
    assert!(
        streams.bad_signatures.is_empty(),
        "{:?}",
        streams.bad_signatures
    );
    assert_eq!(
        streams
            .calls
            .iter()
            .filter(|c| c.starts_with("firehose:"))
            .count(),
        events.len()
    );
    assert!(
        streams.calls.iter().all(
            |c| c == "firehose:PutRecordBatch@eu-west-1" || c == "kinesis:PutRecords@eu-west-1"
        ),
        "signed for each service, in the integration's region: {:?}",
        streams.calls
    );
    assert_eq!(fakes.segment.lock().unwrap().unauthorized, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_refused_at_first_still_arrive_in_order_after_the_retries() {
    let fakes = Fakes::start().await;
    let (h, _copy) = fakes.harness().await;
    {
        let mut streams = fakes.streams.lock().unwrap();
        // Throttled: HTTP 200 with every record failed, twice.
        streams.refuse_records(StreamService::Firehose, 2);
        // Kinesis: one throttled reply, and one HTTP 500.
        streams.refuse_records(StreamService::Kinesis, 1);
        streams.fail_calls(StreamService::Kinesis, 1);
    }
    fakes.segment.lock().unwrap().fail_calls(2);
    fakes.datadog.lock().unwrap().fail_calls(1);

    let (run, events) = request_approve_revoke(&h).await;
    let taken = fakes.wait_for(events.len()).await;
    assert_every_event_in_order(run, &events, &taken);

    let streams = fakes.streams.lock().unwrap();
    assert_eq!(streams.refused, 4, "every refusal was met");
    let firehose_calls = streams
        .calls
        .iter()
        .filter(|c| c.starts_with("firehose:"))
        .count();
    assert_eq!(
        firehose_calls,
        events.len() + 2,
        "the refused first event was sent again, twice"
    );
    let segment = fakes.segment.lock().unwrap();
    assert_eq!(segment.attempts, segment.tracked.len() + 2);
    let datadog = fakes.datadog.lock().unwrap();
    assert_eq!(datadog.attempts, datadog.logs.len() + 1);
}
