//! Why one event's run in the sandbox failed, classified for the run's record and
//! for the error channel: a deadline, the memory cap, a Python exception with its
//! traceback, or anything else the guest did to trap.

use crate::types::FlowError;

#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    /// The event ran past its deadline (epoch interruption).
    #[error("the flow ran past its {limit_ms} ms time limit for this event and was stopped")]
    Deadline { limit_ms: u64 },
    /// The flow tried to grow its memory past the cap.
    #[error("the flow tried to use more than its {limit_mib} MiB memory limit and was stopped")]
    MemoryLimit { limit_mib: u64 },
    /// The handler raised (or returned something the SDK could not convert).
    #[error("{}", describe_flow_error(.0))]
    Flow(FlowError),
    /// The guest called `sys.exit` or WASI `exit`.
    #[error("the flow called exit({code})")]
    Exit { code: i32 },
    /// The instance trapped for another reason (a bug in the guest, a host
    /// capability failing in a way that cannot be returned, ...).
    #[error("the flow crashed: {message}")]
    Trap { message: String },
    /// Loading, compiling or instantiating the component failed.
    #[error("could not start the flow: {message}")]
    Setup { message: String },
}

impl SandboxError {
    /// The flow error, when the guest reported one itself.
    pub fn flow_error(&self) -> Option<&FlowError> {
        match self {
            SandboxError::Flow(e) => Some(e),
            _ => None,
        }
    }

    /// True when the guest reported that the handler is not defined.
    pub fn is_not_defined(&self) -> bool {
        matches!(self, SandboxError::Flow(e) if e.kind == crate::types::ErrorKind::NotDefined)
    }

    pub(crate) fn setup(e: impl std::fmt::Display) -> Self {
        SandboxError::Setup {
            message: format!("{e:#}"),
        }
    }
}

fn describe_flow_error(e: &FlowError) -> String {
    match &e.error_code {
        Some(code) => format!("{code}: {}", e.message),
        None => e.message.clone(),
    }
}
