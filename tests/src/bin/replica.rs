//! One symflow replica as a process of its own, for the multi-replica test and the load
//! generator's `--replicas` mode: the server `symflow up` runs (`Server::start`) on a test
//! environment whose flows the e2e cache already holds, on a database given by URL, talking
//! to a Slack Web API given by URL. Prints `listening on <addr>` once it serves, then serves
//! until killed.
//!
//! ```text
//! replica --database-url postgres://… --slack-api-url http://127.0.0.1:9000/api/ --lease-seconds 3
//! ```

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;
use symflow_e2e::{env, BOT_TOKEN, SIGNING_SECRET};
use symflow_server::{Leases, Server, ServerOptions, SlackSettings, StandInScript, StandIns};

#[derive(Parser)]
#[command(about = "Runs one symflow replica on a test environment (for the e2e tests).")]
struct Args {
    /// The test environment (`tests/envs/<name>`, or `flows`).
    #[arg(long, default_value = "e2e")]
    env: String,
    /// The shared database.
    #[arg(long)]
    database_url: String,
    /// The fake Slack's Web API base URL.
    #[arg(long)]
    slack_api_url: String,
    /// Every claim's lease, in seconds.
    #[arg(long, default_value_t = 3)]
    lease_seconds: u64,
    /// Port on 127.0.0.1 (0: any free one).
    #[arg(long, default_value_t = 0)]
    port: u16,
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let name = args.env.clone();
    let env = tokio::task::spawn_blocking(move || env(&name)).await?;
    let data_dir = tempfile::tempdir()?;
    let server = Server::start(ServerOptions {
        config: env.config.clone(),
        sandbox: env.sandbox.clone(),
        catalog: env.catalog.clone(),
        data_dir: data_dir.path().to_path_buf(),
        database_url: Some(args.database_url),
        listen: SocketAddr::from(([127, 0, 0, 1], args.port)),
        slack: SlackSettings {
            bot_token: Some(BOT_TOKEN.into()),
            signing_secret: Some(SIGNING_SECRET.into()),
            api_base_url: Some(args.slack_api_url),
        },
        admins: Vec::new(),
        integrations: Arc::new(StandIns::new(StandInScript::default())),
        leases: Leases::all(Duration::from_secs(args.lease_seconds.max(1))),
        console: Default::default(),
    })
    .await?;
    println!("listening on {}", server.addr);
    server.run_until_interrupted().await;
    Ok(())
}
