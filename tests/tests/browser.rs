//! The web console and the Slack preview in headless Chromium (WebDriver), against a real
//! symflow server on loopback whose Slack is the preview's built-in local Slack, as
//! `symflow up` runs without Slack credentials.
//!
//! One story: Alice requests database access through the Slack preview (the request modal
//! drawn from the engine's Block Kit, submitted as Slack would), and payroll access too; Bob,
//! a member, sees the database request but gets no Approve / Deny (only admins approve), and
//! does not see the payroll request at all (`webapp_view` is admin); the admin approves in
//! the console, the Slack card says so; Alice revokes from the card in the preview (through
//! the Revoke button's confirmation dialog, after cancelling it once); the
//! audit export has the whole trail.
//!
//! With `SYMFLOW_SCREENSHOTS=1` the test also writes `docs/console-runs.png`,
//! `docs/console-run.png` and `docs/slack-preview.png`.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use symflow_e2e::webdriver::Browser;
use symflow_e2e::{env, repo_root};
use symflow_engine::{Run, RunStatus};
use symflow_server::console::ConsoleOptions;
use symflow_server::preview::PreviewSlack;
use symflow_server::{RunningServer, Server, ServerOptions, StandInScript, StandIns};
use symflow_store::{RunQuery, DEFAULT_TENANT};
use uuid::Uuid;

const TOKEN: &str = "browser-test-console-token";
const ADMIN: &str = "admin@example.com";
const ALICE: &str = "alice@example.com";
const BOB: &str = "bob@example.com";
const PATIENCE: Duration = Duration::from_secs(90);

struct Site {
    server: RunningServer,
    preview: Arc<PreviewSlack>,
    _data: tempfile::TempDir,
}

impl Site {
    async fn start() -> Site {
        let env = tokio::task::spawn_blocking(|| env("console"))
            .await
            .unwrap();
        let preview = PreviewSlack::start().await;
        let data = tempfile::tempdir().unwrap();
        let server = Server::start(ServerOptions {
            config: env.config.clone(),
            sandbox: env.sandbox.clone(),
            catalog: env.catalog.clone(),
            data_dir: data.path().to_path_buf(),
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            slack: preview.slack_settings(),
            admins: vec![ADMIN.to_string()],
            integrations: Arc::new(StandIns::new(StandInScript::default())),
            database_url: None,
            leases: Default::default(),
            console: ConsoleOptions {
                token: Some(TOKEN.to_string()),
                preview: Some(preview.clone()),
                ..ConsoleOptions::default()
            },
        })
        .await
        .expect("the server starts");
        Site {
            server,
            preview,
            _data: data,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.server.addr)
    }

    /// The runs of `flow`, newest first.
    fn runs_of(&self, flow: &str) -> Vec<(Uuid, Run)> {
        self.server
            .store
            .transaction(|tx| {
                tx.list_runs(&RunQuery {
                    tenant: DEFAULT_TENANT.into(),
                    flow: Some(flow.into()),
                    limit: 10,
                    ..RunQuery::default()
                })
            })
            .unwrap()
            .into_iter()
            .map(|r| (r.id, Run::from_json(&r.state_json).unwrap()))
            .collect()
    }

    async fn wait_status(&self, id: Uuid, status: RunStatus) -> Run {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let record = self
                .server
                .store
                .transaction(|tx| tx.get_run(id))
                .unwrap()
                .expect("the run is stored");
            let run = Run::from_json(&record.state_json).unwrap();
            if run.status == status {
                return run;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "run {id} never became {}; it is {} with errors {:?}",
                status.as_str(),
                run.status.as_str(),
                run.errors
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The text of the run's card in the local Slack now.
    fn card_text(&self, channel: &str) -> String {
        self.preview
            .slack()
            .messages_in(channel)
            .iter()
            .map(|m| m.visible_text())
            .collect::<Vec<_>>()
            .join("\n")
    }
}

async fn sign_in(browser: &Browser, site: &Site, email: &str) {
    browser.clear_cookies().await;
    browser.goto(&site.url("/console")).await;
    assert!(
        browser.current_url().await.ends_with("/console/sign-in"),
        "signed-out people are sent to the sign-in page"
    );
    browser.type_into(&browser.get("#email").await, email).await;
    browser.type_into(&browser.get("#token").await, TOKEN).await;
    browser.click_and_wait(&browser.get("#sign-in").await).await;
    browser.wait_present("#who", PATIENCE).await;
    assert!(
        browser.text("#who").await.starts_with(email),
        "{email} is signed in; the page says {}",
        browser.text("body").await
    );
}

/// Opens the preview's request modal for `flow`, fills it and submits it.
async fn request_in_preview(browser: &Browser, site: &Site, flow: &str, fields: &[(&str, &str)]) {
    browser.goto(&site.url("/preview")).await;
    browser
        .click_and_wait(&browser.get(&format!("#request-{flow}")).await)
        .await;
    browser
        .wait_for(&site.url("/preview"), "#modal-submit", PATIENCE)
        .await;
    for (name, value) in fields {
        let css = format!("[name=\"field:{name}\"]");
        let element = browser.get(&css).await;
        if browser.find(&format!("select{css}")).await.is_some() {
            browser
                .click(
                    &browser
                        .get(&format!("select{css} option[value=\"{value}\"]"))
                        .await,
                )
                .await;
        } else {
            browser.type_into(&element, value).await;
        }
    }
    browser
        .click_and_wait(&browser.get("#modal-submit").await)
        .await;
}

async fn save_screenshot(browser: &Browser, name: &str) {
    if std::env::var_os("SYMFLOW_SCREENSHOTS").is_none() {
        return;
    }
    let png = browser.screenshot().await;
    assert!(png.starts_with(b"\x89PNG"), "a PNG screenshot");
    let path = repo_root().join("docs").join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, png).unwrap();
    eprintln!("wrote {}", path.display());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_in_the_slack_preview_approve_in_the_console_revoke_and_permissions_hide_runs() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let site = Site::start().await;

    // A wrong token is refused with a sentence saying what to use.
    browser.goto(&site.url("/console/sign-in")).await;
    browser.type_into(&browser.get("#email").await, ALICE).await;
    browser
        .type_into(&browser.get("#token").await, "guess")
        .await;
    browser.click_and_wait(&browser.get("#sign-in").await).await;
    browser.wait_present("#sign-in-error", PATIENCE).await;
    assert!(browser
        .text("#sign-in-error")
        .await
        .contains("not this server's"));

    // Alice requests database access, then payroll access, through the Slack preview.
    sign_in(&browser, &site, ALICE).await;
    assert!(browser.find("#no-runs").await.is_some(), "no runs yet");
    request_in_preview(
        &browser,
        &site,
        "db-access",
        &[("reason", "orders backlog INC-42"), ("duration", "1h")],
    )
    .await;
    browser
        .wait_for(
            &site.url("/preview"),
            "[data-channel=\"#access-requests\"] [data-action=\"symflow_approve\"]",
            PATIENCE,
        )
        .await;
    let preview_text = browser.text("[data-channel=\"#access-requests\"]").await;
    assert!(
        preview_text.contains("orders backlog INC-42"),
        "the card shows the reason: {preview_text}"
    );
    assert!(
        browser.find("#modal").await.is_none(),
        "the modal closed on submit"
    );
    save_screenshot(&browser, "slack-preview.png").await;
    let (db_run, run) = site
        .runs_of("db-access")
        .into_iter()
        .next()
        .expect("a db-access run");
    assert_eq!(run.status, RunStatus::Pending);
    assert_eq!(
        run.requester.as_ref().unwrap().email,
        ALICE,
        "the Slack user maps to the console user by e-mail"
    );

    request_in_preview(
        &browser,
        &site,
        "payroll",
        &[("reason", "year-end bonus run")],
    )
    .await;
    browser
        .wait_for(
            &site.url("/preview"),
            "[data-channel=\"#payroll-requests\"]",
            PATIENCE,
        )
        .await;
    let (payroll_run, _) = site
        .runs_of("payroll")
        .into_iter()
        .next()
        .expect("a payroll run");
    site.wait_status(payroll_run, RunStatus::Pending).await;

    // Alice sees both of her runs, but may not approve her own.
    browser.goto(&site.url("/console/runs")).await;
    assert_eq!(
        browser.find_all("tr.run").await.len(),
        2,
        "the requester sees her runs"
    );
    browser
        .goto(&site.url(&format!("/console/runs/{db_run}")))
        .await;
    assert!(
        browser.find("#action-approve").await.is_none(),
        "no self-approval"
    );

    // Bob, a member: sees the database request (webapp_view member) without Approve / Deny
    // (approve_deny admin), and not the payroll request (webapp_view admin).
    sign_in(&browser, &site, BOB).await;
    let rows = browser.find_all("tr.run").await;
    assert_eq!(rows.len(), 1, "{}", browser.text("body").await);
    assert!(browser
        .find(&format!("tr.run[data-run=\"{db_run}\"]"))
        .await
        .is_some());
    assert!(browser
        .find(&format!("tr.run[data-run=\"{payroll_run}\"]"))
        .await
        .is_none());
    browser
        .goto(&site.url(&format!("/console/runs/{db_run}")))
        .await;
    assert!(browser.find("#action-approve").await.is_none());
    assert!(browser.find("#action-deny").await.is_none());
    assert!(browser.find("#no-actions").await.is_some());
    browser
        .goto(&site.url(&format!("/console/runs/{payroll_run}")))
        .await;
    assert!(
        browser.find("#not-found").await.is_some(),
        "a hidden run is not found"
    );
    // The audit export follows the same rule.
    let export = browser
        .run_script("return fetch('/console/export.jsonl').then(r => r.text())")
        .await;
    let lines: Vec<Value> = export
        .as_str()
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(!lines.is_empty());
    assert!(
        lines.iter().all(|e| e["run"]["srn"]
            .as_str()
            .unwrap()
            .contains(&db_run.to_string())),
        "bob's export holds only the run he may see"
    );

    // The admin sees both and approves the database request in the console.
    sign_in(&browser, &site, ADMIN).await;
    assert_eq!(browser.find_all("tr.run").await.len(), 2);
    // Filters: by flow, by state, by requester.
    browser
        .goto(&site.url("/console/runs?flow=payroll&status=pending"))
        .await;
    assert_eq!(browser.find_all("tr.run").await.len(), 1);
    assert!(browser
        .find(&format!("tr.run[data-run=\"{payroll_run}\"]"))
        .await
        .is_some());
    browser
        .goto(&site.url(&format!("/console/runs?requester={BOB}")))
        .await;
    assert!(browser.find("#no-runs").await.is_some());
    browser.goto(&site.url("/console/runs")).await;
    save_screenshot(&browser, "console-runs.png").await;

    browser
        .goto(&site.url(&format!("/console/runs/{db_run}")))
        .await;
    assert!(browser.find("#action-deny").await.is_some());
    browser
        .type_into(
            &browser.get("#decision-message").await,
            "ok for the incident",
        )
        .await;
    browser
        .click_and_wait(&browser.get("#action-approve").await)
        .await;
    // The approval is acknowledged (the page after the form's POST).
    browser.wait_present("#sent", PATIENCE).await;
    let run = site.wait_status(db_run, RunStatus::Escalated).await;
    assert_eq!(run.approver().unwrap().email, ADMIN);
    assert_eq!(run.decision_message.as_deref(), Some("ok for the incident"));
    browser
        .wait_for(
            &site.url(&format!("/console/runs/{db_run}")),
            "#run-status [data-status=\"escalated\"]",
            PATIENCE,
        )
        .await;
    let timeline = browser.text("#timeline").await;
    for step in ["request", "approve", "escalate"] {
        assert!(
            timeline.contains(step),
            "the timeline shows {step}: {timeline}"
        );
    }
    assert!(
        browser.text("body").await.contains("alice@orders-db"),
        "the strategy's output is shown"
    );
    save_screenshot(&browser, "console-run.png").await;
    // The Slack card was updated by the same path as a Slack click.
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while !site.card_text("#access-requests").contains("Approved") {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the card never said Approved: {}",
            site.card_text("#access-requests")
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // Alice revokes from the card in the Slack preview.
    sign_in(&browser, &site, ALICE).await;
    let revoke = browser
        .wait_for(
            &site.url("/preview"),
            "[data-channel=\"#access-requests\"] [data-action=\"symflow_revoke\"]",
            PATIENCE,
        )
        .await;
    // Revoke carries a Block Kit `confirm`: the button only opens the dialog; Cancel
    // leaves the access in place, the dialog's Revoke revokes.
    browser.click(&revoke).await;
    let dialog = browser.text("[data-confirm=\"symflow_revoke\"]").await;
    assert!(dialog.contains("Revoke access?"), "{dialog}");
    let cancel = browser.get("[data-deny=\"symflow_revoke\"]").await;
    browser.click_and_wait(&cancel).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        site.wait_status(db_run, RunStatus::Escalated).await.status,
        RunStatus::Escalated,
        "Cancel revokes nothing"
    );
    let revoke = browser
        .wait_for(
            &site.url("/preview"),
            "[data-channel=\"#access-requests\"] [data-action=\"symflow_revoke\"]",
            PATIENCE,
        )
        .await;
    browser.click(&revoke).await;
    let confirm = browser
        .get("[data-channel=\"#access-requests\"] [data-confirmed=\"symflow_revoke\"]")
        .await;
    browser.click_and_wait(&confirm).await;
    let run = site.wait_status(db_run, RunStatus::Deescalated).await;
    assert_eq!(run.actors["deescalate"].email, ALICE);
    browser
        .wait_for(
            &site.url(&format!("/console/runs/{db_run}")),
            "#run-status [data-status=\"deescalated\"]",
            PATIENCE,
        )
        .await;
    assert!(
        browser.find("#action-revoke").await.is_none(),
        "nothing left to revoke"
    );

    // The whole trail in CSV, as the admin sees it.
    sign_in(&browser, &site, ADMIN).await;
    let csv = browser
        .run_script("return fetch('/console/export.csv?flow=db-access').then(r => r.text())")
        .await;
    let csv = csv.as_str().unwrap();
    let mut lines = csv.lines();
    assert!(lines
        .next()
        .unwrap()
        .starts_with("occurred_at,run_id,flow,seq"));
    let types: Vec<&str> = csv
        .lines()
        .skip(1)
        .filter(|l| l.contains(&db_run.to_string()))
        .filter_map(|l| l.split(',').nth(5))
        .collect();
    for step in ["request", "approve", "escalate", "deescalate"] {
        assert!(types.contains(&step), "the CSV has {step}: {types:?}");
    }
    site.server.shutdown().await;
}
