//! `sym:flow/http`: outbound HTTP for the SDK's `requests` module. The host
//! decides which hosts a flow may reach; there is no other way out.

use crate::bindings::http::{Host, Request, Response};
use crate::instance::HostState;
use crate::types::CapabilityError;

use super::granted;

/// Outbound HTTP as the host offers it to a flow (allow-listed, time-bounded).
pub trait HttpCapability: Send + Sync {
    fn send(&self, request: Request) -> Result<Response, CapabilityError>;
}

impl Host for HostState {
    fn send(&mut self, request: Request) -> Result<Response, CapabilityError> {
        granted(&self.caps.http, "http")?.send(request)
    }
}
