//! Users and their identities in outside services (spec §8): who a Slack user is to symflow,
//! their role, and how to find them by e-mail or by a service's own user id.

use std::fmt;
use std::str::FromStr;

use uuid::Uuid;

use crate::{Error, Result};

/// A user's role (spec §8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UserRole {
    Admin,
    Member,
    Guest,
}

impl UserRole {
    pub fn as_str(self) -> &'static str {
        match self {
            UserRole::Admin => "admin",
            UserRole::Member => "member",
            UserRole::Guest => "guest",
        }
    }
}

impl fmt::Display for UserRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for UserRole {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "admin" => Ok(UserRole::Admin),
            "member" => Ok(UserRole::Member),
            "guest" => Ok(UserRole::Guest),
            other => Err(Error::InvalidInput {
                what: "user role",
                detail: format!("{other:?} is not admin, member or guest"),
            }),
        }
    }
}

/// A human user or a bot (spec §5.5 `User.type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UserType {
    Normal,
    Bot,
}

impl UserType {
    pub fn as_str(self) -> &'static str {
        match self {
            UserType::Normal => "normal",
            UserType::Bot => "bot",
        }
    }
}

impl fmt::Display for UserType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for UserType {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "normal" => Ok(UserType::Normal),
            "bot" => Ok(UserType::Bot),
            other => Err(Error::InvalidInput {
                what: "user type",
                detail: format!("{other:?} is not normal or bot"),
            }),
        }
    }
}

/// A user to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser {
    pub tenant: String,
    /// Unique within the tenant, compared without regard to case. Bots may have none.
    pub email: Option<String>,
    /// The e-mail for normal users, the name for bots.
    pub username: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub role: UserRole,
    pub user_type: UserType,
}

impl NewUser {
    /// A normal user known by e-mail only, with that e-mail as username.
    pub fn with_email(tenant: &str, email: &str, role: UserRole) -> Self {
        NewUser {
            tenant: tenant.to_owned(),
            email: Some(email.to_owned()),
            username: email.to_owned(),
            first_name: None,
            last_name: None,
            role,
            user_type: UserType::Normal,
        }
    }
}

/// A user as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: Uuid,
    pub tenant: String,
    pub email: Option<String>,
    pub username: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub role: UserRole,
    pub user_type: UserType,
    pub created_at_ms: i64,
}

/// Who a user is in an outside service (spec §5.5 `UserIdentity`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IdentityKey {
    /// The kind of service: `slack`, `okta`, `aws_sso`, `pagerduty`, ...
    pub service: String,
    /// Which instance of it: the Slack team id `T…`, an Okta domain, ...
    pub service_id: String,
    /// The user's id in that service (`U…` for Slack).
    pub external_user_id: String,
}

impl IdentityKey {
    pub fn new(service: &str, service_id: &str, external_user_id: &str) -> Self {
        IdentityKey {
            service: service.to_owned(),
            service_id: service_id.to_owned(),
            external_user_id: external_user_id.to_owned(),
        }
    }
}

/// An identity as stored: a user has at most one per (service, service id), and an outside
/// user id belongs to at most one user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub user_id: Uuid,
    pub key: IdentityKey,
    pub created_at_ms: i64,
}

/// The user directory inside a transaction.
pub trait UserDirectory {
    /// Creates a user. [`crate::Error::AlreadyExists`] if the e-mail is taken in the tenant.
    fn create_user(&mut self, user: &NewUser) -> Result<User>;

    fn get_user(&mut self, id: Uuid) -> Result<Option<User>>;

    /// The tenant's user with this e-mail, compared without regard to case.
    fn find_user_by_email(&mut self, tenant: &str, email: &str) -> Result<Option<User>>;

    /// The user this outside identity belongs to.
    fn find_user_by_identity(&mut self, key: &IdentityKey) -> Result<Option<User>>;

    /// The tenant's user with `user.email`, or `user` created; `true` when it was created.
    /// [`crate::Error::InvalidInput`] if `user.email` is `None`.
    fn get_or_create_user(&mut self, user: &NewUser) -> Result<(User, bool)>;

    /// `sym.get_or_create_user_by_email`: a normal user with `email` as username and
    /// `role_if_new` (member or guest by the tenant's domains, spec §8) if created.
    fn get_or_create_user_by_email(
        &mut self,
        tenant: &str,
        email: &str,
        role_if_new: UserRole,
    ) -> Result<(User, bool)> {
        self.get_or_create_user(&NewUser::with_email(tenant, email, role_if_new))
    }

    /// `sym.sdk.utils.persist_user_identity`: the user with `email` (created if absent) gets
    /// identity `key`.
    fn persist_user_identity(
        &mut self,
        tenant: &str,
        email: &str,
        key: &IdentityKey,
        role_if_new: UserRole,
    ) -> Result<Identity> {
        let (user, _) = self.get_or_create_user_by_email(tenant, email, role_if_new)?;
        self.persist_identity(user.id, key)
    }

    /// Records that `user_id` is `key` in that service (`persist_user_identity`,
    /// `symflow users update-identity`): replaces the user's previous identity in the same
    /// (service, service id), and takes the outside id away from any other user that had it.
    fn persist_identity(&mut self, user_id: Uuid, key: &IdentityKey) -> Result<Identity>;

    /// Every identity of the user, ordered by service and service id.
    fn identities_of(&mut self, user_id: Uuid) -> Result<Vec<Identity>>;

    /// Changes a user's role (admins are granted explicitly, spec §8).
    fn set_user_role(&mut self, user_id: Uuid, role: UserRole) -> Result<()>;
}
