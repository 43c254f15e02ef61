//! Every request fixture (what Slack really sends, or documents) parses, with its key fields read
//! correctly: slash commands, interactivity payloads of each type, Events API bodies, and the
//! `state.values` of every input element type.

use std::path::PathBuf;

use symflow_slack::inbound::{
    EventsApiRequest, InboundError, InteractionPayload, SlashCommand, StateValue, ViewState,
};

fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/requests")
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(fixtures_dir().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn interaction_json(name: &str) -> InteractionPayload {
    let text = String::from_utf8(fixture(name)).unwrap();
    InteractionPayload::from_json(&text).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn interaction_form(name: &str) -> InteractionPayload {
    InteractionPayload::from_form(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Wraps a JSON fixture the way Slack posts it: `payload=<url-encoded JSON>`.
fn as_form_body(json: &[u8]) -> Vec<u8> {
    serde_urlencoded::to_string([("payload", std::str::from_utf8(json).unwrap())])
        .unwrap()
        .into_bytes()
}

fn state_types(values: &symflow_slack::StateValues) -> Vec<String> {
    values.iter().map(|(_, _, v)| v.kind().to_owned()).collect()
}

// ---------------------------------------------------------------------------------------------
// Every file
// ---------------------------------------------------------------------------------------------

#[test]
fn every_request_fixture_parses_without_unknown_types() {
    let mut parsed = 0;
    for entry in std::fs::read_dir(fixtures_dir()).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        let body = std::fs::read(&path).unwrap();
        if name.ends_with(".headers.json") {
            continue; // signing metadata, used by tests/verify.rs
        }
        if name.starts_with("slash_command.") {
            let command = SlashCommand::from_form(&body).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(command.command.starts_with('/'), "{name}");
            assert!(
                !command.team_id.is_empty() && !command.user_id.is_empty(),
                "{name}"
            );
        } else if name.starts_with("events.") {
            let request =
                EventsApiRequest::from_json(&body).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(!matches!(request, EventsApiRequest::Other { .. }), "{name}");
        } else if name.starts_with("view_state.") {
            let state: ViewState =
                serde_json::from_slice(&body).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(!state.values.is_empty(), "{name}");
            for (block, action, value) in state.values.iter() {
                assert!(
                    !matches!(value, StateValue::Other { .. }),
                    "{name}: {block}/{action}"
                );
            }
        } else {
            let payload = if name.ends_with(".txt") {
                InteractionPayload::from_form(&body)
            } else {
                // JSON fixtures hold the inner payload; post it the way Slack does.
                InteractionPayload::from_form(&as_form_body(&body))
            }
            .unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(
                !matches!(payload, InteractionPayload::Other { .. }),
                "{name}"
            );
            assert!(payload.user_id().is_some(), "{name}: no user id");
            assert!(
                payload.team_id().is_some(),
                "{name}: no team id to route by"
            );
            assert!(
                name.starts_with(&format!("{}.", payload.kind())),
                "{name} parsed as {}",
                payload.kind()
            );
        }
        parsed += 1;
    }
    assert_eq!(
        parsed, 28,
        "a fixture was added or removed: give it assertions below"
    );
}

// ---------------------------------------------------------------------------------------------
// Slash commands
// ---------------------------------------------------------------------------------------------

#[test]
fn slash_command_signing_example() {
    let command = SlashCommand::from_form(&fixture("slash_command.signing_example.txt")).unwrap();
    assert_eq!(command.command, "/webhook-collect");
    assert_eq!(command.text, "");
    assert_eq!(command.args().count(), 0);
    assert_eq!(command.team_id, "T1DC2JH3J");
    assert_eq!(command.team_domain.as_deref(), Some("testteamnow"));
    assert_eq!(command.channel_id, "G8PSS9T3V");
    assert_eq!(command.channel_name.as_deref(), Some("foobar"));
    assert_eq!(command.user_id, "U2CERLKJA");
    assert_eq!(command.user_name.as_deref(), Some("roadrunner"));
    assert_eq!(
        command.response_url.as_deref(),
        Some("https://hooks.slack.com/commands/T1DC2JH3J/397700885554/96rGlfmibIGlgcZRskXaIFfN")
    );
    assert_eq!(
        command.trigger_id,
        "398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
    );
    assert_eq!(command.api_app_id, None);
    assert!(!command.is_enterprise_install);
    assert_eq!(command.enterprise_id, None);
}

#[test]
fn slash_command_from_a_dm() {
    let command = SlashCommand::from_form(&fixture("slash_command.dm_recorded.txt")).unwrap();
    assert_eq!(command.command, "/bzapp");
    assert_eq!(command.channel_id, "D7P4LC5G9");
    assert_eq!(command.channel_name.as_deref(), Some("directmessage"));
    assert_eq!(command.team_id, "T7NS02BFB");
    assert_eq!(command.api_app_id, None);
}

#[test]
fn slash_command_with_enterprise_and_plus_encoded_spaces() {
    let command = SlashCommand::from_form(&fixture("slash_command.enterprise_text.txt")).unwrap();
    assert_eq!(command.command, "/hello-world");
    assert_eq!(command.text, "Hi");
    assert_eq!(command.user_id, "W111");
    assert_eq!(command.enterprise_id.as_deref(), Some("E111"));
    assert_eq!(command.enterprise_name.as_deref(), Some("Org Name"));
}

#[test]
fn slash_command_org_install() {
    let command = SlashCommand::from_form(&fixture("slash_command.org_install.txt")).unwrap();
    assert_eq!(command.command, "/org-level-command");
    assert_eq!(command.text, "test");
    assert!(command.is_enterprise_install);
    assert_eq!(command.api_app_id.as_deref(), Some("A111"));
    assert_eq!(command.enterprise_name.as_deref(), Some("Sandbox Org"));
}

#[test]
fn slash_command_docs_example_with_unencoded_slashes_and_percent_20() {
    let command =
        SlashCommand::from_form(&fixture("slash_command.docs_example_unencoded.txt")).unwrap();
    assert_eq!(command.command, "/weather");
    assert_eq!(command.text, "94070");
    assert_eq!(
        command.enterprise_name.as_deref(),
        Some("Globular Construct Inc")
    );
    assert_eq!(
        command.response_url.as_deref(),
        Some("https://hooks.slack.com/commands/1234/5678")
    );
    assert_eq!(command.api_app_id.as_deref(), Some("A123456"));
}

#[test]
fn slash_commands_that_cannot_be_routed_are_refused() {
    let error = SlashCommand::from_form(b"command=%2Fsym&user_id=U1&text=").unwrap_err();
    assert!(
        matches!(error, InboundError::MissingField("team_id")),
        "{error:?}"
    );
    assert!(error.to_string().contains("team_id"));
    let error = SlashCommand::from_form(b"team_id=T1&user_id=U1").unwrap_err();
    assert!(
        matches!(error, InboundError::MissingField("command")),
        "{error:?}"
    );
}

#[test]
fn slash_command_text_keeps_words_apart() {
    let command = SlashCommand::from_form(
        b"command=%2Fsym&text=req+aws-access+++prod&team_id=T1&user_id=U1&channel_id=C1&trigger_id=1.2.3",
    )
    .unwrap();
    assert_eq!(
        command.args().collect::<Vec<_>>(),
        ["req", "aws-access", "prod"]
    );
}

// ---------------------------------------------------------------------------------------------
// block_actions
// ---------------------------------------------------------------------------------------------

#[test]
fn button_click_on_a_channel_message() {
    let InteractionPayload::BlockActions(payload) =
        interaction_json("block_actions.button.message.json")
    else {
        panic!("not block_actions");
    };
    assert_eq!(payload.user.id, "UQEUMSA0K");
    assert_eq!(payload.user.team_id.as_deref(), Some("TQSD32X16"));
    assert_eq!(payload.team.as_ref().unwrap().id, "TQSD32X16");
    assert_eq!(payload.enterprise, None);
    assert!(!payload.is_enterprise_install);
    assert_eq!(
        payload.trigger_id.as_deref(),
        Some("7100812555332.842445099040.18c37a32faed2f3ed2ed54a7c0362821")
    );
    assert_eq!(
        payload.message_location(),
        Some(("CQEUMSV7D", "1715342584.374249"))
    );
    let container = payload.container.as_ref().unwrap();
    assert_eq!(container.kind, "message");
    assert_eq!(container.is_ephemeral, Some(false));
    assert_eq!(payload.message.as_ref().unwrap().blocks.len(), 7);
    assert!(payload
        .response_url
        .as_deref()
        .unwrap()
        .starts_with("https://hooks.slack.com/actions/"));

    let action = payload.action().unwrap();
    assert_eq!(action.action_id, "interactions_deny");
    assert_eq!(action.block_id, "interactions_confirmation");
    assert_eq!(action.kind, "button");
    assert_eq!(action.value.as_deref(), Some("UQEUMSA0K"));
    assert_eq!(action.value_text(), Some("UQEUMSA0K"));
    assert_eq!(action.style.as_deref(), Some("danger"));
    assert_eq!(action.text.as_ref().unwrap().text, "No, thank you.");

    let state = payload.state_values().unwrap();
    assert_eq!(
        state.get("date_picker", "pick_date").unwrap().as_text(),
        Some("2024-05-10")
    );
    assert_eq!(
        state
            .get("checkboxes", "select_options")
            .unwrap()
            .selected_values(),
        ["apple", "orange"]
    );
}

#[test]
fn button_click_with_enterprise_and_an_unknown_field() {
    let payload = interaction_json("block_actions.button.enterprise.json");
    let InteractionPayload::BlockActions(actions) = &payload else {
        panic!()
    };
    assert!(actions.is_enterprise_install);
    let enterprise = actions.enterprise.as_ref().unwrap();
    assert_eq!(
        (enterprise.id.as_str(), enterprise.name.as_deref()),
        ("E039QKQ6G1E", Some("DandyDev"))
    );
    let action = actions.action().unwrap();
    assert_eq!(
        (action.action_id.as_str(), action.value.as_deref()),
        ("sushi", None)
    );
    assert_eq!(payload.team_id(), Some("TQSD32X16"));
    assert!(actions.state_values().unwrap().is_empty());
}

#[test]
fn static_select_on_a_message_with_ten_input_types() {
    let InteractionPayload::BlockActions(payload) =
        interaction_json("block_actions.static_select.message.json")
    else {
        panic!()
    };
    let action = payload.action().unwrap();
    assert_eq!(action.kind, "static_select");
    assert_eq!(action.selected_option.as_ref().unwrap().value, "B");
    assert_eq!(action.value_text(), Some("B"));

    let state = payload.state_values().unwrap();
    assert_eq!(state.len(), 10);
    assert_eq!(
        state.get("email", "provide_email"),
        Some(&StateValue::EmailTextInput(Some("daan@dv.email".into())))
    );
    assert_eq!(
        state.get("number", "enter_number").unwrap().as_f64(),
        Some(55.0)
    );
    assert_eq!(
        state.get("feelings", "provide_feelings").unwrap().as_text(),
        Some("I'm great!")
    );
    assert_eq!(
        state
            .get("radio_demonstration", "select_radio_option")
            .unwrap()
            .as_text(),
        Some("4")
    );
    assert_eq!(
        state
            .get("alphabet", "select_menu_options")
            .unwrap()
            .as_text(),
        Some("B")
    );
    assert_eq!(
        state.get("time_picker", "pick_time"),
        Some(&StateValue::Timepicker {
            time: Some("13:37".into()),
            timezone: None
        })
    );
    assert_eq!(
        state
            .get("startrek", "multi_select_menu_options")
            .unwrap()
            .selected_values(),
        ["data", "picard"]
    );
    let url = state.get("url", "provide_url").unwrap();
    assert_eq!(url, &StateValue::UrlTextInput(None));
    assert!(url.is_blank());
}

#[test]
fn overflow_with_null_and_empty_values() {
    let InteractionPayload::BlockActions(payload) =
        interaction_json("block_actions.overflow.message_full_state.json")
    else {
        panic!()
    };
    let action = payload.action().unwrap();
    assert_eq!(action.kind, "overflow");
    assert_eq!(action.block_id, "Ygh+b");
    assert_eq!(action.value_text(), Some("one"));

    let state = payload.state_values().unwrap();
    assert_eq!(state.len(), 12);
    for (block, action, value) in state.iter() {
        if block == "conversation_select" {
            assert_eq!(value.as_text(), Some("UQJJW6VG9"));
        } else {
            assert!(
                value.is_blank(),
                "{block}/{action} should be blank: {value:?}"
            );
        }
    }
    assert_eq!(
        state.get("channels_select", "select_channel"),
        Some(&StateValue::MultiChannelsSelect(vec![]))
    );
    assert_eq!(
        state.get("date_picker", "pick_date"),
        Some(&StateValue::Datepicker(None))
    );
}

#[test]
fn datepicker_inside_a_modal_with_slashes_in_block_ids() {
    let InteractionPayload::BlockActions(payload) =
        interaction_json("block_actions.datepicker.in_modal.json")
    else {
        panic!()
    };
    assert_eq!(payload.container.as_ref().unwrap().kind, "view");
    assert_eq!(
        payload.container.as_ref().unwrap().view_id.as_deref(),
        Some("V072ZQ2S56G")
    );
    assert_eq!(payload.message_location(), None);
    assert_eq!(payload.response_url, None);
    let view = payload.view.as_ref().unwrap();
    assert_eq!(view.id, "V072ZQ2S56G");
    assert_eq!(view.hash.as_deref(), Some("1715353805.hwG4sVuh"));
    assert_eq!(view.private_metadata, "");
    let action = payload.action().unwrap();
    assert_eq!(action.selected_date.as_deref(), Some("1990-04-18"));

    let state = payload.state_values().unwrap();
    assert_eq!(
        state.get("4j/Gd", "nfisX"),
        Some(&StateValue::MultiStaticSelect(vec![]))
    );
    assert_eq!(
        state.get("it2e/", "Ni5tz"),
        Some(&StateValue::PlainTextInput(None))
    );
    assert_eq!(
        state.get("working_here", "working_here_options"),
        Some(&StateValue::RadioButtons(None))
    );
    assert_eq!(
        state.find_action("datepicker-action").unwrap().as_text(),
        Some("1990-04-18")
    );
}

#[test]
fn recorded_button_in_a_modal_with_escaped_slashes_and_plus_spaces() {
    let payload = interaction_form("block_actions.button_in_modal.recorded.txt");
    assert_eq!(payload.team_id(), Some("T7NS02BFB"));
    let InteractionPayload::BlockActions(actions) = payload else {
        panic!()
    };
    let action = actions.action().unwrap();
    assert_eq!(action.action_id, "edit_events");
    assert_eq!(action.value.as_deref(), Some("edit_events"));
    assert_eq!(action.text.as_ref().unwrap().text, "Edit Events");
    let view = actions.view.as_ref().unwrap();
    assert_eq!(view.id, "V018GCUV2GK");
    assert_eq!(view.title.as_ref().unwrap().text, "bZapp");
    // `"1\/6"` in the recorded JSON is the block id 1/6; `+` in the form is a space.
    assert!(
        view.blocks.iter().any(|b| b["block_id"] == "1/6"),
        "escaped slash not decoded"
    );
    assert!(view
        .blocks
        .iter()
        .any(|b| b.pointer("/elements/0/text") == Some(&"*Today's Events*".into())));
}

// ---------------------------------------------------------------------------------------------
// view_submission / view_closed
// ---------------------------------------------------------------------------------------------

#[test]
fn survey_submission() {
    let InteractionPayload::ViewSubmission(payload) =
        interaction_json("view_submission.survey.json")
    else {
        panic!()
    };
    assert_eq!(payload.view.id, "V072WURP7LJ");
    assert_eq!(payload.view.callback_id, "");
    assert_eq!(payload.view.hash.as_deref(), Some("1715350171.Gc2dwnJZ"));
    assert_eq!(
        payload.trigger_id.as_deref(),
        Some("7098980171730.842445099040.997436e4e2827c9430b8c9c36882b3b4")
    );
    assert!(payload.response_urls.is_empty());
    assert_eq!(payload.enterprise, None);
    let values = &payload.view.state.values;
    assert_eq!(
        values
            .get("working_here", "working_here_options")
            .unwrap()
            .as_text(),
        Some("2")
    );
    assert_eq!(
        values.get("4j/Gd", "nfisX").unwrap().selected_values(),
        ["value-2", "value-1"]
    );
    assert_eq!(
        values.get("it2e/", "Ni5tz").unwrap().as_text(),
        Some("Pay better")
    );
    assert_eq!(
        values.get("DVhIO", "zJn8J").unwrap().as_text(),
        Some("Nothing")
    );
    assert_eq!(
        values.get("sLIvA", "datepicker-action").unwrap().as_text(),
        Some("1990-04-28")
    );
}

#[test]
fn submission_whose_inputs_share_one_action_id() {
    let InteractionPayload::ViewSubmission(payload) =
        interaction_json("view_submission.static_select_datepicker.json")
    else {
        panic!()
    };
    assert_eq!(payload.view.callback_id, "modal-callback-id");
    let values = &payload.view.state.values;
    assert_eq!(
        values.get("date-of-visit", "single_action"),
        Some(&StateValue::Datepicker(Some("2019-09-23".into())))
    );
    let StateValue::StaticSelect(Some(rating)) = values.get("rating", "single_action").unwrap()
    else {
        panic!()
    };
    assert_eq!(rating.value, "3");
    assert_eq!(rating.text.as_ref().unwrap().text, ":star::star::star:");
    assert_eq!(
        values.get("comment", "single_action").unwrap().as_text(),
        Some("Just amazing!")
    );
}

#[test]
fn org_install_submission_routes_by_the_users_team() {
    let payload = interaction_json("view_submission.org_install_timepicker.json");
    assert_eq!(payload.team_id(), Some("T111"));
    let InteractionPayload::ViewSubmission(submission) = payload else {
        panic!()
    };
    assert_eq!(submission.team, None);
    assert!(submission.is_enterprise_install);
    assert_eq!(submission.enterprise.as_ref().unwrap().id, "E111");
    assert_eq!(submission.view.callback_id, "test-view");
    assert_eq!(
        submission
            .view
            .state
            .values
            .get("time-block", "time-action"),
        Some(&StateValue::Timepicker {
            time: Some("03:00".into()),
            timezone: Some("America/Los_Angeles".into())
        })
    );
}

#[test]
fn submission_with_private_metadata() {
    let InteractionPayload::ViewSubmission(payload) =
        interaction_json("view_submission.plain_text.bolt.json")
    else {
        panic!()
    };
    assert_eq!(payload.view.private_metadata, "This is for you!");
    assert_eq!(payload.view.callback_id, "view-id");
    assert_eq!(
        payload.team.as_ref().unwrap().enterprise_id.as_deref(),
        Some("E111")
    );
    assert_eq!(
        payload
            .view
            .state
            .values
            .get("hspI", "maBWU")
            .unwrap()
            .as_text(),
        Some("test")
    );
}

#[test]
fn recorded_submission_with_radio_and_selects() {
    let InteractionPayload::ViewSubmission(payload) =
        interaction_form("view_submission.radio_static_text.recorded.txt")
    else {
        panic!()
    };
    let values = &payload.view.state.values;
    assert_eq!(values.len(), 4);
    assert_eq!(
        values
            .get("add_event_title_input_block-1", "add_event_title")
            .unwrap()
            .as_text(),
        Some("retrob")
    );
    assert_eq!(
        values
            .get("add_event_day_input_block-1", "add_event_day")
            .unwrap()
            .as_text(),
        Some("tomorrow")
    );
    assert_eq!(
        values
            .get("add_event_hours_input_block-1", "add_event_hour")
            .unwrap()
            .as_text(),
        Some("hour-4")
    );
    assert_eq!(
        values
            .get("add_event_mins_input_block-1", "add_event_mins")
            .unwrap()
            .as_text(),
        Some("min-45")
    );
}

#[test]
fn recorded_submission_with_response_urls() {
    let InteractionPayload::ViewSubmission(payload) =
        interaction_form("view_submission.response_urls.recorded.txt")
    else {
        panic!()
    };
    assert_eq!(payload.response_urls.len(), 1);
    let url = &payload.response_urls[0];
    assert_eq!(url.channel_id, "C0133NX0GQN");
    assert_eq!(url.action_id, "conversation_select_action_id");
    assert_eq!(
        url.response_url,
        "https://hooks.slack.com/app/T7NS02BFB/1308748543923/IQu4PNxJQeofD8m8RucVb5d3"
    );
    assert_eq!(
        payload
            .view
            .state
            .values
            .get("convo_input_id", "conversation_select_action_id"),
        Some(&StateValue::ConversationsSelect(Some("C0133NX0GQN".into())))
    );
}

#[test]
fn view_closed_cleared() {
    let InteractionPayload::ViewClosed(payload) = interaction_json("view_closed.json") else {
        panic!()
    };
    assert!(payload.is_cleared);
    assert_eq!(payload.view.id, "V075UPJMERW");
    assert!(payload.view.notify_on_close);
    assert_eq!(payload.view.state.values.len(), 2);
}

#[test]
fn recorded_view_closed() {
    let InteractionPayload::ViewClosed(payload) = interaction_form("view_closed.recorded.txt")
    else {
        panic!()
    };
    assert!(!payload.is_cleared);
    assert_eq!(payload.view.id, "V0198LMG1JQ");
    assert_eq!(
        payload.view.previous_view_id.as_deref(),
        Some("V0192F54PSN")
    );
    assert_eq!(payload.user.id, "U7QNBA36K");
}

// ---------------------------------------------------------------------------------------------
// Shortcuts
// ---------------------------------------------------------------------------------------------

#[test]
fn recorded_global_shortcut() {
    let InteractionPayload::Shortcut(payload) = interaction_json("shortcut.global.recorded.json")
    else {
        panic!()
    };
    assert_eq!(payload.callback_id, "open_incident_jira");
    assert_eq!(
        payload.trigger_id,
        "4405240214052.4338317455651.e7a76f0d016a023ee90d3541156ad223"
    );
    assert_eq!(payload.team.as_ref().unwrap().id, "T049Y9BDDK5");
    assert!(!payload.is_enterprise_install);
}

#[test]
fn global_shortcut_with_enterprise_inside_team() {
    let InteractionPayload::Shortcut(payload) = interaction_json("shortcut.global.bolt.json")
    else {
        panic!()
    };
    assert_eq!(payload.callback_id, "test-shortcut");
    assert_eq!(
        payload.team.as_ref().unwrap().enterprise_name.as_deref(),
        Some("Org Name")
    );
}

#[test]
fn org_level_global_shortcut() {
    let payload = interaction_json("shortcut.global.org_install.json");
    assert_eq!(payload.team_id(), Some("T111"));
    let InteractionPayload::Shortcut(shortcut) = payload else {
        panic!()
    };
    assert_eq!(shortcut.team, None);
    assert_eq!(
        shortcut.enterprise.as_ref().unwrap().name.as_deref(),
        Some("TestOrg")
    );
    assert_eq!(shortcut.callback_id, "org-level-shortcut");
}

#[test]
fn message_shortcuts() {
    let InteractionPayload::MessageAction(bolt) = interaction_json("message_action.bolt.json")
    else {
        panic!()
    };
    assert_eq!(bolt.callback_id, "test-shortcut");
    assert_eq!(bolt.channel.as_ref().unwrap().id, "C111");
    assert_eq!(bolt.message_ts.as_deref(), Some("1583636382.000300"));
    assert_eq!(
        bolt.message.as_ref().unwrap().text.as_deref(),
        Some("<@W222> test")
    );
    assert_eq!(
        bolt.response_url.as_deref(),
        Some("https://hooks.slack.com/app/T111/111/xxx")
    );

    let InteractionPayload::MessageAction(docs) =
        interaction_json("message_action.docs_example.json")
    else {
        panic!()
    };
    assert_eq!(docs.callback_id, "chirp_message");
    assert_eq!(docs.user.id, "U0D15K92L");
    assert!(docs
        .message
        .as_ref()
        .unwrap()
        .text
        .as_deref()
        .unwrap()
        .starts_with("World's smallest big cat!"));
}

// ---------------------------------------------------------------------------------------------
// Events API
// ---------------------------------------------------------------------------------------------

#[test]
fn url_verification_echoes_the_challenge() {
    let request = EventsApiRequest::from_json(&fixture("events.url_verification.json")).unwrap();
    let challenge = "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P";
    assert_eq!(
        request,
        EventsApiRequest::UrlVerification {
            challenge: challenge.to_owned()
        }
    );
    assert_eq!(
        request.challenge_response(),
        Some(serde_json::json!({ "challenge": challenge }))
    );
}

#[test]
fn app_mention_event_callback() {
    let request =
        EventsApiRequest::from_json(&fixture("events.event_callback.app_mention.json")).unwrap();
    let EventsApiRequest::EventCallback(callback) = request else {
        panic!()
    };
    assert_eq!(callback.team_id, "T111");
    assert_eq!(callback.enterprise_id.as_deref(), Some("E111"));
    assert_eq!(callback.event_id, "Ev111");
    assert_eq!(callback.event_time, Some(1595926230));
    assert_eq!(callback.authed_users, ["W111"]);
    assert_eq!(callback.event.kind, "app_mention");
    assert_eq!(callback.event.user.as_deref(), Some("W222"));
    assert_eq!(callback.event.channel.as_deref(), Some("C111"));
    assert_eq!(callback.event.text.as_deref(), Some("<@W111> Hi there!"));
    assert_eq!(
        callback.event.other["client_msg_id"],
        "9cbd4c5b-7ddf-4ede-b479-ad21fca66d63"
    );
}

#[test]
fn unknown_envelope_types_are_kept_not_refused() {
    let request = EventsApiRequest::from_json(
        br#"{"type":"app_rate_limited","team_id":"T1","minute_rate_limited":1518467820}"#,
    )
    .unwrap();
    let EventsApiRequest::Other { kind, raw } = request else {
        panic!()
    };
    assert_eq!(kind, "app_rate_limited");
    assert_eq!(raw["team_id"], "T1");
}

// ---------------------------------------------------------------------------------------------
// state.values of every element type
// ---------------------------------------------------------------------------------------------

#[test]
fn state_of_every_select_type() {
    let state: ViewState =
        serde_json::from_slice(&fixture("view_state.all_select_types.json")).unwrap();
    let v = &state.values;
    assert_eq!(
        v.get("b1", "a1"),
        Some(&StateValue::Datepicker(Some("1990-04-12".into())))
    );
    assert_eq!(
        v.get("b3", "a3").unwrap().as_text(),
        Some("Something wrong\nPlease help me!")
    );
    assert_eq!(
        v.get("b4", "a4"),
        Some(&StateValue::UsersSelect(Some("U123".into())))
    );
    assert_eq!(
        v.get("b4-2", "a4-2"),
        Some(&StateValue::MultiUsersSelect(vec![
            "U123".into(),
            "U234".into()
        ]))
    );
    assert_eq!(
        v.get("b5", "a5"),
        Some(&StateValue::ConversationsSelect(Some("C123".into())))
    );
    assert_eq!(
        v.get("b5-2", "a5-2").unwrap().selected_values(),
        ["C123", "C234"]
    );
    assert_eq!(
        v.get("b6", "a6"),
        Some(&StateValue::ChannelsSelect(Some("C123".into())))
    );
    assert_eq!(
        v.get("b6-2", "a6-2").unwrap().selected_values(),
        ["C123", "C234"]
    );
    assert_eq!(
        v.get("b7", "a7").unwrap().selected_values(),
        ["value-0", "value-1"]
    );
    assert_eq!(v.get("b8", "a8").unwrap().kind(), "checkboxes");
    assert_eq!(
        v.get("b8", "a8").unwrap().selected_values(),
        ["value-0", "value-1"]
    );
    let StateValue::RadioButtons(Some(option)) = v.get("b9", "a9").unwrap() else {
        panic!()
    };
    assert_eq!(option.value, "option 1");
    assert_eq!(
        option.description.as_ref().unwrap().text,
        "Description for option 1"
    );
    assert_eq!(
        state_types(v),
        [
            "datepicker",
            "plain_text_input",
            "plain_text_input",
            "users_select",
            "multi_users_select",
            "conversations_select",
            "multi_conversations_select",
            "channels_select",
            "multi_channels_select",
            "multi_static_select",
            "checkboxes",
            "radio_buttons",
        ]
    );
}

#[test]
fn state_of_text_number_date_and_time_inputs() {
    let state: ViewState =
        serde_json::from_slice(&fixture("view_state.text_number_date_time_inputs.json")).unwrap();
    let v = &state.values;
    assert_eq!(
        v.get("number-block", "number-action"),
        Some(&StateValue::NumberInput(Some("12345".into())))
    );
    assert_eq!(
        v.get("number-block", "number-action").unwrap().as_f64(),
        Some(12345.0)
    );
    assert_eq!(
        v.get("email-block", "email-action").unwrap().as_text(),
        Some("foo@example.com")
    );
    assert_eq!(
        v.get("url-block", "url-action").unwrap().as_text(),
        Some("https://www.example.com/")
    );
    assert_eq!(
        v.get("date-time-block", "date-time-action"),
        Some(&StateValue::Datetimepicker(Some(1666869900)))
    );
    assert_eq!(
        v.get("time-block", "time-action"),
        Some(&StateValue::Timepicker {
            time: Some("01:00".into()),
            timezone: Some("America/Los_Angeles".into())
        })
    );
}

#[test]
fn external_select_and_unknown_element_types() {
    let state: ViewState = serde_json::from_value(serde_json::json!({ "values": {
        "flow": { "pick": { "type": "external_select", "selected_option": { "text": { "type": "plain_text", "text": "prod" }, "value": "prod-1" } } },
        "many": { "pick": { "type": "multi_external_select", "selected_options": [ { "value": "a" }, { "value": "b" } ] } },
        "new": { "thing": { "type": "holographic_input", "value": 3 } },
        "num": { "n": { "type": "number_input", "value": 4.5 } }
    }}))
    .unwrap();
    let v = &state.values;
    assert_eq!(v.get("flow", "pick").unwrap().as_text(), Some("prod-1"));
    assert_eq!(v.get("many", "pick").unwrap().selected_values(), ["a", "b"]);
    let StateValue::Other { kind, raw } = v.get("new", "thing").unwrap() else {
        panic!()
    };
    assert_eq!(
        (kind.as_str(), &raw["value"]),
        ("holographic_input", &serde_json::json!(3))
    );
    assert_eq!(v.get("num", "n").unwrap().as_f64(), Some(4.5));
}

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

#[test]
fn bodies_that_are_not_interactivity_are_refused_clearly() {
    assert!(matches!(
        InteractionPayload::from_form(b"token=x&team_id=T1"),
        Err(InboundError::MissingPayloadField)
    ));
    assert!(matches!(
        InteractionPayload::from_form(b"payload=%7Bnot+json"),
        Err(InboundError::Json { .. })
    ));
    assert!(matches!(
        InteractionPayload::from_json(r#"{"user":{"id":"U1"}}"#),
        Err(InboundError::MissingType)
    ));
    let err =
        InteractionPayload::from_json(r#"{"type":"view_submission","view":{"id":5}}"#).unwrap_err();
    assert!(err.to_string().contains("view_submission"), "{err}");
}

#[test]
fn unknown_interaction_types_are_kept_with_routing_fields() {
    let payload = InteractionPayload::from_json(
        r#"{"type":"interactive_message","team":{"id":"T9"},"user":{"id":"U9"},"callback_id":"x"}"#,
    )
    .unwrap();
    assert_eq!(payload.kind(), "interactive_message");
    assert_eq!(payload.team_id(), Some("T9"));
    assert_eq!(payload.user_id(), Some("U9"));
}
