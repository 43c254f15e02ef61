//! `sym:flow/secrets`: `Secret.retrieve_value()`. A secret enters the guest only
//! here, and only when the flow was given that secret.

use crate::bindings::secrets::Host;
use crate::instance::HostState;
use crate::types::CapabilityError;

use super::granted;

/// Secret values as the host offers them to a flow.
pub trait SecretsCapability: Send + Sync {
    fn retrieve_value(&self, secret_id: String) -> Result<String, CapabilityError>;
}

impl Host for HostState {
    fn retrieve_value(&mut self, secret_id: String) -> Result<String, CapabilityError> {
        granted(&self.caps.secrets, "secrets")?.retrieve_value(secret_id)
    }
}
