//! Turning a service's people (PagerDuty on-call users, Okta group members, GitHub
//! collaborators) into Sym users, and finding a Sym user's identity in a service.
//!
//! The host's user store owns Sym users; the server plugs it in as a [`UserDirectory`]
//! (any `UsersCapability` is one, through [`UsersDirectory`]). Without one, users are
//! stand-ins keyed by email, as `symflow_sandbox::recording` builds them. Directory calls are
//! synchronous and are made outside of any async block, so a directory may itself block.

use std::sync::Arc;

use symflow_sandbox::capabilities::UsersCapability;
use symflow_sandbox::types::{User, UserIdentity, UserRole};

/// A person as a service lists them.
#[derive(Debug, Clone, Default)]
pub struct ServicePerson {
    /// Email, when the service knows it.
    pub email: Option<String>,
    /// Display name.
    pub name: Option<String>,
    /// The identity in the service (service type, service id, user id).
    pub identity: Option<UserIdentity>,
}

/// Where Sym users come from.
pub trait UserDirectory: Send + Sync {
    /// The Sym user with this email (created when the store creates users on sight).
    fn user_for_email(&self, email: &str) -> Option<User>;
    /// The Sym user holding this identity, if the store knows one.
    fn user_for_identity(&self, _identity: &UserIdentity) -> Option<User> {
        None
    }
}

/// Users built from what the service says, with no store behind them.
#[derive(Debug, Clone, Copy, Default)]
pub struct StandInDirectory;

impl UserDirectory for StandInDirectory {
    fn user_for_email(&self, email: &str) -> Option<User> {
        Some(stand_in(email, None))
    }
}

/// A [`UserDirectory`] over the sandbox's `users` capability (the host's user store).
pub struct UsersDirectory(pub Arc<dyn UsersCapability>);

impl UserDirectory for UsersDirectory {
    fn user_for_email(&self, email: &str) -> Option<User> {
        self.0.get_or_create_user_by_email(email.to_string()).ok()
    }
}

fn stand_in(email: &str, name: Option<&str>) -> User {
    let (first, last) = match name.map(str::trim).filter(|n| !n.is_empty()) {
        Some(name) => match name.split_once(' ') {
            Some((first, last)) => (first.to_string(), last.to_string()),
            None => (name.to_string(), String::new()),
        },
        None => (String::new(), String::new()),
    };
    User {
        id: String::new(),
        email: email.to_string(),
        username: email.to_string(),
        user_type: "normal".to_string(),
        first_name: first,
        last_name: last,
        role: UserRole::Member,
        identities: Vec::new(),
    }
}

/// Sym users for the people a service listed, deduplicated by username, in order.
///
/// A person with an email becomes the directory's user for it; one without becomes the
/// directory's user for their identity, else a user named by their service id (so a flow can
/// still compare `username`s against its own identity mapping).
pub fn to_users(directory: &dyn UserDirectory, people: Vec<ServicePerson>) -> Vec<User> {
    let mut users: Vec<User> = Vec::new();
    for person in people {
        let mut user = match (&person.email, &person.identity) {
            (Some(email), _) => {
                let named = stand_in(email, person.name.as_deref());
                let mut user = directory
                    .user_for_email(email)
                    .unwrap_or_else(|| named.clone());
                if user.first_name.is_empty() && user.last_name.is_empty() {
                    user.first_name = named.first_name;
                    user.last_name = named.last_name;
                }
                user
            }
            (None, Some(identity)) => directory.user_for_identity(identity).unwrap_or_else(|| {
                let mut user = stand_in(&identity.user_id, person.name.as_deref());
                user.email = String::new();
                user
            }),
            (None, None) => continue,
        };
        if let Some(identity) = person.identity {
            let known = user.identities.iter().any(|i| {
                i.service == identity.service
                    && i.service_id == identity.service_id
                    && i.user_id == identity.user_id
            });
            if !known {
                user.identities.push(identity);
            }
        }
        if !users.iter().any(|u| u.username == user.username) {
            users.push(user);
        }
    }
    users
}

/// The user's id in `service` (e.g. `okta`), from the identities the host stored for them.
pub fn identity_in<'a>(user: &'a User, service: &str, service_id: Option<&str>) -> Option<&'a str> {
    user.identities
        .iter()
        .find(|i| {
            i.service == service
                && service_id.is_none_or(|id| i.service_id.eq_ignore_ascii_case(id))
        })
        .map(|i| i.user_id.as_str())
}
