//! GitHub: the `github` strategy (collaborator with a permission), idempotency, 404 on
//! removal as success, errors, and the collaborators helper.

use symflow_integrations::ErrorKind;

use crate::{blocking, world};

fn collaborators(world: &crate::World) -> Vec<(String, String)> {
    world.github.lock().unwrap().repos["acme/api"]
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn github_strategy_adds_a_collaborator_once_and_removes_idempotently() {
    let world = world().await;
    let strategy = world.strategy("github");
    assert_eq!(strategy.identity_service(), Some(("github", "acme")));
    let request = world.request("api_repo", "dev@acme.com");

    let first = strategy.escalate(&request).await.unwrap();
    assert_eq!(first["username"], "dev-login", "found by public email");
    assert_eq!(
        first["permission"], "maintain",
        "the strategy's permission setting"
    );
    assert_eq!(first["invited"], true);
    let second = strategy.escalate(&request).await.unwrap();
    assert_eq!(second["invited"], false, "already a collaborator: 204");
    assert_eq!(
        collaborators(&world)
            .iter()
            .filter(|(login, _)| login == "dev-login")
            .count(),
        1
    );

    let mut revoke = request.clone();
    revoke.escalate_output = Some(first);
    assert_eq!(strategy.deescalate(&revoke).await.unwrap()["removed"], true);
    assert_eq!(
        strategy.deescalate(&revoke).await.unwrap()["removed"],
        false,
        "404 is success"
    );
    assert!(!collaborators(&world)
        .iter()
        .any(|(login, _)| login == "dev-login"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stored_identity_and_a_target_permission_win() {
    let world = world().await;
    let strategy = world.strategy("github");
    let mut request = world.request("api_repo", "someone@acme.com");
    request.identity = Some("octo-dev".into());
    request
        .target
        .settings
        .insert("permission".into(), "read".into());
    strategy.escalate(&request).await.unwrap();
    assert!(collaborators(&world).contains(&("octo-dev".into(), "pull".into())));

    let err = strategy
        .escalate(&world.request("api_repo", "unknown@acme.com"))
        .await
        .unwrap_err();
    assert_eq!(err.error_code(), "Identity:NOT_FOUND");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn github_errors_name_the_repository_and_the_cause() {
    let world = world().await;
    let strategy = world.strategy("github");
    let mut request = world.request("api_repo", "dev@acme.com");
    request
        .target
        .settings
        .insert("repo_name".into(), "locked".into());
    let err = strategy.escalate(&request).await.unwrap_err();
    assert_eq!(
        (err.kind, err.error_code().as_str(), err.exception()),
        (ErrorKind::Forbidden, "GitHub:FORBIDDEN", "GitHubError")
    );
    assert!(
        err.message
            .contains("HTTP 403: Must have admin rights to Repository."),
        "{}",
        err.message
    );

    request
        .target
        .settings
        .insert("repo_name".into(), "missing".into());
    let err = strategy.escalate(&request).await.unwrap_err();
    assert_eq!(err.error_code(), "GitHub:NOT_FOUND");
    assert!(
        err.hint.as_deref().unwrap().contains("acme/missing"),
        "{err:?}"
    );

    request
        .target
        .settings
        .insert("repo_name".into(), "api".into());
    request
        .target
        .settings
        .insert("permission".into(), "superuser".into());
    let err = strategy.escalate(&request).await.unwrap_err();
    assert_eq!(err.error_code(), "GitHub:API_ERROR");
    assert!(
        err.message
            .contains("Validation Failed (permission is invalid)"),
        "{}",
        err.message
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_repo_collaborators_filters_by_role() {
    let world = world().await;
    let github = world.caps("full-flow").github.expect("granted");
    let (admins, readers) = blocking(move || {
        (
            github
                .get_repo_collaborators("api".into(), vec!["admin".into()])
                .unwrap(),
            github
                .get_repo_collaborators("api".into(), vec!["read".into()])
                .unwrap(),
        )
    })
    .await;
    let logins = |users: &[symflow_sandbox::types::User]| {
        users
            .iter()
            .map(|u| u.identities[0].user_id.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(logins(&admins), ["octo-admin"]);
    assert_eq!(logins(&readers), ["octo-admin", "reader"]);
    assert_eq!(admins[0].identities[0].service, "github");
}
