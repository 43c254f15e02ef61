//! `sym:flow/github`: repository queries of `sym.sdk.integrations.github`.

use crate::bindings::github::Host;
use crate::instance::HostState;
use crate::types::{CapabilityError, User};

use super::granted;

/// GitHub as the host offers it to a flow.
pub trait GithubCapability: Send + Sync {
    fn get_repo_collaborators(
        &self,
        repo_name: String,
        roles: Vec<String>,
    ) -> Result<Vec<User>, CapabilityError>;
}

impl Host for HostState {
    fn get_repo_collaborators(
        &mut self,
        repo_name: String,
        roles: Vec<String>,
    ) -> Result<Vec<User>, CapabilityError> {
        granted(&self.caps.github, "github")?.get_repo_collaborators(repo_name, roles)
    }
}
