//! Google Workspace: the `google_group` strategy against the fake Google (service-account
//! JWT checked for its RS256 signature, grant, revoke, idempotency, token reuse, refusals).

use serde_json::json;
use symflow_integrations::ErrorKind;

use crate::{fakes, world, World};

fn members(world: &World, group: &str) -> Vec<(String, String)> {
    world.google.lock().unwrap().members(group)
}

fn member(email: &str, role: &str) -> (String, String) {
    (email.to_string(), role.to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn google_group_strategy_grants_once_and_revokes_idempotently() {
    let world = world().await;
    let strategy = world.strategy("google_group");
    assert_eq!(strategy.strategy_type(), "google_group");
    assert_eq!(strategy.identity_service(), Some(("google", "example.com")));
    let request = world.request("google_eng", "alice@example.com");

    let first = strategy.escalate(&request).await.unwrap();
    assert_eq!(
        first,
        json!({"group_email": "eng@example.com", "member_email": "alice@example.com", "role": "MEMBER"})
    );
    assert_eq!(
        members(&world, "eng@example.com"),
        [
            member("alice@example.com", "MEMBER"),
            member("carol@example.com", "MEMBER")
        ]
    );
    // Again: Google answers 409 "Member already exists", which is the grant holding.
    let second = strategy.escalate(&request).await.unwrap();
    assert_eq!(first, second);
    assert_eq!(
        members(&world, "eng@example.com").len(),
        2,
        "one membership"
    );

    let mut revoke = request.clone();
    revoke.escalate_output = Some(first);
    let removed = strategy.deescalate(&revoke).await.unwrap();
    assert_eq!(removed["removed"], true);
    assert_eq!(removed["member_email"], "alice@example.com");
    assert_eq!(
        members(&world, "eng@example.com"),
        [member("carol@example.com", "MEMBER")]
    );
    // Gone already (404): still success.
    let again = strategy.deescalate(&revoke).await.unwrap();
    assert_eq!(again["removed"], false);
    strategy.deescalate(&request).await.unwrap();
    assert_eq!(members(&world, "eng@example.com").len(), 1);

    let state = world.google.lock().unwrap();
    assert_eq!(
        state.tokens.len(),
        1,
        "the access token is kept between calls"
    );
    assert_eq!(state.bad_assertions, 0);
    let claims = &state.assertions[0];
    assert_eq!(claims["iss"], fakes::GOOGLE_CLIENT_EMAIL);
    assert_eq!(claims["sub"], "admin@example.com", "domain-wide delegation");
    assert_eq!(claims["aud"], "https://oauth2.googleapis.com/token");
    assert_eq!(
        claims["exp"].as_u64().unwrap() - claims["iat"].as_u64().unwrap(),
        3600
    );
    assert_eq!(
        state
            .calls
            .iter()
            .filter(|c| c.as_str() == "POST /admin/directory/v1/groups/eng%40example.com/members")
            .count(),
        2,
        "{:?}",
        state.calls
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_role_setting_is_sent_and_an_expired_token_is_fetched_again_once() {
    let world = world().await;
    let strategy = world.strategy("google_group");
    let mut request = world.request("google_eng", "bob@example.com");
    request
        .target
        .settings
        .insert("group_email".into(), "ops@example.com".into());
    request
        .target
        .settings
        .insert("role".into(), "manager".into());
    let output = strategy.escalate(&request).await.unwrap();
    assert_eq!(output["role"], "MANAGER");
    assert_eq!(
        members(&world, "ops@example.com"),
        [member("bob@example.com", "MANAGER")]
    );
    world.google.lock().unwrap().expire_tokens();
    strategy.deescalate(&request).await.unwrap();
    assert!(members(&world, "ops@example.com").is_empty());
    assert_eq!(
        world.google.lock().unwrap().tokens.len(),
        1,
        "one new token"
    );

    request
        .target
        .settings
        .insert("role".into(), "ADMIN".into());
    let err = strategy.escalate(&request).await.unwrap_err();
    assert_eq!(err.error_code(), "Google:CONFIG_ERROR");
    assert!(members(&world, "ops@example.com").is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_google_refusal_is_a_google_error_with_its_text() {
    let world = world().await;
    let strategy = world.strategy("google_group");
    let mut request = world.request("google_eng", "alice@example.com");
    request
        .target
        .settings
        .insert("group_email".into(), "locked@example.com".into());
    let err = strategy.escalate(&request).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Forbidden);
    assert_eq!(err.status, Some(403));
    assert_eq!(err.exception(), "GoogleError");
    assert_eq!(err.error_code(), "Google:FORBIDDEN");
    assert!(
        err.message.contains(fakes::GOOGLE_FORBIDDEN_MESSAGE),
        "{}",
        err.message
    );
    assert!(
        members(&world, "locked@example.com").is_empty(),
        "nothing granted"
    );
    let report = err.report();
    assert!(!report.contains("ya29."), "no token in {report}");
    assert!(!report.contains("PRIVATE KEY"), "no key in {report}");

    request.target.settings.remove("group_email");
    let err = strategy.escalate(&request).await.unwrap_err();
    assert_eq!(err.error_code(), "Google:CONFIG_ERROR");
}
