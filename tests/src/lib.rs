//! The end-to-end harness: symflow's real server (the code `symflow up` runs) on loopback,
//! pointed at a fake Slack Web API, driven with requests signed the way Slack signs them,
//! and looked at through what the fake Slack was asked to do and what the store holds.
//!
//! Flows are built once per test process into a cache under the target directory
//! ([`cache_paths`]), so only the first run of the suite pays for building them.

pub mod api;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use serde_json::Value;
use symflow_config::Config;
use symflow_engine::{Run, RunStatus};
use symflow_flow_host::catalog::{build_all, CatalogPaths};
use symflow_flow_host::FlowCatalog;
use symflow_sandbox::{Sandbox, SandboxConfig};
use symflow_server::{
    Leases, RunningServer, Server, ServerOptions, SlackSettings, StandInScript, StandIns,
};
use symflow_slack_fake::requests::{
    inputs, new_trigger_id, ButtonClick, SlackRequest, SlashCommand, ViewSubmission,
};
use symflow_slack_fake::{FakeMessage, FakeSlack, FakeUser, RecordedCall};
use symflow_store::{EventRecord, OutboxItem, OutboxItemId, Store, Transaction};
use uuid::Uuid;

pub mod services;

pub use database::TestDatabase;
pub use symflow_slack_fake::DEFAULT_TEAM_ID as TEAM;

pub mod cluster;
pub mod database;
pub mod process;

/// The signing secret the test servers and the test requests share.
pub const SIGNING_SECRET: &str = "e2e-signing-secret";
/// The bot token the test servers use.
pub const BOT_TOKEN: &str = "xoxb-e2e";
/// How long to wait for something that should happen; reaching it fails the test.
pub const PATIENCE: Duration = Duration::from_secs(90);

/// The people of the fake workspace.
pub mod people {
    /// Requests access.
    pub const ALICE: &str = "UALICE";
    pub const ALICE_EMAIL: &str = "alice@example.com";
    /// A colleague who approves.
    pub const BOB: &str = "UBOB";
    /// A symflow admin (given to the server as one).
    pub const ADMIN: &str = "UADMIN";
    pub const ADMIN_EMAIL: &str = "admin@example.com";
    /// A Slack guest from a partner company.
    pub const GUEST: &str = "UGUEST";
    /// On call in PagerDuty (per the stand-in script).
    pub const ONCALL: &str = "UONCALL";
    pub const ONCALL_EMAIL: &str = "oncall@example.com";
}

/// Adds the people of [`people`] to the fake Slack workspace.
pub fn add_people(slack: &FakeSlack) {
    for user in [
        FakeUser::new(people::ALICE, "alice")
            .email(people::ALICE_EMAIL)
            .real_name("Alice Requester"),
        FakeUser::new(people::BOB, "bob")
            .email("bob@example.com")
            .real_name("Bob Approver"),
        FakeUser::new(people::ADMIN, "admin")
            .email(people::ADMIN_EMAIL)
            .real_name("Ada Admin"),
        FakeUser::new(people::GUEST, "guest")
            .email("guest@partner.example")
            .guest(),
        FakeUser::new(people::ONCALL, "oncall")
            .email(people::ONCALL_EMAIL)
            .real_name("Otto Oncall"),
    ] {
        slack.add_user(user);
    }
}

/// A configuration directory, built and loaded.
pub struct LoadedEnv {
    pub name: String,
    pub config: Config,
    pub sandbox: Arc<Sandbox>,
    pub catalog: FlowCatalog,
}

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}

/// `e2e` → `tests/envs/e2e`; `flows` → the example environment `flows/`.
pub fn env_dir(name: &str) -> PathBuf {
    match name {
        "flows" => repo_root().join("flows"),
        other => repo_root().join("tests").join("envs").join(other),
    }
}

/// Where built flows are cached between test runs: `SYMFLOW_E2E_CACHE`, else
/// `target/tmp/symflow-e2e` (cargo's `CARGO_TARGET_TMPDIR` for this workspace).
pub fn cache_paths(name: &str) -> CatalogPaths {
    let base = std::env::var_os("SYMFLOW_E2E_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("target").join("tmp").join("symflow-e2e"));
    CatalogPaths::under(&base.join(name))
}

fn init_logging() {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(
                tracing_subscriber::EnvFilter::try_from_default_env()
                    .unwrap_or_else(|_| "warn,symflow_server=info".into()),
            )
            .with_test_writer()
            .try_init();
    });
}

/// The environment `name`, built (from the cache when unchanged) and loaded once per process.
pub fn env(name: &str) -> Arc<LoadedEnv> {
    env_with(name, &symflow_config::LoadOptions::default())
}

/// [`env`] loaded with `options` (variables, `--tf-state`), as `symflow up` would load it with
/// the same flags. Cached per name and options.
pub fn env_with(name: &str, options: &symflow_config::LoadOptions) -> Arc<LoadedEnv> {
    init_logging();
    static SANDBOX: OnceLock<Arc<Sandbox>> = OnceLock::new();
    static ENVS: OnceLock<Mutex<HashMap<String, Arc<LoadedEnv>>>> = OnceLock::new();
    let mut envs = ENVS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    let key = format!("{name} {options:?}");
    if let Some(env) = envs.get(&key) {
        return env.clone();
    }
    let sandbox = SANDBOX
        .get_or_init(|| {
            Arc::new(Sandbox::new(&SandboxConfig::default()).expect("the sandbox starts"))
        })
        .clone();
    let dir = env_dir(name);
    let loaded = symflow_config::load_dir(&dir, options)
        .unwrap_or_else(|e| panic!("{} does not load:\n{e}", dir.display()));
    let paths = cache_paths(name);
    let built = build_all(&loaded.config, &paths, &mut |_| {}).unwrap_or_else(|failures| {
        let text: Vec<String> = failures.iter().map(|f| f.to_string()).collect();
        panic!(
            "flows of {} do not build:\n{}",
            dir.display(),
            text.join("\n")
        )
    });
    let catalog = FlowCatalog::load(&sandbox, built, &paths).expect("built flows load");
    let env = Arc::new(LoadedEnv {
        name: name.to_string(),
        config: loaded.config,
        sandbox,
        catalog,
    });
    envs.insert(key, env.clone());
    env
}

/// How a test server is set up.
#[derive(Clone, Default)]
pub struct Setup {
    /// E-mails PagerDuty's stand-in reports as on call.
    pub on_call: Vec<String>,
    /// E-mails of symflow admins.
    pub admins: Vec<String>,
    /// Real integration clients pointed at fake services, instead of the stand-ins.
    pub services: Option<services::ServiceSetup>,
    /// The web console's sign-in (token, OIDC); by default nobody can sign in.
    pub console: symflow_server::console::ConsoleOptions,
    /// The port the server listens on (0: any free one), for settings that name its URL.
    pub port: u16,
    /// How the environment is loaded (`--var`, `--tf-state`).
    pub load: symflow_config::LoadOptions,
}

/// A fake Slack and a symflow server talking to it, on a fresh data directory.
pub struct Harness {
    pub slack: FakeSlack,
    server: Option<RunningServer>,
    pub data_dir: tempfile::TempDir,
    /// Where the state lives: SQLite in `data_dir`, or a schema of its own on PostgreSQL.
    pub database: TestDatabase,
    pub env: Arc<LoadedEnv>,
    pub stand_ins: StandIns,
    http: reqwest::Client,
    setup: Setup,
    /// The server when it runs elsewhere: a process of its own ([`Harness::start_process`])
    /// or behind a tenants front door ([`Harness::attach`]).
    process: Option<process::ServerProcess>,
    /// The Slack workspace the harness's requests come from ([`TEAM`] unless changed).
    pub team: String,
}

/// A request modal as the fake Slack holds it.
#[derive(Debug, Clone)]
pub struct OpenModal {
    pub view_id: String,
    pub view: Value,
}

impl OpenModal {
    pub fn private_metadata(&self) -> String {
        self.view["private_metadata"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// The run the modal belongs to.
    pub fn run_id(&self) -> Uuid {
        let metadata: Value =
            serde_json::from_str(&self.private_metadata()).expect("metadata is JSON");
        Uuid::parse_str(
            metadata["run_id"]
                .as_str()
                .expect("the modal names its run"),
        )
        .expect("a run id")
    }
}

impl Harness {
    pub async fn start(env_name: &str, setup: Setup) -> Harness {
        let mut harness = Harness::without_server(env_name, setup).await;
        harness.start_server().await;
        harness
    }

    /// The fake Slack and everything else, but no server yet.
    async fn without_server(env_name: &str, setup: Setup) -> Harness {
        let env = tokio::task::spawn_blocking({
            let name = env_name.to_string();
            let load = setup.load.clone();
            move || env_with(&name, &load)
        })
        .await
        .expect("the environment loads");
        let slack = FakeSlack::start().await;
        slack.require_token(BOT_TOKEN);
        add_people(&slack);
        let stand_ins = StandIns::new(StandInScript {
            on_call: setup.on_call.iter().cloned().collect(),
            ..StandInScript::default()
        });
        Harness {
            slack,
            server: None,
            data_dir: tempfile::tempdir().expect("a temporary directory"),
            database: tokio::task::spawn_blocking(TestDatabase::from_env)
                .await
                .expect("the test database is set up"),
            env,
            stand_ins,
            http: reqwest::Client::new(),
            setup,
            process: None,
            team: TEAM.to_string(),
        }
    }

    async fn start_server(&mut self) {
        let server = Server::start(ServerOptions {
            config: self.env.config.clone(),
            sandbox: self.env.sandbox.clone(),
            catalog: self.env.catalog.clone(),
            data_dir: self.data_dir.path().to_path_buf(),
            database_url: self.database.url(),
            listen: SocketAddr::from(([127, 0, 0, 1], self.setup.port)),
            slack: SlackSettings {
                bot_token: Some(BOT_TOKEN.into()),
                signing_secret: Some(SIGNING_SECRET.into()),
                api_base_url: Some(self.slack.base_url()),
            },
            admins: self.setup.admins.clone(),
            integrations: match &self.setup.services {
                Some(services) => services.provider(&self.env.config),
                None => Arc::new(self.stand_ins.clone()),
            },
            // A run cut short mid-call by a stop is resumed by its resume timer on PostgreSQL
            // (see symflow_server::replicas); 5 s keeps restart tests quick, and within one
            // process a short lease cannot make a call run twice.
            leases: Leases {
                in_flight: Duration::from_secs(5),
                ..Leases::default()
            },
            console: self.setup.console.clone(),
        })
        .await
        .expect("the server starts");
        self.server = Some(server);
    }

    /// Stops the server (as a crash would: work in progress is abandoned).
    pub async fn stop(&mut self) {
        if let Some(server) = self.server.take() {
            server.shutdown().await;
        }
    }

    /// Starts a new server on the same data directory.
    pub async fn start_again(&mut self) {
        assert!(self.server.is_none(), "stop the server first");
        self.start_server().await;
    }

    pub fn server(&self) -> &RunningServer {
        self.server.as_ref().expect("the server is running")
    }

    pub fn store(&self) -> Store {
        match &self.process {
            Some(process) => process.store.clone(),
            None => self.server().store.clone(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        match &self.process {
            Some(process) => format!("http://{}{path}", process.addr),
            None => format!("http://{}{path}", self.server().addr),
        }
    }

    /// Posts `request` to `path` with exactly these headers.
    pub async fn post_with_headers(
        &self,
        path: &str,
        request: &SlackRequest,
        headers: &[(&str, String)],
    ) -> (u16, String) {
        let mut builder = self.http.post(self.url(path)).body(request.body.clone());
        for (name, value) in headers {
            builder = builder.header(*name, value);
        }
        let response = builder.send().await.expect("the server answers");
        let status = response.status().as_u16();
        (status, response.text().await.unwrap_or_default())
    }

    /// Posts `request` to `path`, signed now with the right secret.
    pub async fn post(&self, path: &str, request: &SlackRequest) -> (u16, String) {
        self.post_with_headers(path, request, &request.signed_now(SIGNING_SECRET))
            .await
    }

    /// `/sym <text>` typed by `user`; returns the HTTP status and the trigger id used.
    pub async fn command(&self, user: &str, text: &str) -> (u16, String) {
        let trigger = new_trigger_id();
        let command = SlashCommand::new(&self.team, user, "/sym", text).trigger_id(&trigger);
        let (status, _) = self.post("/slack/commands", &command.request()).await;
        (status, trigger)
    }

    /// The first `method` call matching `predicate`, waiting for it.
    pub async fn wait_call(
        &self,
        method: &str,
        predicate: impl Fn(&RecordedCall) -> bool,
    ) -> RecordedCall {
        self.slack
            .wait_for(method, predicate, PATIENCE)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// The modal opened with `trigger`, once it shows `callback_id` (it may show "Loading…"
    /// first and be updated).
    pub async fn wait_modal(&self, trigger: &str, callback_id: &str) -> OpenModal {
        let opened = self
            .wait_call("views.open", |c| c.str_arg("trigger_id") == Some(trigger))
            .await;
        let view_id = opened.response["view"]["id"]
            .as_str()
            .expect("views.open answered a view")
            .to_string();
        let view = opened.view().expect("views.open sent a view");
        if view["callback_id"] == callback_id {
            return OpenModal { view_id, view };
        }
        let updated = self
            .wait_call("views.update", |c| {
                c.str_arg("view_id") == Some(view_id.as_str())
                    && c.view().is_some_and(|v| v["callback_id"] == callback_id)
            })
            .await;
        OpenModal {
            view_id,
            view: updated.view().expect("views.update sent a view"),
        }
    }

    /// `/sym req <flow>` by `user`, up to the request modal.
    pub async fn open_request_modal(&self, user: &str, flow: &str) -> OpenModal {
        let (status, trigger) = self.command(user, &format!("req {flow}")).await;
        assert_eq!(status, 200, "the command is acknowledged");
        self.wait_modal(&trigger, "symflow_request").await
    }

    /// The submission of `modal` by `user` with `inputs` (field name → Slack input value).
    pub fn submission(
        &self,
        user: &str,
        modal: &OpenModal,
        fields: &[(&str, Value)],
    ) -> SlackRequest {
        let mut submit = ViewSubmission::new(&self.team, user, &modal.view_id, "symflow_request")
            .private_metadata(&modal.private_metadata());
        for (name, value) in fields {
            submit = submit.input(&format!("field:{name}"), "value", value.clone());
        }
        submit.request()
    }

    /// Requests access: `/sym req <flow>`, fill in `fields`, submit. Returns the run.
    pub async fn request(&self, user: &str, flow: &str, fields: &[(&str, Value)]) -> Uuid {
        let modal = self.open_request_modal(user, flow).await;
        let (status, body) = self
            .post(
                "/slack/interactivity",
                &self.submission(user, &modal, fields),
            )
            .await;
        assert_eq!(status, 200, "the submission is accepted: {body}");
        assert!(!body.contains("errors"), "the fields are valid: {body}");
        modal.run_id()
    }

    /// The run as stored now.
    pub fn run(&self, id: Uuid) -> Run {
        let record = self
            .read(|tx| tx.get_run(id))
            .unwrap_or_else(|| panic!("run {id} is stored"));
        Run::from_json(&record.state_json).expect("a stored run parses")
    }

    /// Whether the run is stored at all.
    pub fn run_exists(&self, id: Uuid) -> bool {
        self.read(|tx| tx.get_run(id)).is_some()
    }

    /// The run as stored, read from the data directory while no server runs.
    pub fn run_while_stopped(&self, id: Uuid) -> Run {
        assert!(self.server.is_none(), "the server is running; use `run`");
        let store = self.open_store();
        let record = blocking(|| store.transaction(|tx| tx.get_run(id)))
            .expect("the store answers")
            .unwrap_or_else(|| panic!("run {id} is stored"));
        Run::from_json(&record.state_json).expect("a stored run parses")
    }

    /// Runs `f` in one transaction on the server's store, from async test code too (the
    /// PostgreSQL client blocks, which tokio allows only outside its worker threads' async
    /// context: see [`blocking`]).
    pub fn read<T>(&self, f: impl FnOnce(&mut dyn Transaction) -> symflow_store::Result<T>) -> T {
        let store = self.store();
        blocking(|| store.transaction(f)).expect("the store answers")
    }

    /// A handle on the test's database of its own, as another process would open it. Blocks:
    /// call it outside async code or on PostgreSQL through `spawn_blocking`.
    pub fn open_store(&self) -> Store {
        let opened = blocking(|| match self.database.url() {
            Some(url) => Store::open_url(&url),
            None => Store::open(self.data_dir.path()),
        });
        opened.expect("the store opens")
    }

    /// Every outbox item ever recorded (accepted Slack requests and effects), oldest first.
    pub fn outbox_items(&self) -> Vec<OutboxItem> {
        let mut items = Vec::new();
        for id in 1.. {
            match self.read(|tx| tx.get_outbox_item(OutboxItemId(id))) {
                Some(item) => items.push(item),
                None => break,
            }
        }
        items
    }

    /// Waits until the run satisfies `done` (`what` says what was expected, for the failure).
    pub async fn wait_run(&self, id: Uuid, what: &str, done: impl Fn(&Run) -> bool) -> Run {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            if self.run_exists(id) {
                let run = self.run(id);
                if done(&run) {
                    return run;
                }
                if tokio::time::Instant::now() > deadline {
                    panic!(
                        "run {id} never became {what}; it is {:?} with errors {:?}\nSlack calls: {}",
                        run.status,
                        run.errors,
                        self.slack.summary()
                    );
                }
            } else if tokio::time::Instant::now() > deadline {
                panic!(
                    "run {id} was never stored; Slack calls: {}",
                    self.slack.summary()
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub async fn wait_status(&self, id: Uuid, status: RunStatus) -> Run {
        self.wait_run(id, status.as_str(), |r| r.status == status)
            .await
    }

    /// The request card of the run (its first posted message): (channel, ts).
    pub async fn card(&self, id: Uuid) -> (String, String) {
        let run = self
            .wait_run(id, "posted", |r| !r.messages.is_empty())
            .await;
        let message = &run.messages[0];
        (message.channel.clone(), message.ts.clone())
    }

    /// `user` clicks `action_id` (`symflow_approve`, `symflow_deny`, `symflow_revoke`) on the
    /// run's card, optionally with a decision message typed.
    pub fn click_request(
        &self,
        user: &str,
        run: Uuid,
        card: &(String, String),
        action_id: &str,
        decision: Option<&str>,
    ) -> SlackRequest {
        let mut click = ButtonClick::on_message(&self.team, user, &card.0, &card.1, action_id)
            .value(&run.to_string())
            .block_id("symflow_actions");
        if let Some(text) = decision {
            click = click.input("decision_message", "value", inputs::plain_text(text));
        }
        click.request()
    }

    pub async fn click(&self, user: &str, run: Uuid, action_id: &str) -> u16 {
        let card = self.card(run).await;
        let (status, _) = self
            .post(
                "/slack/interactivity",
                &self.click_request(user, run, &card, action_id, None),
            )
            .await;
        status
    }

    /// The run's audit events, in order.
    pub fn events(&self, id: Uuid) -> Vec<EventRecord> {
        self.read(|tx| tx.events_for_run(id))
    }

    /// The run's audit event types, in order.
    pub fn event_types(&self, id: Uuid) -> Vec<String> {
        self.events(id).into_iter().map(|e| e.event_type).collect()
    }

    /// Direct messages `user` received, oldest first.
    pub fn dms(&self, user: &str) -> Vec<FakeMessage> {
        self.slack.messages_in(&FakeSlack::dm_channel_id(user))
    }

    /// Waits until `user` has a DM whose text contains `needle`.
    pub async fn wait_dm(&self, user: &str, needle: &str) -> FakeMessage {
        let channel = FakeSlack::dm_channel_id(user);
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            if let Some(m) = self
                .slack
                .messages_in(&channel)
                .into_iter()
                .find(|m| m.visible_text().contains(needle))
            {
                return m;
            }
            if tokio::time::Instant::now() > deadline {
                let texts: Vec<String> = self.dms(user).iter().map(|m| m.text.clone()).collect();
                panic!("{user} never got a DM containing {needle:?}; DMs: {texts:#?}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits until a message in `channel` contains `needle`.
    pub async fn wait_message(&self, channel: &str, needle: &str) -> FakeMessage {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            if let Some(m) = self
                .slack
                .messages_in(channel)
                .into_iter()
                .find(|m| m.visible_text().contains(needle))
            {
                return m;
            }
            if tokio::time::Instant::now() > deadline {
                let texts: Vec<String> = self
                    .slack
                    .messages_in(channel)
                    .iter()
                    .map(|m| m.visible_text())
                    .collect();
                panic!("no message in {channel} contains {needle:?}; messages: {texts:#?}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits until the ephemeral messages shown to `user` include one containing `needle`.
    pub async fn wait_ephemeral(&self, user: &str, needle: &str) -> FakeMessage {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let calls = self.slack.calls_to("chat.postEphemeral");
            if let Some(call) = calls
                .iter()
                .find(|c| c.str_arg("user") == Some(user) && c.visible_text().contains(needle))
            {
                return FakeMessage {
                    channel: call.str_arg("channel").unwrap_or_default().to_string(),
                    ts: String::new(),
                    thread_ts: None,
                    text: call.visible_text(),
                    blocks: None,
                    updates: 0,
                };
            }
            if tokio::time::Instant::now() > deadline {
                let texts: Vec<String> = calls
                    .iter()
                    .map(|c| format!("{:?}: {}", c.str_arg("user"), c.visible_text()))
                    .collect();
                panic!("{user} was never told {needle:?}; ephemeral messages: {texts:#?}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The current text of the run's card.
    pub fn card_text(&self, card: &(String, String)) -> String {
        self.slack
            .message(&card.0, &card.1)
            .map(|m| m.visible_text())
            .unwrap_or_default()
    }

    /// Waits until the run's card (as Slack shows it now) contains `needle`.
    pub async fn wait_card_text(&self, card: &(String, String), needle: &str) -> String {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let text = self.card_text(card);
            if text.contains(needle) {
                return text;
            }
            if tokio::time::Instant::now() > deadline {
                panic!("the card never said {needle:?}; it says:\n{text}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// Runs `f`, which blocks on the database, from sync or async code: on a tokio worker thread
/// it runs under `block_in_place` (the tests use the multi-threaded runtime).
pub fn blocking<T>(f: impl FnOnce() -> T) -> T {
    if tokio::runtime::Handle::try_current().is_ok() {
        tokio::task::block_in_place(f)
    } else {
        f()
    }
}

/// `GET url` as JSON.
pub async fn get_json(url: &str) -> Value {
    let text = reqwest::get(url)
        .await
        .expect("the server answers")
        .text()
        .await
        .expect("a body");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{url} answered {text:?}: {e}"))
}

/// The inputs of the break-glass modal.
pub fn breakglass_fields(reason: &str, duration: &str) -> Vec<(&'static str, Value)> {
    vec![
        ("reason", inputs::plain_text(reason)),
        ("duration", inputs::static_select(duration)),
    ]
}

/// A text input.
pub fn text_input(value: &str) -> Value {
    inputs::plain_text(value)
}
pub mod webdriver;
