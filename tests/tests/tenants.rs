//! Tenants: one host serving two environment directories, routed by Slack `team_id`, each
//! with its own store, Slack workspace, worker and timers (host/server/src/tenants.rs).
//! Nothing of one tenant is visible to or changeable by the other, a workspace the host does
//! not serve is refused before anything is stored, and a tenant whose flows spin until their
//! deadline slows the other only by a bounded amount (measured here, written in
//! BENCHMARKS.md).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use symflow_e2e::{get_json, people::*, text_input, Harness, Setup, BOT_TOKEN, SIGNING_SECRET};
use symflow_engine::RunStatus;
use symflow_server::tenants::{self, RunningTenants, TenantOptions};
use symflow_server::{ServerOptions, SlackSettings};
use symflow_slack_fake::requests::{inputs, SlashCommand};
use symflow_store::DEFAULT_TENANT;
use uuid::Uuid;

const ACME: &str = "T0ACME001";
const BETA: &str = "T0BETA002";

fn options(h: &Harness) -> ServerOptions {
    ServerOptions {
        config: h.env.config.clone(),
        sandbox: h.env.sandbox.clone(),
        catalog: h.env.catalog.clone(),
        data_dir: h.data_dir.path().to_path_buf(),
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        slack: SlackSettings {
            bot_token: Some(BOT_TOKEN.into()),
            signing_secret: Some(SIGNING_SECRET.into()),
            api_base_url: Some(h.slack.base_url()),
        },
        admins: Vec::new(),
        integrations: Arc::new(h.stand_ins.clone()),
        database_url: None,
        leases: Default::default(),
        console: Default::default(),
    }
}

/// Two tenants on the abuse environment, each with its own fake Slack workspace.
async fn two_tenants() -> (Harness, Harness, RunningTenants) {
    let mut acme = Harness::unattached("abuse", Setup::default(), ACME).await;
    let mut beta = Harness::unattached("abuse", Setup::default(), BETA).await;
    let running = tenants::start(
        vec![
            TenantOptions {
                team_id: ACME.into(),
                server: options(&acme),
            },
            TenantOptions {
                team_id: BETA.into(),
                server: options(&beta),
            },
        ],
        SocketAddr::from(([127, 0, 0, 1], 0)),
    )
    .await
    .expect("the tenants start");
    acme.attach(running.addr, running.tenant(ACME).unwrap().store.clone());
    beta.attach(running.addr, running.tenant(BETA).unwrap().store.clone());
    (acme, beta, running)
}

async fn grant(h: &Harness, reason: &str) -> Uuid {
    h.request(
        ALICE,
        "grant",
        &[
            ("reason", text_input(reason)),
            ("duration", inputs::static_select("1h")),
        ],
    )
    .await
}

fn kv(h: &Harness, key: &str) -> Option<String> {
    h.store()
        .transaction(|tx| tx.kv_fetch(DEFAULT_TENANT, key))
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_workspace_reaches_only_its_own_tenant() {
    let (acme, beta, running) = two_tenants().await;

    // Acme's request is stored, shown and granted in Acme only.
    let run = grant(&acme, "acme-only").await;
    acme.card(run).await;
    assert_eq!(acme.click(BOB, run, "symflow_approve").await, 200);
    acme.wait_status(run, RunStatus::Escalated).await;
    assert_eq!(kv(&acme, "escalate:acme-only").as_deref(), Some("1"));
    assert_eq!(
        kv(&beta, "escalate:acme-only"),
        None,
        "Beta's store has nothing of Acme's flow"
    );
    assert!(!beta.run_exists(run), "Beta's store has no Acme run");
    assert!(beta
        .slack
        .calls()
        .iter()
        .all(|c| !c.visible_text().contains("acme-only")));

    // Beta's people click Acme's buttons (same run id, same card): Beta's server does not
    // know that run, and Acme's run does not change.
    let pending = grant(&acme, "acme-pending").await;
    let pending_card = acme.card(pending).await;
    let click = beta.click_request(BOB, pending, &pending_card, "symflow_approve", None);
    assert_eq!(beta.post("/slack/interactivity", &click).await.0, 200);
    beta.wait_ephemeral(BOB, "does not know").await;
    assert_eq!(acme.run(pending).status, RunStatus::Pending);
    assert!(
        acme.slack
            .calls_to("chat.postEphemeral")
            .iter()
            .all(|c| !c.visible_text().contains("does not know")),
        "Acme's workspace heard nothing of it"
    );

    // A workspace nobody configured: refused before anything is stored.
    let before = (acme.outbox_items().len(), beta.outbox_items().len());
    let stranger = SlashCommand::new("T0NOBODY9", ALICE, "/sym", "req grant").request();
    let (status, body) = acme.post("/slack/commands", &stranger).await;
    assert_eq!(status, 403, "{body}");
    assert!(
        body.contains("T0NOBODY9") && body.contains(ACME) && body.contains(BETA),
        "{body}"
    );
    assert_eq!(
        (acme.outbox_items().len(), beta.outbox_items().len()),
        before
    );

    let health = get_json(&acme.url("/healthz")).await;
    assert_eq!(health["status"], "ok");
    assert_eq!(health["tenants"][ACME]["flows"], 2);
    assert_eq!(health["tenants"][BETA]["flows"], 2);
    running.shutdown().await;
}

/// Submit → Pending for one request of `h`, in milliseconds.
async fn request_latency_ms(h: &Harness, reason: &str) -> u128 {
    let modal = h.open_request_modal(ALICE, "misbehave").await;
    let submit = h.submission(ALICE, &modal, &[("reason", text_input(reason))]);
    let started = Instant::now();
    assert_eq!(h.post("/slack/interactivity", &submit).await.0, 200);
    let run = modal.run_id();
    loop {
        if h.run_exists(run) && h.run(run).status == RunStatus::Pending {
            return started.elapsed().as_millis();
        }
        assert!(
            started.elapsed() < symflow_e2e::PATIENCE,
            "{reason} never became pending"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tenant_whose_flows_spin_slows_the_other_by_a_bounded_amount() {
    const SPINNERS: usize = 24;
    let (acme, beta, running) = two_tenants().await;
    let mut quiet = Vec::new();
    for i in 0..3 {
        quiet.push(request_latency_ms(&beta, &format!("quiet-{i}")).await);
    }

    // Acme's forms are opened first, then all sent at once: every on_request spins until
    // the 5 s deadline, more than Acme's worker runs at a time.
    let mut forms = Vec::new();
    for _ in 0..SPINNERS {
        let modal = acme.open_request_modal(ALICE, "misbehave").await;
        forms.push((
            modal.run_id(),
            acme.submission(ALICE, &modal, &[("reason", text_input("spin"))]),
        ));
    }
    let flood_started = Instant::now();
    for (_, submit) in &forms {
        assert_eq!(acme.post("/slack/interactivity", submit).await.0, 200);
    }
    // Wait until Acme's flows are spinning.
    acme.wait_run(forms[0].0, "spinning", |r| r.in_flight.is_some())
        .await;
    let mut loaded = Vec::new();
    for i in 0..3 {
        loaded.push(request_latency_ms(&beta, &format!("loaded-{i}")).await);
    }
    let beta_done = flood_started.elapsed();
    for (run, _) in &forms {
        let ended = acme.wait_status(*run, RunStatus::Errored).await;
        assert!(
            ended.errors[0].message.contains("time limit")
                || ended.errors[0].headline.contains("time"),
            "{:?}",
            ended.errors[0]
        );
    }
    let acme_done = flood_started.elapsed();
    eprintln!(
        "tenant isolation: Beta submit→pending quiet {quiet:?} ms, while Acme spins {SPINNERS} flows {loaded:?} ms; Beta done {beta_done:?} after the flood began, Acme's spinners all ended after {acme_done:?}"
    );
    running.shutdown().await;
}
