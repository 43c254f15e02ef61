//! The PostgreSQL store's connection limit (issue 8): a flood of concurrent transactions on one
//! replica queues for its `max_connections` connections instead of opening one per caller and
//! running the server out of connections (PostgreSQL's own `max_connections`, 100 by default,
//! after which every new transaction fails).

use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::Duration;

use symflow_store::{Error, Store, UserRole, DEFAULT_TENANT};
use uuid::Uuid;

use crate::fixtures::{schema_url, TestDb, DATABASE_URL_VARIABLE};

const THREADS: usize = 24;
const TRANSACTIONS_PER_THREAD: usize = 15;

/// How many sessions carry `application_name` on the server now.
fn sessions_named(admin: &mut postgres::Client, application_name: &str) -> i64 {
    admin
        .query_one(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1",
            &[&application_name],
        )
        .unwrap()
        .get(0)
}

#[test]
fn a_flood_of_transactions_queues_for_the_replicas_connections() {
    let db = TestDb::new();
    let TestDb::Postgres { url, schema, .. } = &db else {
        eprintln!("note: {DATABASE_URL_VARIABLE} is not set; the connection limit is PostgreSQL's");
        return;
    };
    let application_name = format!("symflow-pool-{}", Uuid::new_v4().simple());
    let limit = 3;
    let store_url = format!(
        "{}&application_name={application_name}&max_connections={limit}",
        schema_url(url, schema)
    );
    let store = Store::open_url(&store_url).expect("store opens");

    // Watch the server's view of this store's sessions while the flood runs.
    let flooding = Arc::new(AtomicBool::new(true));
    let most_seen = Arc::new(AtomicI64::new(0));
    let watcher = {
        let (flooding, most_seen) = (Arc::clone(&flooding), Arc::clone(&most_seen));
        let (url, application_name) = (url.clone(), application_name.clone());
        thread::spawn(move || {
            let mut admin = postgres::Client::connect(&url, postgres::NoTls).unwrap();
            while flooding.load(Ordering::SeqCst) {
                let now = sessions_named(&mut admin, &application_name);
                most_seen.fetch_max(now, Ordering::SeqCst);
                thread::sleep(Duration::from_millis(2));
            }
        })
    };

    let start = Arc::new(Barrier::new(THREADS));
    let workers: Vec<_> = (0..THREADS)
        .map(|worker| {
            let (store, start) = (store.clone(), Arc::clone(&start));
            thread::spawn(move || {
                start.wait();
                for n in 0..TRANSACTIONS_PER_THREAD {
                    let (_, created) = store
                        .transaction(|tx| {
                            tx.get_or_create_user_by_email(
                                DEFAULT_TENANT,
                                &format!("flood-{worker}-{n}@example.com"),
                                UserRole::Member,
                            )
                        })
                        .expect("every transaction of the flood succeeds");
                    assert!(created);
                }
            })
        })
        .collect();
    for worker in workers {
        worker.join().unwrap();
    }
    flooding.store(false, Ordering::SeqCst);
    watcher.join().unwrap();

    let last = format!(
        "flood-{}-{}@example.com",
        THREADS - 1,
        TRANSACTIONS_PER_THREAD - 1
    );
    assert!(store
        .transaction(|tx| tx.find_user_by_email(DEFAULT_TENANT, &last))
        .unwrap()
        .is_some());
    let most_seen = most_seen.load(Ordering::SeqCst);
    assert!(
        (1..=limit).contains(&most_seen),
        "the store had {most_seen} sessions open at once; its limit is {limit}"
    );
    let mut admin = postgres::Client::connect(url, postgres::NoTls).unwrap();
    assert!(sessions_named(&mut admin, &application_name) <= limit);
}

#[test]
fn a_bad_connection_limit_in_the_url_is_named() {
    let db = TestDb::new();
    let TestDb::Postgres { url, schema, .. } = &db else {
        return;
    };
    for bad in ["0", "many", ""] {
        let error = Store::open_url(&format!(
            "{}&max_connections={bad}",
            schema_url(url, schema)
        ))
        .err()
        .expect("a bad limit is refused");
        assert!(
            matches!(&error, Error::InvalidInput { detail, .. } if detail.contains("max_connections")),
            "{error}"
        );
    }
}
