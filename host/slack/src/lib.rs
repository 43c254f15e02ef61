//! Slack's protocol for symflow, with no business logic: checking that a request comes from
//! Slack ([`verify`]), reading what Slack sends ([`inbound`]) and calling Slack's Web API
//! ([`web_api`], behind the default `web-api` feature so wasm builds can leave it out).
//!
//! What to post, who may approve and what a click means are the engine's business; this crate
//! only speaks Slack.

pub mod inbound;
pub mod verify;
#[cfg(feature = "web-api")]
pub mod web_api;

pub use inbound::{
    BlockAction, BlockActionsPayload, EventsApiRequest, InboundError, InteractionPayload,
    SlashCommand, StateValue, StateValues, View, ViewClosedPayload, ViewSubmissionPayload,
};
pub use verify::{sign, SignatureVerifier, VerifyError};
#[cfg(feature = "web-api")]
pub use web_api::{
    PostMessage, SlackApiError, SlackClient, SlackClientConfig, SlackUser, UpdateMessage,
    ViewTarget,
};
