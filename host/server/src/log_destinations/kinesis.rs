//! The `kinesis_firehose` and `kinesis_data_stream` log destinations: each audit event is one
//! record, written with the SigV4 client of `symflow_integrations` (the AWS endpoint,
//! credentials and region every AWS integration of symflow uses).
//!
//! - Firehose (`PutRecordBatch`): the record is the event's JSON and a newline, so the
//!   objects Firehose writes to S3 (or hands to Datadog, Splunk, ...) are JSON lines.
//! - Data Streams (`PutRecords`): the record is the event's JSON, with the run's id as
//!   partition key, so the events of one run stay in one shard and in order.
//!
//! A record AWS refuses (even in a 200 reply) fails the delivery, which is retried.

use symflow_integrations::aws::streams::{self, KinesisRecord};
use symflow_integrations::aws::AwsClient;
use symflow_integrations::IntegrationOptions;
use symflow_store::EventRecord;

/// Which Kinesis service a destination writes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamKind {
    /// `kinesis_firehose`: a Firehose delivery stream.
    Firehose,
    /// `kinesis_data_stream`: a Kinesis data stream.
    DataStream,
}

/// Writes events to one stream.
pub struct KinesisWriter {
    aws: AwsClient,
    kind: StreamKind,
    stream_name: String,
}

impl KinesisWriter {
    /// A writer to `stream_name` in `region` (else the host's default region), with the
    /// AWS endpoint, credentials and limits of `options`.
    pub fn new(
        kind: StreamKind,
        stream_name: &str,
        region: Option<&str>,
        options: &IntegrationOptions,
    ) -> Self {
        let region = region
            .filter(|r| !r.is_empty())
            .map(str::to_string)
            .unwrap_or_else(|| options.aws_region.clone());
        KinesisWriter {
            aws: AwsClient::new(
                options.aws_credentials.clone(),
                region,
                options.endpoints.aws.clone(),
                options.limits,
            ),
            kind,
            stream_name: stream_name.to_string(),
        }
    }

    /// Writes `event` as one record; `Ok` once AWS took it.
    pub async fn write(&self, event: &EventRecord) -> anyhow::Result<()> {
        match self.kind {
            StreamKind::Firehose => {
                let record = firehose_record(event);
                streams::put_record_batch(&self.aws, &self.stream_name, &[record.as_slice()])
                    .await?
            }
            StreamKind::DataStream => {
                let partition_key = partition_key(event);
                let record = KinesisRecord {
                    data: event.event_json.as_bytes(),
                    partition_key: &partition_key,
                };
                streams::put_records(&self.aws, &self.stream_name, &[record]).await?
            }
        }
        Ok(())
    }
}

/// A Firehose record: the event's JSON on one line.
pub fn firehose_record(event: &EventRecord) -> Vec<u8> {
    let mut line = event.event_json.replace('\n', " ");
    line.push('\n');
    line.into_bytes()
}

/// A Data Streams partition key: the run's id, so one run's events share a shard.
pub fn partition_key(event: &EventRecord) -> String {
    event.run_id.to_string()
}
