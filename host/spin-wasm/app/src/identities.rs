//! The identities a user has in other services (what a custom strategy's
//! `get_requester_identity` persisted through the capabilities component), put on every user a
//! flow sees, as the native server does: `user.identity(service, service_id)` then finds the
//! stored id and the strategy does not ask its service again. Stored by the capabilities
//! component under `<tenant>/identity/<email, lower case>` (see `host/spin-wasm/caps`,
//! `identities.rs`, and docs/spin.md); read here at most once per person per flow call.

use std::cell::RefCell;
use std::collections::HashMap;

use serde::Deserialize;

use crate::bindings::sym::flow::types as wit;
use crate::state::State;

#[derive(Debug, Deserialize)]
struct StoredIdentity {
    service: String,
    service_id: String,
    user_id: String,
}

/// The key the capabilities component writes a user's identities under.
pub fn key(tenant: &str, email: &str) -> String {
    format!("{tenant}/identity/{}", email.trim().to_lowercase())
}

/// Stored identities by e-mail, read lazily and remembered for one flow call.
pub struct Directory<'a> {
    store: &'a State,
    tenant: &'a str,
    seen: RefCell<HashMap<String, Vec<wit::UserIdentity>>>,
}

impl<'a> Directory<'a> {
    pub fn new(store: &'a State, tenant: &'a str) -> Self {
        Directory {
            store,
            tenant,
            seen: RefCell::new(HashMap::new()),
        }
    }

    /// The identities stored for `email` (none when nothing is stored or the store fails:
    /// the strategy then asks its service, as for a first request).
    pub fn of(&self, email: &str) -> Vec<wit::UserIdentity> {
        if email.is_empty() {
            return Vec::new();
        }
        let email = email.trim().to_lowercase();
        if let Some(known) = self.seen.borrow().get(&email) {
            return known.clone();
        }
        let found: Vec<wit::UserIdentity> = self
            .store
            .get::<Vec<StoredIdentity>>(&key(self.tenant, &email))
            .ok()
            .flatten()
            .unwrap_or_default()
            .into_iter()
            .map(|i| wit::UserIdentity {
                service: i.service,
                service_id: i.service_id,
                user_id: i.user_id,
            })
            .collect();
        self.seen.borrow_mut().insert(email, found.clone());
        found
    }
}
