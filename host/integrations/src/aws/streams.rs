//! Kinesis Firehose `PutRecordBatch` and Kinesis Data Streams `PutRecords`: how audit events
//! reach the `sym_log_destination`s of type `kinesis_firehose` and `kinesis_data_stream`.
//!
//! Both are JSON 1.1 calls (`X-Amz-Target: Firehose_20150804.PutRecordBatch`,
//! `Kinesis_20131202.PutRecords`) signed for `firehose` / `kinesis`, with each record's bytes
//! in base64. Both services can answer 200 and still refuse some records (`FailedPutCount`,
//! `FailedRecordCount`): such a reply is an error here, naming the first refused record's
//! error code, so a caller that sends the records again gets every one of them through at
//! least once.

use base64::Engine as _;
use serde_json::{json, Value};

use super::{AwsCallError, AwsClient, AwsService, FIREHOSE, KINESIS};
use crate::error::{ErrorKind, IntegrationError};

/// The most records one `PutRecordBatch` or `PutRecords` call takes.
pub const MAX_RECORDS_PER_CALL: usize = 500;

/// One record of a Kinesis Data Streams `PutRecords` call.
#[derive(Debug, Clone, Copy)]
pub struct KinesisRecord<'a> {
    /// The record's bytes (sent base64-encoded).
    pub data: &'a [u8],
    /// Decides the shard: records with the same key keep their order.
    pub partition_key: &'a str,
}

/// Writes `records` to the Firehose delivery stream `delivery_stream` (its name; the name
/// part of a delivery stream ARN is taken too). `Ok` only when Firehose took every record.
pub async fn put_record_batch(
    aws: &AwsClient,
    delivery_stream: &str,
    records: &[&[u8]],
) -> Result<(), IntegrationError> {
    check_count(FIREHOSE, records.len())?;
    let name = delivery_stream_name(delivery_stream);
    let input = json!({
        "DeliveryStreamName": name,
        "Records": records.iter().map(|data| json!({ "Data": base64_of(data) })).collect::<Vec<_>>(),
    });
    let reply = call(
        aws,
        FIREHOSE,
        "Firehose_20150804",
        "PutRecordBatch",
        name,
        &input,
    )
    .await?;
    all_taken(
        FIREHOSE,
        &Outcome {
            operation: "PutRecordBatch",
            stream: name,
            sent: records.len(),
            failed_key: "FailedPutCount",
            entries_key: "RequestResponses",
        },
        &reply,
    )
}

/// Writes `records` to the Kinesis data stream `stream` (a name, or a stream ARN). `Ok` only
/// when Kinesis took every record.
pub async fn put_records(
    aws: &AwsClient,
    stream: &str,
    records: &[KinesisRecord<'_>],
) -> Result<(), IntegrationError> {
    check_count(KINESIS, records.len())?;
    let entries: Vec<Value> = records
        .iter()
        .map(|r| json!({ "Data": base64_of(r.data), "PartitionKey": r.partition_key }))
        .collect();
    let input = if stream.starts_with("arn:") {
        json!({ "StreamARN": stream, "Records": entries })
    } else {
        json!({ "StreamName": stream, "Records": entries })
    };
    let reply = call(
        aws,
        KINESIS,
        "Kinesis_20131202",
        "PutRecords",
        stream,
        &input,
    )
    .await?;
    all_taken(
        KINESIS,
        &Outcome {
            operation: "PutRecords",
            stream,
            sent: records.len(),
            failed_key: "FailedRecordCount",
            entries_key: "Records",
        },
        &reply,
    )
}

fn base64_of(data: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(data)
}

/// `arn:aws:firehose:<region>:<account>:deliverystream/<name>` → `<name>`; a name as is.
fn delivery_stream_name(text: &str) -> &str {
    match text.split_once(":deliverystream/") {
        Some((arn, name)) if arn.starts_with("arn:") => name,
        _ => text,
    }
}

fn check_count(service: AwsService, count: usize) -> Result<(), IntegrationError> {
    if (1..=MAX_RECORDS_PER_CALL).contains(&count) {
        return Ok(());
    }
    Err(IntegrationError::config(
        service.service,
        format!(
            "{} takes 1 to {MAX_RECORDS_PER_CALL} records per call; {count} were given",
            service.service
        ),
    ))
}

/// The call, with hints that name the stream when AWS says it is missing or forbidden.
async fn call(
    aws: &AwsClient,
    service: AwsService,
    target_prefix: &str,
    operation: &str,
    stream: &str,
    input: &Value,
) -> Result<Value, IntegrationError> {
    aws.json_call(service, target_prefix, operation, input)
        .await
        .map_err(|err| match err {
            AwsCallError::Service(mut err) => {
                match err.error.kind {
                    ErrorKind::NotFound => {
                        err.error.hint = Some(format!(
                            "no stream {stream:?} in region {}: check settings.stream_name of the \
                             sym_log_destination and the region (settings.region of its \
                             integration, else AWS_REGION)",
                            aws.region()
                        ))
                    }
                    ErrorKind::Forbidden => {
                        err.error.hint = Some(format!(
                        "the AWS credentials of the symflow host need {}:{operation} on {stream:?}",
                        service.signing_name
                    ))
                    }
                    _ => {}
                }
                err.error
            }
            AwsCallError::Transport(err) => err,
        })
}

/// What a put call sent, to read its reply.
struct Outcome<'a> {
    operation: &'a str,
    stream: &'a str,
    sent: usize,
    /// `FailedPutCount` or `FailedRecordCount`.
    failed_key: &'a str,
    /// The per-record results: `RequestResponses` or `Records`.
    entries_key: &'a str,
}

/// `Ok` when the reply says no record failed; otherwise the first refused record's error.
fn all_taken(
    service: AwsService,
    outcome: &Outcome<'_>,
    reply: &Value,
) -> Result<(), IntegrationError> {
    let Some(failed) = reply.get(outcome.failed_key).and_then(Value::as_u64) else {
        return Err(IntegrationError::new(
            service.service,
            ErrorKind::BadResponse,
            format!(
                "{} {} answered without {}: {}",
                service.service,
                outcome.operation,
                outcome.failed_key,
                reply.to_string().chars().take(200).collect::<String>()
            ),
        ));
    };
    if failed == 0 {
        return Ok(());
    }
    let refusal = reply
        .get(outcome.entries_key)
        .and_then(Value::as_array)
        .and_then(|entries| entries.iter().find(|e| e.get("ErrorCode").is_some()));
    let text = |key: &str| {
        refusal
            .and_then(|e| e.get(key))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let (code, message) = (text("ErrorCode"), text("ErrorMessage"));
    let (kind, hint) = match code.as_str() {
        "ProvisionedThroughputExceededException" | "ServiceUnavailableException" => (
            ErrorKind::RateLimited,
            "the stream is over its throughput limit; the records are sent again after a \
             pause (raise the stream's limits or shards if this persists)",
        ),
        _ => (
            ErrorKind::Api,
            "the records are sent again after a pause; see the AWS error code above",
        ),
    };
    Err(IntegrationError::new(
        service.service,
        kind,
        format!(
            "{} refused {failed} of {} records of {} {:?}: {code} {message}",
            service.service, outcome.sent, outcome.operation, outcome.stream
        ),
    )
    .with_hint(hint))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn firehose_outcome() -> Outcome<'static> {
        Outcome {
            operation: "PutRecordBatch",
            stream: "sym-audit",
            sent: 1,
            failed_key: "FailedPutCount",
            entries_key: "RequestResponses",
        }
    }

    #[test]
    fn a_reply_with_no_failed_record_is_taken() {
        let reply = json!({"FailedPutCount": 0, "Encrypted": false, "RequestResponses": [{"RecordId": "r1"}]});
        assert!(all_taken(FIREHOSE, &firehose_outcome(), &reply).is_ok());
    }

    #[test]
    fn a_200_reply_with_a_failed_record_is_an_error_naming_its_code() {
        let reply = json!({"FailedPutCount": 1, "RequestResponses": [
            {"ErrorCode": "ServiceUnavailableException", "ErrorMessage": "Slow down."}
        ]});
        let err = all_taken(FIREHOSE, &firehose_outcome(), &reply).unwrap_err();
        assert_eq!(err.kind, ErrorKind::RateLimited);
        assert!(err.message.contains("refused 1 of 1 records"), "{err}");
        assert!(
            err.message
                .contains("ServiceUnavailableException Slow down."),
            "{err}"
        );
        assert!(err.message.contains("\"sym-audit\""), "{err}");
    }

    #[test]
    fn a_reply_without_the_failed_count_is_a_bad_response() {
        let outcome = Outcome {
            operation: "PutRecords",
            stream: "s",
            sent: 1,
            failed_key: "FailedRecordCount",
            entries_key: "Records",
        };
        let err = all_taken(KINESIS, &outcome, &json!({})).unwrap_err();
        assert_eq!(err.kind, ErrorKind::BadResponse);
        assert!(err.message.contains("FailedRecordCount"), "{err}");
    }

    #[test]
    fn a_delivery_stream_arn_gives_its_name() {
        assert_eq!(
            delivery_stream_name(
                "arn:aws:firehose:eu-west-1:123456789012:deliverystream/sym-audit"
            ),
            "sym-audit"
        );
        assert_eq!(delivery_stream_name("sym-audit"), "sym-audit");
    }

    #[test]
    fn zero_or_too_many_records_are_refused_before_calling() {
        assert!(check_count(KINESIS, 0).is_err());
        assert!(check_count(KINESIS, MAX_RECORDS_PER_CALL + 1).is_err());
        assert!(check_count(KINESIS, 1).is_ok());
    }
}
