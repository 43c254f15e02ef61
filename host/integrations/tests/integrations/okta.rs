//! Okta: the `okta` strategy (grant, revoke, idempotency, identity lookup, errors) and the
//! capability's helpers.

use serde_json::Value;
use symflow_integrations::ErrorKind;

use crate::{blocking, user, world};

fn members(world: &crate::World, group: &str) -> Vec<String> {
    world.okta.lock().unwrap().groups[group]
        .1
        .iter()
        .cloned()
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn okta_strategy_grants_once_and_revokes_idempotently() {
    let world = world().await;
    let strategy = world.strategy("okta");
    assert_eq!(strategy.identity_service(), Some(("okta", "acme.okta.com")));
    let request = world.request("okta_admins", "alice@acme.com");

    let first = strategy.escalate(&request).await.unwrap();
    let second = strategy.escalate(&request).await.unwrap();
    assert_eq!(first, second);
    assert_eq!(first["user_id"], "00u-alice");
    assert_eq!(members(&world, "00g-admins"), ["00u-alice", "00u-carol"]);

    let mut revoke = request.clone();
    revoke.escalate_output = Some(first);
    strategy.deescalate(&revoke).await.unwrap();
    assert_eq!(members(&world, "00g-admins"), ["00u-carol"]);
    // Gone already: still success.
    strategy.deescalate(&revoke).await.unwrap();
    strategy.deescalate(&request).await.unwrap();
    assert_eq!(members(&world, "00g-admins"), ["00u-carol"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn identities_are_found_by_login_then_email_or_not_found() {
    let world = world().await;
    let strategy = world.strategy("okta");
    assert_eq!(
        strategy
            .fetch_identity("alice@acme.com")
            .await
            .unwrap()
            .as_deref(),
        Some("00u-alice")
    );
    // bob's login is "bob": found through profile.email.
    assert_eq!(
        strategy
            .fetch_identity("bob@acme.com")
            .await
            .unwrap()
            .as_deref(),
        Some("00u-bob")
    );
    assert_eq!(
        strategy.fetch_identity("ghost@acme.com").await.unwrap(),
        None
    );

    let err = strategy
        .escalate(&world.request("okta_admins", "ghost@acme.com"))
        .await
        .unwrap_err();
    assert_eq!(err.error_code(), "Identity:NOT_FOUND");
    assert_eq!(err.exception(), "IdentityNotFound");
    assert!(err.report().contains("symflow CLI"), "{}", err.report());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn okta_api_errors_become_okta_errors_with_the_service_text_and_a_hint() {
    let world = world().await;
    let strategy = world.strategy("okta");
    let mut request = world.request("okta_admins", "alice@acme.com");
    request
        .target
        .settings
        .insert("group_id".into(), "00g-locked".into());
    let err = strategy.escalate(&request).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Forbidden);
    assert_eq!(err.status, Some(403));
    assert_eq!(err.exception(), "OktaError");
    assert_eq!(err.error_code(), "Okta:FORBIDDEN");
    assert!(
        err.message.contains("E0000006 You do not have permission"),
        "{}",
        err.message
    );
    assert!(
        err.report()
            .starts_with("OktaError (Okta:FORBIDDEN): Okta PUT"),
        "{}",
        err.report()
    );
    assert!(err.report().contains("Hint:"), "{}", err.report());

    request
        .target
        .settings
        .insert("group_id".into(), "00g-missing".into());
    let err = strategy.escalate(&request).await.unwrap_err();
    assert_eq!(err.error_code(), "Okta:NOT_FOUND");
    assert!(
        err.hint.as_deref().unwrap().contains("00g-missing"),
        "{err:?}"
    );

    request.target.settings.remove("group_id");
    let err = strategy.escalate(&request).await.unwrap_err();
    assert_eq!(err.error_code(), "Okta:CONFIG_ERROR");
    assert!(
        err.message.contains("no group_id setting"),
        "{}",
        err.message
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn okta_capability_membership_pages_and_groups() {
    let world = world().await;
    let okta = world.caps("full-flow").okta.expect("granted");
    let (carol_in, alice_in, eng, groups, info) = blocking(move || {
        (
            okta.is_user_in_group(user("carol@acme.com"), "00g-admins".into())
                .unwrap(),
            okta.is_user_in_group(user("alice@acme.com"), "00g-admins".into())
                .unwrap(),
            okta.users_in_group("00g-eng".into()).unwrap(),
            okta.list_groups(Some("Eng".into()), None, None, true)
                .unwrap(),
            okta.get_user_info(user("bob@acme.com")).unwrap(),
        )
    })
    .await;
    assert!(carol_in);
    assert!(!alice_in);
    // Three members over two pages (Link rel="next").
    let emails: Vec<&str> = eng.iter().map(|u| u.email.as_str()).collect();
    assert_eq!(emails, ["alice@acme.com", "bob@acme.com", "carol@acme.com"]);
    assert_eq!(eng[1].identities[0].user_id, "00u-bob");
    let groups: Value = serde_json::from_str(&groups).unwrap();
    assert_eq!(groups[0]["id"], "00g-eng");
    assert_eq!(groups[0]["filter_seen"], "type eq \"OKTA_GROUP\"");
    let info: Value = serde_json::from_str(&info).unwrap();
    assert_eq!(info["profile"]["firstName"], "Bob");
}
