//! The fake Slack's own conveniences, as the end-to-end tests will use them: waiting for a call,
//! the summary shown when a wait fails, `response_url` posts, and calls made without this
//! crate's client (form bodies, query strings).

use std::time::Duration;

use serde_json::json;
use symflow_slack::web_api::{PostMessage, SlackClient, SlackClientConfig};
use symflow_slack_fake::FakeSlack;

fn client_for(slack: &FakeSlack) -> SlackClient {
    SlackClient::new(SlackClientConfig::new("xoxb-1").with_api_base_url(slack.base_url())).unwrap()
}

#[tokio::test]
async fn wait_for_returns_a_call_that_arrives_later() {
    let slack = FakeSlack::start().await;
    let client = client_for(&slack);
    let poster = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(100)).await;
        client
            .chat_post_message(&PostMessage::new("C1", "first"))
            .await
            .unwrap();
        client
            .chat_post_message(&PostMessage::new("C2", "the card"))
            .await
            .unwrap();
    });

    let call = slack
        .wait_for(
            "chat.postMessage",
            |c| c.str_arg("channel") == Some("C2"),
            Duration::from_secs(10),
        )
        .await
        .unwrap();
    assert_eq!(call.str_arg("text"), Some("the card"));
    poster.await.unwrap();
}

#[tokio::test]
async fn wait_for_finds_calls_already_received() {
    let slack = FakeSlack::start().await;
    client_for(&slack)
        .chat_post_message(&PostMessage::new("C1", "hello"))
        .await
        .unwrap();
    let call = slack
        .wait_for("chat.postMessage", |_| true, Duration::ZERO)
        .await
        .unwrap();
    assert!(call.succeeded());
    let calls = slack
        .wait_for_count("chat.postMessage", 1, Duration::ZERO)
        .await
        .unwrap();
    assert_eq!(calls.len(), 1);
}

#[tokio::test]
async fn a_failed_wait_lists_what_slack_did_receive() {
    let slack = FakeSlack::start().await;
    slack.fail_next("chat.postMessage", "channel_not_found");
    let _ = client_for(&slack)
        .chat_post_message(&PostMessage::new("C0GONE", "hello"))
        .await;

    let error = slack
        .wait_for("chat.update", |_| true, Duration::from_millis(50))
        .await
        .unwrap_err();
    let text = error.to_string();
    assert!(text.contains("chat.update"), "{text}");
    assert!(
        text.contains("chat.postMessage(C0GONE) -> 200 channel_not_found"),
        "{text}"
    );
}

#[tokio::test]
async fn form_bodies_query_strings_and_response_urls_are_recorded() {
    let slack = FakeSlack::start().await;
    let http = reqwest::Client::new();

    http.post(format!(
        "{}users.info?include_locale=true",
        slack.base_url()
    ))
    .header("content-type", "application/x-www-form-urlencoded")
    .body("user=U1&token=xoxb-in-body")
    .send()
    .await
    .unwrap();
    let call = &slack.calls_to("users.info")[0];
    assert_eq!(call.str_arg("user"), Some("U1"));
    assert_eq!(call.str_arg("include_locale"), Some("true"));
    assert_eq!(call.response["error"], "user_not_found");

    let url = slack.response_url("cmd-1");
    http.post(&url)
        .header("content-type", "application/json")
        .body(json!({ "text": "Working on it", "response_type": "ephemeral" }).to_string())
        .send()
        .await
        .unwrap();
    let call = slack
        .wait_for("response_url", |_| true, Duration::from_secs(5))
        .await
        .unwrap();
    assert_eq!(call.path, "/response-url/cmd-1");
    assert_eq!(call.str_arg("text"), Some("Working on it"));
}

#[tokio::test]
async fn blocks_sent_as_a_json_string_are_understood() {
    let slack = FakeSlack::start().await;
    let blocks = json!([{ "type": "section", "text": { "type": "mrkdwn", "text": "Approved" } }]);
    reqwest::Client::new()
        .post(format!("{}chat.postMessage", slack.base_url()))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(
            serde_urlencoded::to_string([("channel", "C1"), ("blocks", &blocks.to_string())])
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let message = &slack.messages()[0];
    assert_eq!(message.blocks.as_ref(), Some(&blocks));
    assert!(message.visible_text().contains("Approved"));
}

#[tokio::test]
async fn unknown_methods_answer_like_slack() {
    let slack = FakeSlack::start().await;
    let body = reqwest::Client::new()
        .post(format!("{}chat.scheduleMessage", slack.base_url()))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let answer: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(answer, json!({ "ok": false, "error": "unknown_method" }));
    assert_eq!(slack.calls_to("chat.scheduleMessage").len(), 1);
}
