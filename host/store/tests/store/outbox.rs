//! The outbox: effects claimed after commit, re-claimed after a crash, retried, given up on,
//! and carried out in order within a run.

use symflow_store::prelude::*;
use symflow_store::{Error, NewOutboxItem, OutboxItemId, OutboxState, RunRecord, DEFAULT_TENANT};

use crate::fixtures::{new_store, run};

const LEASE_MS: i64 = 30_000;

pub fn effect(run: Option<&RunRecord>, kind: &str) -> NewOutboxItem {
    NewOutboxItem {
        tenant: DEFAULT_TENANT.to_owned(),
        run_id: run.map(|run| run.id),
        kind: kind.to_owned(),
        payload_json: format!(r#"{{"kind":"{kind}"}}"#),
    }
}

fn claim(store: &Store, now_ms: i64) -> Vec<OutboxItemId> {
    store
        .transaction(|tx| tx.claim_pending_outbox(now_ms, 10, LEASE_MS))
        .unwrap()
        .into_iter()
        .map(|item| item.id)
        .collect()
}

#[test]
fn an_item_is_claimed_then_done() {
    let (_dir, store) = new_store();
    let id = store
        .transaction(|tx| tx.enqueue_outbox(&effect(None, "slack.post_message")))
        .unwrap();
    let claimed = store
        .transaction(|tx| tx.claim_pending_outbox(symflow_store::now_ms(), 10, LEASE_MS))
        .unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].id, id);
    assert_eq!(claimed[0].kind, "slack.post_message");
    assert_eq!(claimed[0].payload_json, r#"{"kind":"slack.post_message"}"#);
    assert_eq!(claimed[0].state, OutboxState::Claimed);
    assert_eq!(claimed[0].attempts, 1);

    assert!(store.transaction(|tx| tx.mark_outbox_done(id)).unwrap());
    assert!(!store.transaction(|tx| tx.mark_outbox_done(id)).unwrap());
    let item = store
        .transaction(|tx| tx.get_outbox_item(id))
        .unwrap()
        .unwrap();
    assert_eq!(item.state, OutboxState::Done);
    assert_eq!(claim(&store, i64::MAX / 2), []);
}

#[test]
fn an_item_claimed_by_a_process_that_died_is_claimed_again_after_restart() {
    let (dir, store) = new_store();
    let id = store
        .transaction(|tx| tx.enqueue_outbox(&effect(None, "slack.post_message")))
        .unwrap();
    let now = symflow_store::now_ms();
    assert_eq!(claim(&store, now), [id]);
    drop(store);

    let restarted = dir.open();
    assert_eq!(claim(&restarted, now + 1), [], "lease still running");
    assert_eq!(claim(&restarted, now + LEASE_MS), [id]);
}

#[test]
fn ending_the_leases_of_a_dead_holder_makes_its_items_claimable_at_once() {
    let (_dir, store) = new_store();
    let id = store
        .transaction(|tx| tx.enqueue_outbox(&effect(None, "slack.post")))
        .unwrap();
    let now = symflow_store::now_ms();
    assert_eq!(claim(&store, now), [id]);
    assert_eq!(claim(&store, now + 10), [], "held by its lease");
    assert_eq!(
        store
            .transaction(|tx| tx.end_outbox_leases(now + 10))
            .unwrap(),
        1
    );
    assert_eq!(claim(&store, now + 10), [id], "claimable again at once");
    assert!(store.transaction(|tx| tx.mark_outbox_done(id)).unwrap());
    assert_eq!(
        store
            .transaction(|tx| tx.end_outbox_leases(now + 10))
            .unwrap(),
        0,
        "a finished item has no lease to end"
    );
}

#[test]
fn a_failed_attempt_is_retried_later_and_can_be_given_up() {
    let (_dir, store) = new_store();
    let id = store
        .transaction(|tx| tx.enqueue_outbox(&effect(None, "slack.post_message")))
        .unwrap();
    let now = symflow_store::now_ms();
    assert_eq!(claim(&store, now), [id]);
    assert!(store
        .transaction(|tx| tx.retry_outbox_later(id, now + 5_000, "429 Retry-After: 5"))
        .unwrap());
    assert_eq!(claim(&store, now + 4_999), [], "waits for Retry-After");
    assert_eq!(claim(&store, now + 5_000), [id]);

    assert!(store
        .transaction(|tx| tx.mark_outbox_failed(id, "channel_not_found"))
        .unwrap());
    let item = store
        .transaction(|tx| tx.get_outbox_item(id))
        .unwrap()
        .unwrap();
    assert_eq!(item.state, OutboxState::Failed);
    assert_eq!(item.attempts, 2);
    assert_eq!(item.last_error.as_deref(), Some("channel_not_found"));
    assert_eq!(claim(&store, now + 10 * LEASE_MS), []);
}

#[test]
fn a_runs_items_are_handed_out_one_at_a_time_in_order() {
    let (_dir, store) = new_store();
    let first = run(&store, "approval_demo");
    let second = run(&store, "approval_demo");
    let (post, update, dm, other_run, runless) = store
        .transaction(|tx| {
            Ok::<_, Error>((
                tx.enqueue_outbox(&effect(Some(&first), "slack.post_message"))?,
                tx.enqueue_outbox(&effect(Some(&first), "slack.update_message"))?,
                tx.enqueue_outbox(&effect(Some(&first), "slack.dm"))?,
                tx.enqueue_outbox(&effect(Some(&second), "slack.post_message"))?,
                tx.enqueue_outbox(&effect(None, "slack.error_log"))?,
            ))
        })
        .unwrap();
    let now = symflow_store::now_ms();
    assert_eq!(claim(&store, now), [post, other_run, runless]);
    assert_eq!(
        claim(&store, now),
        [],
        "the run's next item waits for the first"
    );

    // A retried head item still blocks the run; once done, the next one comes.
    store
        .transaction(|tx| tx.retry_outbox_later(post, now, "timeout"))
        .unwrap();
    assert_eq!(claim(&store, now), [post]);
    store.transaction(|tx| tx.mark_outbox_done(post)).unwrap();
    assert_eq!(claim(&store, now), [update]);
    store
        .transaction(|tx| tx.mark_outbox_failed(update, "message_not_found"))
        .unwrap();
    assert_eq!(
        claim(&store, now),
        [dm],
        "a failed item does not block the run forever"
    );
}
