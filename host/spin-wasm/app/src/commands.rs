//! `/slack/commands`: a slash command is acknowledged at once (empty 200) and carried out
//! after the answer, in the same instance.

use symflow_slack::SlashCommand;

use crate::state::Origin;
use crate::work::{SlackUser, Work};
use crate::Answer;

pub fn command(body: &[u8]) -> Answer {
    let command = match SlashCommand::from_form(body) {
        Ok(c) => c,
        Err(e) => return Answer::text(400, e.to_string()),
    };
    let origin = Origin {
        team_id: Some(command.team_id.clone()),
        user_id: Some(command.user_id.clone()),
        channel_id: Some(command.channel_id.clone()).filter(|c| !c.is_empty()),
        trigger_id: Some(command.trigger_id.clone()).filter(|t| !t.is_empty()),
        view_id: None,
    };
    Answer::ok().then(Work::Command {
        user: SlackUser {
            team_id: command.team_id,
            user_id: command.user_id,
        },
        text: command.text,
        origin,
    })
}
