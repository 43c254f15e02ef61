//! The flow sandbox: every piece of user Python runs here, inside a WebAssembly
//! component instantiated fresh for the event it serves.
//!
//! A [`Sandbox`] owns one wasmtime [`wasmtime::Engine`] (pooling allocator,
//! copy-on-write memory images, epoch interruption). A [`FlowComponent`] is one
//! compiled flow (`impl.py` built by `symflow-flow-build`), precompiled once and
//! cached on disk, with an `InstancePre` ready to instantiate. A [`FlowInstance`]
//! is one event: a new `Store` with a memory cap, a deadline, WASI with no files,
//! no environment and no network, bounded stdout/stderr, and only the host
//! capabilities the flow's tenant granted. The calls of one event share that
//! instance; it is dropped with the event.

pub mod bindings;
pub mod capabilities;
mod component;
mod error;
mod instance;
mod limits;
mod output;
pub mod recording;
mod sandbox;

pub use bindings::types;
pub use capabilities::Capabilities;
pub use component::FlowComponent;
pub use error::SandboxError;
pub use instance::{EventLimits, FlowInstance, HookStep, RunLog};
pub use sandbox::{Sandbox, SandboxConfig};
