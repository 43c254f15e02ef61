//! `persist_user_identity` under Spin: a user's identities in other services (the custom
//! strategy's `get_requester_identity` stores the id its `fetch_remote_identity` found), kept
//! in Spin's key-value store, one key per user:
//!
//! `<tenant>/identity/<email, lower case>` → `[{"service", "service_id", "user_id"}, ...]`
//!
//! One key per person (not per identity) keeps Fermyon Cloud's 1024-key budget: a user has a
//! handful of identities (one per strategy integration), a few hundred bytes, far below the
//! 1 MB value limit. Persisting again for the same (service, service id) replaces the old id,
//! as the native store does. The HTTP component reads the same key to put the identities on
//! the users a flow sees (`user.identity(service, service_id)`), so the next escalation finds
//! the stored id without asking the service again.

use serde::{Deserialize, Serialize};

/// Identities kept per user at most (a user has one per strategy integration in practice).
pub const MAX_PER_USER: usize = 64;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredIdentity {
    pub service: String,
    pub service_id: String,
    pub user_id: String,
}

pub fn key(tenant: &str, email: &str) -> String {
    format!("{tenant}/identity/{}", email.trim().to_lowercase())
}

/// The user's stored identities (none when the key is absent or unreadable).
pub fn read(store: &spin_sdk::key_value::Store, key: &str) -> Result<Vec<StoredIdentity>, String> {
    match store.get(key) {
        Ok(Some(bytes)) => Ok(serde_json::from_slice(&bytes).unwrap_or_default()),
        Ok(None) => Ok(Vec::new()),
        Err(e) => Err(format!("reading {key}: {e}")),
    }
}

/// `identities` with `identity` in place of any earlier one of the same service and service id.
pub fn with(
    mut identities: Vec<StoredIdentity>,
    identity: StoredIdentity,
) -> Result<Vec<StoredIdentity>, String> {
    identities.retain(|i| !(i.service == identity.service && i.service_id == identity.service_id));
    if identities.len() >= MAX_PER_USER {
        return Err(format!(
            "a user keeps at most {MAX_PER_USER} identities under Spin; this one has {} already",
            identities.len()
        ));
    }
    identities.push(identity);
    identities.sort_by(|a, b| (&a.service, &a.service_id).cmp(&(&b.service, &b.service_id)));
    Ok(identities)
}
