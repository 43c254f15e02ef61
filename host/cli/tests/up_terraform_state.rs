//! `symflow up --tf-state` end to end: the real `symflow` binary serves
//! `tests/envs/sym_compat/terraform_state` (Okta groups made by a local module with the `okta`
//! provider, so their ids exist only in Terraform state), a request comes in through the fake
//! Slack, a colleague approves, and the built-in `okta` strategy adds the requester to the
//! group whose id came from the state file, then takes them out again at expiry.
//!
//! The test process holds the fake Slack and the fake Okta on loopback and drives the server
//! with signed Slack requests through the end-to-end harness (`symflow-e2e`), attached to the
//! `symflow up` process.

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use symflow_config::LoadOptions;
use symflow_e2e::services::{fakes, FakeServices, OKTA_SECRET};
use symflow_e2e::{
    env_dir, people::*, text_input, Harness, OpenModal, Setup, BOT_TOKEN, SIGNING_SECRET,
};
use symflow_engine::RunStatus;
use symflow_slack_fake::requests::inputs;
use symflow_store::Store;

/// The Slack workspace of the environment (`sym_integration.slack`'s `external_id`).
const TEAM: &str = "T0TFSTATE1";
/// The id of the `prod-admins` group in the state file (`okta_group.this["prod-admins"]`).
const PROD_ADMINS: &str = "00g-prodadmins";
/// The audit Lambda's ARN in the state file.
const AUDIT_ARN: &str = "arn:aws:lambda:us-east-1:123456789012:function:sym-audit-prod";

/// `symflow up`, killed when the test ends.
struct Up(Child);

impl Drop for Up {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .expect("a free port")
}

/// `SYMFLOW_SECRET_<PATH>`: how `symflow up` is given a secret's value on one machine.
fn secret_env_var(path: &str) -> String {
    let name: String = path
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    format!("SYMFLOW_SECRET_{name}")
}

/// Starts `symflow up DIR --tf-state STATE` and waits until `/healthz` answers (the flows are
/// built first, which takes a while on a cold cache).
async fn symflow_up(
    dir: &Path,
    state: &Path,
    data_dir: &Path,
    slack: &str,
    services: &FakeServices,
) -> (Up, SocketAddr) {
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_symflow"))
        .arg("up")
        .arg(dir)
        .arg("--tf-state")
        .arg(state)
        .args(["--port", &port.to_string(), "--slack-api-url", slack])
        .arg("--data-dir")
        .arg(data_dir)
        .env("SLACK_BOT_TOKEN", BOT_TOKEN)
        .env("SLACK_SIGNING_SECRET", SIGNING_SECRET)
        .env("SYMFLOW_OKTA_BASE_URL", services.okta_url.as_str())
        .env(secret_env_var(OKTA_SECRET), fakes::OKTA_TOKEN)
        .env_remove("SYMFLOW_DATABASE_URL")
        .env_remove("SYMFLOW_TF_STATE")
        .env_remove("SYMFLOW_STAND_IN_SCRIPT")
        .stdout(Stdio::inherit())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("symflow starts");
    let mut up = Up(child);
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let http = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(900);
    loop {
        if let Some(status) = up.0.try_wait().expect("the process can be waited on") {
            panic!("symflow up exited ({status}) before serving; its output is above");
        }
        if let Ok(response) = http.get(format!("http://{addr}/healthz")).send().await {
            if response.status().is_success() {
                return (up, addr);
            }
        }
        assert!(
            Instant::now() < deadline,
            "symflow up did not answer /healthz in 15 minutes"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// The value of the `target_id` option whose label is `label`.
fn target_option(modal: &OpenModal, label: &str) -> String {
    let block = modal.view["blocks"]
        .as_array()
        .and_then(|blocks| blocks.iter().find(|b| b["block_id"] == "field:target_id"))
        .unwrap_or_else(|| panic!("the modal has a target field: {}", modal.view));
    block["element"]["options"]
        .as_array()
        .and_then(|options| {
            options
                .iter()
                .find(|o| o["text"]["text"].as_str() == Some(label))
        })
        .and_then(|o| o["value"].as_str())
        .unwrap_or_else(|| panic!("no target labelled {label:?}: {block}"))
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn symflow_up_grants_the_okta_group_whose_id_comes_from_terraform_state() {
    let dir = env_dir("sym_compat/terraform_state");
    let state: PathBuf = dir.join("state").join("terraform.tfstate");

    let services = FakeServices::start().await;
    let alice_in_okta = services.add_okta_user("alice-tfstate", ALICE_EMAIL);
    services.okta.lock().unwrap().groups.insert(
        PROD_ADMINS.to_string(),
        ("prod-admins".to_string(), Default::default()),
    );

    // The harness loads the environment the way `symflow up --tf-state` does, for the
    // harness's own view of it; the server is the `symflow up` process.
    let mut h = Harness::unattached(
        "sym_compat/terraform_state",
        Setup {
            load: LoadOptions {
                tf_state: Some(state.clone()),
                ..LoadOptions::default()
            },
            ..Setup::default()
        },
        TEAM,
    )
    .await;
    let (_up, addr) = symflow_up(
        &dir,
        &state,
        h.data_dir.path(),
        &h.slack.base_url(),
        &services,
    )
    .await;
    h.attach(
        addr,
        Store::open(h.data_dir.path()).expect("the store opens"),
    );

    // The targets come from `for_each = module.okta_groups.group_ids`, their labels from the
    // module's `descriptions` output.
    let modal = h.open_request_modal(ALICE, "okta-access").await;
    let target = target_option(&modal, "Production administrators");
    target_option(&modal, "Production read-only");
    let submit = h.submission(
        ALICE,
        &modal,
        &[
            ("target_id", inputs::static_select(&target)),
            ("reason", text_input("rotate the prod database credentials")),
            ("duration", inputs::static_select("3s")),
        ],
    );
    let (status, body) = h.post("/slack/interactivity", &submit).await;
    assert_eq!(status, 200, "{body}");
    assert!(!body.contains("errors"), "the fields are valid: {body}");
    let run = modal.run_id();

    h.wait_status(run, RunStatus::Pending).await;
    h.wait_message("#sym-requests", "rotate the prod database credentials")
        .await;
    assert!(services.okta_members(PROD_ADMINS).is_empty());

    assert_eq!(h.click(BOB, run, "symflow_approve").await, 200);
    let escalated = h.wait_status(run, RunStatus::Escalated).await;
    assert!(
        services.okta_members(PROD_ADMINS).contains(&alice_in_okta),
        "Okta has the requester in the group whose id the state holds"
    );
    assert_eq!(escalated.step_outputs["escalate"]["group_id"], PROD_ADMINS);
    // The flow's var from `aws_lambda_function.audit.arn` is the value from the state, not a
    // `${...}` reference.
    let audit = h
        .wait_message("#sym-audit", "now has prod-admins (group 00g-prodadmins)")
        .await;
    assert!(audit.text.contains(AUDIT_ARN), "{}", audit.text);

    h.wait_status(run, RunStatus::Deescalated).await;
    assert!(
        !services.okta_members(PROD_ADMINS).contains(&alice_in_okta),
        "removed from the group at expiry"
    );
    let calls = services.okta.lock().unwrap().calls.clone();
    assert!(
        calls.contains(&format!(
            "PUT /api/v1/groups/{PROD_ADMINS}/users/{alice_in_okta}"
        )),
        "{calls:?}"
    );
    assert!(
        calls.contains(&format!(
            "DELETE /api/v1/groups/{PROD_ADMINS}/users/{alice_in_okta}"
        )),
        "{calls:?}"
    );
}
