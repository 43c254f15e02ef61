//! AWS through the SigV4-checking fake: Lambda (strategy and capability), IAM Identity
//! Center assignments and groups, IAM groups, Secrets Manager, and signature failures.

use serde_json::json;
use symflow_integrations::aws::AwsCredentials;
use symflow_integrations::secrets::{SecretRef, SecretResolver};
use symflow_integrations::{secret_sources, ErrorKind};

use crate::{blocking, world};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lambda_strategy_sends_the_event_and_keeps_body_and_errors() {
    let world = world().await;
    let strategy = world.strategy("lambda");
    let request = world.request("grant_fn", "alice@acme.com");
    let output = strategy.escalate(&request).await.unwrap();
    assert_eq!(
        output,
        json!({"body": {"granted": true, "event_type": "escalate"}, "errors": []})
    );
    {
        let aws = world.aws.lock().unwrap();
        let (function, invocation, payload) = &aws.lambda_payloads[0];
        assert_eq!(
            (function.as_str(), invocation.as_str()),
            ("grant", "RequestResponse")
        );
        assert_eq!(
            payload, &request.event,
            "the payload is the reporting event"
        );
        assert!(aws.signatures_checked >= 1);
    }

    let mut broken = request.clone();
    broken.target.settings.insert(
        "arn".into(),
        "arn:aws:lambda:eu-west-1:123456789012:function:broken".into(),
    );
    let err = strategy.deescalate(&broken).await.unwrap_err();
    assert_eq!(
        (err.error_code().as_str(), err.exception()),
        ("AWSLambda:FUNCTION_ERROR", "AWSLambdaError")
    );
    assert!(
        err.message
            .ends_with("reported errors:\n• database unreachable\n• quota exceeded"),
        "{}",
        err.message
    );

    let mut raw = request.clone();
    raw.target.settings.insert(
        "arn".into(),
        "arn:aws:lambda:eu-west-1:123456789012:function:raw".into(),
    );
    let output = strategy.escalate(&raw).await.unwrap();
    assert_eq!(output["body"], "just a string");
    assert!(
        output["warning"]
            .as_str()
            .unwrap()
            .contains("did not answer"),
        "{output}"
    );

    let mut crash = request.clone();
    crash.target.settings.insert(
        "arn".into(),
        "arn:aws:lambda:eu-west-1:123456789012:function:crash".into(),
    );
    let err = strategy.escalate(&crash).await.unwrap_err();
    assert!(
        err.message
            .contains("raised ZeroDivisionError: division by zero"),
        "{}",
        err.message
    );

    let mut missing = request.clone();
    missing.target.settings.insert(
        "arn".into(),
        "arn:aws:lambda:eu-west-1:123456789012:function:nope".into(),
    );
    let err = strategy.escalate(&missing).await.unwrap_err();
    assert_eq!(err.error_code(), "AWSLambda:NOT_FOUND");
    assert!(
        err.message.contains("Function not found"),
        "{}",
        err.message
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lambda_capability_invokes_sync_and_async() {
    let world = world().await;
    let lambda = world
        .caps("full-flow")
        .aws_lambda
        .expect("granted by the permission_context integration");
    let (reply, accepted, crashed) = blocking(move || {
        (
            lambda
                .invoke(
                    "arn:aws:lambda:eu-west-1:1:function:echo".into(),
                    r#"{"hello":"world"}"#.into(),
                )
                .unwrap(),
            lambda
                .invoke_async(
                    "arn:aws:lambda:eu-west-1:1:function:grant".into(),
                    "{}".into(),
                )
                .unwrap(),
            lambda
                .invoke(
                    "arn:aws:lambda:eu-west-1:1:function:crash".into(),
                    "{}".into(),
                )
                .unwrap_err(),
        )
    })
    .await;
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&reply).unwrap(),
        json!({"hello": "world"})
    );
    assert!(accepted);
    assert_eq!(world.aws.lock().unwrap().lambda_payloads[1].1, "Event");
    assert_eq!(
        (crashed.capability.as_str(), crashed.code.as_str()),
        ("aws-lambda", "function-error")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sso_account_assignment_is_created_once_and_deleted_idempotently() {
    let world = world().await;
    let strategy = world.strategy("sso");
    let request = world.request("prod_admin", "alice@acme.com");
    let first = strategy.escalate(&request).await.unwrap();
    assert_eq!(first["user_id"], "sso-user-alice");
    assert_eq!(first["created"], true);
    assert_eq!(strategy.escalate(&request).await.unwrap()["created"], false);
    let expected = (
        "210987654321".to_string(),
        "arn:aws:sso:::permissionSet/ssoins-1111/ps-admin".to_string(),
        "sso-user-alice".to_string(),
    );
    assert_eq!(
        world
            .aws
            .lock()
            .unwrap()
            .assignments
            .iter()
            .cloned()
            .collect::<Vec<_>>(),
        [expected]
    );
    {
        let aws = world.aws.lock().unwrap();
        let creates = aws
            .calls
            .iter()
            .filter(|c| c.ends_with(".CreateAccountAssignment"))
            .count();
        assert_eq!(creates, 1);
        assert!(
            aws.calls
                .iter()
                .any(|c| c == "SWBExternalService.DescribeAccountAssignmentCreationStatus"),
            "polled: {:?}",
            aws.calls
        );
    }

    let mut revoke = request.clone();
    revoke.escalate_output = Some(first);
    assert_eq!(strategy.deescalate(&revoke).await.unwrap()["removed"], true);
    assert_eq!(
        strategy.deescalate(&revoke).await.unwrap()["removed"],
        false
    );
    assert!(world.aws.lock().unwrap().assignments.is_empty());

    let err = strategy
        .escalate(&world.request("prod_admin", "ghost@acme.com"))
        .await
        .unwrap_err();
    assert_eq!(err.error_code(), "Identity:NOT_FOUND");

    let mut bad = request.clone();
    bad.target
        .settings
        .insert("permission_set_arn".into(), "ps-admin".into());
    let err = strategy.escalate(&bad).await.unwrap_err();
    assert_eq!(err.error_code(), "AWSSSO:API_ERROR");
    assert!(
        err.message
            .contains("ValidationException: The permission set ARN is invalid."),
        "{}",
        err.message
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sso_group_membership_is_idempotent() {
    let world = world().await;
    let strategy = world.strategy("sso");
    let request = world.request("sso_oncall_group", "alice@acme.com");
    assert_eq!(strategy.escalate(&request).await.unwrap()["added"], true);
    assert_eq!(
        strategy.escalate(&request).await.unwrap()["added"],
        false,
        "ConflictException is success"
    );
    assert_eq!(world.aws.lock().unwrap().memberships.len(), 1);
    assert_eq!(
        strategy.deescalate(&request).await.unwrap()["removed"],
        true
    );
    assert_eq!(
        strategy.deescalate(&request).await.unwrap()["removed"],
        false
    );
    assert!(world.aws.lock().unwrap().memberships.is_empty());
    assert!(
        world
            .aws
            .lock()
            .unwrap()
            .calls
            .iter()
            .any(|c| c == "SWBExternalService.DescribeInstance"),
        "identity store looked up"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn iam_group_membership_is_idempotent() {
    let world = world().await;
    let strategy = world.strategy("iam");
    let request = world.request("iam_admins", "alice@acme.com");
    strategy.escalate(&request).await.unwrap();
    strategy.escalate(&request).await.unwrap();
    assert_eq!(
        world.aws.lock().unwrap().iam_groups["Admins"]
            .iter()
            .collect::<Vec<_>>(),
        ["alice@acme.com"]
    );
    assert_eq!(
        strategy.deescalate(&request).await.unwrap()["removed"],
        true
    );
    assert_eq!(
        strategy.deescalate(&request).await.unwrap()["removed"],
        false,
        "NoSuchEntity is success"
    );
    assert!(world.aws.lock().unwrap().iam_groups["Admins"].is_empty());

    assert_eq!(
        strategy.fetch_identity("ghost@acme.com").await.unwrap(),
        None
    );
    let mut missing = request.clone();
    missing
        .target
        .settings
        .insert("iam_group".into(), "Nope".into());
    let err = strategy.escalate(&missing).await.unwrap_err();
    assert_eq!(err.error_code(), "AWSIAM:NOT_FOUND");
    assert!(
        err.message
            .contains("NoSuchEntity: The group with name Nope cannot be found."),
        "{}",
        err.message
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_secret_key_fails_the_fakes_signature_check() {
    let world = world().await;
    let mut options = world.options.clone();
    options.aws_credentials = Some(AwsCredentials::new(
        crate::fakes::AWS_KEY_ID,
        "not-the-secret",
    ));
    let err = world
        .strategy_with("iam", &options)
        .escalate(&world.request("iam_admins", "alice@acme.com"))
        .await
        .unwrap_err();
    assert_eq!(
        (err.kind, err.error_code().as_str()),
        (ErrorKind::Unauthorized, "AWSIAM:UNAUTHORIZED")
    );
    assert!(
        err.message.contains("SignatureDoesNotMatch"),
        "{}",
        err.message
    );
    let err = world
        .strategy_with("lambda", &options)
        .escalate(&world.request("grant_fn", "alice@acme.com"))
        .await
        .unwrap_err();
    assert_eq!(err.error_code(), "AWSLambda:UNAUTHORIZED");

    options.aws_credentials = None;
    let err = world
        .strategy_with("sso", &options)
        .escalate(&world.request("prod_admin", "alice@acme.com"))
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Config);
    assert!(
        err.hint.as_deref().unwrap().contains("AWS_ACCESS_KEY_ID"),
        "{err:?}"
    );
    assert_eq!(
        world.aws.lock().unwrap().signatures_checked,
        0,
        "nothing passed the check"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_manager_serves_aws_secrets_with_json_key() {
    let world = world().await;
    // No local store: every value comes from the fake Secrets Manager.
    let sources = secret_sources(None, &world.options);
    let reference = |path: &str, key: Option<&str>| SecretRef {
        id: "x".into(),
        path: path.into(),
        json_key: key.map(str::to_string),
        source_type: Some("aws_secrets_manager".into()),
    };
    assert_eq!(
        sources
            .resolve(&reference("sym/test/from-aws", None))
            .await
            .unwrap()
            .expose(),
        "aws-secret-value"
    );
    assert_eq!(
        sources
            .resolve(&reference("sym/test/json", Some("token")))
            .await
            .unwrap()
            .expose(),
        "json-token"
    );
    let err = sources
        .resolve(&reference("sym/test/json", Some("nope")))
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::NotFound);
    let err = sources
        .resolve(&reference("sym/test/absent", None))
        .await
        .unwrap_err();
    assert_eq!(err.error_code(), "AWS:NOT_FOUND");
    assert!(
        err.message.contains("can't find the specified secret"),
        "{}",
        err.message
    );
    assert!(world
        .aws
        .lock()
        .unwrap()
        .calls
        .iter()
        .all(|c| c == "secretsmanager.GetSecretValue"));
}
