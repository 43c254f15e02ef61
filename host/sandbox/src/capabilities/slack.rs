//! `sym:flow/slack`: the Slack helpers of `sym.sdk.integrations.slack`.

use crate::bindings::slack::Host;
use crate::instance::HostState;
use crate::types::{CapabilityError, Destination, User};

use super::granted;

/// Slack as the host offers it to a flow.
pub trait SlackCapability: Send + Sync {
    fn send_message(
        &self,
        destination: Destination,
        message: String,
    ) -> Result<(), CapabilityError>;
    fn send_thread_message(&self, run_id: String, message: String) -> Result<(), CapabilityError>;
    fn resolve_user(&self, identifier: String) -> Result<String, CapabilityError>;
    fn get_user_info(&self, user: User) -> Result<String, CapabilityError>;
    fn list_users(&self, active_only: bool) -> Result<Vec<User>, CapabilityError>;
    fn is_user_in_group(&self, user: User, group_id: String) -> Result<bool, CapabilityError>;
    fn users_in_channel(&self, channel: String) -> Result<Vec<User>, CapabilityError>;
}

impl Host for HostState {
    fn send_message(
        &mut self,
        destination: Destination,
        message: String,
    ) -> Result<(), CapabilityError> {
        granted(&self.caps.slack, "slack")?.send_message(destination, message)
    }
    fn send_thread_message(
        &mut self,
        run_id: String,
        message: String,
    ) -> Result<(), CapabilityError> {
        granted(&self.caps.slack, "slack")?.send_thread_message(run_id, message)
    }
    fn resolve_user(&mut self, identifier: String) -> Result<String, CapabilityError> {
        granted(&self.caps.slack, "slack")?.resolve_user(identifier)
    }
    fn get_user_info(&mut self, user: User) -> Result<String, CapabilityError> {
        granted(&self.caps.slack, "slack")?.get_user_info(user)
    }
    fn list_users(&mut self, active_only: bool) -> Result<Vec<User>, CapabilityError> {
        granted(&self.caps.slack, "slack")?.list_users(active_only)
    }
    fn is_user_in_group(&mut self, user: User, group_id: String) -> Result<bool, CapabilityError> {
        granted(&self.caps.slack, "slack")?.is_user_in_group(user, group_id)
    }
    fn users_in_channel(&mut self, channel: String) -> Result<Vec<User>, CapabilityError> {
        granted(&self.caps.slack, "slack")?.users_in_channel(channel)
    }
}
