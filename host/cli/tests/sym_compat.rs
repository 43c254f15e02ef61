//! The `symflow` binary on Sym configurations as users write them
//! (`tests/envs/sym_compat/*`): each validates, builds, and runs a request event; validate
//! lists every environment's flows, reads `--tf-state`, and points at the lines to change.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn compat(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/envs/sym_compat")
        .join(name)
}

/// One build cache for every test of this file, so a flow builds once.
fn cache() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("sym-compat-flows")
}

fn symflow(args: &[&str], envs: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_symflow"));
    command.args(args);
    // TF_VAR_ of the machine running the tests must not leak in.
    for (key, _) in std::env::vars() {
        if key.starts_with("TF_VAR_") || key == "SYMFLOW_TF_STATE" {
            command.env_remove(key);
        }
    }
    command.envs(envs.iter().copied());
    command.output().expect("run symflow")
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn ok(output: Output) -> String {
    let report = text(&output);
    assert!(output.status.success(), "{report}");
    report
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// `symflow validate DIR` succeeds (with no error line) and names each flow.
fn validates(dir: &Path, flows: &[&str], extra: &[&str], envs: &[(&str, &str)]) -> String {
    let mut args = vec!["validate", path(dir)];
    args.extend(extra);
    let report = ok(symflow(&args, envs));
    assert!(!report.contains(": error:"), "{report}");
    for flow in flows {
        assert!(
            report.contains(&format!("flow {flow:?}")),
            "{flow}: {report}"
        );
    }
    report
}

/// `symflow build DIR` builds every flow.
fn builds(dir: &Path, count: usize, extra: &[&str], envs: &[(&str, &str)]) {
    let cache = cache();
    let mut args = vec!["build", path(dir), "--data-dir", path(&cache)];
    args.extend(extra);
    let report = ok(symflow(&args, envs));
    assert!(
        report.contains(&format!("{count} flow(s) ready")),
        "{report}"
    );
}

/// `symflow run FLOW --event request` with `fields`, as JSON.
fn runs_request(
    dir: &Path,
    flow: &str,
    fields: &[&str],
    extra: &[&str],
    envs: &[(&str, &str)],
) -> Value {
    let cache = cache();
    let mut args = vec![
        "run",
        flow,
        "--dir",
        path(dir),
        "--data-dir",
        path(&cache),
        "--event",
        "request",
        "--user",
        "alice@acme.io",
        "--json",
    ];
    for field in fields {
        args.push("--field");
        args.push(field);
    }
    args.extend(extra);
    let out = symflow(&args, envs);
    let report = text(&out);
    assert!(out.status.success(), "{report}");
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {report}"))
}

#[test]
fn two_environments_from_a_local_module() {
    let dir = compat("multiple_environments/live");
    let report = validates(
        &dir,
        &["main-okta", "main-approval", "sandbox-okta", "break-glass"],
        &[],
        &[],
    );
    assert!(
        report.contains("environment \"main\" (module.main.sym_environment.this): 3 flows"),
        "{report}"
    );
    assert!(
        report.contains("environment \"sandbox\" (module.sandbox.sym_environment.this): 1 flow"),
        "{report}"
    );
    assert!(
        report.contains("valid, 4 flows in 2 environments"),
        "{report}"
    );
    builds(&dir, 4, &[], &[]);
    let run = runs_request(
        &dir,
        "sandbox-okta",
        &["reason=try the new flow", "duration=1h", "ticket=OPS-1"],
        &[],
        &[],
    );
    assert_eq!(
        run["get_request_notifications"][0]["destinations"][0]["destination"]["SlackChannel"],
        "#sym-sandbox",
        "{run}"
    );
}

#[test]
fn values_from_terraform_state() {
    let dir = compat("terraform_state");
    let state = dir.join("state/terraform.tfstate");
    let report = validates(&dir, &["okta-access"], &["--tf-state", path(&state)], &[]);
    assert!(
        report.contains("Values known after apply: from"),
        "{report}"
    );
    assert!(report.contains("Terraform state"), "{report}");
    builds(&dir, 1, &["--tf-state", path(&state)], &[]);
    // The same from the environment variable, with the `show -json` form.
    let show = dir.join("state/show.json");
    let run = runs_request(
        &dir,
        "okta-access",
        &["reason=incident 7", "duration=1h"],
        &[],
        &[("SYMFLOW_TF_STATE", path(&show))],
    );
    assert_eq!(
        run["get_request_notifications"][0]["destinations"][0]["destination"]["SlackChannel"],
        "#sym-requests",
        "{run}"
    );
    // Without state, `symflow run` says which values are unknown, and still runs.
    let out = symflow(
        &[
            "run",
            "okta-access",
            "--dir",
            path(&dir),
            "--data-dir",
            path(&cache()),
            "--field",
            "reason=x",
            "--field",
            "duration=1h",
        ],
        &[],
    );
    let report = ok(out);
    assert!(
        report.contains("aws_lambda_function.audit.arn, which is only known after terraform apply"),
        "{report}"
    );
}

#[test]
fn provider_2_paths_and_underscored_names() {
    let dir = compat("provider_v2");
    let report = validates(&dir, &["approval", "aws_sso"], &[], &[]);
    assert!(report.contains("symopsio/sym 2.3.1"), "{report}");
    builds(&dir, 2, &[], &[]);
    let run = runs_request(&dir, "approval", &["resource=db", "reason=debug"], &[], &[]);
    assert_eq!(
        run["get_approvers"]["notifications"][0]["destinations"][0]["allow_self"], true,
        "{run}"
    );
    let run = runs_request(
        &dir,
        "aws_sso",
        &["reason=break-glass: prod down", "duration=30m"],
        &[],
        &[],
    );
    assert_eq!(run["on_request"]["step"], "approve", "{run}");
}

#[test]
fn terraform_functions() {
    let dir = compat("terraform_functions");
    validates(
        &dir,
        &["payments-access", "search-infra-access", "data-access"],
        &[],
        &[],
    );
    builds(&dir, 3, &[], &[]);
    let run = runs_request(
        &dir,
        "payments-access",
        &["reason=refund bug", "duration=30m"],
        &[],
        &[],
    );
    assert_eq!(
        run["get_request_notifications"][0]["destinations"][0]["destination"]["SlackChannel"],
        "#payments-approvals",
        "{run}"
    );
}

#[test]
fn variables_from_the_environment_and_tfvars() {
    let dir = compat("variables");
    let envs = [
        ("TF_VAR_pagerduty_schedule", "platform-primary"),
        (
            "TF_VAR_pagerduty_api_key_path",
            "sym/prod/pagerduty-api-key",
        ),
    ];
    validates(&dir, &["oncall-access"], &[], &envs);
    builds(&dir, 1, &[], &envs);
    let run = runs_request(
        &dir,
        "oncall-access",
        &["reason=page 42"],
        &["--on-call", "alice@acme.io"],
        &envs,
    );
    assert_eq!(run["on_request"]["step"], "approve", "{run}");
    assert_eq!(
        run["capability_calls"][0]["args"]
            .as_str()
            .map(|a| a.contains("platform-primary")),
        Some(true),
        "{run}"
    );

    // Without the schedule: validate warns, build refuses and says how to set it.
    let only_key = [envs[1]];
    let report = ok(symflow(&["validate", path(&dir)], &only_key));
    assert!(
        report.contains("warning: variable `pagerduty_schedule` has no value"),
        "{report}"
    );
    let out = symflow(
        &["build", path(&dir), "--data-dir", path(&cache())],
        &only_key,
    );
    assert!(!out.status.success());
    let report = text(&out);
    assert!(
        report.contains("error: variable `pagerduty_schedule` has no value"),
        "{report}"
    );
    assert!(report.contains("TF_VAR_pagerduty_schedule"), "{report}");
}

#[test]
fn a_custom_integrations_secret_reaches_the_flow() {
    let dir = compat("custom_integration");
    validates(&dir, &["approval"], &[], &[]);
    builds(&dir, 1, &[], &[]);
    let run = runs_request(
        &dir,
        "approval",
        &["resource=db", "reason=debug"],
        &[
            "--http-reply",
            r#"api.rota.example={"emails": ["alice@acme.io"]}"#,
        ],
        &[],
    );
    // The secret of the custom integration is granted and read, the allowed host is called
    // with it, and its answer approves the on-call requester.
    assert_eq!(run["on_request"]["step"], "approve", "{run}");
    let calls: Vec<String> = run["capability_calls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| format!("{} {}", c["capability"], c["args"]))
        .collect();
    assert!(
        calls
            .iter()
            .any(|c| c.contains("secrets") && c.contains("rota_api_key")),
        "{calls:?}"
    );
    assert!(
        !calls.iter().any(|c| c.contains("stand-in value")),
        "values are never recorded: {calls:?}"
    );
    assert!(
        calls.iter().any(|c| c.contains("api.rota.example")),
        "{calls:?}"
    );
}

#[test]
fn a_host_no_allowed_hosts_allows_is_named_with_where_to_allow_it() {
    let dir = compat("allowed_hosts");
    let report = ok(symflow(&["validate", path(&dir)], &[]));
    assert!(report.contains("impl.py:25: warning:"), "{report}");
    assert!(report.contains("hooks.partner.example"), "{report}");
    assert!(report.contains("allowed_hosts"), "{report}");
}

#[test]
fn a_request_context_is_given_to_the_flow() {
    let dir = compat("request_context");
    validates(&dir, &["approve-deploy"], &[], &[]);
    builds(&dir, 1, &[], &[]);
    let run = runs_request(
        &dir,
        "approve-deploy",
        &["job=deploy-web"],
        &[
            "--context",
            r#"{"pipeline": "web#981", "diff": "app/main.py"}"#,
        ],
        &[],
    );
    assert_eq!(run["on_request"]["step"], "approve", "{run}");
    assert_eq!(
        run["on_request"]["kwargs"]["reason"],
        "No Terraform changes in web#981"
    );
    // No context: {} (so .get works), and a human decides.
    let run = runs_request(&dir, "approve-deploy", &["job=deploy-web"], &[], &[]);
    assert_eq!(run["on_request"], "continue", "{run}");
}

/// `symflow run --event escalate|deescalate` on a built-in strategy says what it would grant
/// or remove, with the group id from the Terraform state, and calls no service.
#[test]
fn a_built_in_strategy_says_what_it_would_do() {
    let dir = compat("terraform_state");
    let state = dir.join("state/terraform.tfstate");
    let run_event = |event: &str, extra: &[&str]| {
        let cache = cache();
        let mut args = vec![
            "run",
            "okta-access",
            "--dir",
            path(&dir),
            "--data-dir",
            path(&cache),
            "--event",
            event,
            "--user",
            "alice@acme.io",
            "--field",
            "reason=incident 7",
            "--field",
            "duration=1h",
        ];
        args.extend(extra);
        symflow(&args, &[])
    };
    let out = run_event("escalate", &["--tf-state", path(&state), "--json"]);
    let report = text(&out);
    assert!(out.status.success(), "{report}");
    let run: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        run["strategy.escalate"],
        "would add alice@acme.io to Okta group 00g-prodadmins (target prod-admins)",
        "{run}"
    );
    // after_escalate ran too (its Slack message is recorded, not sent); nothing called Okta.
    let calls = run["capability_calls"].as_array().unwrap();
    assert!(calls.iter().any(|c| c["capability"] == "slack"), "{run}");
    assert!(calls.iter().all(|c| c["capability"] != "okta"), "{run}");

    let out = run_event("deescalate", &["--tf-state", path(&state)]);
    let report = ok(out);
    assert!(
        report.contains(
            "would remove alice@acme.io from Okta group 00g-prodadmins (target prod-admins)"
        ),
        "{report}"
    );

    // Without the state the group id is unknown: the run fails saying so, never a made-up id.
    let out = run_event("escalate", &[]);
    let report = text(&out);
    assert!(!out.status.success(), "{report}");
    assert!(report.contains("group_id"), "{report}");
    assert!(report.contains("terraform apply"), "{report}");
}
