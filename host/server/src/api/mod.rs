//! The Events API (spec §4.7) under `/api/v1`: request access and remove it from scripts and
//! CI, and poll what became of it. Sym's names and shapes: `POST /events/request`
//! (`flow_srn`, `flow_inputs`, `context`, `user_email` | `user_id`) answering `run_id` and
//! `event_id`; `POST /events/deescalate` (`run_id`); `GET /runs/{id}` and `GET /events/{id}`
//! with a `status`. Every call needs `Authorization: Bearer <token>` from
//! `symflow tokens issue`.
//!
//! An accepted event is recorded durably (an outbox item, in the same transaction as its API
//! record) before the API answers, then carried out by the outbox worker through the same
//! engine path as a Slack request ([`work`]), so a restart loses nothing; the approval card
//! still goes to Slack. `GET /api/v1/openapi.json` serves the hand-written OpenAPI 3 document
//! ([`openapi`]).

pub mod auth;
pub mod error;
pub mod events;
pub mod openapi;
pub mod tokens;
pub mod work;

use std::sync::Arc;

use axum::routing::{get, post};
use axum::Router;

use crate::app::App;

pub use error::ApiError;
pub use work::ApiWork;

/// The routes of `/api/v1`.
pub fn router(app: Arc<App>) -> Router {
    let v1 = Router::new()
        .route("/openapi.json", get(openapi::document))
        .route("/events/request", post(events::request))
        .route("/events/deescalate", post(events::deescalate))
        .route("/runs/{run_id}", get(events::get_run))
        .route("/events/{event_id}", get(events::get_event))
        .fallback(error::not_found)
        .with_state(app);
    Router::new().nest("/api/v1", v1)
}
