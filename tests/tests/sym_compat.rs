//! Sym users' configurations served end to end (`tests/envs/sym_compat`): the request context
//! a CI pipeline sends with an Events API request reaches the flow's hooks, and a request
//! without one gives them `{}`, as Sym's `event.get_context("request")` does.

use serde_json::json;
use symflow_e2e::{people::*, Harness, Setup};
use symflow_engine::{ChannelType, RunStatus, Step};
use uuid::Uuid;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_request_context_of_the_events_api_reaches_hooks_and_is_empty_when_absent() {
    let h = Harness::start("sym_compat/request_context", Setup::default()).await;
    let api = h.api(&h.issue_token("ci", None));

    // A deploy whose diff touches no Terraform: `on_request` reads the context and approves.
    let accepted = api
        .post(
            "/events/request",
            &json!({
                "flow_srn": "approve-deploy",
                "flow_inputs": { "job": "deploy-prod" },
                "context": { "pipeline": "deploy-4211", "diff": "src/app.py\nREADME.md" },
                "user_email": ALICE_EMAIL,
            }),
        )
        .await;
    assert_eq!(accepted.status, 202, "{:?}", accepted.body);
    let run = Uuid::parse_str(accepted.body["run_id"].as_str().unwrap()).unwrap();
    let approved = h
        .wait_run(run, "approved by on_request", |r| {
            r.history.iter().any(|s| s.event == Step::Approve)
        })
        .await;
    let approve = approved
        .history
        .iter()
        .find(|s| s.event == Step::Approve)
        .unwrap();
    assert_eq!(approve.channel, ChannelType::Sdk, "the hook approved");
    assert_eq!(
        approved.decision_message.as_deref(),
        Some("No Terraform changes in deploy-4211"),
        "the hook saw the context's pipeline"
    );

    // Without a context (absent, or null): `{}`, so `context.get(...)` works and no human
    // approval is skipped by accident.
    for body in [
        json!({
            "flow_srn": "approve-deploy",
            "flow_inputs": { "job": "deploy-staging" },
            "user_email": ALICE_EMAIL,
        }),
        json!({
            "flow_srn": "approve-deploy",
            "flow_inputs": { "job": "deploy-staging" },
            "context": null,
            "user_email": ALICE_EMAIL,
        }),
    ] {
        let accepted = api.post("/events/request", &body).await;
        assert_eq!(accepted.status, 202, "{:?}", accepted.body);
        let run = Uuid::parse_str(accepted.body["run_id"].as_str().unwrap()).unwrap();
        h.wait_status(run, RunStatus::Pending).await;
        h.wait_message("#deploy-approvals", "context keys: []")
            .await;
        assert_ne!(h.run(run).status, RunStatus::Errored);
    }
    assert!(
        h.slack.messages_in("#sym-errors").is_empty(),
        "no hook failed: {:?}",
        h.slack.messages_in("#sym-errors")
    );
}
