//! The running server: its shared state ([`App`]), how it starts (store, resumption of runs
//! cut short by a restart, the outbox worker, the timer loop, the HTTP listener) and how it
//! stops.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use symflow_config::Config;
use symflow_flow_host::FlowCatalog;
use symflow_sandbox::Sandbox;
use symflow_slack::{SignatureVerifier, SlackClient, SlackClientConfig};
use symflow_store::{Backend, Store, DEFAULT_TENANT};
use tokio::sync::{watch, Notify};
use tokio::task::JoinSet;

use crate::capabilities::{CapabilityFactory, IntegrationProvider};
use crate::driver::{Cause, Next, RunLocks, RunRef};
use crate::flow_calls::FlowRunner;
use crate::flows::Flows;
use crate::replicas::Leases;
use crate::users::Directory;
use crate::work::Origin;

/// Slack credentials and where the Web API is.
#[derive(Clone, Default)]
pub struct SlackSettings {
    /// `SLACK_BOT_TOKEN` (`xoxb-…`).
    pub bot_token: Option<String>,
    /// `SLACK_SIGNING_SECRET`.
    pub signing_secret: Option<String>,
    /// Another Web API base (a fake or an emulator), e.g. `http://127.0.0.1:9000/api/`.
    pub api_base_url: Option<String>,
}

impl std::fmt::Debug for SlackSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SlackSettings")
            .field("bot_token", &self.bot_token.as_ref().map(|_| "<set>"))
            .field(
                "signing_secret",
                &self.signing_secret.as_ref().map(|_| "<set>"),
            )
            .field("api_base_url", &self.api_base_url)
            .finish()
    }
}

/// Everything [`Server::start`] needs. The flows come built and loaded (building is slow
/// and cached; `symflow up` does it with a progress bar first).
pub struct ServerOptions {
    pub config: Config,
    pub sandbox: Arc<Sandbox>,
    pub catalog: FlowCatalog,
    /// Holds `symflow.db` (unless `database_url` names another database).
    pub data_dir: PathBuf,
    /// `postgres://…` to keep the state in PostgreSQL, shared with other replicas (issue 8);
    /// `None`: the SQLite file in `data_dir`.
    pub database_url: Option<String>,
    /// Where to listen; port 0 picks a free one.
    pub listen: SocketAddr,
    pub slack: SlackSettings,
    /// E-mails of symflow admins (spec §8: admin is granted explicitly).
    pub admins: Vec<String>,
    /// What backs PagerDuty, Okta, GitHub, Lambda, HTTP and secrets for flows.
    pub integrations: Arc<dyn IntegrationProvider>,
    /// How long claims last before another replica (or a restart) takes them over.
    pub leases: Leases,
    /// The web console's sign-in and the Slack preview's local Slack (`/console`, `/preview`).
    pub console: crate::console::ConsoleOptions,
}

/// State shared by the HTTP handlers, the worker and the timer loop.
pub struct App {
    pub store: Store,
    pub flows: Flows,
    pub slack: Option<SlackClient>,
    pub verifier: Option<SignatureVerifier>,
    pub directory: Directory,
    pub runner: FlowRunner,
    pub run_locks: RunLocks,
    pub leases: Leases,
    /// Outbox items were enqueued or finished.
    pub work_ready: Notify,
    /// Timers were scheduled or cancelled.
    pub timers_changed: Notify,
    /// Keeps the flows' engine (and its epoch ticker) alive.
    pub sandbox: Arc<Sandbox>,
}

/// What is missing for the server to work with Slack, one sentence each.
pub fn missing_settings(slack: &SlackSettings) -> Vec<String> {
    let mut missing = Vec::new();
    if slack.signing_secret.as_deref().is_none_or(str::is_empty) {
        missing.push("SLACK_SIGNING_SECRET is not set: symflow cannot check that requests come from Slack, so it refuses them (HTTP 503). Copy the Signing Secret from your Slack app's Basic Information page.".to_string());
    }
    if slack.bot_token.as_deref().is_none_or(str::is_empty) {
        missing.push("SLACK_BOT_TOKEN is not set: symflow cannot open modals, post requests or DM anyone. Copy the Bot User OAuth Token (xoxb-…) from your Slack app's OAuth & Permissions page.".to_string());
    }
    missing
}

/// A server that is running.
pub struct RunningServer {
    pub addr: SocketAddr,
    pub store: Store,
    app: Arc<App>,
    stop: watch::Sender<bool>,
    tasks: JoinSet<()>,
}

impl RunningServer {
    /// The server's shared state (tests look at the store and the flows).
    pub fn app(&self) -> &Arc<App> {
        &self.app
    }

    /// Stops listening, stops the worker and the timer loop. Work in progress is abandoned
    /// as a crash would abandon it (a flow call already running in the sandbox finishes on its
    /// thread, but nothing it returns is used): claimed items and timers are handed out again
    /// after their lease, runs cut short mid-step are resumed on the next start.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        self.tasks.abort_all();
        while self.tasks.join_next().await.is_some() {}
    }

    /// Serves until the process is interrupted (Ctrl-C / SIGTERM).
    pub async fn run_until_interrupted(self) {
        let _ = tokio::signal::ctrl_c().await;
        eprintln!("symflow: stopping");
        self.shutdown().await;
    }
}

/// Starts symflow's server.
pub struct Server;

impl Server {
    pub async fn start(options: ServerOptions) -> anyhow::Result<RunningServer> {
        let store = {
            let dir = options.data_dir.clone();
            let url = options.database_url.clone();
            tokio::task::spawn_blocking(move || match url {
                Some(url) => Store::open_url(&url),
                None => Store::open(dir),
            })
            .await?
            .map_err(|e| anyhow::anyhow!("cannot open the store: {e}"))?
        };
        // Each flow's memory cap and time limit come from its vars.
        let mut catalog = options.catalog;
        catalog
            .apply_limits(&options.config)
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let flows = Flows::new(&options.config, &catalog)?;
        let slack = match options.slack.bot_token.as_deref().filter(|t| !t.is_empty()) {
            Some(token) => {
                let mut config = SlackClientConfig::new(token);
                if let Some(url) = &options.slack.api_base_url {
                    config = config.with_api_base_url(url.clone());
                }
                Some(SlackClient::new(config)?)
            }
            None => None,
        };
        let verifier = options
            .slack
            .signing_secret
            .as_deref()
            .filter(|s| !s.is_empty())
            .map(SignatureVerifier::new);
        let capabilities = CapabilityFactory {
            store: store.clone(),
            slack: slack.clone(),
            integrations: options.integrations.clone(),
            handle: tokio::runtime::Handle::current(),
        };
        let app = Arc::new(App {
            directory: Directory::new(store.clone(), slack.clone(), &options.admins),
            runner: FlowRunner {
                store: store.clone(),
                capabilities,
            },
            store: store.clone(),
            flows,
            slack,
            verifier,
            run_locks: RunLocks::default(),
            leases: options.leases,
            work_ready: Notify::new(),
            timers_changed: Notify::new(),
            sandbox: options.sandbox.clone(),
        });

        let listener = tokio::net::TcpListener::bind(options.listen)
            .await
            .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", options.listen))?;
        let addr = listener.local_addr()?;
        let (stop, stopped) = watch::channel(false);
        let mut tasks = JoinSet::new();

        app.resume_unfinished(&mut tasks).await?;
        tasks.spawn(crate::worker::run_outbox_worker(
            app.clone(),
            stopped.clone(),
        ));
        tasks.spawn(crate::timers::run_timer_loop(app.clone(), stopped.clone()));
        let router = crate::http::router(app.clone())
            .merge(crate::api::router(app.clone()))
            .merge(crate::console::router(
                app.clone(),
                options.console.clone(),
                &options.admins,
            ));
        crate::log_destinations::spawn(&app, &options.config, &stopped, &mut tasks)?;
        let mut stopped_http = stopped.clone();
        tasks.spawn(async move {
            let result = axum::serve(listener, router)
                .with_graceful_shutdown(async move {
                    let _ = stopped_http.wait_for(|stop| *stop).await;
                })
                .await;
            if let Err(e) = result {
                tracing::error!("the HTTP server stopped: {e}");
            }
        });
        Ok(RunningServer {
            addr,
            store,
            app,
            stop,
            tasks,
        })
    }
}

impl App {
    /// Runs cut short by a stop (a flow call in flight, inputs queued) carry on, and on SQLite
    /// the timers and outbox items the stopped server had claimed are handed out again at once.
    ///
    /// On PostgreSQL this does nothing: other replicas may be driving those runs right now, so
    /// a run cut short is resumed by its resume timer once its flow call's lease runs out
    /// (see [`crate::replicas`]).
    pub async fn resume_unfinished(
        self: &Arc<Self>,
        tasks: &mut JoinSet<()>,
    ) -> anyhow::Result<()> {
        if matches!(self.store.backend(), Backend::Postgres(_)) {
            return Ok(());
        }
        // One process owns a SQLite store, so whatever it had claimed before this start (a
        // timer firing, an outbox item being carried out) was claimed by a process that is gone:
        // hand those out again now rather than after their leases (an expiry would otherwise
        // wait out a timer lease, two minutes by default, before access is removed).
        let (timers, items) = self
            .store
            .transaction_async(|tx| -> symflow_store::Result<_> {
                let now = symflow_store::now_ms();
                Ok((tx.end_timer_leases(now)?, tx.end_outbox_leases(now)?))
            })
            .await?;
        if timers + items > 0 {
            tracing::info!(
                timers,
                items,
                "taking back what symflow had claimed when it stopped"
            );
        }
        let runs = self
            .store
            .transaction_async(|tx| tx.unfinished_runs(DEFAULT_TENANT, 10_000))
            .await?;
        for record in runs {
            let Ok(run) = symflow_engine::Run::from_json(&record.state_json) else {
                tracing::error!(run = %record.id, "cannot read a stored run; it is left as it is");
                continue;
            };
            if run.in_flight.is_none() && run.inbox.is_empty() {
                continue;
            }
            tracing::info!(run = %record.id, flow = %record.flow, "resuming a run that was mid-step when symflow stopped");
            let app = self.clone();
            tasks.spawn(async move {
                if let Err(e) = app
                    .drive(
                        RunRef::Existing(record.id),
                        Next::Resume,
                        Origin::default(),
                        Cause::Untracked,
                    )
                    .await
                {
                    tracing::error!(run = %record.id, "resuming the run failed: {e:#}");
                }
            });
        }
        Ok(())
    }
}
