//! The `symflow` binary as a user runs it: init → generate every type →
//! validate → build, `run` on the example flows, and build errors that point at
//! the user's file and line.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn symflow(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_symflow"))
        .args(args)
        .current_dir(dir)
        .env("SYM_ORG", "S-TESTORG01")
        .output()
        .expect("run symflow")
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A build cache shared by the tests of this file, so each flow builds once.
fn data_dir(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name)
}

#[test]
fn init_generate_validate_build() {
    let work = tempfile::tempdir().unwrap();
    let env_dir = work.path().join("sym");
    let out = symflow(
        &[
            "init",
            "--directory",
            "sym",
            "--slack-workspace-id",
            "t01abcdef",
            "--environment",
            "prod",
        ],
        work.path(),
    );
    assert!(out.status.success(), "{}", text(&out));
    for file in ["versions.tf", "environment.tf", "README.md"] {
        assert!(env_dir.join(file).exists(), "{file} missing");
    }
    assert!(std::fs::read_to_string(env_dir.join("environment.tf"))
        .unwrap()
        .contains("T01ABCDEF"));

    let generate = [
        vec!["--type", "approval-only", "--flow-name", "demo"],
        vec![
            "--type",
            "okta",
            "--flow-name",
            "okta-demo",
            "--okta-domain",
            "https://acme.okta.com",
            "--okta-group-id",
            "00g1234",
        ],
        vec![
            "--type",
            "custom",
            "--flow-name",
            "custom-demo",
            "--target-identifier",
            "prod-db",
        ],
        vec![
            "--type",
            "pagerduty",
            "--flow-name",
            "oncall-demo",
            "--pagerduty-subdomain",
            "acme",
            "--pagerduty-schedule",
            "prod",
        ],
    ];
    for flags in &generate {
        let mut args = vec!["generate", "--directory", "sym"];
        args.extend(flags.iter().copied());
        let out = symflow(&args, work.path());
        assert!(out.status.success(), "generate {flags:?}: {}", text(&out));
    }

    let out = symflow(&["validate", "sym"], work.path());
    assert!(out.status.success(), "{}", text(&out));
    assert!(!text(&out).contains("error"), "{}", text(&out));

    let cache = data_dir("generated-flows");
    let out = symflow(
        &["build", "sym", "--data-dir", cache.to_str().unwrap()],
        work.path(),
    );
    let report = text(&out);
    assert!(out.status.success(), "{report}");
    assert!(report.contains("4 flow(s) ready"), "{report}");

    // Unchanged flows are not rebuilt.
    let out = symflow(
        &["build", "sym", "--data-dir", cache.to_str().unwrap()],
        work.path(),
    );
    let report = text(&out);
    assert_eq!(report.matches("unchanged").count(), 4, "{report}");
}

#[test]
fn validate_fails_with_file_and_line() {
    let work = tempfile::tempdir().unwrap();
    std::fs::write(
        work.path().join("flow.tf"),
        "resource \"sym_flow\" \"bad\" {\n  name = \"bad flow!\"\n  implementation = \"impl.py\"\n  environment_id = sym_environment.missing.id\n}\n",
    )
    .unwrap();
    let out = symflow(&["validate", "."], work.path());
    assert!(!out.status.success());
    let report = text(&out);
    assert!(report.contains("flow.tf:3"), "{report}");
    assert!(report.contains("file("), "{report}");
}

fn write_env(dir: &Path, impl_source: &str) {
    std::fs::create_dir_all(dir.join("impls")).unwrap();
    std::fs::write(
        dir.join("main.tf"),
        r##"
provider "sym" {
  org = "S-TESTORG01"
}
resource "sym_environment" "this" {
  name            = "test"
  error_logger_id = sym_error_logger.slack.id
  integrations    = { slack_id = sym_integration.slack.id }
}
resource "sym_integration" "slack" {
  type        = "slack"
  name        = "test-slack"
  external_id = "T0TEST"
}
resource "sym_error_logger" "slack" {
  integration_id = sym_integration.slack.id
  destination    = "#sym-errors"
}
resource "sym_flow" "broken" {
  name           = "broken"
  implementation = file("${path.module}/impls/broken_impl.py")
  environment_id = sym_environment.this.id
  params {
    prompt_field {
      name = "reason"
      type = "string"
    }
  }
}
"##,
    )
    .unwrap();
    std::fs::write(dir.join("impls/broken_impl.py"), impl_source).unwrap();
}

#[test]
fn build_errors_point_at_the_users_file() {
    let cache = data_dir("broken-flows");
    let cases = [
        (
            "from sym.sdk.annotations import reducer\nimport os\n\n@reducer\ndef get_permissions(event):\n    return None\n",
            "broken_impl.py:2",
            "not available to flows",
        ),
        (
            "from sym.sdk.annotations import reducer\n\n@reducer\ndef get_permissions(event)\n    return None\n",
            "broken_impl.py:4",
            "SyntaxError",
        ),
        (
            "from sym.sdk.annotations import hook\n\n@hook\ndef after_approve(event):\n    pass\n",
            "broken_impl.py:1",
            "get_permissions",
        ),
    ];
    for (source, location, message) in cases {
        let work = tempfile::tempdir().unwrap();
        write_env(work.path(), source);
        let out = symflow(
            &["build", ".", "--data-dir", cache.to_str().unwrap()],
            work.path(),
        );
        let report = text(&out);
        assert!(!out.status.success(), "{report}");
        assert!(
            report.contains(location),
            "expected {location} in:\n{report}"
        );
        assert!(
            report.contains(message),
            "expected {message:?} in:\n{report}"
        );
        assert!(report.contains("hint:"), "{report}");
    }
}

#[test]
fn run_prints_what_the_flow_decided() {
    let root = repo_root();
    let flows = root.join("flows");
    let cache = data_dir("example-flows");
    let args = |extra: &[&'static str]| {
        let mut args = vec![
            "run",
            "oncall-access",
            "--dir",
            flows.to_str().unwrap(),
            "--data-dir",
            cache.to_str().unwrap(),
            "--event",
            "request",
            "--user",
            "alice@example.com",
            "--field",
            "reason=incident 4211",
            "--field",
            "duration=1h",
            "--json",
        ]
        .into_iter()
        .map(str::to_string)
        .collect::<Vec<_>>();
        args.extend(extra.iter().map(|s| s.to_string()));
        args
    };
    let run = |extra: &[&'static str]| {
        let args = args(extra);
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = symflow(&refs, &root);
        assert!(out.status.success(), "{}", text(&out));
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
    };

    // On call: on_request approves by itself, after asking PagerDuty.
    let on_call = run(&["--on-call", "alice@example.com"]);
    assert_eq!(on_call["on_request"]["step"], "approve", "{on_call}");
    assert_eq!(
        on_call["on_request"]["kwargs"]["reason"],
        "Auto-approved: requester is on call"
    );
    assert_eq!(on_call["capability_calls"][0]["function"], "is_on_call");
    assert!(
        on_call.get("get_permissions").is_none(),
        "auto-approval skips the reducers"
    );

    // Not on call: the request goes to #sym-requests for a member to approve.
    let waiting = run(&[]);
    assert_eq!(waiting["on_request"], "continue", "{waiting}");
    assert_eq!(
        waiting["get_permissions"]["approve_deny"], "Member",
        "{waiting}"
    );
    assert_eq!(
        waiting["get_request_notifications"][0]["destinations"][0]["destination"]["SlackChannel"],
        "#sym-requests",
        "{waiting}"
    );
}
