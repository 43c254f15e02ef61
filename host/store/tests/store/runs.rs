//! Runs: creation, reading, optimistic concurrency.

use symflow_store::{Error, RunChange, RunQuery, DEFAULT_TENANT};
use uuid::Uuid;

use crate::fixtures::{new_run, new_store, run, user};

fn change(status: &str, finished: bool) -> RunChange {
    RunChange {
        status: status.to_owned(),
        finished,
        state_json: format!(r#"{{"status":"{status}"}}"#),
    }
}

#[test]
fn a_created_run_starts_at_version_one_and_reads_back() {
    let (_dir, store) = new_store();
    let requester = user(&store, "alice@example.com");
    let new = new_run("approval_demo", requester);
    let created = store.transaction(|tx| tx.create_run(&new)).unwrap();
    assert_eq!(created.id, new.id);
    assert_eq!(created.version, 1);
    assert_eq!(created.tenant, DEFAULT_TENANT);
    assert_eq!(created.flow, "approval_demo");
    assert_eq!(created.status, "pending");
    assert!(!created.finished);
    assert_eq!(created.requester_user_id, requester);
    assert_eq!(created.state_json, new.state_json);

    let read = store.transaction(|tx| tx.get_run(new.id)).unwrap();
    assert_eq!(read, Some(created));
    assert_eq!(
        store.transaction(|tx| tx.get_run(Uuid::new_v4())).unwrap(),
        None
    );
}

#[test]
fn creating_a_run_twice_or_for_an_unknown_user_fails() {
    let (_dir, store) = new_store();
    let requester = user(&store, "alice@example.com");
    let new = new_run("approval_demo", requester);
    store.transaction(|tx| tx.create_run(&new)).unwrap();
    let again = store.transaction(|tx| tx.create_run(&new));
    assert!(
        matches!(again, Err(Error::AlreadyExists { what: "run", .. })),
        "{again:?}"
    );

    let orphan = store.transaction(|tx| tx.create_run(&new_run("approval_demo", Uuid::new_v4())));
    assert!(
        matches!(
            orphan,
            Err(Error::NotFound {
                what: "requester user",
                ..
            })
        ),
        "{orphan:?}"
    );
}

#[test]
fn run_state_must_be_json() {
    let (_dir, store) = new_store();
    let requester = user(&store, "alice@example.com");
    let mut new = new_run("approval_demo", requester);
    new.state_json = "{not json".to_owned();
    let result = store.transaction(|tx| tx.create_run(&new));
    assert!(
        matches!(result, Err(Error::InvalidInput { .. })),
        "{result:?}"
    );
}

#[test]
fn update_with_the_current_version_bumps_it() {
    let (_dir, store) = new_store();
    let created = run(&store, "approval_demo");
    let version = store
        .transaction(|tx| tx.update_run(created.id, 1, &change("approved", false)))
        .unwrap();
    assert_eq!(version, 2);
    let version = store
        .transaction(|tx| tx.update_run(created.id, 2, &change("escalated", false)))
        .unwrap();
    assert_eq!(version, 3);

    let read = store
        .transaction(|tx| tx.get_run(created.id))
        .unwrap()
        .unwrap();
    assert_eq!(read.version, 3);
    assert_eq!(read.status, "escalated");
    assert_eq!(read.state_json, r#"{"status":"escalated"}"#);
    assert!(read.updated_at_ms >= read.created_at_ms);
}

#[test]
fn update_with_a_stale_version_is_a_conflict_and_changes_nothing() {
    let (_dir, store) = new_store();
    let created = run(&store, "approval_demo");
    // Two deciders read the run at version 1; the approver commits first.
    store
        .transaction(|tx| tx.update_run(created.id, 1, &change("approved", false)))
        .unwrap();
    let denial = store.transaction(|tx| tx.update_run(created.id, 1, &change("denied", true)));
    match denial {
        Err(Error::Conflict {
            run_id,
            expected_version,
            actual_version,
        }) => {
            assert_eq!(run_id, created.id);
            assert_eq!(expected_version, 1);
            assert_eq!(actual_version, 2);
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
    let retry = store.transaction(|tx| tx.update_run(created.id, 1, &change("denied", true)));
    assert!(retry.unwrap_err().is_conflict());
    let read = store
        .transaction(|tx| tx.get_run(created.id))
        .unwrap()
        .unwrap();
    assert_eq!(read.status, "approved");
    assert_eq!(read.version, 2);
}

#[test]
fn updating_a_missing_run_is_not_found() {
    let (_dir, store) = new_store();
    let result =
        store.transaction(|tx| tx.update_run(Uuid::new_v4(), 1, &change("approved", false)));
    assert!(
        matches!(result, Err(Error::NotFound { what: "run", .. })),
        "{result:?}"
    );
}

#[test]
fn unfinished_runs_lists_only_runs_still_in_progress_of_the_tenant() {
    let (_dir, store) = new_store();
    let open = run(&store, "approval_demo");
    let closed = run(&store, "approval_demo");
    store
        .transaction(|tx| tx.update_run(closed.id, 1, &change("denied", true)))
        .unwrap();
    let mut other_tenant = new_run("approval_demo", open.requester_user_id);
    other_tenant.tenant = "acme".to_owned();
    store
        .transaction(|tx| tx.create_run(&other_tenant))
        .unwrap();

    let unfinished = store
        .transaction(|tx| tx.unfinished_runs(DEFAULT_TENANT, 100))
        .unwrap();
    let ids: Vec<Uuid> = unfinished.iter().map(|run| run.id).collect();
    assert_eq!(ids, [open.id]);
}

#[test]
fn list_runs_filters_by_flow_status_requester_and_date_newest_first() {
    let (_dir, store) = new_store();
    let alice = user(&store, "alice@example.com");
    let bob = user(&store, "bob@example.com");
    let mut created = Vec::new();
    for (flow, requester) in [("aws", alice), ("aws", bob), ("okta", alice)] {
        let new = new_run(flow, requester);
        created.push(store.transaction(|tx| tx.create_run(&new)).unwrap());
        std::thread::sleep(std::time::Duration::from_millis(3));
    }
    store
        .transaction(|tx| tx.update_run(created[0].id, 1, &change("denied", true)))
        .unwrap();
    let mut elsewhere = new_run("aws", alice);
    elsewhere.tenant = "acme".to_owned();
    store.transaction(|tx| tx.create_run(&elsewhere)).unwrap();

    let list = |query: RunQuery| -> Vec<Uuid> {
        store
            .transaction(|tx| tx.list_runs(&query))
            .unwrap()
            .iter()
            .map(|r| r.id)
            .collect()
    };
    let all = RunQuery {
        tenant: DEFAULT_TENANT.to_owned(),
        limit: 100,
        ..RunQuery::default()
    };
    assert_eq!(
        list(all.clone()),
        [created[2].id, created[1].id, created[0].id],
        "newest first, this tenant only"
    );
    assert_eq!(
        list(RunQuery {
            flow: Some("aws".into()),
            ..all.clone()
        }),
        [created[1].id, created[0].id]
    );
    assert_eq!(
        list(RunQuery {
            status: Some("denied".into()),
            ..all.clone()
        }),
        [created[0].id]
    );
    assert_eq!(
        list(RunQuery {
            requester_user_id: Some(alice),
            ..all.clone()
        }),
        [created[2].id, created[0].id]
    );
    assert_eq!(
        list(RunQuery {
            created_from_ms: Some(created[1].created_at_ms),
            created_until_ms: Some(created[2].created_at_ms),
            ..all.clone()
        }),
        [created[1].id]
    );
    assert_eq!(list(RunQuery { limit: 1, ..all }), [created[2].id]);
}
