//! `sym:flow/okta`: group queries of `sym.sdk.integrations.okta`.

use crate::bindings::okta::Host;
use crate::instance::HostState;
use crate::types::{CapabilityError, User};

use super::granted;

/// Okta as the host offers it to a flow.
pub trait OktaCapability: Send + Sync {
    fn is_user_in_group(&self, user: User, group_id: String) -> Result<bool, CapabilityError>;
    fn users_in_group(&self, group_id: String) -> Result<Vec<User>, CapabilityError>;
    fn get_user_info(&self, user: User) -> Result<String, CapabilityError>;
    fn list_groups(
        &self,
        name_filter: Option<String>,
        filter: Option<String>,
        expand: Option<String>,
        only_native_groups: bool,
    ) -> Result<String, CapabilityError>;
}

impl Host for HostState {
    fn is_user_in_group(&mut self, user: User, group_id: String) -> Result<bool, CapabilityError> {
        granted(&self.caps.okta, "okta")?.is_user_in_group(user, group_id)
    }
    fn users_in_group(&mut self, group_id: String) -> Result<Vec<User>, CapabilityError> {
        granted(&self.caps.okta, "okta")?.users_in_group(group_id)
    }
    fn get_user_info(&mut self, user: User) -> Result<String, CapabilityError> {
        granted(&self.caps.okta, "okta")?.get_user_info(user)
    }
    fn list_groups(
        &mut self,
        name_filter: Option<String>,
        filter: Option<String>,
        expand: Option<String>,
        only_native_groups: bool,
    ) -> Result<String, CapabilityError> {
        granted(&self.caps.okta, "okta")?.list_groups(
            name_filter,
            filter,
            expand,
            only_native_groups,
        )
    }
}
