//! Several symflow replicas as processes of their own (the `replica` binary) over one
//! database, behind a round-robin of Slack requests: for the multi-replica test and the load
//! generator's `--replicas` mode (issue 8).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::Value;
use symflow_engine::Run;
use symflow_slack_fake::requests::{
    new_trigger_id, ButtonClick, SlackRequest, SlashCommand, ViewSubmission,
};
use symflow_slack_fake::FakeSlack;
use symflow_store::{Store, Transaction};
use uuid::Uuid;

use crate::people::{ALICE, BOB};
use crate::{blocking, SIGNING_SECRET, TEAM};

/// How long to wait for something that should happen.
pub const PATIENCE: Duration = Duration::from_secs(120);

/// One replica process; killed when dropped.
pub struct Replica {
    child: Child,
    pub url: String,
    pub log: PathBuf,
}

impl Replica {
    /// Starts the `replica` binary at `exe` (`env!("CARGO_BIN_EXE_replica")` in tests).
    pub fn start(
        exe: &Path,
        database_url: &str,
        slack_api: &str,
        lease_seconds: u64,
        logs: &Path,
        index: usize,
    ) -> Replica {
        let log = logs.join(format!("replica-{index}.log"));
        let out = std::fs::File::create(&log).expect("log file");
        let child = Command::new(exe)
            .args(["--database-url", database_url])
            .args(["--slack-api-url", slack_api])
            .args(["--lease-seconds", &lease_seconds.to_string()])
            .env("RUST_LOG", "warn,symflow_server=info")
            .stdout(out.try_clone().expect("log file"))
            .stderr(out)
            .stdin(Stdio::null())
            .spawn()
            .expect("the replica starts");
        Replica {
            child,
            url: String::new(),
            log,
        }
    }

    /// Waits for its "listening on" line.
    pub async fn wait_listening(&mut self) {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let text = std::fs::read_to_string(&self.log).unwrap_or_default();
            if let Some(line) = text.lines().find(|l| l.starts_with("listening on ")) {
                self.url = format!("http://{}", line.trim_start_matches("listening on ").trim());
                return;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("a replica exited ({status}) before serving:\n{text}");
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "a replica never started:\n{text}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// SIGKILL: no shutdown, claims and connections dropped on the floor.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Replica {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The replicas behind a round-robin balancer that skips one that does not answer.
pub struct Cluster {
    pub replicas: Vec<Replica>,
    pub next: AtomicUsize,
    pub http: reqwest::Client,
    pub slack: FakeSlack,
    pub store: Store,
}

impl Cluster {
    /// Posts `request` to the next replica in turn (the next one after it if it is down).
    pub async fn post(&self, path: &str, request: &SlackRequest) -> (u16, String) {
        for _ in 0..self.replicas.len() {
            let i = self.next.fetch_add(1, Ordering::Relaxed) % self.replicas.len();
            match self.post_to(i, path, request).await {
                Some(answer) => return answer,
                None => continue,
            }
        }
        panic!("no replica answers");
    }

    pub async fn post_to(
        &self,
        i: usize,
        path: &str,
        request: &SlackRequest,
    ) -> Option<(u16, String)> {
        let mut builder = self
            .http
            .post(format!("{}{path}", self.replicas[i].url))
            .body(request.body.clone());
        for (name, value) in request.signed_now(SIGNING_SECRET) {
            builder = builder.header(name, value);
        }
        let response = builder.send().await.ok()?;
        let status = response.status().as_u16();
        Some((status, response.text().await.unwrap_or_default()))
    }

    pub fn read<T>(&self, f: impl FnOnce(&mut dyn Transaction) -> symflow_store::Result<T>) -> T {
        blocking(|| self.store.transaction(f)).expect("the store answers")
    }

    pub fn run(&self, id: Uuid) -> Option<Run> {
        self.read(|tx| tx.get_run(id))
            .map(|r| Run::from_json(&r.state_json).expect("a stored run parses"))
    }

    pub async fn wait_run(&self, id: Uuid, what: &str, done: impl Fn(&Run) -> bool) -> Run {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            if let Some(run) = self.run(id) {
                if done(&run) {
                    return run;
                }
            }
            if tokio::time::Instant::now() > deadline {
                panic!(
                    "run {id} never became {what}: {:?}\nSlack calls: {}\n{}",
                    self.run(id).map(|r| (r.status, r.errors, r.in_flight)),
                    self.slack.summary(),
                    self.logs()
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub fn logs(&self) -> String {
        self.replicas
            .iter()
            .map(|r| {
                let text = std::fs::read_to_string(&r.log).unwrap_or_default();
                let tail: Vec<&str> = text.lines().rev().take(40).collect();
                format!(
                    "--- {}:\n{}",
                    r.log.display(),
                    tail.into_iter().rev().collect::<Vec<_>>().join("\n")
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// `/sym req <flow>` and the submission of the modal, each to the next replica in turn;
    /// `to` pins both to one replica instead.
    pub async fn request(&self, flow: &str, fields: &[(&str, Value)], to: Option<usize>) -> Uuid {
        let trigger = new_trigger_id();
        let command = SlashCommand::new(TEAM, ALICE, "/sym", &format!("req {flow}"))
            .trigger_id(&trigger)
            .request();
        let (status, _) = match to {
            Some(i) => self
                .post_to(i, "/slack/commands", &command)
                .await
                .expect("up"),
            None => self.post("/slack/commands", &command).await,
        };
        assert_eq!(status, 200);
        let opened = self
            .slack
            .wait_for(
                "views.open",
                |c| c.str_arg("trigger_id") == Some(trigger.as_str()),
                PATIENCE,
            )
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let view_id = opened.response["view"]["id"]
            .as_str()
            .expect("a view")
            .to_string();
        let view = opened.view().expect("a view");
        let metadata = view["private_metadata"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let run: Value = serde_json::from_str(&metadata).expect("metadata is JSON");
        let run = Uuid::parse_str(run["run_id"].as_str().expect("a run id")).expect("a run id");
        let mut submit = ViewSubmission::new(TEAM, ALICE, &view_id, "symflow_request")
            .private_metadata(&metadata);
        for (name, value) in fields {
            submit = submit.input(&format!("field:{name}"), "value", value.clone());
        }
        let submit = submit.request();
        let (status, body) = match to {
            Some(i) => self
                .post_to(i, "/slack/interactivity", &submit)
                .await
                .expect("up"),
            None => self.post("/slack/interactivity", &submit).await,
        };
        assert_eq!(status, 200, "{body}");
        run
    }

    pub async fn approve(&self, run: Uuid) {
        let posted = self
            .wait_run(run, "posted", |r| !r.messages.is_empty())
            .await;
        let card = &posted.messages[0];
        let click = ButtonClick::on_message(TEAM, BOB, &card.channel, &card.ts, "symflow_approve")
            .value(&run.to_string())
            .block_id("symflow_actions")
            .request();
        let (status, _) = self.post("/slack/interactivity", &click).await;
        assert_eq!(status, 200);
    }

    /// Waits until every accepted request and effect was carried out or given up on (a dead
    /// replica's claims are taken over once their leases run out).
    pub async fn wait_outbox_drained(&self) {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let open = self.read(|tx| {
                let mut open = Vec::new();
                for id in 1.. {
                    match tx.get_outbox_item(symflow_store::OutboxItemId(id))? {
                        Some(item)
                            if matches!(
                                item.state,
                                symflow_store::OutboxState::Pending
                                    | symflow_store::OutboxState::Claimed
                            ) =>
                        {
                            open.push(item)
                        }
                        Some(_) => {}
                        None => break,
                    }
                }
                Ok(open)
            });
            if open.is_empty() {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "outbox items never carried out: {open:?}\n{}",
                self.logs()
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    pub fn count(&self, run: Uuid, event_type: &str) -> usize {
        self.read(|tx| tx.events_for_run(run))
            .iter()
            .filter(|e| e.event_type == event_type)
            .count()
    }
}
