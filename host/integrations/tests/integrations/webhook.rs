//! The `http` strategy: signed webhooks the receiver verifies, idempotent calls, errors.

use serde_json::json;
use symflow_integrations::strategies::sign_webhook;

use crate::{fakes, world};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhooks_are_signed_and_repeatable() {
    let world = world().await;
    let strategy = world.strategy("webhook");
    let request = world.request("webhook_target", "alice@acme.com");
    let first = strategy.escalate(&request).await.unwrap();
    assert_eq!(
        first,
        json!({"ok": true, "action": "escalate", "changed": true}),
        "the receiver verified the signature"
    );
    let again = strategy.escalate(&request).await.unwrap();
    assert_eq!(again["changed"], false);
    assert_eq!(
        strategy.deescalate(&request).await.unwrap()["changed"],
        true
    );
    assert_eq!(
        strategy.deescalate(&request).await.unwrap()["changed"],
        false
    );
    let hooks = world.hooks.lock().unwrap();
    assert_eq!(hooks.received.len(), 4);
    let body = &hooks.received[0];
    assert_eq!(body["requester"]["email"], "alice@acme.com");
    assert_eq!(body["duration_seconds"], 3600);
    assert_eq!(body["event"], request.event);
    assert!(hooks.grants.is_empty());
}

#[test]
fn signature_is_hmac_sha256_of_timestamp_dot_body() {
    // RFC 4231-style check against a value computed independently with the hmac crate.
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(b"key").unwrap();
    mac.update(b"1700000000.{}");
    let expected = format!("v1={}", hex::encode(mac.finalize().into_bytes()));
    assert_eq!(sign_webhook(b"key", 1_700_000_000, b"{}"), expected);
    assert_ne!(sign_webhook(b"other", 1_700_000_000, b"{}"), expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_receiver_is_an_http_error_with_its_answer() {
    let mut world = crate::world_with(&[]).await;
    world
        .config
        .strategies
        .get_mut("webhook")
        .unwrap()
        .settings
        .insert(
            "url".into(),
            symflow_config::SettingValue::Text(world.hook_url.join("/fail").unwrap().to_string()),
        );
    let err = world
        .strategy("webhook")
        .escalate(&world.request("webhook_target", "alice@acme.com"))
        .await
        .unwrap_err();
    assert_eq!(
        (err.exception(), err.error_code().as_str(), err.status),
        ("HTTPError", "HTTP:API_ERROR", Some(500))
    );
    assert!(
        err.message
            .contains("answered HTTP 500: database is read-only"),
        "{}",
        err.message
    );

    // A wrong signing key: the receiver refuses it.
    let world = crate::world_with(&[("sym/test/webhook-key", json!("not-the-key"))]).await;
    let err = world
        .strategy("webhook")
        .escalate(&world.request("webhook_target", "alice@acme.com"))
        .await
        .unwrap_err();
    assert_eq!(err.status, Some(401));
    let _ = fakes::WEBHOOK_KEY;
}
