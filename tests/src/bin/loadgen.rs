//! Load generator for Slack's interactivity endpoint: fires signed button clicks at a fixed
//! rate (open loop: each request leaves on schedule whether or not earlier ones were
//! answered) and reports how fast symflow acknowledged them.
//!
//! By default it starts everything itself: a fake Slack, symflow's server on the test
//! environment `tests/envs/e2e` with a fresh data directory, and `--runs` pending requests
//! whose cards are clicked in turn (the requester's own Approve, which the engine refuses,
//! so every click does the full work: verify, record, ack, then look up the user, run the
//! engine, commit, and answer in Slack). With `--url` and `--secret` it clicks on a server
//! already running instead (clicks name no stored run there; they are acked and dropped).
//!
//! ```text
//! cargo run --release -p symflow-e2e --bin loadgen -- --rate 200 --seconds 20
//! ```
//!
//! With `--full-runs N` it measures whole runs instead (issue 8): `--replicas K` `replica`
//! processes over one PostgreSQL database (`SYMFLOW_TEST_DATABASE_URL`, a fresh schema), Slack
//! requests handed to them round-robin, and `--concurrency C` simulated people each doing
//! `/sym req breakglass` → submit → Approve → wait until access is granted, until N runs
//! are escalated; it reports runs per second and per-run latency.
//!
//! ```text
//! cargo build --release -p symflow-e2e --bins
//! SYMFLOW_TEST_DATABASE_URL=postgres://… target/release/loadgen --full-runs 200 --replicas 3
//! ```

use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Parser;
use symflow_e2e::{breakglass_fields, people, Harness, Setup, SIGNING_SECRET, TEAM};
use symflow_engine::RunStatus;
use symflow_slack_fake::requests::{unix_now, ButtonClick, SlackRequest};
use uuid::Uuid;

#[derive(Parser)]
#[command(
    about = "Fires signed Slack button clicks at symflow and reports acknowledgement latency."
)]
struct Args {
    /// Requests per second.
    #[arg(long, default_value_t = 200)]
    rate: u32,
    /// How long to fire, in seconds.
    #[arg(long, default_value_t = 20)]
    seconds: u32,
    /// An already running symflow (e.g. http://127.0.0.1:3000); default: start one here.
    #[arg(long, requires = "secret")]
    url: Option<String>,
    /// The signing secret of the server at `--url`.
    #[arg(long)]
    secret: Option<String>,
    /// Pending requests whose cards are clicked in turn.
    #[arg(long, default_value_t = 20)]
    runs: usize,
    /// Measure N whole request → approve → escalate runs instead of click acks.
    #[arg(long)]
    full_runs: Option<usize>,
    /// With --full-runs: replica processes sharing the PostgreSQL database.
    #[arg(long, default_value_t = 1)]
    replicas: usize,
    /// With --full-runs: runs in progress at once.
    #[arg(long, default_value_t = 16)]
    concurrency: usize,
}

struct Target {
    base: String,
    secret: String,
    /// (run, card channel, card ts) of each request clicked on.
    cards: Vec<(Uuid, String, String)>,
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if let Some(runs) = args.full_runs {
        return full_runs::measure(runs, args.replicas, args.concurrency).await;
    }
    let mut harness = None;
    let target = match (&args.url, &args.secret) {
        (Some(url), Some(secret)) => Target {
            base: url.trim_end_matches('/').to_string(),
            secret: secret.clone(),
            cards: vec![(Uuid::new_v4(), "C0LOAD".into(), "1700000000.000100".into())],
        },
        _ => {
            eprintln!("starting a fake Slack and symflow on tests/envs/e2e …");
            let h = harness.insert(Harness::start("e2e", Setup::default()).await);
            let mut cards = Vec::new();
            for i in 0..args.runs.max(1) {
                let run = h
                    .request(
                        people::ALICE,
                        "breakglass",
                        &breakglass_fields(&format!("load test {i}"), "1h"),
                    )
                    .await;
                let (channel, ts) = h.card(run).await;
                cards.push((run, channel, ts));
            }
            Target {
                base: h.url(""),
                secret: SIGNING_SECRET.into(),
                cards,
            }
        }
    };

    let total = (args.rate * args.seconds) as usize;
    // Bodies are built and signed up front so the generator does little while it fires.
    let now = unix_now();
    let requests: Vec<(SlackRequest, Vec<(&'static str, String)>)> = (0..total)
        .map(|i| {
            let (run, channel, ts) = &target.cards[i % target.cards.len()];
            let click =
                ButtonClick::on_message(TEAM, people::ALICE, channel, ts, "symflow_approve")
                    .value(&run.to_string())
                    .block_id("symflow_actions")
                    .request();
            let headers = click.signature_headers(&target.secret, now);
            (click, headers)
        })
        .collect();
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(64)
        .build()?;
    let url = format!("{}/slack/interactivity", target.base);
    let interval = Duration::from_secs_f64(1.0 / args.rate as f64);
    eprintln!(
        "firing {total} signed clicks at {} /s for {} s at {url}",
        args.rate, args.seconds
    );

    let latencies = Arc::new(std::sync::Mutex::new(Vec::with_capacity(total)));
    let failures = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(total);
    for (i, (request, headers)) in requests.into_iter().enumerate() {
        let due = started + interval * i as u32;
        tokio::time::sleep_until(due.into()).await;
        let client = client.clone();
        let url = url.clone();
        let latencies = latencies.clone();
        let failures = failures.clone();
        tasks.push(tokio::spawn(async move {
            let mut builder = client.post(&url).body(request.body);
            for (name, value) in headers {
                builder = builder.header(name, value);
            }
            // Latency from when the request was due, so a generator that falls behind
            // shows up in the numbers instead of hiding a slow server.
            match builder.send().await {
                Ok(response) if response.status().is_success() => {
                    let took = due.elapsed();
                    latencies.lock().unwrap().push(took);
                }
                Ok(response) => {
                    eprintln!("HTTP {}", response.status());
                    failures.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
                Err(e) => {
                    eprintln!("{e}");
                    failures.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
            }
        }));
    }
    for task in tasks {
        let _ = task.await;
    }
    let fired_for = started.elapsed();
    let mut sorted = latencies.lock().unwrap().clone();
    sorted.sort();
    let failed = failures.load(std::sync::atomic::Ordering::Relaxed);
    println!(
        "requests: {} acknowledged, {failed} failed, in {:.1} s",
        sorted.len(),
        fired_for.as_secs_f64()
    );
    println!(
        "ack latency: median {}  p90 {}  p99 {}  max {}",
        ms(percentile(&sorted, 50.0)),
        ms(percentile(&sorted, 90.0)),
        ms(percentile(&sorted, 99.0)),
        ms(sorted.last().copied().unwrap_or_default()),
    );
    if let Some(h) = &harness {
        // How long the worker needed to finish the work behind the acks: every click is
        // refused (self-approval) with an ephemeral message.
        let drain_started = Instant::now();
        let deadline = drain_started + Duration::from_secs(300);
        loop {
            let answered = h
                .slack
                .calls_to("chat.postEphemeral")
                .iter()
                .filter(|c| c.visible_text().contains("your own request"))
                .count();
            if answered >= sorted.len() || Instant::now() > deadline {
                println!(
                    "worker: {answered} clicks answered in Slack; the last {:.1} s after the last ack",
                    drain_started.elapsed().as_secs_f64()
                );
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        for (run, _, _) in &target.cards {
            assert_eq!(
                h.run(*run).status,
                RunStatus::Pending,
                "no click changed a run"
            );
        }
    }
    Ok(())
}

/// `--full-runs`: throughput of whole runs over one or several replicas.
mod full_runs {
    use std::path::Path;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    use symflow_e2e::cluster::{Cluster, Replica};
    use symflow_e2e::database::DATABASE_URL_VARIABLE;
    use symflow_e2e::{add_people, blocking, breakglass_fields, env, TestDatabase, BOT_TOKEN};
    use symflow_engine::RunStatus;
    use symflow_slack_fake::FakeSlack;
    use symflow_store::Store;

    use super::{ms, percentile};

    pub async fn measure(runs: usize, replicas: usize, concurrency: usize) -> anyhow::Result<()> {
        let server_url = std::env::var(DATABASE_URL_VARIABLE).map_err(|_| {
            anyhow::anyhow!("--full-runs needs PostgreSQL: set {DATABASE_URL_VARIABLE}")
        })?;
        let exe = std::env::current_exe()?
            .parent()
            .map(|dir| dir.join("replica"))
            .filter(|path| path.exists())
            .ok_or_else(|| anyhow::anyhow!("the replica binary is not next to loadgen: cargo build --release -p symflow-e2e --bins"))?;
        tokio::task::spawn_blocking(|| env("e2e")).await?;
        let database = blocking(|| TestDatabase::postgres(&server_url));
        let database_url = database.url().expect("PostgreSQL");
        let slack = FakeSlack::start().await;
        slack.require_token(BOT_TOKEN);
        add_people(&slack);
        let logs = tempfile::tempdir()?;
        let mut started = Vec::new();
        for i in 0..replicas.max(1) {
            started.push(Replica::start(
                Path::new(&exe),
                &database_url,
                &slack.base_url(),
                60,
                logs.path(),
                i,
            ));
        }
        for replica in &mut started {
            replica.wait_listening().await;
        }
        let store = blocking(|| Store::open_url(&database_url))?;
        let cluster = Arc::new(Cluster {
            replicas: started,
            next: AtomicUsize::new(0),
            http: reqwest::Client::new(),
            slack,
            store,
        });
        eprintln!(
            "{runs} runs (request → approve → escalated), {concurrency} at once, over {} replica(s) on PostgreSQL",
            cluster.replicas.len()
        );
        let next = Arc::new(AtomicUsize::new(0));
        let latencies = Arc::new(std::sync::Mutex::new(Vec::with_capacity(runs)));
        let began = Instant::now();
        let mut workers = Vec::new();
        for _ in 0..concurrency.max(1) {
            let (cluster, next, latencies) = (cluster.clone(), next.clone(), latencies.clone());
            workers.push(tokio::spawn(async move {
                let mut done = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= runs {
                        return done;
                    }
                    let at = Instant::now();
                    let run = cluster
                        .request(
                            "breakglass",
                            &breakglass_fields(&format!("load {i}"), "1h"),
                            None,
                        )
                        .await;
                    cluster.approve(run).await;
                    cluster
                        .wait_run(run, "escalated", |r| r.status == RunStatus::Escalated)
                        .await;
                    latencies.lock().unwrap().push(at.elapsed());
                    done.push(run);
                }
            }));
        }
        let mut all = Vec::new();
        for worker in workers {
            all.extend(worker.await?);
        }
        let took = began.elapsed();
        let mut sorted = latencies.lock().unwrap().clone();
        sorted.sort();
        println!(
            "replicas: {}  runs: {}  in {:.1} s  →  {:.1} runs/s",
            cluster.replicas.len(),
            all.len(),
            took.as_secs_f64(),
            all.len() as f64 / took.as_secs_f64()
        );
        println!(
            "per run (command → escalated): median {}  p90 {}  p99 {}  max {}",
            ms(percentile(&sorted, 50.0)),
            ms(percentile(&sorted, 90.0)),
            ms(percentile(&sorted, 99.0)),
            ms(sorted.last().copied().unwrap_or(Duration::ZERO)),
        );
        let doubled = all
            .iter()
            .filter(|run| cluster.count(**run, "escalate") != 1)
            .count();
        println!("runs not escalated exactly once: {doubled}");
        drop(cluster);
        drop(database);
        Ok(())
    }
}
