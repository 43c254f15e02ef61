//! A fake Kinesis Firehose and Kinesis Data Streams on loopback, for the log destinations of
//! type `kinesis_firehose` and `kinesis_data_stream`: it takes `PutRecordBatch` and
//! `PutRecords` (JSON 1.1, `X-Amz-Target`), checks each call's SigV4 signature with the test
//! credentials and that it is signed for the service it calls (`firehose`, `kinesis`),
//! records the decoded records of the streams it knows, and can be told to refuse the next
//! calls, with HTTP 200 and every record failed (`FailedPutCount` / `FailedRecordCount`, as
//! AWS does when a stream is throttled) or with HTTP 500.
//!
//! symflow reaches every AWS service through one `SYMFLOW_AWS_ENDPOINT_URL`, so both
//! services share this one server, told apart by the `X-Amz-Target` header.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, Uri};
use axum::response::Response;
use axum::Router;
use base64::Engine as _;
use serde_json::{json, Value};
use url::Url;

use crate::{aws_json_error, header, json_reply, serve, verify_sigv4};

/// Which of the two services a call is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum StreamService {
    /// Kinesis Firehose (`Firehose_20150804.PutRecordBatch`, signed for `firehose`).
    Firehose,
    /// Kinesis Data Streams (`Kinesis_20131202.PutRecords`, signed for `kinesis`).
    Kinesis,
}

impl StreamService {
    /// The SigV4 signing name the service expects in the credential scope.
    pub fn signing_name(self) -> &'static str {
        match self {
            StreamService::Firehose => "firehose",
            StreamService::Kinesis => "kinesis",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// A record a stream took.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamRecord {
    /// The delivery stream or data stream it was written to.
    pub stream: String,
    /// The record's bytes, base64-decoded.
    pub data: Vec<u8>,
    /// `PartitionKey` (Kinesis Data Streams only).
    pub partition_key: Option<String>,
}

impl StreamRecord {
    /// The bytes as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.data).into_owned()
    }
}

/// How the next calls are refused.
#[derive(Debug, Clone, Copy, Default)]
struct Refusals {
    /// Calls answered with HTTP 200 and every record failed.
    records: usize,
    /// Calls answered with HTTP 500.
    http: usize,
}

/// What the fake streams took and saw.
#[derive(Debug, Default)]
pub struct StreamsState {
    /// Records Firehose took, in arrival order.
    pub firehose: Vec<StreamRecord>,
    /// Records Kinesis Data Streams took, in arrival order.
    pub kinesis: Vec<StreamRecord>,
    /// Every call whose signature checked out, as `<signing name>:<operation>@<region of
    /// the credential scope>` (`firehose:PutRecordBatch@eu-west-1`), taken or refused.
    pub calls: Vec<String>,
    /// Calls refused because of their signature or credential scope.
    pub bad_signatures: Vec<String>,
    /// Calls refused on purpose ([`StreamsState::refuse_records`], [`StreamsState::fail_calls`]).
    pub refused: usize,
    streams: [BTreeSet<String>; 2],
    refusals: [Refusals; 2],
}

impl StreamsState {
    /// Answers the next `calls` calls to `service` with HTTP 200 and every record failed
    /// (`ServiceUnavailableException`).
    pub fn refuse_records(&mut self, service: StreamService, calls: usize) {
        self.refusals[service.index()].records = calls;
    }

    /// Answers the next `calls` calls to `service` with HTTP 500.
    pub fn fail_calls(&mut self, service: StreamService, calls: usize) {
        self.refusals[service.index()].http = calls;
    }

    /// Records `service` took, in arrival order.
    pub fn records(&self, service: StreamService) -> &[StreamRecord] {
        match service {
            StreamService::Firehose => &self.firehose,
            StreamService::Kinesis => &self.kinesis,
        }
    }
}

/// Serves a fake Firehose with the delivery streams `firehose_streams` and a fake Kinesis
/// with the data streams `kinesis_streams`; other names are `ResourceNotFoundException`.
pub async fn aws_streams(
    firehose_streams: &[&str],
    kinesis_streams: &[&str],
) -> (Url, Arc<Mutex<StreamsState>>) {
    let mut state = StreamsState::default();
    state.streams[StreamService::Firehose.index()] =
        firehose_streams.iter().map(|s| s.to_string()).collect();
    state.streams[StreamService::Kinesis.index()] =
        kinesis_streams.iter().map(|s| s.to_string()).collect();
    let state = Arc::new(Mutex::new(state));
    let shared = state.clone();
    let router = Router::new().fallback(
        move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
            let state = shared.clone();
            async move {
                let mut state = state.lock().unwrap_or_else(|e| e.into_inner());
                handle(&mut state, method, uri, headers, body)
            }
        },
    );
    (serve(router).await, state)
}

fn handle(
    state: &mut StreamsState,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let target = header(&headers, "x-amz-target").to_string();
    let service = match target.as_str() {
        "Firehose_20150804.PutRecordBatch" => StreamService::Firehose,
        "Kinesis_20131202.PutRecords" => StreamService::Kinesis,
        _ => return aws_json_error(400, "UnknownOperationException", &target),
    };
    let (region, signed_for) = match verify_sigv4(&method, &uri, &headers, &body) {
        Ok(scope) => scope,
        Err(reason) => {
            eprintln!("fake AWS streams refused a request: {reason}");
            state.bad_signatures.push(reason);
            return aws_json_error(
                403,
                "InvalidSignatureException",
                "The request signature we calculated does not match the signature you provided.",
            );
        }
    };
    if signed_for != service.signing_name() {
        let reason = format!(
            "{target} signed for {signed_for:?}, not {:?}",
            service.signing_name()
        );
        state.bad_signatures.push(reason.clone());
        return aws_json_error(403, "InvalidSignatureException", &reason);
    }
    state.calls.push(format!(
        "{}:{}@{region}",
        service.signing_name(),
        operation(service)
    ));
    if header(&headers, "content-type") != "application/x-amz-json-1.1" {
        return aws_json_error(
            400,
            "SerializationException",
            "expected application/x-amz-json-1.1",
        );
    }
    let input: Value = serde_json::from_slice(&body).unwrap_or_default();
    let stream = match service {
        StreamService::Firehose => input["DeliveryStreamName"].as_str(),
        StreamService::Kinesis => input["StreamName"].as_str().or_else(|| {
            input["StreamARN"]
                .as_str()
                .and_then(|arn| arn.rsplit("stream/").next())
        }),
    }
    .unwrap_or_default()
    .to_string();
    if !state.streams[service.index()].contains(&stream) {
        return aws_json_error(
            400,
            "ResourceNotFoundException",
            &format!("Stream {stream} under account 123456789012 not found."),
        );
    }
    let records = match decode_records(service, &stream, &input) {
        Ok(records) => records,
        Err(message) => return aws_json_error(400, "ValidationException", &message),
    };
    let refusals = &mut state.refusals[service.index()];
    if refusals.http > 0 {
        refusals.http -= 1;
        state.refused += 1;
        return aws_json_error(
            500,
            "InternalFailure",
            "We encountered an internal error. Please try again.",
        );
    }
    if refusals.records > 0 {
        refusals.records -= 1;
        state.refused += 1;
        return json_reply(200, all_failed(service, records.len()));
    }
    let reply = all_taken(service, records.len(), state.records(service).len());
    match service {
        StreamService::Firehose => state.firehose.extend(records),
        StreamService::Kinesis => state.kinesis.extend(records),
    }
    json_reply(200, reply)
}

fn operation(service: StreamService) -> &'static str {
    match service {
        StreamService::Firehose => "PutRecordBatch",
        StreamService::Kinesis => "PutRecords",
    }
}

fn decode_records(
    service: StreamService,
    stream: &str,
    input: &Value,
) -> Result<Vec<StreamRecord>, String> {
    let entries = input["Records"]
        .as_array()
        .filter(|list| !list.is_empty() && list.len() <= 500)
        .ok_or("Records must hold 1 to 500 records")?;
    entries
        .iter()
        .map(|entry| {
            let data = base64::engine::general_purpose::STANDARD
                .decode(entry["Data"].as_str().unwrap_or_default())
                .map_err(|e| format!("Data is not base64: {e}"))?;
            let partition_key = match service {
                StreamService::Firehose => None,
                StreamService::Kinesis => Some(
                    entry["PartitionKey"]
                        .as_str()
                        .filter(|k| !k.is_empty())
                        .ok_or("every record needs a PartitionKey")?
                        .to_string(),
                ),
            };
            Ok(StreamRecord {
                stream: stream.to_string(),
                data,
                partition_key,
            })
        })
        .collect()
}

fn all_failed(service: StreamService, count: usize) -> Value {
    let entry = json!({"ErrorCode": "ServiceUnavailableException", "ErrorMessage": "Slow down."});
    let entries = vec![entry; count];
    match service {
        StreamService::Firehose => {
            json!({"FailedPutCount": count, "Encrypted": false, "RequestResponses": entries})
        }
        StreamService::Kinesis => json!({"FailedRecordCount": count, "Records": entries}),
    }
}

fn all_taken(service: StreamService, count: usize, already: usize) -> Value {
    let ids = (already..already + count).map(|n| n + 1);
    match service {
        StreamService::Firehose => json!({
            "FailedPutCount": 0,
            "Encrypted": false,
            "RequestResponses": ids.map(|n| json!({"RecordId": format!("record-{n}")})).collect::<Vec<_>>(),
        }),
        StreamService::Kinesis => json!({
            "FailedRecordCount": 0,
            "Records": ids
                .map(|n| json!({"SequenceNumber": format!("{n:056}"), "ShardId": "shardId-000000000000"}))
                .collect::<Vec<_>>(),
        }),
    }
}
