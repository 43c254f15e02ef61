//! The Events API's records (tokens kept as hashes, accepted events) and the log destinations'
//! cursors, on whichever backend the binary runs.

use symflow_store::{ApiEvent, Error, NewApiToken, DEFAULT_TENANT};
use uuid::Uuid;

use crate::fixtures::{new_store, user};

fn new_token(user_id: Uuid, name: &str, hash: &str, expires_at_ms: Option<i64>) -> NewApiToken {
    NewApiToken {
        id: Uuid::new_v4(),
        tenant: DEFAULT_TENANT.to_owned(),
        name: name.to_owned(),
        token_hash: hash.to_owned(),
        user_id,
        expires_at_ms,
    }
}

#[test]
fn a_token_is_found_by_its_hash_until_revoked_and_its_expiry_is_kept() {
    let (_db, store) = new_store();
    let bot = user(&store, "ci-bot@example.com");
    let token = new_token(bot, "ci", "aa11", Some(5_000));
    let created = store.transaction(|tx| tx.create_api_token(&token)).unwrap();
    assert_eq!(created.name, "ci");
    assert_eq!(created.expires_at_ms, Some(5_000));
    assert_eq!(created.unusable_because(4_999), None);
    assert_eq!(created.unusable_because(5_000), Some("expired"));

    let found = store
        .transaction(|tx| tx.find_api_token_by_hash("aa11"))
        .unwrap()
        .expect("found by hash");
    assert_eq!(found.id, token.id);
    assert_eq!(found.user_id, bot);
    assert!(store
        .transaction(|tx| tx.find_api_token_by_hash("bb22"))
        .unwrap()
        .is_none());

    assert!(store
        .transaction(|tx| tx.revoke_api_token(token.id, 1_000))
        .unwrap());
    assert!(
        !store
            .transaction(|tx| tx.revoke_api_token(token.id, 2_000))
            .unwrap(),
        "revoking twice changes nothing"
    );
    let revoked = store
        .transaction(|tx| tx.find_api_token_by_hash("aa11"))
        .unwrap()
        .unwrap();
    assert_eq!(revoked.revoked_at_ms, Some(1_000));
    assert_eq!(revoked.unusable_because(0), Some("revoked"));
}

#[test]
fn two_tokens_cannot_share_a_hash_and_tokens_are_listed_per_tenant() {
    let (_db, store) = new_store();
    let bot = user(&store, "ci-bot@example.com");
    store
        .transaction(|tx| tx.create_api_token(&new_token(bot, "one", "h1", None)))
        .unwrap();
    let clash = store.transaction(|tx| tx.create_api_token(&new_token(bot, "two", "h1", None)));
    assert!(
        matches!(clash, Err(Error::AlreadyExists { .. })),
        "{clash:?}"
    );
    store
        .transaction(|tx| tx.create_api_token(&new_token(bot, "three", "h3", None)))
        .unwrap();
    let names: Vec<String> = store
        .transaction(|tx| tx.list_api_tokens(DEFAULT_TENANT))
        .unwrap()
        .into_iter()
        .map(|t| t.name)
        .collect();
    assert_eq!(names, ["one", "three"]);
    assert!(store
        .transaction(|tx| tx.list_api_tokens("another-tenant"))
        .unwrap()
        .is_empty());
}

#[test]
fn an_api_event_is_finished_once() {
    let (_db, store) = new_store();
    let bot = user(&store, "ci-bot@example.com");
    let token = new_token(bot, "ci", "h", None);
    store.transaction(|tx| tx.create_api_token(&token)).unwrap();
    let event = ApiEvent {
        id: Uuid::new_v4(),
        tenant: DEFAULT_TENANT.to_owned(),
        run_id: Uuid::new_v4(),
        event_type: "request".to_owned(),
        token_id: token.id,
        created_at_ms: 10,
        finished_at_ms: None,
        error: None,
    };
    store.transaction(|tx| tx.record_api_event(&event)).unwrap();
    assert_eq!(
        store
            .transaction(|tx| tx.get_api_event(event.id))
            .unwrap()
            .as_ref(),
        Some(&event)
    );
    assert!(store
        .transaction(|tx| tx.finish_api_event(event.id, 20, Some("refused")))
        .unwrap());
    assert!(!store
        .transaction(|tx| tx.finish_api_event(event.id, 30, None))
        .unwrap());
    let finished = store
        .transaction(|tx| tx.get_api_event(event.id))
        .unwrap()
        .unwrap();
    assert_eq!(finished.finished_at_ms, Some(20));
    assert_eq!(finished.error.as_deref(), Some("refused"));
    let unknown_type = ApiEvent {
        id: Uuid::new_v4(),
        event_type: "approve".to_owned(),
        ..event
    };
    assert!(store
        .transaction(|tx| tx.record_api_event(&unknown_type))
        .is_err());
}

#[test]
fn a_log_cursor_starts_at_zero_survives_a_reopen_and_never_moves_back() {
    let (db, store) = new_store();
    assert_eq!(store.transaction(|tx| tx.log_cursor("audit")).unwrap(), 0);
    store
        .transaction(|tx| tx.set_log_cursor("audit", 7))
        .unwrap();
    store
        .transaction(|tx| tx.set_log_cursor("audit", 3))
        .unwrap();
    store
        .transaction(|tx| tx.set_log_cursor("other", 2))
        .unwrap();
    drop(store);
    let reopened = db.open();
    assert_eq!(
        reopened.transaction(|tx| tx.log_cursor("audit")).unwrap(),
        7
    );
    assert_eq!(
        reopened.transaction(|tx| tx.log_cursor("other")).unwrap(),
        2
    );
}
