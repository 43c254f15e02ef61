//! Durability across a restart: access granted before the server stopped is still removed
//! when it runs out, and only once, even though the expiry came due while nothing ran.

use std::time::Duration;

use symflow_e2e::{breakglass_fields, people::*, Harness, Setup};
use symflow_engine::RunStatus;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn access_that_expired_while_the_server_was_down_is_removed_once_after_the_restart() {
    let mut h = Harness::start("e2e", Setup::default()).await;
    let run = h
        .request(
            ALICE,
            "breakglass",
            &breakglass_fields("overnight fix", "8s"),
        )
        .await;
    assert_eq!(h.click(BOB, run, "symflow_approve").await, 200);
    let escalated = h.wait_status(run, RunStatus::Escalated).await;
    h.stop().await;
    let expires_at = escalated.expires_at.expect("scheduled deescalation").0;

    // Down until well past the expiry.
    loop {
        let now = symflow_store::now_ms() as u64;
        if now > expires_at + 1_000 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(expires_at + 1_000 - now)).await;
    }
    let still = h.run_while_stopped(run);
    assert_eq!(
        still.status,
        RunStatus::Escalated,
        "nothing happened while the server was down"
    );

    h.start_again().await;
    let ended = h.wait_status(run, RunStatus::Deescalated).await;
    assert_eq!(ended.step_outputs["deescalate"]["revoked"], "alice@prod-db");
    h.wait_dm(ALICE, "has ended").await;
    let types = h.event_types(run);
    assert_eq!(
        types.iter().filter(|t| *t == "deescalate").count(),
        1,
        "{types:?}"
    );
    // A third start finds nothing left to do.
    h.stop().await;
    h.start_again().await;
    let check = h
        .request(ALICE, "breakglass", &breakglass_fields("barrier", "1h"))
        .await;
    h.wait_status(check, RunStatus::Pending).await;
    let types = h.event_types(run);
    assert_eq!(
        types.iter().filter(|t| *t == "deescalate").count(),
        1,
        "{types:?}"
    );
    let expiry_dms = h
        .dms(ALICE)
        .iter()
        .filter(|m| m.text.contains("has ended"))
        .count();
    assert_eq!(expiry_dms, 1, "one expiry DM");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_stopped_in_the_middle_of_a_hook_carries_on_after_the_restart() {
    let mut h = Harness::start("e2e", Setup::default()).await;
    let run = h
        .request(
            ALICE,
            "slow",
            &[("reason", symflow_e2e::text_input("patience"))],
        )
        .await;
    // on_request takes 2 s: stop while it runs.
    h.wait_run(run, "waiting for on_request", |r| r.in_flight.is_some())
        .await;
    h.stop().await;
    let stopped = h.run_while_stopped(run);
    assert!(
        stopped.in_flight.is_some(),
        "the run was cut short mid-step"
    );
    assert!(stopped.messages.is_empty());

    h.start_again().await;
    h.wait_status(run, RunStatus::Pending).await;
    let card = h.card(run).await;
    assert_eq!(card.0, "#sym-requests");
    let types = h.event_types(run);
    assert_eq!(
        types,
        ["prompt", "request"],
        "the request was processed once"
    );
    let cards = h
        .slack
        .messages_in("#sym-requests")
        .into_iter()
        .filter(|m| m.visible_text().contains("patience"))
        .count();
    assert_eq!(cards, 1, "one card");
}
