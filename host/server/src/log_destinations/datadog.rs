//! The `datadog` log destination: each audit event is one entry of Datadog's Logs intake API
//! (`POST /api/v2/logs`, the API key in `DD-API-KEY`), so audit events can be searched and
//! alerted on in Datadog without the Firehose relay Sym's own recipe needs.
//!
//! The entry is the audit event's own attributes (spec §7: `id`, `run`, `event`, `actor`,
//! `fields`, ...) plus Datadog's `ddsource` / `service` = `symflow`, `ddtags` with the step,
//! and a one-line `message`.

use serde_json::{json, Value};
use symflow_store::EventRecord;
use url::Url;

use super::secret_key::SecretKey;

/// Datadog's US1 intake, unless `SYMFLOW_DATADOG_API_URL` names another site's
/// (`https://http-intake.logs.datadoghq.eu`, ...).
pub const DEFAULT_BASE_URL: &str = "https://http-intake.logs.datadoghq.com";

/// Sends events to one Datadog organisation.
pub struct DatadogWriter {
    http: reqwest::Client,
    logs_url: Url,
    api_key: SecretKey,
}

impl DatadogWriter {
    /// A writer to `base` (default [`DEFAULT_BASE_URL`]) with the API key `api_key`.
    pub fn new(http: reqwest::Client, base: Option<Url>, api_key: SecretKey) -> Self {
        let base = base.unwrap_or_else(|| Url::parse(DEFAULT_BASE_URL).expect("a valid URL"));
        DatadogWriter {
            http,
            logs_url: logs_url(base),
            api_key,
        }
    }

    /// Sends `event` as one log entry; `Ok` once Datadog took it.
    pub async fn write(&self, event: &EventRecord) -> anyhow::Result<()> {
        let entry = log_entry(event)?;
        let key = self.api_key.value().await?;
        let mut api_key = reqwest::header::HeaderValue::from_str(key.expose())
            .map_err(|_| anyhow::anyhow!("{} is not a valid API key", self.api_key.describe()))?;
        api_key.set_sensitive(true);
        let response = self
            .http
            .post(self.logs_url.clone())
            .header("dd-api-key", api_key)
            .header("content-type", "application/json")
            .body(json!([entry]).to_string())
            .send()
            .await
            .map_err(|e| anyhow::anyhow!("cannot reach Datadog at {}: {e}", self.logs_url))?;
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
            self.api_key.forget();
            anyhow::bail!(
                "Datadog refused the API key ({status}: {body}); check {}: it must hold an API key of the Datadog site SYMFLOW_DATADOG_API_URL points at (default US1)",
                self.api_key.describe()
            );
        }
        anyhow::bail!("Datadog answered {status} at {}: {body}", self.logs_url)
    }
}

/// `base` + `/api/v2/logs`, keeping a path prefix of `base` (a proxy's `/datadog`).
fn logs_url(mut base: Url) -> Url {
    let path = format!("{}/api/v2/logs", base.path().trim_end_matches('/'));
    base.set_path(&path);
    base
}

/// The Logs intake entry of an audit event.
pub fn log_entry(event: &EventRecord) -> anyhow::Result<Value> {
    let Value::Object(mut entry) = serde_json::from_str(&event.event_json)
        .map_err(|e| anyhow::anyhow!("audit event {} is not JSON: {e}", event.id))?
    else {
        anyhow::bail!("audit event {} is not a JSON object", event.id);
    };
    let flow = entry
        .get("run")
        .and_then(|run| run.get("flow"))
        .and_then(Value::as_str)
        .unwrap_or("an unknown flow")
        .to_string();
    entry.insert("ddsource".into(), json!("symflow"));
    entry.insert("service".into(), json!("symflow"));
    entry.insert(
        "ddtags".into(),
        json!(format!("sym_event:{}", event.event_type)),
    );
    entry.insert(
        "message".into(),
        json!(format!(
            "sym {} event of run {} ({flow})",
            event.event_type, event.run_id
        )),
    );
    Ok(Value::Object(entry))
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    #[test]
    fn an_entry_is_the_event_with_datadogs_reserved_attributes() {
        let event = json!({"id": "e1", "run": {"flow": "S-ACME:flow:breakglass:latest"}, "fields": {"reason": "r"}});
        let record = EventRecord {
            position: 1,
            id: Uuid::new_v4(),
            run_id: Uuid::new_v4(),
            seq: 1,
            event_type: "approve".into(),
            actor_user_id: None,
            target_id: None,
            errored: false,
            occurred_at_ms: 0,
            event_json: event.to_string(),
        };
        let mut entry = log_entry(&record).unwrap();
        assert_eq!(entry["ddsource"], "symflow");
        assert_eq!(entry["ddtags"], "sym_event:approve");
        assert!(entry["message"]
            .as_str()
            .unwrap()
            .contains("S-ACME:flow:breakglass:latest"));
        for reserved in ["ddsource", "service", "ddtags", "message"] {
            entry.as_object_mut().unwrap().remove(reserved);
        }
        assert_eq!(entry, event, "every attribute of the event is kept");
    }

    #[test]
    fn the_logs_path_is_added_to_the_base_url() {
        let url = |base: &str| logs_url(Url::parse(base).unwrap()).to_string();
        assert_eq!(
            url(DEFAULT_BASE_URL),
            "https://http-intake.logs.datadoghq.com/api/v2/logs"
        );
        assert_eq!(url("http://127.0.0.1:9/"), "http://127.0.0.1:9/api/v2/logs");
        assert_eq!(
            url("http://127.0.0.1:9/dd"),
            "http://127.0.0.1:9/dd/api/v2/logs"
        );
    }
}
