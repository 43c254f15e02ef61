//! The `segment` log destination: each audit event is one `track` call of Segment's HTTP
//! Tracking API (`POST /v1/track`, the source's write key as HTTP basic auth user), so audit
//! events land in Segment and whatever it forwards to, with the event's id as `messageId`
//! (Segment drops repeats of a `messageId`, which makes at-least-once delivery exactly-once
//! there).
//!
//! The message: `userId` = the acting Sym user (`actor.user`, else `anonymousId` = the run),
//! `event` = the step (`request`, `approve`, `escalate`, ...), `properties` = the whole audit
//! event (spec §7), `timestamp` = when it happened (RFC 3339, UTC).

use serde_json::{json, Map, Value};
use symflow_engine::time::Timestamp;
use symflow_store::EventRecord;
use url::Url;

use super::secret_key::SecretKey;

/// Segment's API, unless `SYMFLOW_SEGMENT_API_URL` says otherwise.
pub const DEFAULT_BASE_URL: &str = "https://api.segment.io";

/// Sends events to one Segment source.
pub struct SegmentWriter {
    http: reqwest::Client,
    track_url: Url,
    write_key: SecretKey,
}

impl SegmentWriter {
    /// A writer to `base` (default [`DEFAULT_BASE_URL`]) with the write key `write_key`.
    pub fn new(http: reqwest::Client, base: Option<Url>, write_key: SecretKey) -> Self {
        let base = base.unwrap_or_else(|| Url::parse(DEFAULT_BASE_URL).expect("a valid URL"));
        SegmentWriter {
            http,
            track_url: join(&base, "v1/track"),
            write_key,
        }
    }

    /// Sends `event` as one `track` call; `Ok` once Segment took it.
    pub async fn write(&self, event: &EventRecord) -> anyhow::Result<()> {
        let message = track_message(event)?;
        let key = self.write_key.value().await?;
        let response = self
            .http
            .post(self.track_url.clone())
            .basic_auth(key.expose(), Some(""))
            .header("content-type", "application/json")
            .body(message.to_string())
            .send()
            .await
            .map_err(|e| anyhow::anyhow!("cannot reach Segment at {}: {e}", self.track_url))?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let body: String = response
            .text()
            .await
            .unwrap_or_default()
            .chars()
            .take(200)
            .collect();
        if matches!(status.as_u16(), 401 | 403) {
            self.write_key.forget();
            anyhow::bail!(
                "Segment refused the write key ({status}: {body}); check {}: it must hold the write key of the Segment source",
                self.write_key.describe()
            );
        }
        anyhow::bail!("Segment answered {status} at {}: {body}", self.track_url)
    }
}

/// `base` + `path`, keeping a path prefix of `base` (a proxy's `/segment/`).
fn join(base: &Url, path: &str) -> Url {
    let mut base = base.clone();
    if !base.path().ends_with('/') {
        let with_slash = format!("{}/", base.path());
        base.set_path(&with_slash);
    }
    base.join(path).expect("a relative path joins")
}

/// The `track` message of an audit event.
pub fn track_message(event: &EventRecord) -> anyhow::Result<Value> {
    let properties: Value = serde_json::from_str(&event.event_json)
        .map_err(|e| anyhow::anyhow!("audit event {} is not JSON: {e}", event.id))?;
    let mut message = Map::new();
    match properties
        .pointer("/actor/user")
        .and_then(Value::as_str)
        .filter(|u| !u.is_empty())
    {
        Some(user) => message.insert("userId".into(), json!(user)),
        None => message.insert("anonymousId".into(), json!(format!("run:{}", event.run_id))),
    };
    message.insert("event".into(), json!(event.event_type));
    message.insert("messageId".into(), json!(event.id.to_string()));
    let occurred = Timestamp(u64::try_from(event.occurred_at_ms).unwrap_or_default());
    message.insert("timestamp".into(), json!(occurred.to_rfc3339()));
    message.insert(
        "context".into(),
        json!({"library": {"name": "symflow", "version": env!("CARGO_PKG_VERSION")}}),
    );
    message.insert("properties".into(), properties);
    Ok(Value::Object(message))
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn record(event_json: Value) -> EventRecord {
        EventRecord {
            position: 7,
            id: Uuid::new_v4(),
            run_id: Uuid::new_v4(),
            seq: 2,
            event_type: "request".into(),
            actor_user_id: None,
            target_id: None,
            errored: false,
            // 2022-05-10T14:47:29.442Z
            occurred_at_ms: 1_652_194_049_442,
            event_json: event_json.to_string(),
        }
    }

    #[test]
    fn a_track_message_carries_the_whole_event_its_step_its_actor_and_its_id() {
        let event = json!({
            "id": "x",
            "event": {"type": "request", "timestamp": "2022-05-10T14:47:29.442000"},
            "actor": {"user": "S-ACME:user:normal:u1:latest", "username": "alice@acme.com"},
        });
        let record = record(event.clone());
        let message = track_message(&record).unwrap();
        assert_eq!(message["userId"], "S-ACME:user:normal:u1:latest");
        assert_eq!(message["event"], "request");
        assert_eq!(message["messageId"], record.id.to_string());
        assert_eq!(message["timestamp"], "2022-05-10T14:47:29.442Z");
        assert_eq!(message["properties"], event);
        assert!(message.get("anonymousId").is_none());
    }

    #[test]
    fn an_event_without_an_actor_is_anonymous_by_run() {
        let record = record(json!({"event": {"type": "request"}}));
        let message = track_message(&record).unwrap();
        assert_eq!(message["anonymousId"], format!("run:{}", record.run_id));
        assert!(message.get("userId").is_none());
    }

    #[test]
    fn a_base_url_with_a_path_keeps_it() {
        let base = Url::parse("http://127.0.0.1:9/proxy").unwrap();
        assert_eq!(
            join(&base, "v1/track").as_str(),
            "http://127.0.0.1:9/proxy/v1/track"
        );
        let base = Url::parse(DEFAULT_BASE_URL).unwrap();
        assert_eq!(
            join(&base, "v1/track").as_str(),
            "https://api.segment.io/v1/track"
        );
    }
}
