//! Users and identities (spec §8): e-mail look-up without regard to case, tenants apart,
//! identities found by (service, service id, outside id) and replaced on update.

use symflow_store::{Error, IdentityKey, NewUser, UserRole, UserType, DEFAULT_TENANT};
use uuid::Uuid;

use crate::fixtures::new_store;

#[test]
fn get_or_create_by_email_creates_once_and_ignores_case() {
    let (_dir, store) = new_store();
    let (alice, created) = store
        .transaction(|tx| {
            tx.get_or_create_user_by_email(DEFAULT_TENANT, "Alice@Example.com", UserRole::Member)
        })
        .unwrap();
    assert!(created);
    assert_eq!(alice.email.as_deref(), Some("Alice@Example.com"));
    assert_eq!(alice.username, "Alice@Example.com");
    assert_eq!(alice.role, UserRole::Member);
    assert_eq!(alice.user_type, UserType::Normal);

    let (again, created) = store
        .transaction(|tx| {
            tx.get_or_create_user_by_email(DEFAULT_TENANT, "alice@example.COM", UserRole::Guest)
        })
        .unwrap();
    assert!(!created);
    assert_eq!(again, alice);

    let found = store
        .transaction(|tx| tx.find_user_by_email(DEFAULT_TENANT, " ALICE@example.com "))
        .unwrap();
    assert_eq!(found, Some(alice.clone()));
    assert_eq!(
        store.transaction(|tx| tx.get_user(alice.id)).unwrap(),
        Some(alice)
    );
}

#[test]
fn an_email_is_unique_within_a_tenant_only() {
    let (_dir, store) = new_store();
    store
        .transaction(|tx| {
            tx.create_user(&NewUser::with_email(
                DEFAULT_TENANT,
                "bob@example.com",
                UserRole::Member,
            ))
        })
        .unwrap();
    let clash = store.transaction(|tx| {
        tx.create_user(&NewUser::with_email(
            DEFAULT_TENANT,
            "BOB@example.com",
            UserRole::Admin,
        ))
    });
    assert!(
        matches!(clash, Err(Error::AlreadyExists { what: "user", .. })),
        "{clash:?}"
    );

    let elsewhere = store
        .transaction(|tx| {
            tx.create_user(&NewUser::with_email(
                "acme",
                "bob@example.com",
                UserRole::Guest,
            ))
        })
        .unwrap();
    assert_eq!(elsewhere.tenant, "acme");
    let in_default = store
        .transaction(|tx| tx.find_user_by_email(DEFAULT_TENANT, "bob@example.com"))
        .unwrap()
        .unwrap();
    assert_ne!(in_default.id, elsewhere.id);
    assert_eq!(in_default.role, UserRole::Member);
}

#[test]
fn bots_may_have_no_email() {
    let (_dir, store) = new_store();
    let bot = NewUser {
        tenant: DEFAULT_TENANT.to_owned(),
        email: None,
        username: "ci-bot".to_owned(),
        first_name: None,
        last_name: None,
        role: UserRole::Member,
        user_type: UserType::Bot,
    };
    let first = store.transaction(|tx| tx.create_user(&bot)).unwrap();
    let second = store.transaction(|tx| tx.create_user(&bot)).unwrap();
    assert_ne!(first.id, second.id);
    assert_eq!(first.user_type, UserType::Bot);
    let no_email = store.transaction(|tx| tx.get_or_create_user(&bot));
    assert!(
        matches!(no_email, Err(Error::InvalidInput { .. })),
        "{no_email:?}"
    );
}

#[test]
fn identities_find_their_user_and_are_replaced_not_duplicated() {
    let (_dir, store) = new_store();
    let slack = IdentityKey::new("slack", "T0001", "U0001");
    let identity = store
        .transaction(|tx| {
            tx.persist_user_identity(
                DEFAULT_TENANT,
                "carol@example.com",
                &slack,
                UserRole::Member,
            )
        })
        .unwrap();
    let carol = store
        .transaction(|tx| tx.find_user_by_identity(&slack))
        .unwrap()
        .expect("persist_user_identity creates the user");
    assert_eq!(carol.email.as_deref(), Some("carol@example.com"));
    assert_eq!(identity.user_id, carol.id);
    assert_eq!(identity.key, slack);

    // A second service, and a new Slack id in the same workspace that replaces the old one.
    let okta = IdentityKey::new("okta", "example.okta.com", "00u1");
    let new_slack = IdentityKey::new("slack", "T0001", "U0002");
    store
        .transaction(|tx| {
            tx.persist_identity(carol.id, &okta)?;
            tx.persist_identity(carol.id, &new_slack)
        })
        .unwrap();
    let keys: Vec<IdentityKey> = store
        .transaction(|tx| tx.identities_of(carol.id))
        .unwrap()
        .into_iter()
        .map(|identity| identity.key)
        .collect();
    assert_eq!(keys, [okta, new_slack.clone()]);
    assert_eq!(
        store
            .transaction(|tx| tx.find_user_by_identity(&slack))
            .unwrap(),
        None
    );

    // The outside id moves to another user: it belongs to one user at a time.
    let (dave, _) = store
        .transaction(|tx| {
            tx.get_or_create_user_by_email(DEFAULT_TENANT, "dave@example.com", UserRole::Member)
        })
        .unwrap();
    store
        .transaction(|tx| tx.persist_identity(dave.id, &new_slack))
        .unwrap();
    let owner = store
        .transaction(|tx| tx.find_user_by_identity(&new_slack))
        .unwrap()
        .unwrap();
    assert_eq!(owner.id, dave.id);
    assert_eq!(
        store
            .transaction(|tx| tx.identities_of(carol.id))
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn identity_for_an_unknown_user_is_not_found() {
    let (_dir, store) = new_store();
    let result = store.transaction(|tx| {
        tx.persist_identity(Uuid::new_v4(), &IdentityKey::new("slack", "T1", "U1"))
    });
    assert!(
        matches!(result, Err(Error::NotFound { what: "user", .. })),
        "{result:?}"
    );
}

#[test]
fn roles_are_changed_explicitly() {
    let (_dir, store) = new_store();
    let (erin, _) = store
        .transaction(|tx| {
            tx.get_or_create_user_by_email(DEFAULT_TENANT, "erin@example.com", UserRole::Guest)
        })
        .unwrap();
    store
        .transaction(|tx| tx.set_user_role(erin.id, UserRole::Admin))
        .unwrap();
    let read = store
        .transaction(|tx| tx.get_user(erin.id))
        .unwrap()
        .unwrap();
    assert_eq!(read.role, UserRole::Admin);
    let missing = store.transaction(|tx| tx.set_user_role(Uuid::new_v4(), UserRole::Admin));
    assert!(
        matches!(missing, Err(Error::NotFound { .. })),
        "{missing:?}"
    );
}
