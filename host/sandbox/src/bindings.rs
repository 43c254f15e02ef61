//! Rust bindings of the `sym:flow` WIT contract (`guest-wit/wit`), generated at
//! compile time so the host and the Python SDK can never disagree on a shape.

wasmtime::component::bindgen!({
    path: "../../guest-wit/wit",
    world: "flow",
    additional_derives: [PartialEq, serde::Serialize, serde::Deserialize],
});

pub use sym::flow::types;
pub use sym::flow::{aws_lambda, github, http, log, okta, pagerduty, secrets, slack, store, users};
