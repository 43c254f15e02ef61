//! The Events API against its own OpenAPI document (`GET /api/v1/openapi.json`), checked by
//! schemathesis (PyPI; `.ci/run` installs it): generated requests, valid and invalid, for
//! every operation, and every response checked against the documented status codes, content
//! types and schemas; no 5xx; auth enforced. The run is bounded (a fixed seed, a few
//! examples per operation) to keep CI short.
//!
//! Chosen over validating responses with a JSON-schema crate because schemathesis also
//! generates the requests (including malformed ones) instead of checking only the ones the
//! other tests happen to send.

use std::process::Command;

use serde_json::json;
use symflow_e2e::{people::*, Harness, Setup};
use symflow_engine::RunStatus;

/// Runs the schemathesis CLI with `args` through the Python that has it installed.
fn schemathesis(args: &[String]) -> std::process::Output {
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".to_string());
    Command::new(&python)
        .arg("-c")
        .arg("import sys; from schemathesis.cli import schemathesis; sys.exit(schemathesis(prog_name='schemathesis'))")
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {python}: {e}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_keeps_to_its_openapi_document() {
    let probe = schemathesis(&["--version".to_string()]);
    assert!(
        probe.status.success(),
        "schemathesis is not installed for python3: run `python3 -m pip install schemathesis` (.ci/run does)\n{}",
        String::from_utf8_lossy(&probe.stderr)
    );
    let h = Harness::start("e2e", Setup::default()).await;
    let token = h.issue_token("contract", None);
    // A real run, so `GET /runs/{id}` has something to answer with.
    let api = h.api(&token);
    let accepted = api
        .post(
            "/events/request",
            &json!({
                "flow_srn": "breakglass",
                "flow_inputs": { "reason": "contract", "duration": "1h" },
                "user_email": ALICE_EMAIL,
            }),
        )
        .await;
    assert_eq!(accepted.status, 202, "{:?}", accepted.body);
    let run = uuid::Uuid::parse_str(accepted.body["run_id"].as_str().unwrap()).unwrap();
    h.wait_status(run, RunStatus::Pending).await;
    let run_answer = api.get(&format!("/runs/{run}")).await;
    assert_eq!(run_answer.status, 200);
    assert!(run_answer.content_type.starts_with("application/json"));

    let report = tempfile::tempdir().unwrap();
    let schema_url = h.url("/api/v1/openapi.json");
    let base_url = h.url("");
    let args: Vec<String> = [
        "run",
        &schema_url,
        "--url",
        &base_url,
        "--header",
        &format!("Authorization: Bearer {token}"),
        "--checks",
        "all",
        // A schema-valid body may still name a flow or user that does not exist (404).
        "--exclude-checks",
        "positive_data_acceptance",
        "--phases",
        "examples,coverage,fuzzing,stateful",
        "--max-examples",
        "25",
        "--seed",
        "7211",
        // One worker: with two, CPython 3.11's `ast.parse` (hypothesis describing a lambda)
        // races across threads and fails with "AST constructor recursion depth mismatch" —
        // a crash of the tool, not a finding about the API (seen in CI, 1 run in 6 here).
        "--workers",
        "1",
        "--generation-database",
        "none",
        "--no-color",
        "--report-dir",
        &report.path().display().to_string(),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let schemathesis_run = tokio::task::spawn_blocking(move || schemathesis(&args))
        .await
        .unwrap();
    let out = format!(
        "{}{}",
        String::from_utf8_lossy(&schemathesis_run.stdout),
        String::from_utf8_lossy(&schemathesis_run.stderr)
    );
    assert!(
        schemathesis_run.status.success(),
        "schemathesis found the API and its document disagree:\n{out}"
    );
    assert!(
        out.contains("Selected: 4/4") && out.contains("Tested: 4"),
        "every operation was tested:\n{out}"
    );
    // The server is still healthy afterwards.
    assert_eq!(
        api.get(&format!("/runs/{run}")).await.body["status"],
        "pending"
    );
}
