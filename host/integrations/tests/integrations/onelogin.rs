//! OneLogin: the `onelogin` strategy against the fake OneLogin API v2 (token from the
//! client-credentials endpoint, grant, revoke, idempotency, identity lookup, refusals).

use std::sync::Arc;

use serde_json::json;
use symflow_integrations::strategies::{self, BuiltinStrategy};
use symflow_integrations::{ErrorKind, SecretSources};

use crate::{fakes, world, World};

fn members(world: &World, role: &str) -> Vec<u64> {
    world.onelogin.lock().unwrap().members(role)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn onelogin_strategy_grants_once_and_revokes_idempotently() {
    let world = world().await;
    let strategy = world.strategy("onelogin");
    assert_eq!(strategy.strategy_type(), "onelogin");
    assert_eq!(strategy.identity_service(), Some(("onelogin", "acme")));
    let request = world.request("onelogin_admins", "alice@acme.com");

    let first = strategy.escalate(&request).await.unwrap();
    assert_eq!(first, json!({"role_id": "100", "user_id": "1001"}));
    assert_eq!(members(&world, "100"), [1001, 1003]);
    // Again: OneLogin refuses a second add (422), which is the grant already holding.
    let second = strategy.escalate(&request).await.unwrap();
    assert_eq!(first, second);
    assert_eq!(members(&world, "100"), [1001, 1003], "one membership");

    let mut revoke = request.clone();
    revoke.escalate_output = Some(first);
    let removed = strategy.deescalate(&revoke).await.unwrap();
    assert_eq!(
        removed,
        json!({"role_id": "100", "user_id": "1001", "removed": true})
    );
    assert_eq!(members(&world, "100"), [1003]);
    // Gone already: still success, whether the id comes from the escalation or by email.
    let again = strategy.deescalate(&revoke).await.unwrap();
    assert_eq!(again["removed"], false);
    strategy.deescalate(&request).await.unwrap();
    assert_eq!(members(&world, "100"), [1003]);

    let state = world.onelogin.lock().unwrap();
    assert_eq!(
        state.tokens.len(),
        1,
        "the access token is kept between calls"
    );
    assert_eq!(state.bad_credentials, 0);
    assert_eq!(
        state
            .calls
            .iter()
            .filter(|c| c.as_str() == "POST /api/2/roles/100/users")
            .count(),
        2,
        "{:?}",
        state.calls
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_token_is_fetched_again_once() {
    let world = world().await;
    let strategy = world.strategy("onelogin");
    let request = world.request("onelogin_admins", "bob@acme.com");
    strategy.escalate(&request).await.unwrap();
    world.onelogin.lock().unwrap().expire_tokens();
    strategy.deescalate(&request).await.unwrap();
    assert_eq!(members(&world, "100"), [1003]);
    assert_eq!(
        world.onelogin.lock().unwrap().tokens.len(),
        1,
        "one new token"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_email_is_identity_not_found() {
    let world = world().await;
    let strategy = world.strategy("onelogin");
    assert_eq!(
        strategy
            .fetch_identity("carol@acme.com")
            .await
            .unwrap()
            .as_deref(),
        Some("1003")
    );
    assert_eq!(
        strategy.fetch_identity("ghost@acme.com").await.unwrap(),
        None
    );
    let err = strategy
        .escalate(&world.request("onelogin_admins", "ghost@acme.com"))
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::IdentityNotFound);
    assert_eq!(err.error_code(), "Identity:NOT_FOUND");
    assert!(err.message.contains("no OneLogin user"), "{}", err.message);
    assert_eq!(members(&world, "100"), [1003]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_onelogin_refusal_is_a_onelogin_error_with_its_text() {
    let world = world().await;
    let strategy = world.strategy("onelogin");
    let mut request = world.request("onelogin_admins", "alice@acme.com");
    request
        .target
        .settings
        .insert("role_id".into(), "300".into());
    let err = strategy.escalate(&request).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Forbidden);
    assert_eq!(err.status, Some(403));
    assert_eq!(err.exception(), "OneLoginError");
    assert_eq!(err.error_code(), "OneLogin:FORBIDDEN");
    assert!(
        err.message.contains(fakes::ONELOGIN_FORBIDDEN_MESSAGE),
        "{}",
        err.message
    );
    assert!(
        err.report()
            .starts_with("OneLoginError (OneLogin:FORBIDDEN): OneLogin POST"),
        "{}",
        err.report()
    );
    assert!(members(&world, "300").is_empty(), "nothing granted");

    request
        .target
        .settings
        .insert("role_id".into(), "999".into());
    let err = strategy.escalate(&request).await.unwrap_err();
    assert_eq!(err.error_code(), "OneLogin:NOT_FOUND");
    assert!(err.hint.as_deref().unwrap().contains("999"), "{err:?}");

    request.target.settings.remove("role_id");
    let err = strategy.escalate(&request).await.unwrap_err();
    assert_eq!(err.error_code(), "OneLogin:CONFIG_ERROR");
    assert!(
        err.message.contains("no role_id setting"),
        "{}",
        err.message
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_client_credentials_fail_without_showing_the_secret() {
    let world = world().await;
    // The same configuration, with another value in the client_secret sym_secret.
    let secrets: Arc<SecretSources> = Arc::new(symflow_integrations::secret_sources(
        Some(symflow_config::secrets::LocalSecretStore::from_values(
            Default::default(),
            [(
                "sym/test/onelogin-client-secret".to_string(),
                json!("not-the-secret"),
            )]
            .into_iter()
            .collect(),
        )),
        &world.options,
    ));
    let strategy = &world.config.strategies["onelogin"];
    let integration = world.config.get(strategy.integration.as_ref().unwrap());
    let built: Box<dyn BuiltinStrategy> = strategies::builtin_for(
        &world.config,
        "onelogin",
        integration,
        &strategy.settings,
        secrets,
        &world.options,
    )
    .unwrap()
    .unwrap();
    let err = built
        .escalate(&world.request("onelogin_admins", "alice@acme.com"))
        .await
        .unwrap_err();
    assert_eq!(err.error_code(), "OneLogin:UNAUTHORIZED");
    assert!(
        err.message.contains("/auth/oauth2/v2/token"),
        "{}",
        err.message
    );
    let report = err.report();
    assert!(!report.contains("not-the-secret"), "{report}");
    assert!(report.contains("client_secret"), "{report}");
    assert_eq!(world.onelogin.lock().unwrap().bad_credentials, 1);
    assert_eq!(members(&world, "100"), [1003]);
}
