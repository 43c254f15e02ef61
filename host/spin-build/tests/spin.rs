//! The Spin application, checked without the Spin CLI (which cannot be installed on CI):
//!
//! - `every_import_is_one_spin_provides`: builds the components (`spin build`'s work) and checks
//!   each import of each built component against the list Spin's HTTP trigger provides to a
//!   WASI P2 component (Spin 3.x and 4.x);
//! - `a_request_goes_from_slash_command_to_expiry_under_spin`: runs the composed component in a
//!   wasmtime host that serves it as Spin does (`spin_host`), through the same path as the
//!   native server's end-to-end tests: `/sym req` → modal → submit → card → approve → escalate
//!   (the flow's Python strategy) → expiry on `/tick`, with Slack's Web API answered by the
//!   fake Slack on loopback;
//! - `a_flow_reads_only_the_secrets_it_was_given_under_spin` and
//!   `okta_group_membership_is_checked_under_spin`: capabilities over Spin variables and
//!   outbound HTTP, each with its own small environment under `tests/envs/`.

mod spin_host;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use serde_json::Value;
use spin_host::{Shared, SpinHost};
use symflow_engine::{Run, RunStatus, Step};
use symflow_slack_fake::requests::{
    inputs, ButtonClick, SlackRequest, SlashCommand, ViewSubmission,
};
use symflow_slack_fake::{FakeSlack, FakeUser};
use symflow_spin_build::{imports::component_imports, SpinArtifacts, SpinBuildOptions};

const SIGNING_SECRET: &str = "spin-test-signing-secret";
const BOT_TOKEN: &str = "xoxb-spin-test";
const TICK_TOKEN: &str = "spin-test-tick-token";
const TEAM: &str = "T01SYMFLOW";
const ALICE: &str = "UALICE";
const BOB: &str = "UBOB";
const CAROL: &str = "UCAROL";
/// On call for `prod-on-call` in the fake PagerDuty (`oncall@acme.com`).
const OLIVE: &str = "UOLIVE";

fn target_dir() -> PathBuf {
    std::env::var("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| symflow_spin_build::repo_root().join("target"))
}

/// `spin build` of `env_dir` into `target/tmp/<out>` (flows cached by content).
fn spin_build(env_dir: PathBuf, out: &str) -> SpinArtifacts {
    let target = target_dir();
    symflow_spin_build::build(&SpinBuildOptions {
        env_dir,
        out_dir: target.join("tmp").join(out),
        wasm_target_dir: target.join("spin-wasm"),
        admins: Vec::new(),
    })
    .unwrap_or_else(|e| panic!("spin build of {out} succeeds: {e:#}"))
}

/// `spin build` of the example environment, once per test binary.
fn artifacts() -> &'static SpinArtifacts {
    static BUILT: OnceLock<SpinArtifacts> = OnceLock::new();
    BUILT.get_or_init(|| spin_build(symflow_spin_build::repo_root().join("flows"), "spin-build"))
}

/// `spin build` of the secrets test environment (`tests/envs/secrets`: one flow that reads
/// its secrets), once per test binary.
fn secrets_artifacts() -> &'static SpinArtifacts {
    static BUILT: OnceLock<SpinArtifacts> = OnceLock::new();
    BUILT.get_or_init(|| spin_build(test_env("secrets"), "spin-build-secrets"))
}

/// `spin build` of the Okta test environment (`tests/envs/okta`: one flow that asks Okta
/// about its requester), once per test binary.
fn okta_artifacts() -> &'static SpinArtifacts {
    static BUILT: OnceLock<SpinArtifacts> = OnceLock::new();
    BUILT.get_or_init(|| spin_build(test_env("okta"), "spin-build-okta"))
}

/// `spin build` of the PagerDuty test environment (`tests/envs/pagerduty`: one flow that reports
/// what PagerDuty says), once per test binary.
fn pagerduty_artifacts() -> &'static SpinArtifacts {
    static BUILT: OnceLock<SpinArtifacts> = OnceLock::new();
    BUILT.get_or_init(|| spin_build(test_env("pagerduty"), "spin-build-pagerduty"))
}

/// `spin build` of the GitHub test environment (`tests/envs/github`: the `github` strategy),
/// once per test binary.
fn github_artifacts() -> &'static SpinArtifacts {
    static BUILT: OnceLock<SpinArtifacts> = OnceLock::new();
    BUILT.get_or_init(|| spin_build(test_env("github"), "spin-build-github"))
}

fn test_env(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/envs")
        .join(name)
}

/// Flows added to the example environment by `many_flows_artifacts`.
const EXTRA_FLOWS: usize = 5;

/// `spin build` of the example environment plus `EXTRA_FLOWS` generated flows (`team-1` …),
/// each with its own `impl.py` that posts requests to its own channel (`#team-<i>`), once per
/// test binary.
fn many_flows_artifacts() -> &'static SpinArtifacts {
    static BUILT: OnceLock<SpinArtifacts> = OnceLock::new();
    BUILT.get_or_init(|| {
        // Named `flows` like the example, so the store's tenant namespace is the same.
        let env = target_dir().join("tmp/spin-env-many-flows/flows");
        let _ = std::fs::remove_dir_all(&env);
        std::fs::create_dir_all(env.join("impls")).unwrap();
        let example = symflow_spin_build::repo_root().join("flows");
        for entry in std::fs::read_dir(&example).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "tf") {
                std::fs::copy(&path, env.join(path.file_name().unwrap())).unwrap();
            }
        }
        for entry in std::fs::read_dir(example.join("impls")).unwrap() {
            let path = entry.unwrap().path();
            std::fs::copy(&path, env.join("impls").join(path.file_name().unwrap())).unwrap();
        }
        let mut tf = String::new();
        for i in 1..=EXTRA_FLOWS {
            std::fs::write(
                env.join(format!("impls/team_{i}.py")),
                format!(
                    "from sym.sdk.annotations import reducer\n\
                     from sym.sdk.integrations import slack\n\
                     from sym.sdk.notifications import Notification\n\
                     from sym.sdk.request_permission import PermissionLevel, RequestPermission\n\n\n\
                     @reducer\n\
                     def get_permissions(event):\n    \
                         return RequestPermission(webapp_view=PermissionLevel.MEMBER, approve_deny=PermissionLevel.MEMBER)\n\n\n\
                     @reducer\n\
                     def get_request_notifications(event):\n    \
                         return [Notification(destinations=[slack.channel(\"#team-{i}\")])]\n"
                ),
            )
            .unwrap();
            tf.push_str(&format!(
                "resource \"sym_flow\" \"team_{i}\" {{\n  \
                   name           = \"team-{i}\"\n  \
                   label          = \"Team {i}\"\n  \
                   implementation = file(\"${{path.module}}/impls/team_{i}.py\")\n  \
                   environment_id = sym_environment.this.id\n\n  \
                   params {{\n    \
                     prompt_field {{\n      \
                       name     = \"reason\"\n      \
                       label    = \"Why?\"\n      \
                       type     = \"string\"\n      \
                       required = true\n    \
                     }}\n  \
                   }}\n\
                 }}\n\n"
            ));
        }
        std::fs::write(env.join("teams.tf"), tf).unwrap();
        spin_build(env, "spin-build-many-flows")
    })
}

/// What Spin's HTTP trigger provides to a WASI P2 component, by interface (any `0.2.x` of
/// WASI: wasmtime matches semver-compatible versions), on Spin 3.x and 4.x.
const SPIN_P2_PROVIDES: &[&str] = &[
    "wasi:cli/environment@0.2",
    "wasi:cli/exit@0.2",
    "wasi:cli/stdin@0.2",
    "wasi:cli/stdout@0.2",
    "wasi:cli/stderr@0.2",
    "wasi:cli/terminal-input@0.2",
    "wasi:cli/terminal-output@0.2",
    "wasi:cli/terminal-stdin@0.2",
    "wasi:cli/terminal-stdout@0.2",
    "wasi:cli/terminal-stderr@0.2",
    "wasi:clocks/monotonic-clock@0.2",
    "wasi:clocks/wall-clock@0.2",
    "wasi:filesystem/types@0.2",
    "wasi:filesystem/preopens@0.2",
    "wasi:io/error@0.2",
    "wasi:io/poll@0.2",
    "wasi:io/streams@0.2",
    "wasi:random/random@0.2",
    "wasi:random/insecure@0.2",
    "wasi:random/insecure-seed@0.2",
    "wasi:sockets/network@0.2",
    "wasi:sockets/instance-network@0.2",
    "wasi:sockets/tcp@0.2",
    "wasi:sockets/tcp-create-socket@0.2",
    "wasi:sockets/udp@0.2",
    "wasi:sockets/udp-create-socket@0.2",
    "wasi:sockets/ip-name-lookup@0.2",
    "wasi:http/types@0.2",
    "wasi:http/outgoing-handler@0.2",
    "fermyon:spin/key-value@2.0.0",
    "fermyon:spin/variables@2.0.0",
];

fn spin_provides(import: &str) -> bool {
    SPIN_P2_PROVIDES.iter().any(|provided| {
        import == *provided
            || (provided.ends_with("@0.2")
                && import
                    .strip_prefix(*provided)
                    .is_some_and(|rest| rest.starts_with('.')))
    })
}

/// An AWS IAM Identity Center flow as Sym users write it: the Spin component does not carry
/// out `aws_sso`, so `spin build` must stop before anything is compiled, naming the flow.
#[test]
fn spin_build_refuses_a_strategy_the_component_cannot_run() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("impl.py"),
        "from sym.sdk.annotations import reducer\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("main.tf"),
        r#"resource "sym_environment" "this" {
  name         = "main"
  integrations = { slack_id = sym_integration.slack.id }
}

resource "sym_integration" "slack" {
  type        = "slack"
  name        = "main-slack"
  external_id = "T0123ABCD"
}

resource "sym_integration" "sso_context" {
  type        = "permission_context"
  name        = "main-sso"
  external_id = "123456789012"
  settings = {
    cloud       = "aws"
    region      = "us-east-1"
    role_arn    = "arn:aws:iam::123456789012:role/sym/SymSSO"
  }
}

resource "sym_target" "prod_admin" {
  type  = "aws_sso_permission_set"
  name  = "prod-admin"
  label = "Prod Admin"
  settings = {
    permission_set_arn = "arn:aws:sso:::permissionSet/ssoins-1234/ps-1234"
    account_id         = "123456789012"
  }
}

resource "sym_strategy" "sso" {
  type           = "aws_sso"
  name           = "main-sso"
  integration_id = sym_integration.sso_context.id
  targets        = [sym_target.prod_admin.id]
  settings = {
    instance_arn = "arn:aws:sso:::instance/ssoins-1234"
  }
}

resource "sym_flow" "sso" {
  name           = "aws_sso"
  label          = "AWS SSO"
  implementation = file("${path.module}/impl.py")
  environment_id = sym_environment.this.id
  params {
    strategy_id = sym_strategy.sso.id
    prompt_field {
      name     = "reason"
      type     = "string"
      required = true
    }
  }
}
"#,
    )
    .unwrap();
    let out = dir.path().join("out");
    let built = symflow_spin_build::build(&SpinBuildOptions {
        env_dir: dir.path().to_path_buf(),
        out_dir: out.clone(),
        wasm_target_dir: dir.path().join("wasm"),
        admins: Vec::new(),
    });
    let Err(err) = built else {
        panic!("spin build refuses an aws_sso flow");
    };
    let message = format!("{err:#}");
    assert!(
        message.contains("flow aws_sso")
            && message.contains("cannot grant or remove access with a `aws_sso` strategy")
            && message.contains("okta, github, custom"),
        "{message}"
    );
    assert!(
        message.contains("main.tf:"),
        "names the strategy's line: {message}"
    );
    assert!(!out.exists(), "nothing was built");
}

#[test]
fn every_import_is_one_spin_provides() {
    let built = artifacts();
    let imports_of = |path: &PathBuf| {
        component_imports(&std::fs::read(path).expect("built component is readable"))
            .unwrap_or_else(|e| panic!("{}: {e:#}", path.display()))
    };

    // The composed component is what Spin loads: all of its imports must be Spin's.
    let composed = imports_of(&built.component);
    let foreign: Vec<&String> = composed.iter().filter(|i| !spin_provides(i)).collect();
    assert!(
        foreign.is_empty(),
        "the composed component imports what Spin does not provide: {foreign:?} (all: {composed:?})"
    );
    assert!(
        composed.iter().any(|i| i == "fermyon:spin/key-value@2.0.0"),
        "state lives in Spin's key-value store: {composed:?}"
    );
    assert!(
        composed
            .iter()
            .any(|i| i.starts_with("wasi:http/outgoing-handler@0.2.")),
        "Slack is reached through Spin's outbound HTTP: {composed:?}"
    );

    // Its parts: the HTTP and capabilities components import only Spin's interfaces plus the
    // symflow interfaces the composition satisfies; the flow bundle only WASI plus its
    // capabilities.
    let composed_away = |i: &str| i.starts_with("sym:flow/") || i.starts_with("symflow:spin/");
    for part in [&built.app, &built.caps] {
        let imports = imports_of(part);
        let foreign: Vec<&String> = imports
            .iter()
            .filter(|i| !spin_provides(i) && !composed_away(i))
            .collect();
        assert!(foreign.is_empty(), "{} imports {foreign:?}", part.display());
    }
    let imports = imports_of(&built.bundle);
    let foreign: Vec<&String> = imports
        .iter()
        .filter(|i| !spin_provides(i) && !composed_away(i))
        .collect();
    assert!(foreign.is_empty(), "the flow bundle imports {foreign:?}");
    for capability in symflow_spin_build::compose::FLOW_CAPABILITIES {
        assert!(
            imports.iter().any(|i| i == capability),
            "the flow bundle imports {capability}"
        );
    }
    assert_eq!(
        built.flows.len(),
        3,
        "one bundle carries the example's three flows"
    );
}

/// The harness: the fake Slack, the Spin-like host, shared state.
struct Harness {
    slack: FakeSlack,
    host: SpinHost,
    kv: Arc<Mutex<BTreeMap<String, Vec<u8>>>>,
    clock: Arc<AtomicU64>,
}

impl Harness {
    async fn start() -> Harness {
        Harness::start_with(artifacts, BTreeMap::new(), Vec::new()).await
    }

    /// The harness over the environment `build` builds, with `extra` Spin variables and
    /// `extra_hosts` (host:port) allowed for outbound HTTP.
    async fn start_with(
        build: fn() -> &'static SpinArtifacts,
        extra: BTreeMap<String, String>,
        extra_hosts: Vec<String>,
    ) -> Harness {
        // The build runs componentize-py under its own runtime: not on this one's threads.
        let built = tokio::task::spawn_blocking(build)
            .await
            .expect("spin build does not panic");
        let slack = FakeSlack::start().await;
        slack.set_team(TEAM, "symflow");
        slack.require_token(BOT_TOKEN);
        slack.add_user(
            FakeUser::new(ALICE, "alice")
                .email("alice@example.com")
                .team(TEAM),
        );
        slack.add_user(
            FakeUser::new(BOB, "bob")
                .email("bob@example.com")
                .team(TEAM),
        );
        slack.add_user(
            FakeUser::new(OLIVE, "olive")
                .email("oncall@acme.com")
                .team(TEAM),
        );
        slack.add_user(
            FakeUser::new(CAROL, "carol")
                .email("carol@example.com")
                .team(TEAM),
        );
        let (pagerduty, _) = symflow_service_fakes::pagerduty().await;
        let kv = Arc::new(Mutex::new(BTreeMap::new()));
        let clock = Arc::new(AtomicU64::new(0));
        let mut variables = BTreeMap::from([
            ("slack_bot_token".to_string(), BOT_TOKEN.to_string()),
            (
                "slack_signing_secret".to_string(),
                SIGNING_SECRET.to_string(),
            ),
            ("tick_token".to_string(), TICK_TOKEN.to_string()),
            ("slack_api_base".to_string(), slack.base_url()),
            ("admins".to_string(), String::new()),
            (
                "pagerduty_api_token".to_string(),
                symflow_service_fakes::PD_TOKEN.to_string(),
            ),
            ("pagerduty_api_url".to_string(), pagerduty.to_string()),
        ]);
        variables.extend(extra);
        let mut shared = Shared {
            kv: kv.clone(),
            read_gate: Default::default(),
            variables: Arc::new(variables),
            clock_offset_ms: clock.clone(),
            allowed_authorities: vec![
                slack.address().to_string(),
                pagerduty.host_str().unwrap().to_string()
                    + &pagerduty
                        .port()
                        .map(|p| format!(":{p}"))
                        .unwrap_or_default(),
            ],
        };
        shared.allowed_authorities.extend(extra_hosts);
        let files = built
            .tenant_json
            .parent()
            .expect("tenant.json has a directory")
            .to_path_buf();
        let component = built.component.clone();
        let host = tokio::task::spawn_blocking(move || SpinHost::load(&component, &files, shared))
            .await
            .expect("loading does not panic")
            .expect("the composed component loads with Spin's imports");
        Harness {
            slack,
            host,
            kv,
            clock,
        }
    }

    async fn slack_post(&self, path: &str, request: &SlackRequest) -> (u16, String) {
        // Signed at the component's "now" (the harness moves its clock forward for expiry).
        let at = symflow_slack_fake::requests::unix_now()
            + (self.clock.load(Ordering::Relaxed) / 1000) as i64;
        let headers: Vec<(&str, String)> = request.signature_headers(SIGNING_SECRET, at);
        let answered = self
            .host
            .request("POST", path, &headers, request.body.clone())
            .await
            .expect("the component serves the request");
        (answered.status, answered.body)
    }

    fn run(&self, id: &str) -> Run {
        self.run_in("flows", id)
    }

    /// A run of the tenant (environment directory) `tenant`.
    fn run_in(&self, tenant: &str, id: &str) -> Run {
        let kv = self.kv.lock().unwrap();
        let bytes = kv.get(&format!("{tenant}/run/{id}")).unwrap_or_else(|| {
            panic!(
                "run {id} is stored; keys: {:?}",
                kv.keys().collect::<Vec<_>>()
            )
        });
        let record: Value = serde_json::from_slice(bytes).expect("stored run is JSON");
        serde_json::from_value(record["run"].clone()).expect("stored run parses")
    }
}

fn text_input(value: &str) -> Value {
    inputs::plain_text(value)
}

/// A request's card: where it is and which run it belongs to.
struct Card {
    run_id: String,
    channel: String,
    ts: String,
}

impl Card {
    /// The first card posted for `run`.
    fn of(run_id: String, run: &Run) -> Card {
        let posted = run.messages.first().expect("the card was posted");
        Card {
            run_id,
            channel: posted.channel.clone(),
            ts: posted.ts.clone(),
        }
    }
}

/// `host:port` of a fake service's URL, for the harness's outbound allow-list.
fn authority_of(url: &url::Url) -> String {
    format!(
        "{}{}",
        url.host_str().unwrap(),
        url.port().map(|p| format!(":{p}")).unwrap_or_default()
    )
}

impl Harness {
    async fn tick(&self, token: &str) -> (u16, String) {
        let answered = self
            .host
            .request(
                "POST",
                "/tick",
                &[("Authorization", format!("Bearer {token}"))],
                Vec::new(),
            )
            .await
            .expect("the component serves /tick");
        (answered.status, answered.body)
    }

    /// `/sym req <flow>` by `user` and the modal it opens submitted with `fields`
    /// (`field:<name>` inputs); the run's id.
    async fn submit_request(&self, user: &str, flow: &str, fields: &[(&str, Value)]) -> String {
        let opened_before = self.slack.calls_to("views.open").len();
        let command = SlashCommand::new(TEAM, user, "/sym", &format!("req {flow}"))
            .channel("C0GENERAL", "general");
        let (status, body) = self.slack_post("/slack/commands", &command.request()).await;
        assert_eq!(status, 200, "{body}");
        self.slack
            .wait_for_count("views.open", opened_before + 1, Duration::from_secs(10))
            .await
            .expect("the request modal opens");
        // The view as it is now: a flow with Python to run first opens a "Loading…" modal and
        // updates it into the request modal.
        let open = self.slack.views().last().expect("a view is open").clone();
        let (view, view_id) = (open.view, open.id);
        let metadata = view["private_metadata"]
            .as_str()
            .expect("the modal carries metadata")
            .to_string();
        let run_id = serde_json::from_str::<Value>(&metadata).unwrap()["run_id"]
            .as_str()
            .expect("the run exists from the prompt")
            .to_string();
        let mut submit = ViewSubmission::new(TEAM, user, &view_id, "symflow_request")
            .private_metadata(&metadata);
        for (name, value) in fields {
            submit = submit.input(&format!("field:{name}"), "value", value.clone());
        }
        let (status, body) = self
            .slack_post("/slack/interactivity", &submit.request())
            .await;
        assert_eq!(status, 200, "{body}");
        run_id
    }

    /// `/sym req oncall-access` by `user`, the modal filled in and submitted: the run is
    /// pending with its card in #sym-requests.
    async fn request_access(&self, user: &str, reason: &str) -> Card {
        let opened_before = self.slack.calls_to("views.open").len();
        let command = SlashCommand::new(TEAM, user, "/sym", "req oncall-access")
            .channel("C0GENERAL", "general");
        let (status, body) = self.slack_post("/slack/commands", &command.request()).await;
        assert_eq!(status, 200, "{body}");
        let opened = self
            .slack
            .wait_for_count("views.open", opened_before + 1, Duration::from_secs(10))
            .await
            .expect("the request modal opens");
        let view = opened.last().unwrap().view().unwrap().clone();
        assert_eq!(view["callback_id"], "symflow_request", "{view}");
        let view_id = self
            .slack
            .views()
            .last()
            .expect("a view is open")
            .id
            .clone();
        let metadata = view["private_metadata"]
            .as_str()
            .expect("the modal carries metadata")
            .to_string();
        let run_id = serde_json::from_str::<Value>(&metadata).unwrap()["run_id"]
            .as_str()
            .expect("the run exists from the prompt")
            .to_string();
        let target = view["blocks"]
            .as_array()
            .and_then(|b| b.iter().find(|b| b["block_id"] == "field:target_id"))
            .and_then(|b| b["element"]["options"][0]["value"].as_str())
            .expect("the modal offers the strategy's targets")
            .to_string();

        // Submit → on_request (PagerDuty is not reachable under Spin: the flow carries on) → card.
        let submit = ViewSubmission::new(TEAM, user, &view_id, "symflow_request")
            .private_metadata(&metadata)
            .input("field:target_id", "value", inputs::static_select(&target))
            .input("field:reason", "value", text_input(reason))
            .input("field:duration", "value", inputs::static_select("30m"));
        let (status, body) = self
            .slack_post("/slack/interactivity", &submit.request())
            .await;
        assert_eq!(status, 200, "{body}");
        assert!(!body.contains("errors"), "the fields are valid: {body}");
        let run = self.run(&run_id);
        assert_eq!(run.status, RunStatus::Pending, "{run:?}");
        assert_eq!(run.target_id.as_deref(), Some(target.as_str()));
        let card = run.messages.first().expect("the card was posted").clone();
        assert_eq!(card.channel, "#sym-requests");
        let posted = self
            .slack
            .message(&card.channel, &card.ts)
            .expect("the fake Slack holds the card");
        assert!(
            posted.visible_text().contains(reason),
            "the card shows the reason: {}",
            posted.visible_text()
        );
        Card {
            run_id,
            channel: card.channel,
            ts: card.ts,
        }
    }

    /// `approver` clicks Approve on `card`.
    async fn approve(&self, approver: &str, card: &Card) {
        let click =
            ButtonClick::on_message(TEAM, approver, &card.channel, &card.ts, "symflow_approve")
                .value(&card.run_id)
                .block_id("symflow_actions");
        let (status, body) = self
            .slack_post("/slack/interactivity", &click.request())
            .await;
        assert_eq!(status, 200, "{body}");
    }

    fn kv_json(&self, key: &str) -> Option<Value> {
        let kv = self.kv.lock().unwrap();
        kv.get(key)
            .map(|bytes| serde_json::from_slice(bytes).expect("stored values are JSON"))
    }

    fn advance(&self, by: Duration) {
        self.clock
            .fetch_add(by.as_millis() as u64, Ordering::Relaxed);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_goes_from_slash_command_to_expiry_under_spin() {
    let h = Harness::start().await;

    // Bad signatures and an unauthenticated tick are refused.
    let command =
        SlashCommand::new(TEAM, ALICE, "/sym", "req oncall-access").channel("C0GENERAL", "general");
    let mut forged = command.request().signed_now("not-the-secret");
    forged.retain(|(k, _)| *k != "Content-Type");
    let refused = h
        .host
        .request(
            "POST",
            "/slack/commands",
            &forged,
            command.request().body.clone(),
        )
        .await
        .unwrap();
    assert_eq!(
        refused.status, 401,
        "a request signed with another secret is refused: {}",
        refused.body
    );
    assert_eq!(h.tick("wrong").await.0, 401);
    assert!(
        h.slack.calls().is_empty(),
        "nothing refused reached Slack: {}",
        h.slack.summary()
    );

    // `/sym req oncall-access` → modal → submit → card in #sym-requests.
    let card = h.request_access(ALICE, "paged: db at 95% disk").await;
    let run_id = card.run_id.clone();
    let identity_key = "flows/identity/alice@example.com";
    assert_eq!(
        h.kv_json(identity_key),
        None,
        "no identity is stored before escalation"
    );

    // Bob approves → escalate (the Python break-glass strategy): its get_requester_identity asks
    // fetch_remote_identity and persists the answer through the capabilities component.
    h.approve(BOB, &card).await;
    let run = h.run(&run_id);
    assert_eq!(run.status, RunStatus::Escalated, "{run:?}");
    let grant = run.step_outputs["escalate"]["grant"]
        .as_str()
        .unwrap_or_else(|| {
            panic!(
                "the strategy's escalate output is kept: {:?}",
                run.step_outputs
            )
        })
        .to_string();
    let identifier = run.step_outputs["escalate"]["target"]
        .as_str()
        .expect("escalate names the target")
        .to_string();
    assert_eq!(
        grant,
        format!("alice@{identifier}"),
        "the grant is for alice's identity from fetch_remote_identity"
    );
    assert_eq!(
        h.kv_json(identity_key),
        Some(serde_json::json!([
            { "service": "custom", "service_id": "breakglass", "user_id": "alice" }
        ])),
        "get_requester_identity persisted alice's break-glass identity in the key-value store"
    );
    // after_escalate posted through the capabilities component. The escalate event's user is
    // the approver (spec: escalate/deescalate actors equal the approve actor).
    assert!(
        h.slack
            .messages_in("#sym-audit")
            .iter()
            .any(|m| m.text == "bob@example.com was granted access by bob@example.com"),
        "after_escalate posted to #sym-audit: {:?}",
        h.slack.messages_in("#sym-audit")
    );
    let approved_dm = h
        .slack
        .messages_in(&FakeSlack::dm_channel_id(ALICE))
        .last()
        .expect("alice was told")
        .text
        .clone();
    assert!(approved_dm.contains("You have access"), "{approved_dm}");
    let timers = h
        .kv_json("flows/timers")
        .expect("the expiry timer is stored");
    assert_eq!(timers.as_array().map(Vec::len), Some(1), "{timers}");

    // 29 minutes on, a tick changes nothing: access lasts the 30 minutes asked for.
    h.advance(Duration::from_secs(29 * 60));
    assert_eq!(h.tick(TICK_TOKEN).await.0, 200);
    assert_eq!(h.run(&run_id).status, RunStatus::Escalated);

    // 31 minutes after approval, the scheduler's tick removes access.
    h.advance(Duration::from_secs(2 * 60));
    let (status, body) = h.tick(TICK_TOKEN).await;
    assert_eq!(status, 200, "{body}");
    let run = h.run(&run_id);
    assert_eq!(run.status, RunStatus::Deescalated, "{run:?}");
    assert_eq!(
        run.step_outputs["deescalate"]["revoked"].as_str(),
        Some(grant.as_str()),
        "deescalate removed exactly what escalate granted: {:?}",
        run.step_outputs
    );
    assert_eq!(
        h.kv_json("flows/timers"),
        Some(serde_json::json!([])),
        "the fired timer is gone"
    );
    let ended = h.slack.message(&card.channel, &card.ts).unwrap();
    assert!(
        ended.visible_text().contains("Access ended"),
        "the card says access ended: {}",
        ended.visible_text()
    );
    let ended_dm = h
        .slack
        .messages_in(&FakeSlack::dm_channel_id(ALICE))
        .last()
        .unwrap()
        .text
        .clone();
    assert!(ended_dm.contains("has ended"), "alice was told: {ended_dm}");

    // A second tick finds nothing to do: the run is not deescalated twice.
    let calls = h.slack.calls().len();
    assert_eq!(h.tick(TICK_TOKEN).await.0, 200);
    assert_eq!(h.slack.calls().len(), calls, "{}", h.slack.summary());

    // Second request: the identity is now stored, so the strategy uses it without asking
    // fetch_remote_identity (changed here as another service would have it).
    h.kv.lock().unwrap().insert(
        identity_key.to_string(),
        serde_json::to_vec(&serde_json::json!([
            { "service": "custom", "service_id": "breakglass", "user_id": "alice.vo" }
        ]))
        .unwrap(),
    );
    let second = h.request_access(ALICE, "paged again").await;
    h.approve(BOB, &second).await;
    let run = h.run(&second.run_id);
    assert_eq!(run.status, RunStatus::Escalated, "{run:?}");
    assert!(
        run.step_outputs["escalate"]["grant"]
            .as_str()
            .is_some_and(|g| g.starts_with("alice.vo@")),
        "the stored identity was used: {:?}",
        run.step_outputs
    );

    // No scheduler this time: expiry is checked after every request, so any Slack request
    // after the deadline (here Bob's `/sym whoami`) removes access.
    h.advance(Duration::from_secs(31 * 60));
    let whoami = SlashCommand::new(TEAM, BOB, "/sym", "whoami").channel("C0GENERAL", "general");
    let (status, _) = h.slack_post("/slack/commands", &whoami.request()).await;
    assert_eq!(status, 200);
    let run = h.run(&second.run_id);
    assert_eq!(run.status, RunStatus::Deescalated, "{run:?}");
    assert!(
        run.step_outputs["deescalate"]["revoked"]
            .as_str()
            .is_some_and(|g| g.starts_with("alice.vo@")),
        "{:?}",
        run.step_outputs
    );
}

/// Spin's key-value store has no compare-and-swap: the run's version check must keep two
/// approvers clicking the same card at once from both acting (escalating twice, or one
/// request's write undoing the other's), and two runs approved at once must both keep their
/// expiry timer (one key holds every timer of the tenant).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn simultaneous_clicks_do_not_lose_an_update_under_spin() {
    let h = Harness::start().await;
    let first = h.request_access(ALICE, "first").await;
    let second = h.request_access(CAROL, "second").await;

    // Bob and Carol approve Alice's request at the same instant — both requests read the
    // pending run before either writes — and Bob approves Carol's request meanwhile.
    h.host
        .shared
        .read_gate
        .hold(&format!("flows/run/{}", first.run_id), 2);
    tokio::join!(
        h.approve(BOB, &first),
        h.approve(CAROL, &first),
        h.approve(BOB, &second)
    );

    let run = h.run(&first.run_id);
    assert_eq!(run.status, RunStatus::Escalated, "{run:?}");
    let approvals = run
        .history
        .iter()
        .filter(|s| s.event == Step::Approve)
        .count();
    assert_eq!(approvals, 1, "one approval is recorded: {:?}", run.history);
    let escalations = run
        .history
        .iter()
        .filter(|s| s.event == Step::Escalate)
        .count();
    assert_eq!(escalations, 1, "access was granted once: {:?}", run.history);
    assert_eq!(h.run(&second.run_id).status, RunStatus::Escalated);
    let granted: Vec<String> = h
        .slack
        .messages_in("#sym-audit")
        .into_iter()
        .map(|m| m.text)
        .filter(|t| t.contains("was granted access"))
        .collect();
    assert_eq!(
        granted.len(),
        2,
        "after_escalate ran once per run: {granted:?}"
    );

    // Both expiry timers are kept, and both runs end on time.
    let timers = h.kv_json("flows/timers").expect("timers are stored");
    let mut timer_runs: Vec<&str> = timers
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(|t| t["run_id"].as_str())
        .collect();
    timer_runs.sort();
    let mut expected = vec![first.run_id.as_str(), second.run_id.as_str()];
    expected.sort();
    assert_eq!(timer_runs, expected, "{timers}");
    h.advance(Duration::from_secs(31 * 60));
    assert_eq!(h.tick(TICK_TOKEN).await.0, 200);
    for card in [&first, &second] {
        let run = h.run(&card.run_id);
        assert_eq!(run.status, RunStatus::Deescalated, "{run:?}");
        assert_eq!(
            run.history
                .iter()
                .filter(|s| s.event == Step::Deescalate)
                .count(),
            1,
            "{:?}",
            run.history
        );
    }
}

/// The on-call flow's `on_request` asks PagerDuty (`pagerduty.is_on_call` by schedule name)
/// through the capabilities component and Spin's outbound HTTP: the on-call engineer is
/// approved and granted access without a click; everyone else waits (the other tests: Alice
/// is not a PagerDuty user).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_on_call_engineer_is_approved_without_a_click_under_spin() {
    let h = Harness::start().await;
    let run_id = h
        .submit_request(
            OLIVE,
            "oncall-access",
            &[
                ("target_id", inputs::static_select("sym_target.prod_db")),
                ("reason", text_input("sev1")),
                ("duration", inputs::static_select("30m")),
            ],
        )
        .await;
    let run = h.run(&run_id);
    assert_eq!(
        run.status,
        RunStatus::Escalated,
        "PagerDuty says Olive is on call: approved by the flow. Slack: {} Run: {run:?}",
        h.slack.summary()
    );
    assert!(
        run.step_outputs["escalate"]["grant"]
            .as_str()
            .is_some_and(|g| g.starts_with("oncall@")),
        "{:?}",
        run.step_outputs
    );
    assert!(
        h.slack
            .messages_in("#sym-audit")
            .iter()
            .any(|m| m.text == "oncall@acme.com was granted access by oncall@acme.com"),
        "{:?}",
        h.slack.messages_in("#sym-audit")
    );
}

/// A flow's `sym_secret`s under Spin: the secrets its environment's integrations reference
/// are read from the secret Spin variables `secret_<name>`; one given but without a value
/// names the variable to set; one no integration references is refused even though its
/// variable is set.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flow_reads_only_the_secrets_it_was_given_under_spin() {
    let h = Harness::start_with(
        secrets_artifacts,
        BTreeMap::from([
            (
                "secret_vault_token".to_string(),
                "vault-token-from-spin".to_string(),
            ),
            (
                "secret_unreferenced".to_string(),
                "must-not-leak".to_string(),
            ),
            (
                "secret_db_credentials".to_string(),
                r#"{"user": "app", "password": "db-pass-from-json"}"#.to_string(),
            ),
        ]),
        Vec::new(),
    )
    .await;
    h.submit_request(
        ALICE,
        "secret-reader",
        &[("reason", text_input("rotate keys"))],
    )
    .await;
    let said: Vec<String> = h
        .slack
        .messages_in("#secrets")
        .iter()
        .map(|m| m.text.clone())
        .collect();
    let line = |label: &str| {
        said.iter()
            .find(|t| t.starts_with(&format!("{label}: ")))
            .cloned()
            .unwrap_or_else(|| {
                panic!(
                    "the flow reported {label}: {said:?} Slack: {}",
                    h.slack.summary()
                )
            })
    };
    assert_eq!(line("given"), "given: value vault-token-from-spin");
    assert_eq!(
        line("json"),
        "json: value db-pass-from-json",
        "settings.json_key"
    );
    let unset = line("unset");
    assert!(
        unset.starts_with("unset: refused")
            && unset.contains("secret_missing_token")
            && unset.contains("SPIN_VARIABLE_SECRET_MISSING_TOKEN"),
        "{unset}"
    );
    let other = line("other");
    assert!(
        other.starts_with("other: refused") && other.contains("not given"),
        "{other}"
    );
    assert!(
        !said.iter().any(|t| t.contains("must-not-leak")),
        "{said:?}"
    );
}

/// Alice as the fake Okta knows her (alice@acme.com, in Engineering).
const ALICE_ACME: &str = "UALICEACME";

/// The harness over the Okta test environment, talking to a fresh fake Okta with its token,
/// and Alice of acme.com in Slack.
async fn okta_harness() -> (Harness, Arc<Mutex<symflow_service_fakes::OktaState>>) {
    let (okta, okta_state) = symflow_service_fakes::okta().await;
    let authority = authority_of(&okta);
    let h = Harness::start_with(
        okta_artifacts,
        BTreeMap::from([
            ("okta_api_url".to_string(), okta.to_string()),
            (
                "okta_api_token".to_string(),
                symflow_service_fakes::OKTA_TOKEN.to_string(),
            ),
        ]),
        vec![authority],
    )
    .await;
    h.slack.add_user(
        FakeUser::new(ALICE_ACME, "alice.acme")
            .email("alice@acme.com")
            .team(TEAM),
    );
    (h, okta_state)
}

/// Okta's helpers under Spin go to the Okta API over Spin's outbound HTTP with the token of
/// the secret Spin variable `okta_api_token` (the fake Okta refuses any other): the requester
/// is found by e-mail, their groups and a group's members come back as the fake holds them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn okta_group_membership_is_checked_under_spin() {
    let (h, okta_state) = okta_harness().await;
    h.submit_request(
        ALICE_ACME,
        "okta-checker",
        &[("reason", text_input("deploy"))],
    )
    .await;
    let said: Vec<String> = h
        .slack
        .messages_in("#okta")
        .iter()
        .map(|m| m.text.clone())
        .collect();
    assert_eq!(
        said,
        vec![
            "in eng: True".to_string(),
            "in admins: False".to_string(),
            "admins: carol@acme.com".to_string(),
            "groups named Ad…: Admins".to_string(),
            "filter sent: type eq \"OKTA_GROUP\"".to_string(),
        ],
        "Slack: {}",
        h.slack.summary()
    );
    let calls = okta_state.lock().unwrap().calls.clone();
    assert!(
        calls
            .iter()
            .any(|c| c == "GET /api/v1/users/00u-alice/groups"),
        "{calls:?}"
    );
}

/// Per-request instantiation of the composed component (what Spin does before every P2
/// request), for BENCHMARKS.md. Not part of the test run:
/// `cargo test --release -p symflow-spin-build --test spin -- --ignored --nocapture measure`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore]
async fn measure_instantiation() {
    let h = Harness::start().await;
    let mut samples = Vec::new();
    for _ in 0..200 {
        samples.push(h.host.instantiate_only().await.expect("instantiates"));
    }
    samples.sort();
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q) as usize];
    let built = artifacts();
    let size = |p: &PathBuf| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0) as f64 / 1e6;
    println!(
        "instantiate composed component: p50 {:?} p90 {:?} p99 {:?} (n={})",
        at(0.5),
        at(0.9),
        at(0.99),
        samples.len()
    );
    println!(
        "sizes: composed {:.1} MB, http {:.1} MB, caps {:.2} MB, flow bundle of {} flows {:.1} MB",
        size(&built.component),
        size(&built.app),
        size(&built.caps),
        built.flows.len(),
        size(&built.bundle)
    );
}

/// One component carries every flow of a tenant: the example's three flows plus five more
/// (twice what the old one-component-per-flow design could carry) make one package far under
/// Akamai Functions' 50 MiB (more flows add their Python source,
/// not another interpreter), and each request runs its own flow's `impl.py`: every generated
/// flow posts its requests to its own channel.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_flows_fit_one_package_and_each_runs_its_own_code_under_spin() {
    const AKAMAI_FUNCTIONS_PACKAGE_LIMIT: u64 = 50 * 1024 * 1024;
    // Builds block (componentize-py runs its own runtime): off the test's runtime.
    let built = tokio::task::spawn_blocking(many_flows_artifacts)
        .await
        .unwrap();
    assert_eq!(built.flows.len(), 3 + EXTRA_FLOWS, "{:?}", built.flows);
    let size = std::fs::metadata(&built.component).unwrap().len();
    assert!(
        size < AKAMAI_FUNCTIONS_PACKAGE_LIMIT / 2,
        "{} flows make a {size}-byte component",
        built.flows.len()
    );
    let example = tokio::task::spawn_blocking(artifacts).await.unwrap();
    let example = std::fs::metadata(&example.component).unwrap().len();
    assert!(
        size.saturating_sub(example) < 1_000_000,
        "{EXTRA_FLOWS} more flows grew the component from {example} to {size} bytes"
    );

    let h = Harness::start_with(many_flows_artifacts, BTreeMap::new(), Vec::new()).await;
    for i in [EXTRA_FLOWS, 1, 3] {
        let run_id = h
            .submit_request(
                ALICE,
                &format!("team-{i}"),
                &[("reason", text_input(&format!("team {i} deploy")))],
            )
            .await;
        let cards = h.slack.messages_in(&format!("#team-{i}"));
        assert_eq!(
            cards.len(),
            1,
            "team-{i}'s card is in #team-{i}; Slack has: {:?}",
            h.slack
                .messages()
                .iter()
                .map(|m| (m.channel.clone(), m.visible_text()))
                .collect::<Vec<_>>()
        );
        assert!(
            serde_json::to_string(&cards[0].blocks)
                .unwrap()
                .contains(&run_id),
            "the card is the run's: {cards:?}"
        );
        assert_eq!(h.run(&run_id).status, RunStatus::Pending);
    }
    for other in (2..EXTRA_FLOWS).filter(|i| *i != 3) {
        assert!(h.slack.messages_in(&format!("#team-{other}")).is_empty());
    }
    // The example's flows run their own code as before.
    let card = h.request_access(BOB, "next to twelve other flows").await;
    assert_eq!(h.run(&card.run_id).status, RunStatus::Pending);
}

/// Finished runs leave the key-value store after `run_retention_days` (default 30; Fermyon
/// Cloud allows 1024 keys per store): on `/tick` (at most hourly), a run that ended more than
/// the retention ago is deleted, one that ended within it is kept, a run still waiting for approval is kept
/// whatever its age, and a request modal nobody submitted is deleted after a day.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finished_and_abandoned_runs_leave_the_store_under_spin() {
    let h = Harness::start().await;
    let ended = h.request_access(ALICE, "granted for 30 minutes").await;
    h.approve(BOB, &ended).await;
    let waiting = h.request_access(CAROL, "nobody answers").await;
    let command =
        SlashCommand::new(TEAM, ALICE, "/sym", "req oncall-access").channel("C0GENERAL", "general");
    let (status, body) = h.slack_post("/slack/commands", &command.request()).await;
    assert_eq!(status, 200, "{body}");
    let modal = h.slack.views().last().expect("the modal is open").clone();
    let metadata: Value =
        serde_json::from_str(modal.view["private_metadata"].as_str().expect("metadata")).unwrap();
    let abandoned = metadata["run_id"].as_str().expect("a run id").to_string();
    let key = |id: &str| format!("flows/run/{id}");
    assert!(h.kv_json(&key(&abandoned)).is_some());

    // Access ends at 30 minutes; two days later the ended run is kept, the modal run goes.
    h.advance(Duration::from_secs(31 * 60));
    assert_eq!(h.tick(TICK_TOKEN).await.0, 200);
    assert!(h.run(&ended.run_id).is_finished());
    h.advance(Duration::from_secs(2 * 24 * 3600));
    assert_eq!(h.tick(TICK_TOKEN).await.0, 200);
    assert!(
        h.kv_json(&key(&ended.run_id)).is_some(),
        "ended 2 days ago: kept"
    );
    assert!(
        h.kv_json(&key(&abandoned)).is_none(),
        "an unsubmitted modal goes after a day"
    );
    assert_eq!(h.run(&waiting.run_id).status, RunStatus::Pending);
    // Pruning reads every run, so a tick within the hour does not prune again.
    let pruned_at = h
        .kv_json("flows/pruned_at")
        .expect("the pruning time is kept");
    h.advance(Duration::from_secs(10 * 60));
    assert_eq!(h.tick(TICK_TOKEN).await.0, 200);
    assert_eq!(
        h.kv_json("flows/pruned_at"),
        Some(pruned_at),
        "pruned at most hourly"
    );

    // Thirty days on, the ended run goes too; the open request stays.
    h.advance(Duration::from_secs(29 * 24 * 3600));
    assert_eq!(h.tick(TICK_TOKEN).await.0, 200);
    assert!(
        h.kv_json(&key(&ended.run_id)).is_none(),
        "ended 31 days ago: deleted"
    );
    let open = h.run(&waiting.run_id);
    assert_eq!(open.status, RunStatus::Pending, "{open:?}");
}

/// A `sym_strategy` of type `okta` under Spin: symflow's built-in strategy (run by the
/// capabilities component over Spin's outbound HTTP) adds the requester to the target's Okta
/// group at approval and removes them at expiry; a group Okta refuses fails the run with
/// Okta's reason in the error channel.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_okta_strategy_grants_and_removes_group_membership_under_spin() {
    let (h, okta_state) = okta_harness().await;
    let admins = |state: &symflow_service_fakes::OktaState| state.groups["00g-admins"].1.clone();
    assert!(!admins(&okta_state.lock().unwrap()).contains("00u-alice"));

    let request = |target: &'static str| {
        let h = &h;
        async move {
            let run_id = h
                .submit_request(
                    ALICE_ACME,
                    "okta-grant",
                    &[
                        ("target_id", inputs::static_select(target)),
                        ("reason", text_input("on-call fix")),
                        ("duration", inputs::static_select("1h")),
                    ],
                )
                .await;
            let run = h.run_in("okta", &run_id);
            assert_eq!(
                run.status,
                RunStatus::Pending,
                "{run:?} {}",
                h.slack.summary()
            );
            let card = Card::of(run_id, &run);
            h.approve(BOB, &card).await;
            h.run_in("okta", &card.run_id)
        }
    };

    let run = request("sym_target.admins").await;
    assert_eq!(
        run.status,
        RunStatus::Escalated,
        "{run:?} {}",
        h.slack.summary()
    );
    assert_eq!(
        run.step_outputs["escalate"],
        serde_json::json!({"group_id": "00g-admins", "user_id": "00u-alice"})
    );
    assert!(admins(&okta_state.lock().unwrap()).contains("00u-alice"));

    h.advance(Duration::from_secs(61 * 60));
    assert_eq!(h.tick(TICK_TOKEN).await.0, 200);
    let run = h.run_in("okta", &run.id);
    assert_eq!(run.status, RunStatus::Deescalated, "{run:?}");
    assert_eq!(run.step_outputs["deescalate"]["removed"], true);
    assert!(!admins(&okta_state.lock().unwrap()).contains("00u-alice"));

    // Okta refuses the locked group: the run errors with Okta's reason in #sym-errors.
    let run = request("sym_target.locked").await;
    assert_eq!(run.status, RunStatus::Errored, "{run:?}");
    let errors: Vec<String> = h
        .slack
        .messages_in("#sym-errors")
        .iter()
        .map(|m| m.visible_text())
        .collect();
    assert_eq!(errors.len(), 1, "one report of the failure: {errors:?}");
    assert!(
        errors[0].contains("HTTP 403")
            && errors[0].contains("You do not have permission")
            && errors[0].contains("00g-locked"),
        "{errors:?}"
    );
}

/// PagerDuty's helpers under Spin, over outbound HTTP to the fake PagerDuty: who is on call for
/// an escalation policy (by name), who is on a schedule, the requester's open high-urgency
/// incidents (none for someone PagerDuty does not know, not everyone's), and every incident;
/// and a `@prefetch` reducer fills the modal's dropdown with PagerDuty's on-call people.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pagerduty_helpers_answer_under_spin() {
    let h = Harness::start_with(pagerduty_artifacts, BTreeMap::new(), Vec::new()).await;
    let report = |user: &'static str| {
        let h = &h;
        async move {
            let before = h.slack.messages_in("#pagerduty").len();
            h.submit_request(user, "pagerduty-report", &[("reason", text_input("check"))])
                .await;
            h.slack
                .messages_in("#pagerduty")
                .into_iter()
                .skip(before)
                .map(|m| m.text)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        report(OLIVE).await,
        vec![
            "on call for Primary: oncall@acme.com,second@acme.com",
            "on prod-on-call: oncall@acme.com,second@acme.com",
            "requester's open incidents: db down",
            "requester has a high-urgency incident: True",
            "all incidents: Q1,Q2,Q3",
        ],
        "Slack: {}",
        h.slack.summary()
    );
    // The modal's responder dropdown came from the flow's @prefetch reducer (PagerDuty).
    let modal = h.slack.views().last().expect("a modal").view.clone();
    let options: Vec<(String, String)> = modal["blocks"]
        .as_array()
        .and_then(|b| b.iter().find(|b| b["block_id"] == "field:responder"))
        .and_then(|b| b["element"]["options"].as_array())
        .unwrap_or_else(|| panic!("the responder field has options: {modal}"))
        .iter()
        .map(|o| {
            (
                o["value"].as_str().unwrap_or_default().to_string(),
                o["text"]["text"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    assert_eq!(
        options,
        vec![
            ("oncall@acme.com".to_string(), "Olive Oncall".to_string()),
            ("second@acme.com".to_string(), "Sam Second".to_string()),
        ]
    );
    let unknown = report(ALICE).await;
    assert_eq!(unknown[2], "requester's open incidents: ", "{unknown:?}");
    assert_eq!(unknown[3], "requester has a high-urgency incident: False");
}

/// The environment's `sym_flows_filter` runs under Spin (it rides in the flow bundle): `/sym`
/// opens a "Loading…" modal, asks `get_flows`, and updates it into a picker of the flows the
/// person may see; the PagerDuty report is offered to acme.com people only.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_flows_filter_narrows_the_picker_under_spin() {
    let h = Harness::start_with(pagerduty_artifacts, BTreeMap::new(), Vec::new()).await;
    let picker = |user: &'static str| {
        let h = &h;
        async move {
            let command = SlashCommand::new(TEAM, user, "/sym", "").channel("C0GENERAL", "general");
            let (status, body) = h.slack_post("/slack/commands", &command.request()).await;
            assert_eq!(status, 200, "{body}");
            let view = h
                .slack
                .views()
                .last()
                .expect("a modal is open")
                .view
                .clone();
            let mut offered = Vec::new();
            collect_option_values(&view, &mut offered);
            offered.sort();
            offered
        }
    };
    assert_eq!(picker(OLIVE).await, vec!["pagerduty-report", "routine"]);
    assert_eq!(picker(ALICE).await, vec!["routine"]);
    assert!(
        h.slack.messages_in("#sym-errors").is_empty(),
        "{}",
        h.slack.summary()
    );
}

/// Every `options[].value` in a Block Kit view.
fn collect_option_values(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::Array(options)) = map.get("options") {
                out.extend(
                    options
                        .iter()
                        .filter_map(|o| o["value"].as_str().map(str::to_string)),
                );
            }
            for (key, child) in map {
                if key != "options" {
                    collect_option_values(child, out);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_option_values(v, out)),
        _ => {}
    }
}

/// Slack's helpers under Spin: `send_thread_message` replies under the request's card,
/// `users_in_channel`, `is_user_in_group` (a Slack user group) and `list_users` read the
/// workspace through the Web API; and `User.get_event_count` counts the requester's events
/// from the runs' audit trails (the `routine` flow's `after_approve`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slack_helpers_answer_under_spin() {
    let h = Harness::start_with(pagerduty_artifacts, BTreeMap::new(), Vec::new()).await;
    h.slack.set_channel_members("C0OPS", [ALICE, CAROL]);
    h.slack.set_usergroup_members("S0ONCALL", [ALICE]);
    let run_id = h
        .submit_request(ALICE, "routine", &[("reason", text_input("weekly check"))])
        .await;
    let run = h.run_in("pagerduty", &run_id);
    let card = Card::of(run_id, &run);
    h.approve(BOB, &card).await;
    let thread: Vec<String> = h
        .slack
        .messages_in(&card.channel)
        .into_iter()
        .filter(|m| m.thread_ts.as_deref() == Some(card.ts.as_str()))
        .map(|m| m.text)
        .collect();
    assert!(
        thread.contains(&"approved; #ops has alice@example.com,carol@example.com".to_string()),
        "{thread:?} {}",
        h.slack.summary()
    );
    let report: Vec<String> = h
        .slack
        .messages_in("#slack-report")
        .into_iter()
        .map(|m| m.text)
        .collect();
    assert_eq!(
        report,
        vec![
            "requester in S0ONCALL: True",
            "approver in S0ONCALL: False",
            "workspace: alice@example.com,bob@example.com,carol@example.com,oncall@acme.com",
            "requests by the requester here: 1",
            "since 2099: 0",
            "approvals by the requester: 0",
        ],
        "{}",
        h.slack.summary()
    );
}

/// GitHub under Spin: `get_repo_collaborators` lists the repository's admins, and the built-in
/// `github` strategy makes the requester (found by public e-mail) a collaborator with the
/// target's permission at approval and removes them at expiry.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_github_strategy_grants_and_removes_repository_access_under_spin() {
    let (github, github_state) = symflow_service_fakes::github().await;
    let authority = authority_of(&github);
    let h = Harness::start_with(
        github_artifacts,
        BTreeMap::from([
            ("github_api_url".to_string(), github.to_string()),
            (
                "github_api_token".to_string(),
                symflow_service_fakes::GITHUB_TOKEN.to_string(),
            ),
            ("github_org".to_string(), "acme".to_string()),
        ]),
        vec![authority],
    )
    .await;
    const DEV: &str = "UDEV";
    h.slack
        .add_user(FakeUser::new(DEV, "dev").email("dev@acme.com").team(TEAM));
    let collaborator = |state: &symflow_service_fakes::GitHubState| {
        state.repos["acme/api"].get("dev-login").cloned()
    };

    let run_id = h
        .submit_request(
            DEV,
            "github-grant",
            &[
                ("target_id", inputs::static_select("sym_target.api")),
                ("reason", text_input("hotfix")),
                ("duration", inputs::static_select("1h")),
            ],
        )
        .await;
    let said: Vec<String> = h
        .slack
        .messages_in("#github")
        .into_iter()
        .map(|m| m.text)
        .collect();
    assert_eq!(
        said,
        vec!["api admins: octo-admin"],
        "{}",
        h.slack.summary()
    );
    let run = h.run_in("github", &run_id);
    assert_eq!(
        run.status,
        RunStatus::Pending,
        "{run:?} {}",
        h.slack.summary()
    );
    let card = Card::of(run_id, &run);
    h.approve(BOB, &card).await;
    let run = h.run_in("github", &card.run_id);
    assert_eq!(
        run.status,
        RunStatus::Escalated,
        "{run:?} {}",
        h.slack.summary()
    );
    assert_eq!(
        run.step_outputs["escalate"],
        serde_json::json!({"repo_name": "api", "login": "dev-login", "permission": "push"})
    );
    assert_eq!(
        collaborator(&github_state.lock().unwrap()).as_deref(),
        Some("push")
    );

    h.advance(Duration::from_secs(61 * 60));
    assert_eq!(h.tick(TICK_TOKEN).await.0, 200);
    let run = h.run_in("github", &card.run_id);
    assert_eq!(run.status, RunStatus::Deescalated, "{run:?}");
    assert_eq!(run.step_outputs["deescalate"]["removed"], true);
    assert_eq!(collaborator(&github_state.lock().unwrap()), None);
}
