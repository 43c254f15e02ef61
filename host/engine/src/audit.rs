//! Audit events in Sym's reporting shape (spec §7): one JSON object per processed
//! event, for the store's append-only log and the log destinations. The same shape is
//! the payload an AWS Lambda strategy receives, so [`event_json`] is public.

use serde_json::{json, Map, Value};

use crate::effects::EventInfo;
use crate::flow::FlowError;
use crate::run::Run;
use crate::spec::{Actor, FlowSpec, TEMPLATE_SRN};

/// Reporting schema version Sym's payloads carry.
pub const SCHEMA_VERSION: u64 = 6;

/// `ACTOR` of spec §7.
pub fn actor_json(spec: &FlowSpec, actor: &Actor) -> Value {
    let identity = match &actor.slack_user_id {
        Some(user_id) => json!({
            "service": "slack",
            "external_id": actor.slack_team_id.clone().unwrap_or_default(),
            "user_id": user_id,
        }),
        None => Value::Null,
    };
    json!({
        "user": format!("{}:user:normal:{}:latest", spec.org(), actor.user_id),
        "name": actor.name,
        "username": actor.username,
        "identity": identity,
    })
}

/// The audit event for `event` of `run`. `error` marks a failed event
/// (`state.status = "error"`); otherwise the event succeeded. The id is
/// `<run id>:<run.audit_seq>`: the machine bumps `audit_seq` before calling this.
pub fn event_json(
    spec: &FlowSpec,
    run: &Run,
    event: &EventInfo,
    error: Option<&FlowError>,
) -> Value {
    let actors: Map<String, Value> = run
        .actors
        .iter()
        .map(|(name, actor)| (name.clone(), actor_json(spec, actor)))
        .collect();
    let errors: Vec<Value> = error
        .map(|e| vec![Value::String(e.headline())])
        .unwrap_or_default();
    let step = event.name.as_str();
    json!({
        "id": format!("{}:{}", run.id, run.audit_seq),
        "meta": { "schema_version": SCHEMA_VERSION },
        "type": "event",
        "state": {
            "status": if error.is_some() { "error" } else { "success" },
            "errors": errors,
        },
        "run": {
            "srn": spec.run_srn(&run.id),
            "parent": Value::Null,
            "flow": spec.srn,
            "status": run.status.as_str(),
            "actors": actors,
        },
        "event": {
            "srn": format!("sym:event-spec:approval:1.0.0:{step}"),
            "type": step,
            "template": TEMPLATE_SRN,
            "timestamp": event.timestamp.to_sym_iso(),
            "channel": event.channel.as_str(),
        },
        "actor": actor_json(spec, &event.actor),
        "fields": Value::Object(event.fields.clone()),
    })
}
