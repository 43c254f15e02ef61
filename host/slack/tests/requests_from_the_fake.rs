//! The fake's request builders (used by end-to-end tests and the load generator) produce what
//! this crate accepts: their signatures verify and their bodies parse into the values put in.
//! Signing is implemented separately in each crate, so this also cross-checks the two.

use serde_json::json;
use symflow_slack::inbound::{EventsApiRequest, InteractionPayload, SlashCommand, StateValue};
use symflow_slack::verify::{sign, SignatureVerifier, VerifyError};
use symflow_slack_fake::requests::{self, inputs, ButtonClick, SlackRequest, ViewSubmission};

const SECRET: &str = "e2e-signing-secret";
const NOW: i64 = 1_700_000_000;

fn verify(request: &SlackRequest) -> Result<(), VerifyError> {
    let headers = request.signature_headers(SECRET, NOW);
    SignatureVerifier::new(SECRET)
        .with_fixed_time(NOW + 5)
        .verify_header_pairs(headers.iter().map(|(k, v)| (*k, v.as_str())), &request.body)
}

#[test]
fn both_signers_agree_on_slacks_documented_example() {
    let body = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/requests/slash_command.signing_example.txt"
    ))
    .unwrap();
    let expected = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";
    assert_eq!(
        requests::sign("8f742231b10e8888abcd99yyyzzz85a5", 1531420618, &body),
        expected
    );
    assert_eq!(
        sign("8f742231b10e8888abcd99yyyzzz85a5", 1531420618, &body),
        expected
    );
}

#[test]
fn a_built_slash_command_verifies_and_parses() {
    let request = requests::SlashCommand::new("T1", "U0ALICE", "/sym", "req aws-access & prod")
        .channel("C0REQ", "access-requests")
        .response_url("http://127.0.0.1:9/response-url/x")
        .request();
    assert_eq!(verify(&request), Ok(()));
    let command = SlashCommand::from_form(&request.body).unwrap();
    assert_eq!(command.command, "/sym");
    assert_eq!(command.text, "req aws-access & prod");
    assert_eq!(
        (command.team_id.as_str(), command.user_id.as_str()),
        ("T1", "U0ALICE")
    );
    assert_eq!(command.channel_id, "C0REQ");
    assert_eq!(
        command.response_url.as_deref(),
        Some("http://127.0.0.1:9/response-url/x")
    );
    assert!(!command.trigger_id.is_empty());
}

#[test]
fn a_signature_for_another_secret_is_refused() {
    let request = requests::SlashCommand::new("T1", "U1", "/sym", "").request();
    let headers = request.signature_headers("some-other-secret", NOW);
    let result = SignatureVerifier::new(SECRET)
        .with_fixed_time(NOW)
        .verify_header_pairs(headers.iter().map(|(k, v)| (*k, v.as_str())), &request.body);
    assert_eq!(result, Err(VerifyError::SignatureMismatch));
}

#[test]
fn a_built_button_click_verifies_and_parses() {
    let request = ButtonClick::on_message("T1", "U0BOB", "C0REQ", "1700000000.000100", "approve")
        .block_id("decision")
        .value("run-42")
        .input(
            "decision_message",
            "value",
            inputs::plain_text("looks good"),
        )
        .request();
    assert_eq!(verify(&request), Ok(()));
    let InteractionPayload::BlockActions(click) =
        InteractionPayload::from_form(&request.body).unwrap()
    else {
        panic!("not block_actions")
    };
    let action = click.action().unwrap();
    assert_eq!(
        (action.action_id.as_str(), action.block_id.as_str()),
        ("approve", "decision")
    );
    assert_eq!(action.value.as_deref(), Some("run-42"));
    assert_eq!(click.user.id, "U0BOB");
    assert_eq!(
        click.message_location(),
        Some(("C0REQ", "1700000000.000100"))
    );
    assert_eq!(
        click
            .state_values()
            .unwrap()
            .get("decision_message", "value")
            .unwrap()
            .as_text(),
        Some("looks good")
    );
}

#[test]
fn a_built_view_submission_carries_every_input_type() {
    let request = ViewSubmission::new("T1", "U0ALICE", "V0FAKE00001", "sym_request")
        .private_metadata(r#"{"flow":"aws-access"}"#)
        .input("reason", "value", inputs::plain_text("hotfix"))
        .input("duration", "value", inputs::static_select("1h"))
        .input(
            "targets",
            "value",
            inputs::multi_static_select(&["prod", "staging"]),
        )
        .input("buddy", "value", inputs::users_select("U0BOB"))
        .input(
            "reviewers",
            "value",
            inputs::multi_users_select(&["U0BOB", "U0CAROL"]),
        )
        .input("count", "value", inputs::number("3"))
        .input("when", "value", inputs::datepicker("2026-12-01"))
        .input("at", "value", inputs::timepicker("09:30"))
        .input("tier", "value", inputs::radio_buttons("gold"))
        .input("flags", "value", inputs::checkboxes(&["a"]))
        .input("search", "value", inputs::external_select("repo-1"))
        .input("mail", "value", inputs::email("a@example.com"))
        .input("link", "value", inputs::url("https://example.com"))
        .input("room", "value", inputs::conversations_select("C0ROOM"))
        .input("chan", "value", inputs::channels_select("C0CHAN"))
        .input("notes", "value", inputs::empty_text())
        .request();
    assert_eq!(verify(&request), Ok(()));
    let InteractionPayload::ViewSubmission(submit) =
        InteractionPayload::from_form(&request.body).unwrap()
    else {
        panic!("not view_submission")
    };
    assert_eq!(submit.view.id, "V0FAKE00001");
    assert_eq!(submit.view.callback_id, "sym_request");
    assert_eq!(submit.view.private_metadata, r#"{"flow":"aws-access"}"#);
    let v = &submit.view.state.values;
    assert_eq!(v.len(), 16);
    let text = |block: &str| v.get(block, "value").unwrap().as_text().map(str::to_owned);
    assert_eq!(text("reason").as_deref(), Some("hotfix"));
    assert_eq!(text("duration").as_deref(), Some("1h"));
    assert_eq!(
        v.get("targets", "value").unwrap().selected_values(),
        ["prod", "staging"]
    );
    assert_eq!(
        v.get("buddy", "value"),
        Some(&StateValue::UsersSelect(Some("U0BOB".into())))
    );
    assert_eq!(
        v.get("reviewers", "value").unwrap().selected_values(),
        ["U0BOB", "U0CAROL"]
    );
    assert_eq!(v.get("count", "value").unwrap().as_f64(), Some(3.0));
    assert_eq!(text("when").as_deref(), Some("2026-12-01"));
    assert_eq!(text("at").as_deref(), Some("09:30"));
    assert_eq!(text("tier").as_deref(), Some("gold"));
    assert_eq!(v.get("flags", "value").unwrap().selected_values(), ["a"]);
    assert_eq!(text("search").as_deref(), Some("repo-1"));
    assert_eq!(text("mail").as_deref(), Some("a@example.com"));
    assert_eq!(text("link").as_deref(), Some("https://example.com"));
    assert_eq!(text("room").as_deref(), Some("C0ROOM"));
    assert_eq!(text("chan").as_deref(), Some("C0CHAN"));
    assert!(v.get("notes", "value").unwrap().is_blank());
    for (block, action, value) in v.iter() {
        assert!(
            !matches!(value, StateValue::Other { .. }),
            "{block}/{action}"
        );
    }
}

#[test]
fn built_view_closed_shortcut_and_events_parse() {
    let closed = requests::view_closed("T1", "U1", "V1", "sym_request", "meta");
    assert_eq!(verify(&closed), Ok(()));
    let InteractionPayload::ViewClosed(closed) =
        InteractionPayload::from_form(&closed.body).unwrap()
    else {
        panic!()
    };
    assert_eq!(
        (
            closed.view.id.as_str(),
            closed.view.private_metadata.as_str()
        ),
        ("V1", "meta")
    );

    let shortcut = requests::global_shortcut("T1", "U1", "sym_request");
    let InteractionPayload::Shortcut(shortcut) =
        InteractionPayload::from_form(&shortcut.body).unwrap()
    else {
        panic!()
    };
    assert_eq!(shortcut.callback_id, "sym_request");

    let check = requests::url_verification("abc123");
    assert_eq!(verify(&check), Ok(()));
    assert_eq!(
        EventsApiRequest::from_json(&check.body)
            .unwrap()
            .challenge_response(),
        Some(json!({ "challenge": "abc123" }))
    );

    let event = requests::event_callback(
        "T1",
        "Ev1",
        json!({ "type": "app_home_opened", "user": "U1" }),
    );
    let EventsApiRequest::EventCallback(event) = EventsApiRequest::from_json(&event.body).unwrap()
    else {
        panic!()
    };
    assert_eq!(
        (event.event_id.as_str(), event.event.kind.as_str()),
        ("Ev1", "app_home_opened")
    );
}

#[test]
fn trigger_ids_are_unique() {
    let a = requests::SlashCommand::new("T1", "U1", "/sym", "").trigger_id;
    let b = requests::SlashCommand::new("T1", "U1", "/sym", "").trigger_id;
    assert_ne!(a, b);
}
