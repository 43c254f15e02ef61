//! Fuzz entry: everything Slack can POST, through host/slack's parsers.
//!
//! The first byte picks the endpoint the rest of the input is posted to: a slash command
//! (form), the interactivity URL (form with a JSON `payload`), or the Events API (JSON).
//! Whatever the body, parsing returns a value or an [`InboundError`] (never a panic), and the
//! accessors the server calls on a parsed payload (routing ids, input values, message
//! location, challenge) run without panicking too.
//!
//! Shared by the cargo-fuzz target `slack_inbound` and the corpus replay test of host/slack
//! (`host/slack/tests/fuzz_corpus.rs`), so the committed corpus is checked on stable in CI.

use symflow_slack::inbound::{EventsApiRequest, InteractionPayload, SlashCommand, StateValues};

pub fn run(data: &[u8]) {
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    match selector % 4 {
        0 => slash_command(body),
        1 => interaction_form(body),
        2 => {
            // The JSON of the `payload` field directly, so the fuzzer need not url-encode it.
            if let Ok(json) = std::str::from_utf8(body) {
                if let Ok(payload) = InteractionPayload::from_json(json) {
                    exercise_payload(&payload);
                }
            }
        }
        _ => events(body),
    }
}

fn slash_command(body: &[u8]) {
    if let Ok(command) = SlashCommand::from_form(body) {
        assert!(!command.command.is_empty() && !command.team_id.is_empty());
        assert!(!command.user_id.is_empty());
        let _ = command.args().count();
    }
}

fn interaction_form(body: &[u8]) {
    if let Ok(payload) = InteractionPayload::from_form(body) {
        exercise_payload(&payload);
    }
}

fn exercise_payload(payload: &InteractionPayload) {
    let _ = payload.kind();
    if let Some(user) = payload.user_id() {
        assert!(!user.is_empty(), "an empty user id must read as none");
    }
    if let Some(team) = payload.team_id() {
        assert!(!team.is_empty(), "an empty team id must read as none");
    }
    match payload {
        InteractionPayload::BlockActions(p) => {
            let _ = p.message_location();
            if let Some(action) = p.action() {
                let _ = action.value_text();
            }
            if let Some(values) = p.state_values() {
                exercise_values(values);
            }
        }
        InteractionPayload::ViewSubmission(p) => exercise_values(&p.view.state.values),
        InteractionPayload::ViewClosed(p) => exercise_values(&p.view.state.values),
        _ => {}
    }
}

fn exercise_values(values: &StateValues) {
    let mut count = 0;
    for (block, action, value) in values.iter() {
        count += 1;
        assert_eq!(values.get(block, action), Some(value));
        let _ = value.kind();
        let _ = value.as_text();
        let _ = value.selected_values();
        let _ = value.as_f64();
        let _ = value.is_blank();
    }
    assert_eq!(count, values.len());
    assert_eq!(values.is_empty(), count == 0);
}

fn events(body: &[u8]) {
    if let Ok(request) = EventsApiRequest::from_json(body) {
        let challenge = request.challenge_response();
        assert_eq!(
            challenge.is_some(),
            matches!(request, EventsApiRequest::UrlVerification { .. })
        );
    }
}
