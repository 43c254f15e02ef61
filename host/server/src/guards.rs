//! Checks that an accepted Slack request may touch the run it names, before it reaches the
//! engine. Slack signs the payload, but the run a payload points at comes from data symflow
//! put in Slack's hands (a button's `value`, a modal's `private_metadata`), and a buggy or
//! hostile client inside a trusted workspace, or another workspace the app is installed in,
//! can send any of it. The engine checks *who may decide*; these checks make sure the
//! decision lands on the run the person was actually looking at:
//!
//! * a click acts only on the run whose card (or DM) was clicked, and only from the Slack
//!   workspace the run was requested in;
//! * a request form is submitted, or closed, only into a run of the same flow that is still
//!   being filled in, by the person who opened it.
//!
//! A refused request changes nothing; the person is told why, and the refusal is logged.

use std::sync::Arc;

use symflow_engine::{Actor, Run, RunStatus};
use symflow_slack::web_api::PostEphemeral;
use symflow_slack::PostMessage;
use uuid::Uuid;

use crate::app::App;

/// Why a request may not touch the run it names (a sentence for the person who sent it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused(pub String);

/// The stored run `id`, if there is one.
async fn load(app: &App, id: Uuid) -> anyhow::Result<Option<Run>> {
    let record = app
        .store
        .transaction_async(move |tx| tx.get_run(id))
        .await?;
    record
        .map(|r| Run::from_json(&r.state_json).map_err(|e| anyhow::anyhow!("{e}")))
        .transpose()
}

/// A click by `actor` (from workspace `team_id`) on message `message_ts`, naming `run_id`.
pub async fn check_click(
    app: &App,
    actor: &Actor,
    team_id: &str,
    run_id: Uuid,
    message_ts: Option<&str>,
) -> anyhow::Result<Result<(), Refused>> {
    let Some(run) = load(app, run_id).await? else {
        return Ok(Err(Refused(
            "That button belongs to a request symflow does not know, so nothing was changed."
                .into(),
        )));
    };
    Ok(click_allowed(&run, actor, team_id, message_ts))
}

fn click_allowed(
    run: &Run,
    _actor: &Actor,
    team_id: &str,
    message_ts: Option<&str>,
) -> Result<(), Refused> {
    if let Some(ts) = message_ts {
        if !run.messages.iter().any(|m| m.ts == ts) {
            return Err(Refused(
                "That button does not belong to the request it names, so nothing was changed. Use the buttons on the request's own message.".into(),
            ));
        }
    }
    let requested_in = run
        .requester
        .as_ref()
        .and_then(|r| r.slack_team_id.as_deref());
    if let Some(requested_in) = requested_in {
        if requested_in != team_id {
            return Err(Refused(format!(
                "That request belongs to another Slack workspace ({requested_in}), so nobody from this one ({team_id}) can act on it. Nothing was changed."
            )));
        }
    }
    Ok(())
}

/// A request form of `flow` submitted (or closed) by `actor` into run `run_id`.
pub async fn check_form(
    app: &App,
    actor: &Actor,
    flow: Option<&str>,
    run_id: Uuid,
) -> anyhow::Result<Result<(), Refused>> {
    let Some(run) = load(app, run_id).await? else {
        return Ok(Err(Refused(
            "That form belongs to a request symflow does not know, so it was not sent. Run `/sym` to start again.".into(),
        )));
    };
    Ok(form_allowed(&run, actor, flow))
}

fn form_allowed(run: &Run, actor: &Actor, flow: Option<&str>) -> Result<(), Refused> {
    if let Some(flow) = flow {
        if run.flow != flow {
            return Err(Refused(format!(
                "That form is for `{flow}` but names a request of `{}`, so it was not sent. Run `/sym` to start again.",
                run.flow
            )));
        }
    }
    if !matches!(run.status, RunStatus::New | RunStatus::Prompting) {
        return Err(Refused(
            "That request was already sent, so this form changes nothing.".into(),
        ));
    }
    let opened_by = run.actors.get("prompt").or(run.requester.as_ref());
    if let Some(opened_by) = opened_by {
        if opened_by.user_id != actor.user_id {
            return Err(Refused(
                "That form was opened by someone else, so you cannot send or close it. Run `/sym` to make your own request.".into(),
            ));
        }
    }
    Ok(())
}

/// Tells `actor` why their request was refused: in the channel they clicked in when there
/// is one, else by DM. Best effort: the refusal stands either way.
pub async fn tell(app: &Arc<App>, actor: &Actor, channel: Option<&str>, refused: &Refused) {
    tracing::warn!(user = %actor.email, "refused a Slack request: {}", refused.0);
    let (Some(slack), Some(user)) = (&app.slack, &actor.slack_user_id) else {
        return;
    };
    let text = format!(":no_entry: {}", refused.0);
    if let Some(channel) = channel {
        let ephemeral = PostEphemeral::new(channel.to_string(), user.clone(), text.clone());
        if slack.chat_post_ephemeral(&ephemeral).await.is_ok() {
            return;
        }
    }
    let _ = slack
        .chat_post_message(&PostMessage::new(user.clone(), text))
        .await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use symflow_engine::Role;

    fn actor(id: &str, team: &str) -> Actor {
        Actor {
            user_id: id.into(),
            email: format!("{id}@example.com"),
            username: id.into(),
            name: String::new(),
            role: Role::Member,
            slack_user_id: Some(id.to_uppercase()),
            slack_team_id: Some(team.into()),
        }
    }

    fn run_of(flow: &str, requester: &Actor, status: RunStatus) -> Run {
        let mut run = Run::new(Uuid::nil().to_string(), flow, symflow_engine::Timestamp(0));
        run.status = status;
        run.requester = Some(requester.clone());
        run.actors.insert("prompt".into(), requester.clone());
        run
    }

    #[test]
    fn a_form_reaches_only_its_own_flow_and_opener_while_it_is_open() {
        let alice = actor("alice", "T1");
        let bob = actor("bob", "T1");
        let run = run_of("grant", &alice, RunStatus::Prompting);
        assert_eq!(form_allowed(&run, &alice, Some("grant")), Ok(()));
        assert!(form_allowed(&run, &bob, Some("grant")).is_err());
        assert!(form_allowed(&run, &alice, Some("other")).is_err());
        let sent = run_of("grant", &alice, RunStatus::Pending);
        assert!(form_allowed(&sent, &alice, Some("grant")).is_err());
    }

    #[test]
    fn a_click_must_come_from_the_run_s_workspace() {
        let alice = actor("alice", "T1");
        let run = run_of("grant", &alice, RunStatus::Pending);
        assert_eq!(click_allowed(&run, &alice, "T1", None), Ok(()));
        let refused = click_allowed(&run, &actor("eve", "T2"), "T2", None).unwrap_err();
        assert!(refused.0.contains("another Slack workspace"), "{refused:?}");
        assert!(click_allowed(&run, &alice, "T1", Some("123.456")).is_err());
    }
}
