//! The bridge between an environment's configuration and its running flows.
//!
//! [`catalog`] finds every piece of Python an environment declares (flow
//! impls, on-change handlers, custom strategies, the flows filter), builds each
//! into a component and loads it into the sandbox. [`records`] turns the typed
//! configuration into the WIT records a flow sees (`FlowInfo`, `Integration`,
//! `Strategy`, prompt fields), so the CLI's `run`, the server and the Spin
//! component all show a flow the same world.

pub mod catalog;
pub mod records;

pub use catalog::{BuildProgress, FlowCatalog, LoadedFlow};
