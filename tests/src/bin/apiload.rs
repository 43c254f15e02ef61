//! Load generator for the Events API: fires `POST /api/v1/events/request` at a fixed rate
//! (open loop, latency counted from when each request was due) at a server on `tests/envs/e2e`
//! with an HTTP log destination, and reports how fast requests were accepted (token checked,
//! requester found, inputs validated, event and outbox item committed), how long the worker
//! took to start every run (card posted in the fake Slack), and how far the log destination
//! lagged behind (every audit event received).
//!
//! ```text
//! cargo run --release -p symflow-e2e --bin apiload -- --rate 50 --seconds 10
//! ```

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clap::Parser;
use serde_json::json;
use symflow_e2e::api::{config_with_log_destinations, Receiver};
use symflow_e2e::{people, Harness, Setup};
use symflow_engine::RunStatus;
use uuid::Uuid;

#[derive(Parser)]
#[command(about = "Fires Events API requests at symflow and reports latency and lag.")]
struct Args {
    /// Requests per second.
    #[arg(long, default_value_t = 50)]
    rate: u32,
    /// How long to fire, in seconds.
    #[arg(long, default_value_t = 10)]
    seconds: u32,
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
    eprintln!("starting a fake Slack, a log receiver and symflow on tests/envs/e2e …");
    let mut h = Harness::start("e2e", Setup::default()).await;
    let receiver = Receiver::start().await;
    let file = h.data_dir.path().join("audit.jsonl");
    let (_copy, config) = config_with_log_destinations(&receiver.url, &file);
    h.restart_with_config(|c| *c = config).await;
    let token = h.issue_token("load", None);
    let url = h.url("/api/v1/events/request");
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(64)
        .build()?;
    // Warm up: the requester is looked up in Slack once, then known.
    let warm = client
        .post(&url)
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body(json!({"flow_srn": "breakglass", "flow_inputs": {"reason": "warm up", "duration": "1h"}, "user_email": people::ALICE_EMAIL}).to_string())
        .send()
        .await?;
    anyhow::ensure!(
        warm.status().as_u16() == 202,
        "warm-up answered {}",
        warm.status()
    );

    let total = (args.rate * args.seconds) as usize;
    let interval = Duration::from_secs_f64(1.0 / args.rate as f64);
    eprintln!("firing {total} API requests at {} /s", args.rate);
    let latencies = Arc::new(Mutex::new(Vec::with_capacity(total)));
    let runs = Arc::new(Mutex::new(Vec::with_capacity(total)));
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(total);
    for i in 0..total {
        let due = started + interval * i as u32;
        tokio::time::sleep_until(due.into()).await;
        let (client, url, token) = (client.clone(), url.clone(), token.clone());
        let (latencies, runs) = (latencies.clone(), runs.clone());
        tasks.push(tokio::spawn(async move {
            let body = json!({"flow_srn": "breakglass", "flow_inputs": {"reason": format!("load {i}"), "duration": "1h"}, "user_email": people::ALICE_EMAIL});
            let sent = client
                .post(&url)
                .bearer_auth(&token)
                .header("content-type", "application/json")
                .body(body.to_string())
                .send()
                .await;
            match sent {
                Ok(response) if response.status().as_u16() == 202 => {
                    latencies.lock().unwrap().push(due.elapsed());
                    let bytes = response.bytes().await.unwrap_or_default();
                    let answer: serde_json::Value =
                        serde_json::from_slice(&bytes).unwrap_or_default();
                    if let Some(id) = answer["run_id"].as_str().and_then(|s| Uuid::parse_str(s).ok()) {
                        runs.lock().unwrap().push(id);
                    }
                }
                Ok(response) => eprintln!("HTTP {}", response.status()),
                Err(e) => eprintln!("{e}"),
            }
        }));
    }
    for task in tasks {
        let _ = task.await;
    }
    let last_ack = Instant::now();
    let mut sorted = latencies.lock().unwrap().clone();
    sorted.sort();
    println!(
        "requests: {} accepted of {total} in {:.1} s",
        sorted.len(),
        started.elapsed().as_secs_f64()
    );
    println!(
        "accept latency: median {}  p90 {}  p99 {}  max {}",
        ms(percentile(&sorted, 50.0)),
        ms(percentile(&sorted, 90.0)),
        ms(percentile(&sorted, 99.0)),
        ms(sorted.last().copied().unwrap_or_default()),
    );
    let runs = runs.lock().unwrap().clone();
    let deadline = Instant::now() + Duration::from_secs(600);
    // Runs not yet pending with their card posted; each is read once per round, and one that
    // got there is not read again (reading all of them every round would load the store more
    // than the worker does).
    let mut waiting = runs.clone();
    loop {
        waiting = h.read(|tx| {
            let mut still = Vec::new();
            for id in &waiting {
                let carded = tx
                    .get_run(*id)?
                    .and_then(|record| symflow_engine::Run::from_json(&record.state_json).ok())
                    .is_some_and(|run| {
                        run.status == RunStatus::Pending && !run.messages.is_empty()
                    });
                if !carded {
                    still.push(*id);
                }
            }
            Ok(still)
        });
        if waiting.is_empty() || Instant::now() > deadline {
            println!(
                "worker: {} of {} runs pending with their card posted, {:.1} s after the last accept",
                runs.len() - waiting.len(),
                runs.len(),
                last_ack.elapsed().as_secs_f64()
            );
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let ids: Vec<String> = runs
        .iter()
        .flat_map(|id| h.events(*id))
        .map(|e| e.id.to_string())
        .collect();
    receiver.wait_for_ids(&ids).await;
    println!(
        "log destination: all {} audit events received {:.1} s after the last accept",
        ids.len(),
        last_ack.elapsed().as_secs_f64()
    );
    Ok(())
}
