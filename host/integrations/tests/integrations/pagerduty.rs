//! PagerDuty capability against the fake: on-call by policy/schedule name or id, users on
//! call, schedules, incidents with Sym's defaults, and errors.

use serde_json::{json, Value};
use symflow_sandbox::bindings::pagerduty::{IncidentQuery, OnCallQuery};

use crate::{blocking, user, world, world_with};

fn query(
    policy_name: Option<&str>,
    policy_id: Option<&str>,
    schedule_name: Option<&str>,
    schedule_id: Option<&str>,
) -> OnCallQuery {
    OnCallQuery {
        escalation_policy_name: policy_name.map(str::to_string),
        escalation_policy_id: policy_id.map(str::to_string),
        schedule_name: schedule_name.map(str::to_string),
        schedule_id: schedule_id.map(str::to_string),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn is_on_call_by_policy_or_schedule_name_or_id() {
    let world = world().await;
    let pd = world
        .caps("full-flow")
        .pagerduty
        .expect("granted to a flow whose environment has pagerduty");
    let answers = blocking(move || {
        vec![
            pd.is_on_call(
                user("oncall@acme.com"),
                query(Some("Primary"), None, None, None),
            )
            .unwrap(),
            pd.is_on_call(
                user("oncall@acme.com"),
                query(None, None, Some("prod-on-call"), None),
            )
            .unwrap(),
            pd.is_on_call(
                user("ONCALL@acme.com"),
                query(None, Some("EP1"), None, Some("SC1")),
            )
            .unwrap(),
            pd.is_on_call(
                user("free@acme.com"),
                query(Some("Primary"), None, None, None),
            )
            .unwrap(),
            pd.is_on_call(user("free@acme.com"), query(None, Some("EP2"), None, None))
                .unwrap(),
            pd.is_on_call(user("nobody@acme.com"), query(None, None, None, None))
                .unwrap(),
        ]
    })
    .await;
    assert_eq!(answers, vec![true, true, true, false, true, false]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_on_call_and_for_schedule_are_sym_users_with_pagerduty_identities() {
    let world = world().await;
    let pd = world.caps("full-flow").pagerduty.unwrap();
    let (on_call, scheduled) = blocking(move || {
        (
            pd.users_on_call(query(Some("primary"), None, None, None))
                .unwrap(),
            pd.users_for_schedule(query(None, None, Some("prod-on-call"), None))
                .unwrap(),
        )
    })
    .await;
    let emails = |users: &[symflow_sandbox::types::User]| {
        users.iter().map(|u| u.email.clone()).collect::<Vec<_>>()
    };
    assert_eq!(emails(&on_call), ["oncall@acme.com", "second@acme.com"]);
    assert_eq!(emails(&scheduled), ["oncall@acme.com", "second@acme.com"]);
    let identity = &on_call[0].identities[0];
    assert_eq!(
        (
            identity.service.as_str(),
            identity.service_id.as_str(),
            identity.user_id.as_str()
        ),
        ("pagerduty", "acme.pagerduty.com", "PU1")
    );
    assert_eq!(on_call[0].first_name, "Olive");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_incidents_applies_sym_defaults_and_filters_by_assignee() {
    let world = world().await;
    let pd = world.caps("full-flow").pagerduty.unwrap();
    let pd2 = pd.clone();
    let defaults = blocking(move || {
        pd.get_incidents(IncidentQuery {
            assignees: vec![],
            service_ids: vec![],
            statuses: vec![],
            urgencies: vec![],
            since: None,
            until: None,
        })
        .unwrap()
    })
    .await;
    let defaults: Value = serde_json::from_str(&defaults).unwrap();
    assert_eq!(
        defaults
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].clone())
            .collect::<Vec<_>>(),
        [json!("Q1")]
    );
    let sent = world.pagerduty.lock().unwrap().incident_queries[0].clone();
    let values = |key: &str| {
        sent.iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(values("statuses[]"), ["triggered", "acknowledged"]);
    assert_eq!(values("urgencies[]"), ["high"]);
    assert_eq!(
        values("since").len(),
        1,
        "since defaults to 24 hours ago: {sent:?}"
    );

    let assigned = blocking(move || {
        pd2.get_incidents(IncidentQuery {
            assignees: vec![user("free@acme.com")],
            service_ids: vec!["SVC2".into()],
            statuses: vec!["acknowledged".into()],
            urgencies: vec!["low".into()],
            since: Some("2024-01-01T00:00:00Z".into()),
            until: None,
        })
        .unwrap()
    })
    .await;
    let assigned: Value = serde_json::from_str(&assigned).unwrap();
    assert_eq!(assigned.as_array().unwrap().len(), 1);
    assert_eq!(assigned[0]["id"], "Q3");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_names_and_bad_tokens_are_readable_pagerduty_errors() {
    let world = world().await;
    let pd = world.caps("full-flow").pagerduty.unwrap();
    let err = blocking(move || {
        pd.is_on_call(
            user("oncall@acme.com"),
            query(Some("Nope"), None, None, None),
        )
        .unwrap_err()
    })
    .await;
    assert_eq!(
        (err.capability.as_str(), err.code.as_str()),
        ("pagerduty", "not-found")
    );
    assert!(
        err.message.contains("no escalation policy named \"Nope\""),
        "{}",
        err.message
    );

    let world = world_with(&[("sym/test/pagerduty-key", json!("wrong-token"))]).await;
    let pd = world.caps("full-flow").pagerduty.unwrap();
    let err = blocking(move || pd.users_on_call(query(None, None, None, None)).unwrap_err()).await;
    assert_eq!(err.code, "unauthorized");
    assert!(
        err.message.contains("HTTP 401") && err.message.contains("Unauthenticated"),
        "{}",
        err.message
    );
    assert!(
        err.message.contains("api_token_secret"),
        "names what to check: {}",
        err.message
    );
    assert!(
        !err.message.contains("wrong-token"),
        "never the token: {}",
        err.message
    );
}
