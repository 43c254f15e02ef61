//! symflow's server in a process of its own, for tests that kill it with SIGKILL (a real
//! crash: no destructor, no flush, no graceful stop) and start it again on the same data
//! directory. It runs exactly what `symflow up` runs ([`Server::start`]) on a test
//! environment built through the e2e cache, against the Slack Web API at `--slack-api`.
//!
//! Prints `listening <addr>` on stdout once it serves, then serves until killed.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use clap::Parser;
use symflow_e2e::{env, BOT_TOKEN, SIGNING_SECRET};
use symflow_server::{Server, ServerOptions, SlackSettings, StandInScript, StandIns};

#[derive(Parser)]
#[command(about = "symflow's server on a test environment, for crash tests.")]
struct Args {
    /// The environment under tests/envs (e.g. `abuse`).
    #[arg(long)]
    env: String,
    /// Where the store lives (reused across restarts).
    #[arg(long)]
    data_dir: PathBuf,
    /// The fake Slack's Web API base URL.
    #[arg(long)]
    slack_api: String,
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let name = args.env.clone();
    let env = tokio::task::spawn_blocking(move || env(&name)).await?;
    let server = Server::start(ServerOptions {
        config: env.config.clone(),
        sandbox: env.sandbox.clone(),
        catalog: env.catalog.clone(),
        data_dir: args.data_dir,
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        slack: SlackSettings {
            bot_token: Some(BOT_TOKEN.into()),
            signing_secret: Some(SIGNING_SECRET.into()),
            api_base_url: Some(args.slack_api),
        },
        admins: Vec::new(),
        integrations: Arc::new(StandIns::new(StandInScript::default())),
        database_url: None,
        leases: Default::default(),
        console: Default::default(),
    })
    .await?;
    println!("listening {}", server.addr);
    server.run_until_interrupted().await;
    Ok(())
}
