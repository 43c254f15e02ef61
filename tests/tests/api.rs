//! The Events API (`/api/v1`, spec §4.7) end to end: bearer tokens (issued, expired,
//! revoked), a request by API whose approval card goes to the fake Slack and is approved
//! with a signed click, `GET /runs/{id}` and `GET /events/{id}`, deescalation by API,
//! `allowed_sources`, bad input; and log destinations (an HTTP receiver that refuses its
//! first deliveries and sees a restart, and a JSON-lines file).

use std::collections::BTreeSet;
use std::time::Duration;

use serde_json::{json, Value};
use symflow_config::RequestSource;
use symflow_e2e::api::{config_with_log_destinations, ApiClient, Receiver};
use symflow_e2e::{breakglass_fields, people::*, Harness, Setup};
use symflow_engine::{DeescalateType, RunStatus};
use symflow_store::DEFAULT_TENANT;
use uuid::Uuid;

fn request_body(reason: &str) -> Value {
    json!({
        "flow_srn": "breakglass",
        "flow_inputs": { "reason": reason, "duration": "1h" },
        "context": { "pipeline": "deploy-4211" },
        "user_email": ALICE_EMAIL,
    })
}

fn uuid_of(value: &Value) -> Uuid {
    Uuid::parse_str(value.as_str().expect("a string id")).expect("a UUID")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_are_hashed_at_rest_and_missing_unknown_expired_or_revoked_ones_get_401() {
    let h = Harness::start("e2e", Setup::default()).await;
    let some_run = format!("/runs/{}", Uuid::new_v4());

    let anonymous = ApiClient::new(&h, None).get(&some_run).await;
    assert_eq!(anonymous.status, 401);
    assert_eq!(anonymous.body["error"], "unauthorized");
    assert!(
        anonymous.body["message"]
            .as_str()
            .unwrap()
            .contains("Authorization: Bearer"),
        "{:?}",
        anonymous.body
    );

    let unknown = h.api("symflow_not-a-token").get(&some_run).await;
    assert_eq!(unknown.status, 401);
    assert!(unknown.body["message"]
        .as_str()
        .unwrap()
        .contains("symflow tokens issue"));

    let token = h.issue_token("ci", Some(Duration::from_secs(3600)));
    let ok = h.api(&token).get(&some_run).await;
    assert_eq!(ok.status, 404, "a good token gets past: {:?}", ok.body);
    assert_eq!(ok.body["error"], "not_found");

    // At rest: the hash, never the token.
    let stored = h.read(|tx| tx.list_api_tokens(DEFAULT_TENANT));
    assert_eq!(stored.len(), 1);
    assert_eq!(
        stored[0].token_hash,
        symflow_server::api::tokens::hash_token(&token)
    );
    // Everything the database holds, as bytes: the SQLite files, or every row of the tables
    // on PostgreSQL.
    let held: Vec<Vec<u8>> = match h.database.url() {
        None => vec![
            std::fs::read(h.data_dir.path().join(symflow_store::DATABASE_FILE_NAME)).unwrap(),
            std::fs::read(h.data_dir.path().join("symflow.db-wal")).unwrap_or_default(),
        ],
        Some(url) => symflow_e2e::blocking(|| {
            let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
            ["api_tokens", "api_events", "users", "events"]
                .iter()
                .map(|table| {
                    let dump: Option<String> = client
                        .query_one(
                            &format!("SELECT string_agg(t::text, ' ') FROM {table} t"),
                            &[],
                        )
                        .unwrap()
                        .get(0);
                    dump.unwrap_or_default().into_bytes()
                })
                .collect()
        }),
    };
    assert!(held.iter().any(|bytes| bytes
        .windows(stored[0].token_hash.len())
        .any(|w| w == stored[0].token_hash.as_bytes())));
    for bytes in &held {
        assert!(
            !bytes.windows(token.len()).any(|w| w == token.as_bytes()),
            "the token itself is not in the database"
        );
    }

    let short = h.issue_token("short-lived", Some(Duration::from_millis(1)));
    tokio::time::sleep(Duration::from_millis(20)).await;
    let expired = h.api(&short).get(&some_run).await;
    assert_eq!(expired.status, 401);
    assert!(
        expired.body["message"]
            .as_str()
            .unwrap()
            .contains("expired"),
        "{:?}",
        expired.body
    );

    let store = h.store();
    symflow_e2e::blocking(|| symflow_server::api::tokens::revoke(&store, "ci")).unwrap();
    let revoked = h.api(&token).get(&some_run).await;
    assert_eq!(revoked.status, 401);
    assert!(
        revoked.body["message"]
            .as_str()
            .unwrap()
            .contains("revoked"),
        "{:?}",
        revoked.body
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_by_api_is_approved_in_slack_then_deescalated_by_api() {
    let h = Harness::start("e2e", Setup::default()).await;
    let api = h.api(&h.issue_token("ci", None));

    let accepted = api
        .post("/events/request", &request_body("deploy 4211"))
        .await;
    assert_eq!(accepted.status, 202, "{:?}", accepted.body);
    assert_eq!(accepted.body["status"], "pending");
    let run = uuid_of(&accepted.body["run_id"]);
    let request_event = accepted.body["event_id"].as_str().unwrap().to_string();

    // The same path as Slack: the approval card goes to the flow's channel.
    let card = h.card(run).await;
    assert_eq!(card.0, "#sym-requests");
    assert!(h.card_text(&card).contains("deploy 4211"));
    let event = api.wait_event(&request_event).await;
    assert_eq!(event["status"], "success", "{event:?}");
    assert_eq!(event["type"], "request");
    assert_eq!(uuid_of(&event["run_id"]), run);

    let pending = api.get(&format!("/runs/{run}")).await;
    assert_eq!(pending.status, 200);
    assert_eq!(pending.body["status"], "pending");
    assert_eq!(pending.body["requester"]["email"], ALICE_EMAIL);
    assert_eq!(pending.body["flow"], "breakglass");
    let stored = h.run(run);
    assert_eq!(
        stored.contexts["request"]["pipeline"], "deploy-4211",
        "the API context reaches the run"
    );
    let request_audit: Value =
        serde_json::from_str(&h.events(run)[0].event_json).expect("audit JSON");
    assert_eq!(request_audit["event"]["type"], "request");
    assert_eq!(
        request_audit["event"]["channel"], "sym",
        "an API event's channel is `sym`, as in Sym"
    );

    assert_eq!(h.click(BOB, run, "symflow_approve").await, 200);
    h.wait_status(run, RunStatus::Escalated).await;
    let escalated = api.get(&format!("/runs/{run}")).await;
    assert_eq!(escalated.body["status"], "escalated");
    let types: Vec<&str> = escalated.body["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["request", "approve", "escalate"]);

    let deescalate = api
        .post("/events/deescalate", &json!({ "run_id": run }))
        .await;
    assert_eq!(deescalate.status, 202, "{:?}", deescalate.body);
    let done = api
        .wait_event(deescalate.body["event_id"].as_str().unwrap())
        .await;
    assert_eq!(done["status"], "success", "{done:?}");
    let ended = h.wait_status(run, RunStatus::Deescalated).await;
    assert_eq!(ended.deescalate_type, Some(DeescalateType::Revoke));
    assert_eq!(ended.step_outputs["deescalate"]["revoked"], "alice@prod-db");
    assert_eq!(
        api.get(&format!("/runs/{run}")).await.body["status"],
        "deescalated"
    );

    let again = api
        .post("/events/deescalate", &json!({ "run_id": run }))
        .await;
    assert_eq!(again.status, 409);
    assert!(
        again.body["message"]
            .as_str()
            .unwrap()
            .contains("is deescalated"),
        "{:?}",
        again.body
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flow_that_does_not_allow_api_requests_refuses_with_403_and_says_why() {
    let mut h = Harness::start("e2e", Setup::default()).await;
    h.restart_with_config(|config| {
        let flow = config
            .flows
            .values_mut()
            .find(|f| f.name == "breakglass")
            .expect("the breakglass flow");
        flow.params.allowed_sources = Some(vec![RequestSource::Slack]);
    })
    .await;
    let api = h.api(&h.issue_token("ci", None));
    let refused = api
        .post("/events/request", &request_body("not from here"))
        .await;
    assert_eq!(refused.status, 403, "{:?}", refused.body);
    assert_eq!(refused.body["error"], "forbidden");
    let message = refused.body["message"].as_str().unwrap();
    assert!(
        message.contains("allowed_sources") && message.contains("the API"),
        "{message}"
    );
    assert!(
        h.outbox_items().iter().all(|i| !i.kind.starts_with("api.")),
        "nothing was promised"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_are_refused_with_what_to_fix() {
    let h = Harness::start("e2e", Setup::default()).await;
    let api = h.api(&h.issue_token("ci", None));

    let missing = api
        .post(
            "/events/request",
            &json!({ "flow_srn": "breakglass", "flow_inputs": { "duration": "1h" }, "user_email": ALICE_EMAIL }),
        )
        .await;
    assert_eq!(missing.status, 400);
    assert!(
        missing.body["fields"]["reason"].is_string(),
        "{:?}",
        missing.body
    );

    let duration = api
        .post(
            "/events/request",
            &json!({ "flow_srn": "breakglass", "flow_inputs": { "reason": "x", "duration": "7d" }, "user_email": ALICE_EMAIL }),
        )
        .await;
    assert_eq!(duration.status, 400);
    assert!(
        duration.body["fields"]["duration"].is_string(),
        "{:?}",
        duration.body
    );

    let no_flow = api
        .post(
            "/events/request",
            &json!({ "flow_srn": "s-e2e:flow:nope:latest", "user_email": ALICE_EMAIL }),
        )
        .await;
    assert_eq!(no_flow.status, 404);
    assert!(no_flow.body["message"]
        .as_str()
        .unwrap()
        .contains("breakglass"));

    let nobody = api
        .post(
            "/events/request",
            &json!({ "flow_srn": "breakglass", "flow_inputs": { "reason": "x", "duration": "1h" }, "user_email": "nobody@example.com" }),
        )
        .await;
    assert_eq!(nobody.status, 404);
    assert!(nobody.body["message"]
        .as_str()
        .unwrap()
        .contains("nobody@example.com"));

    let not_json = api.post("/events/deescalate", &json!("run")).await;
    assert_eq!(not_json.status, 400);
    let not_a_run = api
        .post("/events/deescalate", &json!({ "run_id": Uuid::new_v4() }))
        .await;
    assert_eq!(not_a_run.status, 404);
    let bad_id = api.get("/events/not-a-uuid").await;
    assert_eq!(bad_id.status, 400);
    let unknown = api.get("/nothing/here").await;
    assert_eq!(unknown.status, 404);
    assert!(unknown.body["message"]
        .as_str()
        .unwrap()
        .contains("openapi.json"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_accepted_api_request_survives_a_stop_right_after_the_answer() {
    let mut h = Harness::start("e2e", Setup::default()).await;
    let token = h.issue_token("ci", None);
    let accepted = h
        .api(&token)
        .post("/events/request", &request_body("across a restart"))
        .await;
    assert_eq!(accepted.status, 202);
    let run = uuid_of(&accepted.body["run_id"]);
    h.stop().await;
    h.start_again().await;
    h.wait_status(run, RunStatus::Pending).await;
    let event = h
        .api(&token)
        .wait_event(accepted.body["event_id"].as_str().unwrap())
        .await;
    assert_eq!(event["status"], "success");
    assert_eq!(h.event_types(run), ["request"], "requested exactly once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_audit_event_reaches_the_http_receiver_and_the_file_across_failures_and_a_restart() {
    let mut h = Harness::start("e2e", Setup::default()).await;
    let receiver = Receiver::start().await;
    receiver.refuse_next(3);
    let file = h.data_dir.path().join("audit").join("events.jsonl");
    let (_copy, config) = config_with_log_destinations(&receiver.url, &file);
    h.restart_with_config(|c| *c = config.clone()).await;

    let run = h
        .request(ALICE, "breakglass", &breakglass_fields("logs", "1h"))
        .await;
    assert_eq!(h.click(BOB, run, "symflow_approve").await, 200);
    h.wait_status(run, RunStatus::Escalated).await;
    let ids =
        |h: &Harness| -> Vec<String> { h.events(run).iter().map(|e| e.id.to_string()).collect() };
    let before = ids(&h);
    assert_eq!(before.len(), 4, "prompt, request, approve, escalate");
    receiver.wait_for_ids(&before).await;
    assert!(
        receiver.attempts() >= before.len() + 3,
        "the refused attempts were retried"
    );

    // The receiver goes down; access is revoked; symflow stops before it can deliver.
    receiver.refuse_next(usize::MAX);
    assert_eq!(h.click(ALICE, run, "symflow_revoke").await, 200);
    h.wait_status(run, RunStatus::Deescalated).await;
    h.stop().await;
    receiver.refuse_next(0);
    h.start_again().await;

    let all = ids(&h);
    assert_eq!(all.len(), 5);
    let delivered = receiver.wait_for_ids(&all).await;
    // At least once, with ids to drop repeats by; in the log's order.
    let mut first_seen = Vec::new();
    for d in &delivered {
        assert_eq!(d.event["id"], d.key.as_str(), "the body carries the id");
        if !first_seen.contains(&d.key) {
            first_seen.push(d.key.clone());
        }
    }
    assert_eq!(first_seen, all, "each event, in order");
    let deescalate = &delivered.iter().find(|d| d.key == all[4]).unwrap().event;
    assert_eq!(deescalate["event"]["type"], "deescalate");
    assert_eq!(deescalate["fields"]["deescalate_type"], "revoke");

    // The file: one JSON object per line, the same events.
    let deadline = tokio::time::Instant::now() + symflow_e2e::PATIENCE;
    loop {
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        let lines: Vec<Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).expect("each line is JSON"))
            .collect();
        let seen: BTreeSet<String> = lines
            .iter()
            .map(|v| v["id"].as_str().unwrap().to_string())
            .collect();
        if all.iter().all(|id| seen.contains(id)) {
            assert!(lines
                .iter()
                .all(|l| l["meta"]["schema_version"].is_number()));
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the file never had every event: {text}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
