//! `sym:flow/users`: users and identities (`sym.sdk.integrations.sym`,
//! `persist_user_identity`, `User.get_event_count`).

use crate::bindings::users::Host;
use crate::instance::HostState;
use crate::types::{CapabilityError, User, UserIdentity};

use super::granted;

/// The user directory as the host offers it to a flow.
pub trait UsersCapability: Send + Sync {
    fn get_or_create_user_by_email(&self, email: String) -> Result<User, CapabilityError>;
    fn persist_user_identity(
        &self,
        email: String,
        identity: UserIdentity,
    ) -> Result<UserIdentity, CapabilityError>;
    fn get_event_count(
        &self,
        user_id: String,
        event_name: String,
        since: Option<String>,
        until: Option<String>,
        filter_on: String,
        include_errored: bool,
    ) -> Result<u32, CapabilityError>;
}

impl Host for HostState {
    fn get_or_create_user_by_email(&mut self, email: String) -> Result<User, CapabilityError> {
        granted(&self.caps.users, "users")?.get_or_create_user_by_email(email)
    }
    fn persist_user_identity(
        &mut self,
        email: String,
        identity: UserIdentity,
    ) -> Result<UserIdentity, CapabilityError> {
        granted(&self.caps.users, "users")?.persist_user_identity(email, identity)
    }
    fn get_event_count(
        &mut self,
        user_id: String,
        event_name: String,
        since: Option<String>,
        until: Option<String>,
        filter_on: String,
        include_errored: bool,
    ) -> Result<u32, CapabilityError> {
        granted(&self.caps.users, "users")?.get_event_count(
            user_id,
            event_name,
            since,
            until,
            filter_on,
            include_errored,
        )
    }
}
