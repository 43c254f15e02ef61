//! Host capabilities: the only doors from a flow to the world.
//!
//! Each WIT import interface has one module here with a trait the host
//! implements (the in-memory stand-ins in [`crate::recording`] today, real
//! Slack/PagerDuty/Okta clients later) and the glue that serves the guest's calls
//! from it. A capability left `None` was not granted to this flow: every call to
//! it answers `not-granted`, so a flow without a PagerDuty integration cannot
//! reach PagerDuty however it is written.

use std::sync::Arc;

use crate::types::CapabilityError;

pub mod aws_lambda;
pub mod github;
pub mod http;
pub mod log;
pub mod okta;
pub mod pagerduty;
pub mod secrets;
pub mod slack;
pub mod store;
pub mod users;

pub use aws_lambda::AwsLambdaCapability;
pub use github::GithubCapability;
pub use http::HttpCapability;
pub use okta::OktaCapability;
pub use pagerduty::PagerdutyCapability;
pub use secrets::SecretsCapability;
pub use slack::SlackCapability;
pub use store::StoreCapability;
pub use users::UsersCapability;

/// The capabilities granted to one flow for one event.
#[derive(Clone, Default)]
pub struct Capabilities {
    pub slack: Option<Arc<dyn SlackCapability>>,
    pub pagerduty: Option<Arc<dyn PagerdutyCapability>>,
    pub okta: Option<Arc<dyn OktaCapability>>,
    pub github: Option<Arc<dyn GithubCapability>>,
    pub aws_lambda: Option<Arc<dyn AwsLambdaCapability>>,
    pub http: Option<Arc<dyn HttpCapability>>,
    pub secrets: Option<Arc<dyn SecretsCapability>>,
    pub store: Option<Arc<dyn StoreCapability>>,
    pub users: Option<Arc<dyn UsersCapability>>,
}

impl Capabilities {
    /// No capability at all: the flow can compute, log and nothing else.
    pub fn none() -> Self {
        Capabilities::default()
    }
}

/// The error every call to a capability that was not granted returns.
pub fn not_granted(capability: &str) -> CapabilityError {
    CapabilityError {
        capability: capability.to_string(),
        code: "not-granted".to_string(),
        message: format!(
            "this flow has no access to {capability}: add the integration to the flow's \
             sym_environment `integrations` to grant it"
        ),
    }
}

/// Look up a granted capability or answer `not-granted`.
pub(crate) fn granted<'a, T: ?Sized>(
    capability: &'a Option<Arc<T>>,
    name: &str,
) -> Result<&'a T, CapabilityError> {
    capability.as_deref().ok_or_else(|| not_granted(name))
}

/// The shared `types` interface has no functions; the generated trait still
/// needs an implementation.
impl crate::bindings::types::Host for crate::instance::HostState {}
