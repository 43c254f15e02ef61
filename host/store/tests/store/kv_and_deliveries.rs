//! Slack retry de-duplication and the SDK's tenant-scoped key-value store.

use symflow_store::{Error, DEFAULT_TENANT};

use crate::fixtures::new_store;

const HOUR_MS: i64 = 3_600_000;

#[test]
fn a_delivery_is_new_once_then_a_repeat_until_it_expires() {
    let (_dir, store) = new_store();
    let record = |key: &str, now: i64| {
        store
            .transaction(|tx| tx.record_delivery(key, now, HOUR_MS))
            .unwrap()
    };
    assert!(record("T1:trigger-1", 0), "first delivery acts");
    assert!(!record("T1:trigger-1", 10), "Slack's retry is ignored");
    assert!(!record("T1:trigger-1", HOUR_MS - 1), "still remembered");
    assert!(record("T1:trigger-2", 10), "another delivery acts");
    assert!(record("T1:trigger-1", HOUR_MS), "remembered no longer");
    assert!(!record("T1:trigger-1", HOUR_MS + 1), "and remembered again");
}

#[test]
fn expired_deliveries_are_purged() {
    let (_dir, store) = new_store();
    store
        .transaction(|tx| {
            tx.record_delivery("old", 0, 100)?;
            tx.record_delivery("fresh", 0, 10 * HOUR_MS)
        })
        .unwrap();
    let purged = store
        .transaction(|tx| tx.purge_expired_deliveries(HOUR_MS))
        .unwrap();
    assert_eq!(purged, 1);
    let fresh_again = store
        .transaction(|tx| tx.record_delivery("fresh", HOUR_MS, HOUR_MS))
        .unwrap();
    assert!(!fresh_again, "an unexpired key survives the purge");
}

#[test]
fn kv_values_are_put_fetched_replaced_and_deleted_per_tenant() {
    let (_dir, store) = new_store();
    let fetch =
        |tenant: &str, path: &str| store.transaction(|tx| tx.kv_fetch(tenant, path)).unwrap();

    assert_eq!(fetch(DEFAULT_TENANT, "oncall.last_approver"), None);
    store
        .transaction(|tx| tx.kv_put(DEFAULT_TENANT, "oncall.last_approver", r#""alice""#))
        .unwrap();
    store
        .transaction(|tx| tx.kv_put("acme", "oncall.last_approver", r#"{"who":"zed"}"#))
        .unwrap();
    assert_eq!(
        fetch(DEFAULT_TENANT, "oncall.last_approver").as_deref(),
        Some(r#""alice""#)
    );
    assert_eq!(
        fetch("acme", "oncall.last_approver").as_deref(),
        Some(r#"{"who":"zed"}"#)
    );

    store
        .transaction(|tx| tx.kv_put(DEFAULT_TENANT, "oncall.last_approver", "[1,2]"))
        .unwrap();
    assert_eq!(
        fetch(DEFAULT_TENANT, "oncall.last_approver").as_deref(),
        Some("[1,2]")
    );

    assert!(store
        .transaction(|tx| tx.kv_delete(DEFAULT_TENANT, "oncall.last_approver"))
        .unwrap());
    assert!(!store
        .transaction(|tx| tx.kv_delete(DEFAULT_TENANT, "oncall.last_approver"))
        .unwrap());
    assert_eq!(fetch(DEFAULT_TENANT, "oncall.last_approver"), None);
    assert!(
        fetch("acme", "oncall.last_approver").is_some(),
        "other tenant untouched"
    );

    let bad = store.transaction(|tx| tx.kv_put(DEFAULT_TENANT, "x", "not json"));
    assert!(matches!(bad, Err(Error::InvalidInput { .. })), "{bad:?}");
}
