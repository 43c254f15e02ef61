//! `sym:flow/pagerduty`: on-call and incident queries of `sym.sdk.integrations.pagerduty`.

use crate::bindings::pagerduty::{Host, IncidentQuery, OnCallQuery};
use crate::instance::HostState;
use crate::types::{CapabilityError, User};

use super::granted;

/// PagerDuty as the host offers it to a flow.
pub trait PagerdutyCapability: Send + Sync {
    fn is_on_call(&self, user: User, query: OnCallQuery) -> Result<bool, CapabilityError>;
    fn users_on_call(&self, query: OnCallQuery) -> Result<Vec<User>, CapabilityError>;
    fn users_for_schedule(&self, query: OnCallQuery) -> Result<Vec<User>, CapabilityError>;
    fn get_incidents(&self, query: IncidentQuery) -> Result<String, CapabilityError>;
}

impl Host for HostState {
    fn is_on_call(&mut self, user: User, query: OnCallQuery) -> Result<bool, CapabilityError> {
        granted(&self.caps.pagerduty, "pagerduty")?.is_on_call(user, query)
    }
    fn users_on_call(&mut self, query: OnCallQuery) -> Result<Vec<User>, CapabilityError> {
        granted(&self.caps.pagerduty, "pagerduty")?.users_on_call(query)
    }
    fn users_for_schedule(&mut self, query: OnCallQuery) -> Result<Vec<User>, CapabilityError> {
        granted(&self.caps.pagerduty, "pagerduty")?.users_for_schedule(query)
    }
    fn get_incidents(&mut self, query: IncidentQuery) -> Result<String, CapabilityError> {
        granted(&self.caps.pagerduty, "pagerduty")?.get_incidents(query)
    }
}
