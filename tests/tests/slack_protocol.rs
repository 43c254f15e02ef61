//! Slack's side of the contract: only signed, fresh requests are acted on; a retried
//! delivery acts once; the Events API URL check; a server without credentials says so.

use std::sync::Arc;

use symflow_e2e::{breakglass_fields, env, get_json, people::*, Harness, Setup, SIGNING_SECRET};
use symflow_engine::RunStatus;
use symflow_server::{Server, ServerOptions, SlackSettings, StandInScript, StandIns};
use symflow_slack_fake::requests::{unix_now, url_verification, SlashCommand};

fn nothing_stored(h: &Harness) {
    let outbox = h.outbox_items();
    assert!(outbox.is_empty(), "no work was recorded: {outbox:?}");
    let user = h.read(|tx| tx.find_user_by_email(symflow_store::DEFAULT_TENANT, ALICE_EMAIL));
    assert!(user.is_none(), "no user was created");
    let runs = h.read(|tx| tx.unfinished_runs(symflow_store::DEFAULT_TENANT, 10));
    assert!(runs.is_empty(), "no run was created");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_signatures_and_stale_timestamps_are_refused_and_leave_no_trace() {
    let h = Harness::start("e2e", Setup::default()).await;
    let command = SlashCommand::new(symflow_e2e::TEAM, ALICE, "/sym", "req breakglass").request();

    let wrong_secret = command.signed_now("not-the-secret");
    let (status, body) = h
        .post_with_headers("/slack/commands", &command, &wrong_secret)
        .await;
    assert_eq!(status, 401);
    assert!(body.contains("signature does not match"), "{body}");

    let stale = command.signature_headers(SIGNING_SECRET, unix_now() - 600);
    let (status, body) = h
        .post_with_headers("/slack/commands", &command, &stale)
        .await;
    assert_eq!(status, 401);
    assert!(body.contains("replay"), "{body}");

    let unsigned = vec![("Content-Type", command.content_type.to_string())];
    let (status, _) = h
        .post_with_headers("/slack/interactivity", &command, &unsigned)
        .await;
    assert_eq!(status, 401);

    // A body changed after signing.
    let headers = command.signed_now(SIGNING_SECRET);
    let mut tampered = command.clone();
    tampered.body.extend_from_slice(b"&text=req+other");
    let (status, _) = h
        .post_with_headers("/slack/commands", &tampered, &headers)
        .await;
    assert_eq!(status, 401);

    nothing_stored(&h);
    assert!(
        h.slack.calls().is_empty(),
        "Slack was not called: {}",
        h.slack.summary()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retried_delivery_is_acted_on_once() {
    let h = Harness::start("e2e", Setup::default()).await;
    let run = h
        .request(ALICE, "breakglass", &breakglass_fields("retry me", "1h"))
        .await;
    let card = h.card(run).await;
    let click = h.click_request(BOB, run, &card, "symflow_approve", None);
    let (status, _) = h.post("/slack/interactivity", &click).await;
    assert_eq!(status, 200);
    // Slack did not see our answer in time and sends the same delivery again.
    let mut retry = click.signed_now(SIGNING_SECRET);
    retry.push(("X-Slack-Retry-Num", "1".into()));
    retry.push(("X-Slack-Retry-Reason", "http_timeout".into()));
    let (status, _) = h
        .post_with_headers("/slack/interactivity", &click, &retry)
        .await;
    assert_eq!(status, 200, "the retry is acknowledged");
    // And once more, unflagged, a second later.
    let (status, _) = h.post("/slack/interactivity", &click).await;
    assert_eq!(status, 200);

    h.wait_status(run, RunStatus::Escalated).await;
    h.wait_dm(ALICE, "You have access").await;
    let clicks: Vec<_> = h
        .outbox_items()
        .into_iter()
        .filter(|item| item.kind == "slack.click")
        .collect();
    assert_eq!(
        clicks.len(),
        1,
        "one click was accepted as work: {clicks:?}"
    );
    let types = h.event_types(run);
    assert_eq!(
        types.iter().filter(|t| *t == "approve").count(),
        1,
        "{types:?}"
    );
    assert_eq!(
        types.iter().filter(|t| *t == "escalate").count(),
        1,
        "{types:?}"
    );
    let refusals = h
        .slack
        .calls_to("chat.postEphemeral")
        .into_iter()
        .filter(|c| c.str_arg("user") == Some(BOB))
        .count();
    assert_eq!(refusals, 0, "Bob was never told his click came too late");
    let approvals = h
        .dms(ALICE)
        .iter()
        .filter(|m| m.text.contains("You have access"))
        .count();
    assert_eq!(approvals, 1, "one approval DM");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_events_url_check_is_answered_and_health_is_reported() {
    let h = Harness::start("e2e", Setup::default()).await;
    let (status, body) = h
        .post("/slack/events", &url_verification("challenge-123"))
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&body).unwrap()["challenge"],
        "challenge-123"
    );

    let health = get_json(&h.url("/healthz")).await;
    assert_eq!(health["status"], "ok");
    assert_eq!(health["flows"], 6);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_slack_credentials_the_server_starts_and_refuses_slack_requests_clearly() {
    let env = tokio::task::spawn_blocking(|| env("e2e")).await.unwrap();
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(ServerOptions {
        config: env.config.clone(),
        sandbox: env.sandbox.clone(),
        catalog: env.catalog.clone(),
        data_dir: data.path().to_path_buf(),
        database_url: None,
        listen: "127.0.0.1:0".parse().unwrap(),
        slack: SlackSettings::default(),
        admins: Vec::new(),
        integrations: Arc::new(StandIns::new(StandInScript::default())),
        leases: Default::default(),
        console: Default::default(),
    })
    .await
    .expect("the server starts without credentials");
    let command = SlashCommand::new(symflow_e2e::TEAM, ALICE, "/sym", "").request();
    let response = reqwest::Client::new()
        .post(format!("http://{}/slack/commands", server.addr))
        .headers({
            let mut headers = reqwest::header::HeaderMap::new();
            for (name, value) in command.signed_now(SIGNING_SECRET) {
                headers.insert(name, value.parse().unwrap());
            }
            headers
        })
        .body(command.body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 503);
    let body = response.text().await.unwrap();
    assert!(body.contains("SLACK_SIGNING_SECRET"), "{body}");
    let health = get_json(&format!("http://{}/healthz", server.addr)).await;
    assert_eq!(health["slack_bot_token"], false);
    assert_eq!(health["slack_signing_secret"], false);
    server.shutdown().await;
}
