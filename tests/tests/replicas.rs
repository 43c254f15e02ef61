//! Several replicas, no leader (issue 8): three `replica` processes (the server `symflow up`
//! runs) on loopback over one PostgreSQL database, Slack requests handed to them round-robin,
//! and one of them SIGKILLed in the middle of a run. Every run still ends exactly once: one
//! escalation and one deescalation each (events and DMs), every expiry timer fired exactly
//! once, the run cut short mid-call resumed by another replica, and the store passes its
//! integrity check.
//!
//! Needs PostgreSQL: runs when `SYMFLOW_TEST_DATABASE_URL` is set (CI sets it), and says it
//! was skipped otherwise.

use std::path::Path;
use std::sync::atomic::AtomicUsize;

use symflow_e2e::cluster::{Cluster, Replica};
use symflow_e2e::database::{BACKEND_VARIABLE, DATABASE_URL_VARIABLE};
use symflow_e2e::{
    add_people, blocking, breakglass_fields, env, people::*, text_input, TestDatabase, BOT_TOKEN,
    TEAM,
};
use symflow_engine::RunStatus;
use symflow_slack_fake::requests::ButtonClick;
use symflow_slack_fake::FakeSlack;
use symflow_store::{Store, TimerState};

/// Runs through the replicas before the kill, and after it.
const RUNS_BEFORE: usize = 4;
const RUNS_AFTER: usize = 3;
/// The replicas' leases: how soon a dead replica's work is taken over.
const LEASE_SECONDS: u64 = 3;
/// Runs raced in the Approve/Deny test: which step wins varies from round to round.
const RACE_ROUNDS: usize = 4;

/// A cluster of `count` replica processes over a fresh PostgreSQL schema, or `None` (the test
/// is skipped, and says so) when no PostgreSQL is configured.
struct Setup {
    cluster: Cluster,
    database_url: String,
    logs: tempfile::TempDir,
    _database: TestDatabase,
}

async fn start_replicas(count: usize) -> Option<Setup> {
    let Some(server_url) = std::env::var(DATABASE_URL_VARIABLE)
        .ok()
        .filter(|u| !u.is_empty())
    else {
        eprintln!("SKIPPED: needs PostgreSQL; set {DATABASE_URL_VARIABLE}");
        return None;
    };
    if std::env::var(BACKEND_VARIABLE).as_deref() == Ok("sqlite") {
        eprintln!("SKIPPED: {BACKEND_VARIABLE}=sqlite (this test is PostgreSQL's)");
        return None;
    }
    // Build the flows into the cache the replicas load from.
    tokio::task::spawn_blocking(|| env("e2e")).await.unwrap();
    let database = blocking(|| TestDatabase::postgres(&server_url));
    let database_url = database.url().expect("a PostgreSQL URL");
    let slack = FakeSlack::start().await;
    slack.require_token(BOT_TOKEN);
    add_people(&slack);
    let logs = tempfile::tempdir().unwrap();
    let mut replicas: Vec<Replica> = (0..count)
        .map(|i| start_replica(&database_url, &slack, logs.path(), i))
        .collect();
    for replica in &mut replicas {
        replica.wait_listening().await;
    }
    let store = blocking(|| Store::open_url(&database_url)).expect("the store opens");
    Some(Setup {
        cluster: Cluster {
            replicas,
            next: AtomicUsize::new(0),
            http: reqwest::Client::new(),
            slack,
            store,
        },
        database_url,
        logs,
        _database: database,
    })
}

fn start_replica(database_url: &str, slack: &FakeSlack, logs: &Path, index: usize) -> Replica {
    Replica::start(
        Path::new(env!("CARGO_BIN_EXE_replica")),
        database_url,
        &slack.base_url(),
        LEASE_SECONDS,
        logs,
        index,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_replicas_one_killed_mid_run_every_run_and_timer_happens_exactly_once() {
    let Some(setup) = start_replicas(3).await else {
        return;
    };
    let cluster = setup.cluster;

    // Runs through all three replicas: granted for 8 s, so their expiry timers come due
    // around and after the kill.
    let mut runs = Vec::new();
    for i in 0..RUNS_BEFORE {
        let run = cluster
            .request(
                "breakglass",
                &breakglass_fields(&format!("before {i}"), "8s"),
                None,
            )
            .await;
        cluster.approve(run).await;
        runs.push(run);
    }
    // A run whose on_request takes 2 s, sent to replica 0, which is killed while the call
    // is in flight: nobody restarts it, another replica must resume the run.
    let slow = cluster
        .request("slow", &[("reason", text_input("cut short"))], Some(0))
        .await;
    cluster
        .wait_run(slow, "in flight", |r| r.in_flight.is_some())
        .await;
    let mut cluster = cluster;
    cluster.replicas[0].kill();

    for i in 0..RUNS_AFTER {
        let run = cluster
            .request(
                "breakglass",
                &breakglass_fields(&format!("after {i}"), "3s"),
                None,
            )
            .await;
        cluster.approve(run).await;
        runs.push(run);
    }

    for &run in &runs {
        let ended = cluster
            .wait_run(run, "deescalated", |r| r.status == RunStatus::Deescalated)
            .await;
        assert_eq!(ended.step_outputs["deescalate"]["revoked"], "alice@prod-db");
        for event in ["request", "approve", "escalate", "deescalate"] {
            assert_eq!(
                cluster.count(run, event),
                1,
                "one {event} event for run {run}"
            );
        }
        let timers = cluster.read(|tx| tx.timers_for_run(run));
        let expiries: Vec<_> = timers.iter().filter(|t| t.kind == "deescalate").collect();
        assert_eq!(expiries.len(), 1, "one expiry timer: {timers:?}");
        assert_eq!(expiries[0].state, TimerState::Done, "{timers:?}");
        assert!(
            timers
                .iter()
                .all(|t| matches!(t.state, TimerState::Done | TimerState::Cancelled)),
            "no timer left behind: {timers:?}"
        );
    }
    let resumed = cluster
        .wait_run(slow, "pending with its card", |r| {
            r.status == RunStatus::Pending && !r.messages.is_empty()
        })
        .await;
    assert!(resumed.in_flight.is_none());
    assert_eq!(
        cluster.count(slow, "request"),
        1,
        "the cut-short request was processed once"
    );

    // What people saw: one grant DM and one expiry DM per run, one card for the slow run.
    let dms = cluster.slack.messages_in(&FakeSlack::dm_channel_id(ALICE));
    let granted = dms
        .iter()
        .filter(|m| {
            m.visible_text()
                .contains("You have access to *Production database*")
        })
        .count();
    let ended = dms
        .iter()
        .filter(|m| m.visible_text().contains("has ended"))
        .count();
    assert_eq!(granted, runs.len(), "one grant DM per run");
    assert_eq!(ended, runs.len(), "one expiry DM per run");
    let slow_cards = cluster
        .slack
        .messages_in("#sym-requests")
        .into_iter()
        .filter(|m| m.visible_text().contains("cut short"))
        .count();
    assert_eq!(slow_cards, 1, "one card for the run cut short");

    // Every accepted request and effect was carried out (a dead replica's claims were taken
    // over once their leases ran out), and the store is sound.
    cluster.wait_outbox_drained().await;
    let report = blocking(|| cluster.store.integrity_check()).expect("the check runs");
    assert!(report.is_ok(), "integrity: {:?}", report.problems);
    let taken_over = cluster.read(|tx| {
        let mut n = 0;
        for &run in runs.iter().chain([&slow]) {
            n += tx
                .timers_for_run(run)?
                .iter()
                .filter(|t| t.attempts > 1)
                .count();
        }
        Ok(n)
    });
    eprintln!("timers claimed more than once (taken over after a lease): {taken_over}");
    // Whether the killed replica was the one running the slow call (the usual case: the
    // replica that accepts a request wakes its own worker at once, the others poll) shows in
    // its resume timer: fired by a survivor rather than cancelled by the step that ended it.
    let slow_timers = cluster.read(|tx| tx.timers_for_run(slow));
    let resumed_by_timer = slow_timers.iter().any(|t| {
        t.kind == symflow_server::replicas::RESUME_TIMER_KIND && t.state == TimerState::Done
    });
    eprintln!("the cut-short run was resumed by another replica's timer: {resumed_by_timer}");
    drop(cluster);
}

/// Approve on one replica, Deny on another, at the same moment, and Slack's retry of the
/// Approve on the third: the run is decided once, by whichever step committed first, and
/// the other two change nothing (no second decision, no escalation after a denial).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn approve_and_deny_at_once_on_two_replicas_and_a_retry_on_the_third_decide_once() {
    let Some(setup) = start_replicas(3).await else {
        return;
    };
    let cluster = setup.cluster;
    for round in 0..RACE_ROUNDS {
        let run = cluster
            .request(
                "breakglass",
                &breakglass_fields(&format!("race {round}"), "1h"),
                None,
            )
            .await;
        let posted = cluster
            .wait_run(run, "posted", |r| !r.messages.is_empty())
            .await;
        let card = &posted.messages[0];
        let click = |user: &str, action: &str| {
            ButtonClick::on_message(TEAM, user, &card.channel, &card.ts, action)
                .value(&run.to_string())
                .block_id("symflow_actions")
                .request()
        };
        let approve = click(BOB, "symflow_approve");
        let deny = click(ADMIN, "symflow_deny");
        let (approved, denied, retried) = tokio::join!(
            cluster.post_to(0, "/slack/interactivity", &approve),
            cluster.post_to(1, "/slack/interactivity", &deny),
            cluster.post_to(2, "/slack/interactivity", &approve),
        );
        for (what, answer) in [("approve", approved), ("deny", denied), ("retry", retried)] {
            assert_eq!(
                answer.map(|(status, _)| status),
                Some(200),
                "{what} acknowledged"
            );
        }

        let decided = cluster
            .wait_run(run, "decided", |r| {
                matches!(r.status, RunStatus::Escalated | RunStatus::Denied)
            })
            .await;
        cluster.wait_outbox_drained().await;
        let (approvals, denials) = (cluster.count(run, "approve"), cluster.count(run, "deny"));
        assert_eq!(
            approvals + denials,
            1,
            "round {round}: one decision (approve {approvals}, deny {denials})"
        );
        let escalations = cluster.count(run, "escalate");
        match cluster.run(run).expect("the run").status {
            RunStatus::Escalated => assert_eq!((approvals, escalations), (1, 1)),
            RunStatus::Denied => assert_eq!((denials, escalations), (1, 0)),
            other => panic!("round {round}: the decided run moved on to {other:?}"),
        }
        eprintln!("round {round}: {:?}", decided.status);
    }
    let report = blocking(|| cluster.store.integrity_check()).expect("the check runs");
    assert!(report.is_ok(), "integrity: {:?}", report.problems);
}

/// A replica dies while carrying out an expiry it claimed (the strategy's deescalate is in
/// the middle of its call); no other replica is up then. A replica started afterwards takes
/// the call over once its lease lapses (the run's resume timer), and the access is removed
/// exactly once: one deescalate event, one expiry DM. The strategy's own deescalate code ran
/// one and a half times (at-least-once, as after a crash; strategies must be idempotent).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expiry_claimed_by_a_replica_that_dies_is_taken_over_once() {
    let Some(setup) = start_replicas(2).await else {
        return;
    };
    let mut cluster = setup.cluster;
    // "slow revoke" makes the e2e strategy's deescalate take 3 s (breakglass_strategy.py).
    let run = cluster
        .request("breakglass", &breakglass_fields("slow revoke", "3s"), None)
        .await;
    cluster.approve(run).await;
    cluster
        .wait_run(run, "escalated", |r| r.status == RunStatus::Escalated)
        .await;
    // Only replica 0 is left to claim the expiry.
    cluster.replicas[1].kill();
    cluster
        .wait_run(run, "deescalating", |r| r.in_flight.is_some())
        .await;
    // Firing the expiry started the deescalate call on replica 0; the call's claim is its
    // resume timer, due when the in-flight lease lapses.
    let during = cluster.read(|tx| tx.timers_for_run(run));
    let expiry = during
        .iter()
        .find(|t| t.kind == "deescalate")
        .expect("an expiry timer");
    assert_eq!(expiry.state, TimerState::Done, "{during:?}");
    let claim = during
        .iter()
        .find(|t| {
            t.kind == symflow_server::replicas::RESUME_TIMER_KIND && t.state == TimerState::Pending
        })
        .expect("the call in flight holds a resume timer")
        .id;
    cluster.replicas[0].kill();

    let mut successor = start_replica(&setup.database_url, &cluster.slack, setup.logs.path(), 2);
    successor.wait_listening().await;
    cluster.replicas.push(successor);
    let ended = cluster
        .wait_run(run, "deescalated", |r| r.status == RunStatus::Deescalated)
        .await;
    assert_eq!(ended.step_outputs["deescalate"]["revoked"], "alice@prod-db");
    assert_eq!(cluster.count(run, "deescalate"), 1, "one deescalate event");
    let timers = cluster.read(|tx| tx.timers_for_run(run));
    assert!(
        timers
            .iter()
            .all(|t| matches!(t.state, TimerState::Done | TimerState::Cancelled)),
        "no timer left behind: {timers:?}"
    );
    let taken_over = timers.iter().find(|t| t.id == claim).expect("the claim");
    assert_eq!(
        (taken_over.state, taken_over.attempts),
        (TimerState::Done, 1),
        "the successor fired the dead replica's claim once: {timers:?}"
    );
    // The expiry DM is an effect carried out after the step: wait for the outbox first.
    cluster.wait_outbox_drained().await;
    let ended_dms = cluster
        .slack
        .messages_in(&FakeSlack::dm_channel_id(ALICE))
        .into_iter()
        .filter(|m| m.visible_text().contains("has ended"))
        .count();
    assert_eq!(ended_dms, 1, "one expiry DM");
    let report = blocking(|| cluster.store.integrity_check()).expect("the check runs");
    assert!(report.is_ok(), "integrity: {:?}", report.problems);
}
