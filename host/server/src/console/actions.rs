//! Approve / Deny / Revoke from the console, through the same path as a click in Slack: the
//! click is promised durably first (an outbox item, [`ConsoleClick`]), then the outbox worker
//! feeds it to the run's engine as an [`Input::Action`] (source `api`, channel `sym`), which
//! re-checks the flow's permissions, runs its hooks and updates the Slack card like any click.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use symflow_engine::{Action, Input, Source};
use symflow_store::{NewOutboxItem, OutboxItemId, Store, DEFAULT_TENANT};
use uuid::Uuid;

use crate::app::App;
use crate::driver::{Cause, Next, RunRef};
use crate::work::{Origin, Work};
use crate::worker::{backoff, Outcome};

/// A button pressed in the console, still to be carried out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConsoleClick {
    /// The symflow user who pressed it.
    pub user_id: Uuid,
    pub run_id: Uuid,
    pub action: Action,
    pub decision_message: Option<String>,
}

impl ConsoleClick {
    /// The outbox `kind`.
    pub fn kind(&self) -> String {
        format!("console.{}", self.action.as_str())
    }
}

/// Records the click as an outbox item and wakes the worker.
pub async fn enqueue(app: &Arc<App>, click: ConsoleClick) -> anyhow::Result<()> {
    let work = Work::Console(click);
    app.store
        .transaction_async(move |tx| {
            tx.enqueue_outbox(&NewOutboxItem {
                tenant: DEFAULT_TENANT.to_string(),
                run_id: work.ordered_by_run(),
                kind: work.kind(),
                payload_json: work.to_json(),
            })
        })
        .await?;
    app.work_ready.notify_one();
    Ok(())
}

/// Carries out a console click (called by the outbox worker).
pub async fn handle(app: &Arc<App>, item: OutboxItemId, click: ConsoleClick) -> Outcome {
    let store: Store = app.store.clone();
    let user_id = click.user_id;
    let actor =
        match tokio::task::spawn_blocking(move || super::auth::actor_for(&store, user_id)).await {
            Ok(Some(actor)) => actor,
            Ok(None) => return Outcome::Failed(format!("console user {user_id} no longer exists")),
            Err(e) => return Outcome::Failed(e.to_string()),
        };
    let input = Input::Action {
        action: click.action,
        actor,
        source: Source::Api,
        decision_message: click.decision_message,
        message: None,
    };
    match app
        .drive(
            RunRef::Existing(click.run_id),
            Next::input(input),
            Origin::default(),
            Cause::Outbox(item),
        )
        .await
    {
        Ok(()) => Outcome::Done,
        Err(e) => Outcome::Retry {
            after: backoff(0),
            error: format!("{e:#}"),
        },
    }
}
