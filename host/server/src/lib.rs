//! The native symflow host behind `symflow up`: Slack's endpoints, a durable outbox worker
//! and timer loop, the engine in between, and each flow's Python in the sandbox.
//!
//! ```text
//! Slack ─► http (verify, dedupe, record work, ack) ─► outbox ─► worker ─► inbound / effects
//!                                                                   │
//!               timers (durable) ─────────────────────────────────► driver ─► engine.step
//!                                                                   │   ▲        │
//!                                                  flow_calls (sandbox)  └── FlowReturned
//! ```
//!
//! The engine decides; this crate acts. [`driver`] is the loop that feeds the engine and
//! commits each step in one store transaction; [`http`] only accepts and acknowledges;
//! [`worker`] carries out accepted requests ([`inbound`]) and effects ([`effects`]);
//! [`timers`] fires access expiry and notification timeouts; [`flow_calls`] runs the flow's
//! handlers; [`capabilities`] decides what a flow may reach; [`users`] turns Slack users into
//! symflow users just in time.

pub mod answer_limits;
pub mod api;
pub mod app;
pub mod capabilities;
pub mod console;
pub mod driver;
pub mod effects;
pub mod flow_calls;
pub mod flows;
pub mod guards;
pub mod host_strategies;
pub mod http;
pub mod inbound;
pub mod integrations;
pub mod log_destinations;
pub mod preview;
pub mod replicas;
pub mod slack_out;
pub mod tenants;
pub mod timers;
pub mod up;
pub mod users;
pub mod work;
pub mod worker;

pub use app::{App, RunningServer, Server, ServerOptions, SlackSettings};
pub use capabilities::{CapabilityFactory, IntegrationProvider, StandInScript, StandIns};
pub use integrations::ServiceIntegrations;
pub use replicas::Leases;
pub use up::UpArgs;
