//! The console's pages: the runs (filtered, only those the person may see), one run (its facts,
//! the buttons the flow allows this person, its timeline from the audit log, what the flow's
//! reducers and hooks decided, its errors), and the handler behind the buttons.

use std::fmt::Write as _;
use std::sync::Arc;

use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::Value;
use symflow_engine::{Action, ErrorKind, Run, RunStatus};
use symflow_store::{EventRecord, RunQuery, RunRecord, DEFAULT_TENANT};
use uuid::Uuid;

use super::access::{allowed_actions, may_view};
use super::actions::{enqueue, ConsoleClick};
use super::html::{self, esc, status_badge, time_ms};
use super::{Console, SignedIn};

/// At most this many runs are listed (newest first).
const LIST_LIMIT: usize = 200;
/// Runs read from the store per page, before hiding those the person may not see.
const SCAN_LIMIT: u32 = 2000;

pub const STATUSES: &[RunStatus] = &[
    RunStatus::Prompting,
    RunStatus::Pending,
    RunStatus::Approved,
    RunStatus::Denied,
    RunStatus::Escalated,
    RunStatus::Deescalated,
    RunStatus::Expired,
    RunStatus::Ignored,
    RunStatus::Errored,
];

/// The runs page's (and the export's) filters, as in the query string.
#[derive(Debug, Default, Deserialize, Clone)]
pub struct Filters {
    #[serde(default)]
    pub flow: String,
    #[serde(default)]
    pub status: String,
    /// The requester's e-mail.
    #[serde(default)]
    pub requester: String,
    /// `YYYY-MM-DD`, inclusive (UTC).
    #[serde(default)]
    pub from: String,
    /// `YYYY-MM-DD`, inclusive (UTC).
    #[serde(default)]
    pub to: String,
}

fn some(text: &str) -> Option<String> {
    Some(text.trim().to_string()).filter(|t| !t.is_empty())
}

impl Filters {
    /// The same filters as a query string (for the export links).
    pub fn query_string(&self) -> String {
        serde_urlencoded::to_string([
            ("flow", &self.flow),
            ("status", &self.status),
            ("requester", &self.requester),
            ("from", &self.from),
            ("to", &self.to),
        ])
        .unwrap_or_default()
    }
}

/// A run read from the store, with its engine state.
pub struct LoadedRun {
    pub record: RunRecord,
    pub run: Run,
}

/// The runs matching `filters` that `signed_in` may see, newest first.
pub async fn visible_runs(
    console: &Console,
    signed_in: &SignedIn,
    filters: &Filters,
) -> Result<Vec<LoadedRun>, String> {
    let store = console.app.store.clone();
    let filters = filters.clone();
    let records = tokio::task::spawn_blocking(move || {
        store.transaction(|tx| {
            let requester_user_id = match some(&filters.requester) {
                Some(email) => {
                    match tx.find_user_by_email(DEFAULT_TENANT, &email.to_lowercase())? {
                        Some(user) => Some(user.id),
                        None => return Ok(Vec::new()),
                    }
                }
                None => None,
            };
            tx.list_runs(&RunQuery {
                tenant: DEFAULT_TENANT.to_string(),
                flow: some(&filters.flow),
                status: some(&filters.status),
                requester_user_id,
                created_from_ms: some(&filters.from).and_then(|d| html::date_ms(&d)),
                created_until_ms: some(&filters.to)
                    .and_then(|d| html::date_ms(&d))
                    .map(|ms| ms + 86_400_000),
                limit: SCAN_LIMIT,
            })
        })
    })
    .await
    .map_err(|e| e.to_string())?
    .map_err(|e| e.to_string())?;
    Ok(records
        .into_iter()
        .filter_map(|record| {
            let run = Run::from_json(&record.state_json).ok()?;
            may_view(&run, &signed_in.actor).then_some(LoadedRun { record, run })
        })
        .take(LIST_LIMIT)
        .collect())
}

fn select(name: &str, label: &str, current: &str, options: &[(String, String)]) -> String {
    let mut html = format!(
        "<label>{label}<select name=\"{name}\" id=\"filter-{name}\"><option value=\"\">any</option>"
    );
    for (value, text) in options {
        let selected = if value == current { " selected" } else { "" };
        let _ = write!(
            html,
            "<option value=\"{}\"{selected}>{}</option>",
            esc(value),
            esc(text)
        );
    }
    html.push_str("</select></label>");
    html
}

fn requester_label(run: &Run) -> String {
    run.requester
        .as_ref()
        .map(|r| r.email.clone())
        .unwrap_or_default()
}

pub async fn runs(
    State(console): State<Arc<Console>>,
    headers: HeaderMap,
    Query(filters): Query<Filters>,
) -> Response {
    let signed_in = match console.signed_in(&headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let runs = match visible_runs(&console, &signed_in, &filters).await {
        Ok(runs) => runs,
        Err(e) => return store_failed(&e),
    };
    let flows: Vec<(String, String)> = console
        .app
        .flows
        .all()
        .map(|f| (f.name().to_string(), f.spec().display_label().to_string()))
        .collect();
    let statuses: Vec<(String, String)> = STATUSES
        .iter()
        .map(|s| (s.as_str().to_string(), s.as_str().to_string()))
        .collect();
    let mut body = String::from("<h1>Runs</h1><form class=\"filters\" method=\"get\">");
    body.push_str(&select("flow", "Flow", &filters.flow, &flows));
    body.push_str(&select("status", "State", &filters.status, &statuses));
    let _ = write!(
        body,
        "<label>Requester<input name=\"requester\" id=\"filter-requester\" type=\"email\" placeholder=\"e-mail\" value=\"{}\"></label>\
         <label>From<input name=\"from\" id=\"filter-from\" type=\"date\" value=\"{}\"></label>\
         <label>To<input name=\"to\" id=\"filter-to\" type=\"date\" value=\"{}\"></label>\
         <button class=\"primary\" id=\"apply-filters\">Filter</button><a class=\"button\" href=\"/console/runs\">Clear</a>\
         <span style=\"margin-left:auto\">Audit export: <a id=\"export-jsonl\" href=\"/console/export.jsonl?{q}\">JSON lines</a> · \
         <a id=\"export-csv\" href=\"/console/export.csv?{q}\">CSV</a></span></form>",
        esc(&filters.requester),
        esc(&filters.from),
        esc(&filters.to),
        q = esc(&filters.query_string()),
    );
    if runs.is_empty() {
        body.push_str(
            "<div class=\"notice\" id=\"no-runs\">No runs you may see match these filters.</div>",
        );
    } else {
        body.push_str(
            "<table id=\"runs\"><thead><tr><th>Requested</th><th>Flow</th><th>Requester</th>\
             <th>State</th><th>Reason / target</th><th>Run</th></tr></thead><tbody>",
        );
        for LoadedRun { record, run } in &runs {
            let label = console
                .app
                .flows
                .get(&record.flow)
                .map(|f| f.spec().display_label().to_string())
                .unwrap_or_else(|| record.flow.clone());
            let reason = run
                .fields
                .get("reason")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let target = run.target_id.as_deref().unwrap_or_default();
            let _ = write!(
                body,
                "<tr class=\"run\" data-run=\"{id}\" data-flow=\"{flow}\"><td>{time}</td><td>{label}</td><td>{req}</td>\
                 <td>{status}</td><td>{reason}{sep}{target}</td><td><a href=\"/console/runs/{id}\">{short}…</a></td></tr>",
                id = record.id,
                flow = esc(&record.flow),
                time = time_ms(record.created_at_ms),
                label = esc(&label),
                req = esc(&requester_label(run)),
                status = status_badge(&record.status),
                reason = esc(reason),
                sep = if !reason.is_empty() && !target.is_empty() { " · " } else { "" },
                target = esc(target),
                short = &record.id.to_string()[..8],
            );
        }
        body.push_str("</tbody></table>");
        let _ = write!(
            body,
            "<p class=\"muted\">{} run(s), newest first{}.</p>",
            runs.len(),
            if runs.len() == LIST_LIMIT {
                "; narrow the filters to see older ones"
            } else {
                ""
            }
        );
    }
    html::page("Runs", Some(&signed_in.header()), &body)
}

fn store_failed(error: &str) -> Response {
    tracing::error!("the console cannot read the store: {error}");
    let body = "<div class=\"error\">symflow cannot read its store right now. Try again in a moment; if it persists, look at the server's log.</div>";
    (
        StatusCode::SERVICE_UNAVAILABLE,
        html::page("Store unavailable", None, body),
    )
        .into_response()
}

fn not_found(signed_in: &SignedIn) -> Response {
    let body = "<div class=\"error\" id=\"not-found\">There is no run with this id that you may see. \
                Each flow decides who sees its runs (<code>get_permissions</code> → <code>webapp_view</code>).</div>\
                <p><a href=\"/console/runs\">Back to the runs</a></p>";
    (
        StatusCode::NOT_FOUND,
        html::page("Run not found", Some(&signed_in.header()), body),
    )
        .into_response()
}

/// A run and its events, if it exists and `signed_in` may see it.
async fn load_run(
    console: &Console,
    signed_in: &SignedIn,
    id: Uuid,
) -> Result<Option<(LoadedRun, Vec<EventRecord>)>, String> {
    let store = console.app.store.clone();
    let loaded = tokio::task::spawn_blocking(move || {
        store.transaction(|tx| {
            let Some(record) = tx.get_run(id)? else {
                return Ok(None);
            };
            let events = tx.events_for_run(id)?;
            Ok(Some((record, events)))
        })
    })
    .await
    .map_err(|e| e.to_string())?
    .map_err(|e: symflow_store::Error| e.to_string())?;
    let Some((record, events)) = loaded else {
        return Ok(None);
    };
    let run = Run::from_json(&record.state_json).map_err(|e| e.to_string())?;
    if !may_view(&run, &signed_in.actor) {
        return Ok(None);
    }
    Ok(Some((LoadedRun { record, run }, events)))
}

#[derive(Deserialize, Default)]
pub struct RunPageQuery {
    /// The action just sent, for the notice at the top.
    #[serde(default)]
    sent: String,
}

fn json_pre(value: &Value) -> String {
    format!(
        "<pre>{}</pre>",
        esc(&serde_json::to_string_pretty(value).unwrap_or_default())
    )
}

fn actor_cell(event: &Value) -> String {
    let name = event
        .pointer("/actor/name")
        .and_then(Value::as_str)
        .filter(|n| !n.is_empty());
    let username = event
        .pointer("/actor/username")
        .and_then(Value::as_str)
        .unwrap_or_default();
    match name {
        Some(name) => format!(
            "{} <span class=\"muted\">{}</span>",
            esc(name),
            esc(username)
        ),
        None => esc(username),
    }
}

pub async fn run(
    State(console): State<Arc<Console>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(query): Query<RunPageQuery>,
) -> Response {
    let signed_in = match console.signed_in(&headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let Ok(id) = Uuid::parse_str(&id) else {
        return not_found(&signed_in);
    };
    let (LoadedRun { record, run }, events) = match load_run(&console, &signed_in, id).await {
        Ok(Some(found)) => found,
        Ok(None) => return not_found(&signed_in),
        Err(e) => return store_failed(&e),
    };
    let flow = console.app.flows.get(&record.flow).cloned();
    let label = flow
        .as_ref()
        .map(|f| f.spec().display_label().to_string())
        .unwrap_or_else(|| record.flow.clone());
    let mut body = format!(
        "<p><a href=\"/console/runs\">← Runs</a></p><h1>{} <span id=\"run-status\">{}</span></h1>",
        esc(&label),
        status_badge(run.status.as_str())
    );
    if let Some(action) = ["approve", "deny", "revoke"]
        .into_iter()
        .find(|a| *a == query.sent)
    {
        let _ = write!(
            body,
            "<div class=\"notice\" id=\"sent\">Your {action} was recorded and is being processed; \
             the flow's hooks run and the Slack card is updated. Reload to see the result.</div>"
        );
    }

    // Facts.
    body.push_str("<div class=\"card\"><dl class=\"facts\">");
    let mut fact = |name: &str, value: String| {
        let _ = write!(body, "<dt>{name}</dt><dd>{value}</dd>");
    };
    fact("Run", format!("<code>{}</code>", record.id));
    fact("Flow", format!("<code>{}</code>", esc(&record.flow)));
    fact(
        "Requester",
        esc(&run
            .requester
            .as_ref()
            .map(|r| format!("{} ({})", r.name, r.email))
            .unwrap_or_default()),
    );
    fact("Requested", time_ms(record.created_at_ms));
    for (name, value) in &run.fields {
        let text = match value {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        fact(&format!("Field <code>{}</code>", esc(name)), esc(&text));
    }
    if let Some(target) = &run.target_id {
        fact("Target", esc(target));
    }
    if let Some(approver) = run.approver() {
        fact("Approved by", esc(&approver.email));
    }
    if let Some(msg) = &run.decision_message {
        fact("Decision message", esc(msg));
    }
    if let Some(at) = run.expires_at {
        fact("Access ends", time_ms(at.0 as i64));
    }
    body.push_str("</dl></div>");

    // Buttons.
    let actions = flow
        .as_ref()
        .map(|f| allowed_actions(f.spec(), &run, &signed_in.actor))
        .unwrap_or_default();
    if actions.is_empty() {
        body.push_str(
            "<p class=\"muted\" id=\"no-actions\">Nothing you can do with this run now.</p>",
        );
    } else {
        let _ = write!(
            body,
            "<form method=\"post\" action=\"/console/runs/{}/act\" class=\"card actions\" id=\"actions\">\
             <input type=\"hidden\" name=\"csrf\" value=\"{}\">\
             <label>Message (optional)<input name=\"message\" id=\"decision-message\" size=\"40\"></label>",
            record.id,
            esc(&signed_in.session.csrf)
        );
        for action in &actions {
            let (text, class) = match action {
                Action::Approve => ("Approve", "primary"),
                Action::Deny => ("Deny", "danger"),
                Action::Revoke => ("Revoke", "danger"),
            };
            let _ = write!(
                body,
                "<button name=\"action\" value=\"{0}\" id=\"action-{0}\" class=\"{class}\">{text}</button>",
                action.as_str()
            );
        }
        body.push_str("</form>");
    }

    // Timeline.
    body.push_str(
        "<h2>Timeline</h2><table id=\"timeline\"><thead><tr><th>#</th><th>When</th><th>Event</th>\
         <th>Actor</th><th>Channel</th><th>Outcome</th><th>Event JSON</th></tr></thead><tbody>",
    );
    for event in &events {
        let json: Value = serde_json::from_str(&event.event_json).unwrap_or(Value::Null);
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
        let outcome = if event.errored {
            format!("{} {}", status_badge("error"), esc(&errors.join("; ")))
        } else {
            "ok".to_string()
        };
        let _ = write!(
            body,
            "<tr class=\"event\" data-type=\"{ty}\"><td>{seq}</td><td>{when}</td><td><b>{ty}</b></td><td>{actor}</td>\
             <td>{channel}</td><td>{outcome}</td><td><details><summary>show</summary>{json}</details></td></tr>",
            ty = esc(&event.event_type),
            seq = event.seq,
            when = time_ms(event.occurred_at_ms),
            actor = actor_cell(&json),
            channel = esc(json.pointer("/event/channel").and_then(Value::as_str).unwrap_or_default()),
            json = json_pre(&json),
        );
    }
    body.push_str("</tbody></table>");

    // What the flow decided: reducers and hook/strategy outputs.
    body.push_str("<h2>What the flow decided</h2><div class=\"card\"><dl class=\"facts\">");
    match &run.approval_rule {
        Some(rule) => {
            let _ = write!(
                body,
                "<dt>get_permissions</dt><dd>webapp_view <code>{}</code>, approve_deny <code>{}</code>, self-approval <code>{:?}</code> <span class=\"muted\">({:?})</span></dd>",
                esc(&serde_json::to_string(&rule.webapp_view).unwrap_or_default()),
                esc(&serde_json::to_string(&rule.approve_deny).unwrap_or_default()),
                rule.self_approval,
                rule.origin,
            );
        }
        None => body.push_str("<dt>get_permissions</dt><dd class=\"muted\">not decided yet</dd>"),
    }
    if !run.notifications.is_empty() {
        let _ = write!(
            body,
            "<dt>notifications</dt><dd>{}</dd>",
            json_pre(&serde_json::to_value(&run.notifications).unwrap_or(Value::Null))
        );
    }
    for step in &run.history {
        if let Some(output) = &step.output {
            let _ = write!(
                body,
                "<dt>{} output</dt><dd>{}</dd>",
                esc(step.event.as_str()),
                json_pre(output)
            );
        }
    }
    for (step, output) in &run.step_outputs {
        let _ = write!(
            body,
            "<dt>{} result</dt><dd>{}</dd>",
            esc(step),
            json_pre(output)
        );
    }
    if let Some(msg) = &run.ignore_message {
        let _ = write!(body, "<dt>ignored</dt><dd>{}</dd>", esc(msg));
    }
    body.push_str("</dl></div>");

    // Errors, sandbox limits first.
    if !run.errors.is_empty() || !run.delivery_failures.is_empty() {
        body.push_str("<h2>Errors</h2>");
        for error in &run.errors {
            let sandbox = error.kind == Some(ErrorKind::Sandbox);
            let _ = write!(
                body,
                "<div class=\"error run-error\"><b>{}{}</b> <span class=\"muted\">at {} in <code>{}</code></span><pre>{}</pre></div>",
                if sandbox { "Sandbox limit hit: " } else { "" },
                esc(&error.headline),
                time_ms(error.at.0 as i64),
                esc(error.step.as_str()),
                esc(&error.message),
            );
        }
        for failure in &run.delivery_failures {
            let _ = write!(
                body,
                "<div class=\"error\">Slack delivery failed: {}</div>",
                json_pre(&serde_json::to_value(failure).unwrap_or(Value::Null))
            );
        }
    }
    html::page(&label, Some(&signed_in.header()), &body)
}

#[derive(Deserialize)]
pub struct ActForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    message: String,
}

pub async fn act(
    State(console): State<Arc<Console>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<ActForm>,
) -> Response {
    let signed_in = match console.signed_in_form(&headers, &form.csrf).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let Ok(id) = Uuid::parse_str(&id) else {
        return not_found(&signed_in);
    };
    let action = match form.action.as_str() {
        "approve" => Action::Approve,
        "deny" => Action::Deny,
        "revoke" => Action::Revoke,
        _ => return super::forbidden("Unknown action; use the buttons on the run's page."),
    };
    let (LoadedRun { record, run }, _) = match load_run(&console, &signed_in, id).await {
        Ok(Some(found)) => found,
        Ok(None) => return not_found(&signed_in),
        Err(e) => return store_failed(&e),
    };
    let allowed = console
        .app
        .flows
        .get(&record.flow)
        .is_some_and(|f| allowed_actions(f.spec(), &run, &signed_in.actor).contains(&action));
    if !allowed {
        return super::forbidden(&format!(
            "You may not {} this request now: the flow's permissions do not allow it, or the run is {}.",
            action.as_str(),
            run.status.as_str()
        ));
    }
    let click = ConsoleClick {
        user_id: signed_in.session.user_id,
        run_id: id,
        action,
        decision_message: some(&form.message),
    };
    if let Err(e) = enqueue(&console.app, click).await {
        return store_failed(&e.to_string());
    }
    Redirect::to(&format!("/console/runs/{id}?sent={}", action.as_str())).into_response()
}
