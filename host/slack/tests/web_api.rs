//! The Web API client against the fake Slack: what it sends (method, JSON or form body, bearer
//! token), how it reads answers (every web-api fixture, served byte for byte), `ok: false`
//! mapping, HTTP 429 with `Retry-After`, timeouts and transport failures.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use symflow_slack::web_api::{
    PostEphemeral, PostMessage, SlackApiError, SlackClient, SlackClientConfig, UpdateMessage,
    ViewTarget,
};
use symflow_slack_fake::{CannedResponse, FakeSlack, FakeUser};

const TOKEN: &str = "xoxb-test-token";

fn config_for(slack: &FakeSlack) -> SlackClientConfig {
    SlackClientConfig::new(TOKEN).with_api_base_url(slack.base_url())
}

fn client_for(slack: &FakeSlack) -> SlackClient {
    SlackClient::new(config_for(slack)).unwrap()
}

fn fixture(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/web-api")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn modal() -> Value {
    json!({
        "type": "modal",
        "callback_id": "sym_request",
        "private_metadata": "{\"flow\":\"aws-access\"}",
        "title": { "type": "plain_text", "text": "Request access" },
        "blocks": [ { "type": "section", "text": { "type": "mrkdwn", "text": "Loading..." } } ]
    })
}

// ---------------------------------------------------------------------------------------------
// Messages
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn post_message_sends_json_with_the_bearer_token_and_returns_channel_and_ts() {
    let slack = FakeSlack::start().await;
    slack.require_token(TOKEN);
    let client = client_for(&slack);
    let blocks = json!([{ "type": "section", "text": { "type": "mrkdwn", "text": "*alice* requests prod" } }]);

    let posted = client
        .chat_post_message(
            &PostMessage::new("C0APPROVALS", "alice requests prod").blocks(blocks.clone()),
        )
        .await
        .unwrap();

    assert_eq!(posted.channel, "C0APPROVALS");
    assert!(!posted.ts.is_empty());
    let calls = slack.calls_to("chat.postMessage");
    assert_eq!(calls.len(), 1);
    let call = &calls[0];
    assert_eq!(
        call.authorization.as_deref(),
        Some("Bearer xoxb-test-token")
    );
    assert_eq!(
        call.content_type.as_deref(),
        Some("application/json; charset=utf-8")
    );
    assert_eq!(call.str_arg("channel"), Some("C0APPROVALS"));
    assert_eq!(call.str_arg("text"), Some("alice requests prod"));
    assert_eq!(call.blocks(), Some(blocks));
    assert_eq!(call.arg("thread_ts"), None, "unset options are left out");
    assert!(call.visible_text().contains("*alice* requests prod"));
    let stored = slack.message("C0APPROVALS", &posted.ts).unwrap();
    assert_eq!(stored.text, "alice requests prod");
}

#[tokio::test]
async fn update_replaces_the_text_and_blocks_of_the_posted_card() {
    let slack = FakeSlack::start().await;
    let client = client_for(&slack);
    let posted = client
        .chat_post_message(&PostMessage::new("C1", "pending"))
        .await
        .unwrap();

    let updated = client
        .chat_update(
            &UpdateMessage::new(&posted.channel, &posted.ts, "approved by bob")
                .blocks(json!([{ "type": "section", "text": { "type": "mrkdwn", "text": "Approved by <@U2>" } }])),
        )
        .await
        .unwrap();

    assert_eq!(
        (updated.channel.as_str(), updated.ts.as_str()),
        ("C1", posted.ts.as_str())
    );
    let card = slack.message("C1", &posted.ts).unwrap();
    assert_eq!(card.updates, 1);
    assert!(
        card.visible_text().contains("Approved by <@U2>"),
        "{}",
        card.visible_text()
    );

    let missing = client
        .chat_update(&UpdateMessage::new("C1", "1.000", "x"))
        .await
        .unwrap_err();
    assert_eq!(missing.slack_code(), Some("message_not_found"));
}

#[tokio::test]
async fn a_post_to_a_user_id_lands_in_their_dm_and_several_users_get_a_group_dm() {
    let slack = FakeSlack::start().await;
    let client = client_for(&slack);

    let posted = client
        .chat_post_message(&PostMessage::new("U0ALICE", "approved"))
        .await
        .unwrap();
    assert_eq!(posted.channel, FakeSlack::dm_channel_id("U0ALICE"));
    assert_eq!(slack.messages_in(&posted.channel).len(), 1);

    let dm = client.conversations_open(&["U0ALICE"]).await.unwrap();
    assert_eq!(dm, posted.channel);
    let group = client
        .conversations_open(&["U0BOB", "U0ALICE", "U0CAROL"])
        .await
        .unwrap();
    assert!(group.starts_with('G'), "{group}");
    assert_eq!(
        slack.calls_to("conversations.open")[1].str_arg("users"),
        Some("U0BOB,U0ALICE,U0CAROL")
    );
}

#[tokio::test]
async fn ephemeral_messages_return_their_ts() {
    let slack = FakeSlack::start().await;
    let client = client_for(&slack);
    let ts = client
        .chat_post_ephemeral(&PostEphemeral::new(
            "C1",
            "U1",
            "You cannot approve your own request",
        ))
        .await
        .unwrap();
    assert!(!ts.is_empty());
    let call = &slack.calls_to("chat.postEphemeral")[0];
    assert_eq!(
        (call.str_arg("channel"), call.str_arg("user")),
        (Some("C1"), Some("U1"))
    );
    assert_eq!(
        slack.ephemeral_messages()[0].text,
        "You cannot approve your own request"
    );
}

// ---------------------------------------------------------------------------------------------
// Views
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn views_open_then_update_by_id_by_external_id_and_with_a_hash() {
    let slack = FakeSlack::start().await;
    let client = client_for(&slack);
    let mut view = modal();
    view["external_id"] = json!("run-42");

    let opened = client.views_open("12345.98765.abcd", &view).await.unwrap();
    assert!(opened.id.starts_with('V'));
    assert_eq!(
        opened.private_metadata.as_deref(),
        Some("{\"flow\":\"aws-access\"}")
    );
    let call = &slack.calls_to("views.open")[0];
    assert_eq!(call.str_arg("trigger_id"), Some("12345.98765.abcd"));
    assert_eq!(call.view().unwrap()["callback_id"], "sym_request");

    let mut ready = modal();
    ready["blocks"] = json!([{ "type": "input", "block_id": "reason", "label": { "type": "plain_text", "text": "Reason" },
                               "element": { "type": "plain_text_input", "action_id": "value" } }]);
    let by_id = client
        .views_update(
            &ViewTarget::Id(opened.id.clone()),
            &ready,
            opened.hash.as_deref(),
        )
        .await
        .unwrap();
    assert_eq!(by_id.id, opened.id);
    assert_ne!(by_id.hash, opened.hash);

    let stale_hash = client
        .views_update(
            &ViewTarget::Id(opened.id.clone()),
            &ready,
            opened.hash.as_deref(),
        )
        .await
        .unwrap_err();
    assert_eq!(stale_hash.slack_code(), Some("hash_conflict"));

    let by_external = client
        .views_update(&ViewTarget::ExternalId("run-42".into()), &ready, None)
        .await
        .unwrap();
    assert_eq!(by_external.id, opened.id);
    assert_eq!(slack.views()[0].updates, 2);

    let unknown = client
        .views_update(&ViewTarget::Id("V404".into()), &ready, None)
        .await
        .unwrap_err();
    assert_eq!(unknown.slack_code(), Some("not_found"));
}

#[tokio::test]
async fn views_open_reports_slacks_validation_messages() {
    let slack = FakeSlack::start().await;
    let client = client_for(&slack);
    let error = client
        .views_open("1.2.3", &json!({ "blocks": [] }))
        .await
        .unwrap_err();
    let SlackApiError::Slack {
        code,
        messages,
        method,
        ..
    } = &error
    else {
        panic!("{error:?}")
    };
    assert_eq!(
        (method.as_str(), code.as_str()),
        ("views.open", "invalid_arguments")
    );
    assert_eq!(
        messages,
        &["[ERROR] missing required field: type [json-pointer:/view]"]
    );
    assert!(error.to_string().contains("json-pointer:/view"), "{error}");
}

#[tokio::test]
async fn views_publish_sets_the_home_tab_once_per_user() {
    let slack = FakeSlack::start().await;
    let client = client_for(&slack);
    let home = json!({ "type": "home", "blocks": [] });
    let first = client.views_publish("U1", &home).await.unwrap();
    let second = client.views_publish("U1", &home).await.unwrap();
    assert_eq!(first.id, second.id);
    assert_eq!(first.kind.as_deref(), Some("home"));
    assert_eq!(slack.views().len(), 1);
}

// ---------------------------------------------------------------------------------------------
// Users and channels
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn users_info_reads_members_admins_guests_and_bots() {
    let slack = FakeSlack::start().await;
    slack.add_user(
        FakeUser::new("U0ALICE", "alice")
            .email("alice@example.com")
            .real_name("Alice Liddell"),
    );
    slack.add_user(
        FakeUser::new("U0ADMIN", "root")
            .email("root@example.com")
            .admin(),
    );
    slack.add_user(
        FakeUser::new("U0GUEST", "gus")
            .email("gus@partner.example")
            .single_channel_guest(),
    );
    slack.add_user(FakeUser::new("U0MULTI", "mel").guest());
    slack.add_user(FakeUser::new("U0BOT", "deploybot").bot());
    let client = client_for(&slack);

    let alice = client.users_info("U0ALICE").await.unwrap();
    assert_eq!(alice.id, "U0ALICE");
    assert_eq!(alice.team_id.as_deref(), Some(slack.team_id().as_str()));
    assert_eq!(alice.email(), Some("alice@example.com"));
    assert_eq!(alice.real_name.as_deref(), Some("Alice Liddell"));
    assert_eq!(alice.tz.as_deref(), Some("America/Los_Angeles"));
    assert!(!alice.is_admin && !alice.is_guest() && !alice.is_bot && !alice.deleted);

    assert!(client.users_info("U0ADMIN").await.unwrap().is_admin);
    let guest = client.users_info("U0GUEST").await.unwrap();
    assert!(guest.is_guest() && guest.is_ultra_restricted && guest.is_restricted);
    let multi = client.users_info("U0MULTI").await.unwrap();
    assert!(multi.is_guest() && !multi.is_ultra_restricted);
    let bot = client.users_info("U0BOT").await.unwrap();
    assert!(bot.is_bot);
    assert_eq!(bot.email(), None);

    let call = &slack.calls_to("users.info")[0];
    assert_eq!(
        call.content_type.as_deref(),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(call.str_arg("user"), Some("U0ALICE"));

    let missing = client.users_info("U0NOBODY").await.unwrap_err();
    assert_eq!(missing.slack_code(), Some("user_not_found"));
}

#[tokio::test]
async fn lookup_by_email_finds_the_user_or_none() {
    let slack = FakeSlack::start().await;
    slack.add_user(FakeUser::new("U0ALICE", "alice").email("alice@example.com"));
    let client = client_for(&slack);

    let found = client
        .users_lookup_by_email("Alice@Example.com")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.id, "U0ALICE");
    assert_eq!(
        slack.calls_to("users.lookupByEmail")[0].str_arg("email"),
        Some("Alice@Example.com")
    );
    assert_eq!(
        client
            .users_lookup_by_email("nobody@example.com")
            .await
            .unwrap(),
        None
    );

    slack.fail_next("users.lookupByEmail", "missing_scope");
    let error = client
        .users_lookup_by_email("alice@example.com")
        .await
        .unwrap_err();
    assert_eq!(error.slack_code(), Some("missing_scope"));
}

#[tokio::test]
async fn conversation_members_follow_every_page() {
    let slack = FakeSlack::start().await;
    let members: Vec<String> = (0..450).map(|i| format!("U{i:05}")).collect();
    slack.set_channel_members("C0BIG", members.clone());
    let client = client_for(&slack);

    let first = client
        .conversations_members("C0BIG", None, 100)
        .await
        .unwrap();
    assert_eq!(first.members, members[..100]);
    let cursor = first.next_cursor.expect("more pages");
    let second = client
        .conversations_members("C0BIG", Some(&cursor), 100)
        .await
        .unwrap();
    assert_eq!(second.members, members[100..200]);
    assert_eq!(
        slack.calls_to("conversations.members")[1].str_arg("cursor"),
        Some(cursor.as_str())
    );

    slack.clear_calls();
    let all = client.conversations_members_all("C0BIG").await.unwrap();
    assert_eq!(all, members);
    assert_eq!(
        slack.calls_to("conversations.members").len(),
        3,
        "200 + 200 + 50"
    );

    let missing = client
        .conversations_members_all("C0NONE")
        .await
        .unwrap_err();
    assert_eq!(missing.slack_code(), Some("channel_not_found"));
}

#[tokio::test]
async fn auth_test_and_token_checks() {
    let slack = FakeSlack::start().await;
    slack.require_token(TOKEN);
    let client = client_for(&slack);
    let identity = client.auth_test().await.unwrap();
    assert_eq!(identity.team_id.as_deref(), Some(slack.team_id().as_str()));
    assert!(identity.bot_id.is_some());

    let other = client.for_bot_token("xoxb-someone-else").unwrap();
    let error = other.auth_test().await.unwrap_err();
    assert_eq!(error.slack_code(), Some("invalid_auth"));
    assert_eq!(
        slack.calls().last().unwrap().bearer_token(),
        Some("xoxb-someone-else")
    );
}

// ---------------------------------------------------------------------------------------------
// Failures
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn ok_false_becomes_a_typed_error_with_the_code() {
    let slack = FakeSlack::start().await;
    let client = client_for(&slack);

    slack.fail_next("chat.postMessage", "channel_not_found");
    let error = client
        .chat_post_message(&PostMessage::new("C0GONE", "hi"))
        .await
        .unwrap_err();
    assert_eq!(error.slack_code(), Some("channel_not_found"));
    assert_eq!(error.method(), Some("chat.postMessage"));
    assert!(
        error.to_string().contains("chat.postMessage")
            && error.to_string().contains("channel_not_found")
    );
    // Only the next call failed.
    client
        .chat_post_message(&PostMessage::new("C0GONE", "hi"))
        .await
        .unwrap();

    slack.fail_channel("C0PRIVATE", "not_in_channel");
    for _ in 0..2 {
        let error = client
            .chat_post_message(&PostMessage::new("C0PRIVATE", "hi"))
            .await
            .unwrap_err();
        assert_eq!(error.slack_code(), Some("not_in_channel"));
    }

    let hinted = client
        .chat_post_message(&PostMessage::new("C0PRIVATE", "hi"))
        .await
        .unwrap_err();
    assert!(hinted.to_string().contains("/invite"), "{hinted}");

    slack.respond_next(
        "users.info",
        CannedResponse::ok_body(
            r#"{"ok":false,"error":"missing_scope","needed":"users:read","provided":"chat:write"}"#,
        ),
    );
    let error = client.users_info("U1").await.unwrap_err();
    assert!(
        error.to_string().contains("needed scope: users:read"),
        "{error}"
    );

    slack.fail_always("chat.update", "cant_update_message");
    let error = client
        .chat_update(&UpdateMessage::new("C1", "1.1", "x"))
        .await
        .unwrap_err();
    assert_eq!(error.slack_code(), Some("cant_update_message"));
}

#[tokio::test]
async fn a_429_is_retried_after_the_retry_after_seconds() {
    let slack = FakeSlack::start().await;
    slack.rate_limit_next("chat.postMessage", 1, 1);
    let client = client_for(&slack);

    let started = Instant::now();
    let posted = client
        .chat_post_message(&PostMessage::new("C1", "hello"))
        .await
        .unwrap();
    let elapsed = started.elapsed();

    assert_eq!(posted.channel, "C1");
    let calls = slack.calls_to("chat.postMessage");
    assert_eq!(
        calls.iter().map(|c| c.status).collect::<Vec<_>>(),
        [429, 200]
    );
    let waited = calls[1].received_at - calls[0].received_at;
    assert!(
        waited >= Duration::from_secs(1),
        "retried after {waited:?}, Slack asked for 1 s"
    );
    assert!(elapsed >= Duration::from_secs(1));
    assert_eq!(slack.messages().len(), 1, "posted once");
}

#[tokio::test]
async fn persistent_429_gives_up_with_rate_limited_after_the_bounded_retries() {
    let slack = FakeSlack::start().await;
    slack.rate_limit_next("users.info", 5, 1);
    let mut config = config_for(&slack);
    config.max_rate_limit_retries = 1;
    let client = SlackClient::new(config).unwrap();

    let error = client.users_info("U1").await.unwrap_err();
    let SlackApiError::RateLimited {
        method,
        attempts,
        retry_after,
    } = &error
    else {
        panic!("{error:?}")
    };
    assert_eq!(
        (method.as_str(), *attempts, *retry_after),
        ("users.info", 2, Some(Duration::from_secs(1)))
    );
    assert!(error.is_rate_limited());
    assert_eq!(slack.calls_to("users.info").len(), 2);
}

#[tokio::test]
async fn a_retry_after_longer_than_the_limit_fails_at_once() {
    let slack = FakeSlack::start().await;
    slack.rate_limit_next("chat.postMessage", 1, 120);
    let client = client_for(&slack);
    let error = client
        .chat_post_message(&PostMessage::new("C1", "x"))
        .await
        .unwrap_err();
    assert!(
        matches!(error, SlackApiError::RateLimited { attempts: 1, retry_after: Some(d), .. } if d == Duration::from_secs(120))
    );
    assert_eq!(slack.calls_to("chat.postMessage").len(), 1);
    assert!(error.to_string().contains("120 s"), "{error}");
}

#[tokio::test]
async fn a_slow_slack_times_out() {
    let slack = FakeSlack::start().await;
    slack.respond_next(
        "auth.test",
        CannedResponse::ok_body(r#"{"ok":true,"user_id":"U1"}"#).delayed(Duration::from_secs(5)),
    );
    let mut config = config_for(&slack);
    config.request_timeout = Duration::from_millis(200);
    let client = SlackClient::new(config).unwrap();
    let error = client.auth_test().await.unwrap_err();
    assert!(matches!(error, SlackApiError::Timeout { .. }), "{error:?}");
    assert!(error.to_string().contains("auth.test"), "{error}");
}

#[tokio::test]
async fn unreachable_slack_is_a_transport_error_naming_the_url() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    }; // closed again: nothing listens there now
    let client = SlackClient::new(
        SlackClientConfig::new(TOKEN).with_api_base_url(format!("http://127.0.0.1:{port}/api")),
    )
    .unwrap();
    let error = client.auth_test().await.unwrap_err();
    assert!(
        matches!(error, SlackApiError::Transport { .. }),
        "{error:?}"
    );
    assert!(
        error
            .to_string()
            .contains(&format!("127.0.0.1:{port}/api/auth.test")),
        "{error}"
    );
}

#[tokio::test]
async fn answers_that_are_not_slack_json_are_reported_with_a_snippet() {
    let slack = FakeSlack::start().await;
    let client = client_for(&slack);

    slack.respond_next(
        "auth.test",
        CannedResponse::ok_body("<html>bad gateway</html>").status(502),
    );
    let error = client.auth_test().await.unwrap_err();
    assert!(
        matches!(&error, SlackApiError::HttpStatus { status: 502, body_snippet, .. } if body_snippet.contains("bad gateway")),
        "{error:?}"
    );

    slack.respond_next(
        "auth.test",
        CannedResponse::ok_body("<html>maintenance</html>"),
    );
    let error = client.auth_test().await.unwrap_err();
    assert!(
        matches!(error, SlackApiError::InvalidResponse { .. }),
        "{error:?}"
    );

    slack.respond_next(
        "chat.postMessage",
        CannedResponse::ok_body(r#"{"ok":true}"#),
    );
    let error = client
        .chat_post_message(&PostMessage::new("C1", "x"))
        .await
        .unwrap_err();
    let SlackApiError::InvalidResponse { detail, .. } = &error else {
        panic!("{error:?}")
    };
    assert!(detail.contains("missing field `channel`"), "{detail}");
}

#[tokio::test]
async fn configuration_mistakes_are_caught_before_any_call() {
    let empty = SlackClient::new(SlackClientConfig::new("  ")).unwrap_err();
    assert!(empty.to_string().contains("SLACK_BOT_TOKEN"), "{empty}");
    let bad_url =
        SlackClient::new(SlackClientConfig::new(TOKEN).with_api_base_url("slack.com/api"))
            .unwrap_err();
    assert!(matches!(bad_url, SlackApiError::Config(_)));
    let no_slash =
        SlackClient::new(SlackClientConfig::new(TOKEN).with_api_base_url("http://127.0.0.1:9/api"))
            .unwrap();
    assert_eq!(no_slash.api_base_url(), "http://127.0.0.1:9/api/");
    let debug = format!("{no_slash:?}");
    assert!(!debug.contains(TOKEN), "{debug}");
}

// ---------------------------------------------------------------------------------------------
// Every web-api fixture, served byte for byte and read by the client
// ---------------------------------------------------------------------------------------------

/// Calls `method` with throwaway arguments; the canned answer decides the outcome.
async fn call_typed(client: &SlackClient, method: &str) -> Result<Value, SlackApiError> {
    let view = modal();
    Ok(match method {
        "auth.test" => json!(format!("{:?}", client.auth_test().await?)),
        "chat.postMessage" => json!(format!(
            "{:?}",
            client
                .chat_post_message(&PostMessage::new("C1", "x"))
                .await?
        )),
        "chat.update" => json!(format!(
            "{:?}",
            client
                .chat_update(&UpdateMessage::new("C1", "1.1", "x"))
                .await?
        )),
        "conversations.info" => json!(format!("{:?}", client.conversations_info("C1").await?)),
        "conversations.members" => json!(format!(
            "{:?}",
            client.conversations_members("C1", None, 100).await?
        )),
        "users.info" => json!(format!("{:?}", client.users_info("U1").await?)),
        "users.lookupByEmail" => json!(format!(
            "{:?}",
            client.users_lookup_by_email("a@example.com").await?
        )),
        "views.open" => json!(format!("{:?}", client.views_open("1.2.3", &view).await?)),
        "views.update" => json!(format!(
            "{:?}",
            client
                .views_update(&ViewTarget::Id("V1".into()), &view, None)
                .await?
        )),
        other => panic!("no typed call for {other}: add one"),
    })
}

#[tokio::test]
async fn every_web_api_fixture_is_read_by_the_client() {
    let slack = FakeSlack::start().await;
    let mut config = config_for(&slack);
    config.max_rate_limit_retries = 0; // the 429 fixture must not make this test wait
    let client = SlackClient::new(config).unwrap();
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/web-api");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(
        names.len(),
        27,
        "a fixture was added or removed: check it is covered"
    );

    for name in names {
        let method = name.split('.').take(2).collect::<Vec<_>>().join(".");
        let raw = fixture(&name);
        let (canned, body): (CannedResponse, Value) = if name.ends_with(".http.json") {
            let http: Value = serde_json::from_str(&raw).unwrap();
            let body = http["body"].as_str().unwrap().to_owned();
            let mut canned = CannedResponse::ok_body(body.clone())
                .status(http["status"].as_u64().unwrap() as u16);
            for (header, value) in http["headers"].as_object().unwrap() {
                canned = canned.header(header, value.as_str().unwrap());
            }
            (canned, serde_json::from_str(&body).unwrap())
        } else {
            (
                CannedResponse::ok_body(raw.clone()),
                serde_json::from_str(&raw).unwrap(),
            )
        };
        slack.respond_next(&method, canned);
        let outcome = call_typed(&client, &method).await;

        match (body["ok"].as_bool().unwrap(), body["error"].as_str()) {
            (true, _) => {
                outcome.unwrap_or_else(|e| panic!("{name}: {e}"));
            }
            (false, Some("users_not_found")) => {
                assert_eq!(
                    outcome.unwrap(),
                    json!("None"),
                    "{name}: no such user is Ok(None)"
                );
            }
            (false, Some(code)) if name.ends_with(".http.json") => {
                let error = outcome.unwrap_err();
                assert!(
                    matches!(error, SlackApiError::RateLimited { retry_after: Some(d), .. } if d == Duration::from_secs(1)),
                    "{name}: {error:?}"
                );
                assert_eq!(code, "ratelimited");
            }
            (false, Some(code)) => {
                let error = outcome.unwrap_err();
                assert_eq!(error.slack_code(), Some(code), "{name}: {error:?}");
            }
            (false, None) => panic!("{name}: ok:false without an error code"),
        }
    }
}

#[tokio::test]
async fn fixture_answers_are_read_field_by_field() {
    let slack = FakeSlack::start().await;
    let client = client_for(&slack);
    let serve = |method: &str, name: &str| {
        slack.respond_next(method, CannedResponse::ok_body(fixture(name)))
    };

    serve("chat.postMessage", "chat.postMessage.ok.json");
    let posted = client
        .chat_post_message(&PostMessage::new("C1", "x"))
        .await
        .unwrap();
    assert_eq!(
        (posted.channel.as_str(), posted.ts.as_str()),
        ("C1H9RESGL", "1503435956.000247")
    );

    serve(
        "chat.postMessage",
        "chat.postMessage.ok.warning_superfluous_charset.json",
    );
    let posted = client
        .chat_post_message(&PostMessage::new("C1", "x"))
        .await
        .unwrap();
    assert_eq!(
        (posted.channel.as_str(), posted.ts.as_str()),
        ("D4Y1VP0G0", "1501758978.758433")
    );

    serve("chat.update", "chat.update.ok.json");
    let updated = client
        .chat_update(&UpdateMessage::new("C1", "1.1", "x"))
        .await
        .unwrap();
    assert_eq!(
        (updated.channel.as_str(), updated.ts.as_str()),
        ("C024BE91L", "1401383885.000061")
    );
    assert_eq!(
        updated.text.as_deref(),
        Some("Updated text you carefully authored")
    );

    serve("views.open", "views.open.ok.json");
    let view = client.views_open("1.2.3", &modal()).await.unwrap();
    assert_eq!(
        (view.id.as_str(), view.hash.as_deref()),
        ("VMHU10V25", Some("156772938.1827394"))
    );
    assert_eq!(view.private_metadata.as_deref(), Some("Shh it is a secret"));

    serve("views.update", "views.update.ok.json");
    let view = client
        .views_update(&ViewTarget::Id("VNM522E2U".into()), &modal(), None)
        .await
        .unwrap();
    assert_eq!(
        (view.id.as_str(), view.previous_view_id.as_deref()),
        ("VNM522E2U", None)
    );

    serve("users.info", "users.info.ok.json");
    let user = client.users_info("W012A3CDE").await.unwrap();
    assert_eq!(user.id, "W012A3CDE");
    assert_eq!(user.team_id.as_deref(), Some("T012AB3C4"));
    assert_eq!(user.name, "spengler");
    assert_eq!(user.real_name.as_deref(), Some("Egon Spengler"));
    assert_eq!(user.email(), Some("spengler@ghostbusters.example.com"));
    assert_eq!(user.tz.as_deref(), Some("America/Los_Angeles"));
    assert!(user.is_admin && !user.is_bot && !user.is_guest() && !user.deleted);
    assert_eq!(user.display_name(), "spengler");

    serve("users.info", "users.info.ok.recorded_bot.json");
    let bot = client.users_info("U07KECJ77").await.unwrap();
    assert!(bot.is_bot && bot.deleted && !bot.is_admin);
    assert_eq!(bot.email(), None);
    assert_eq!(bot.profile.bot_id.as_deref(), Some("B07KECJ6R"));
    assert_eq!(bot.display_name(), "aws");

    serve("users.lookupByEmail", "users.lookupByEmail.ok.json");
    let user = client
        .users_lookup_by_email("spengler@ghostbusters.example.com")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(user.id, "W012A3CDE");

    serve("conversations.members", "conversations.members.ok.json");
    let page = client.conversations_members("C1", None, 100).await.unwrap();
    assert_eq!(page.members, ["U023BECGF", "U061F7AUR", "W012A3CDE"]);
    assert_eq!(
        page.next_cursor.as_deref(),
        Some("e3VzZXJfaWQ6IFcxMjM0NTY3fQ==")
    );

    serve("conversations.info", "conversations.info.ok.json");
    let channel = client.conversations_info("C012AB3CD").await.unwrap();
    assert_eq!(
        (channel.id.as_str(), channel.name.as_deref()),
        ("C012AB3CD", Some("general"))
    );
    assert!(channel.is_channel && channel.is_member && !channel.is_private);

    serve(
        "conversations.info",
        "conversations.info.ok.recorded_mpim.json",
    );
    let group = client.conversations_info("G0K7EV5A7").await.unwrap();
    assert!(group.is_mpim);
    assert_eq!(group.members.len(), 3);

    serve("auth.test", "auth.test.ok.recorded.json");
    let identity = client.auth_test().await.unwrap();
    assert_eq!(
        identity.url.as_deref(),
        Some("https://rubybot.slack.com/"),
        "escaped slashes decoded"
    );
    assert_eq!(
        (identity.user_id.as_str(), identity.bot_id.as_deref()),
        ("UBAADFOOD", Some("B0J1L75DY"))
    );

    serve("auth.test", "auth.test.ok.docs_example.json");
    let identity = client.auth_test().await.unwrap();
    assert_eq!(
        (identity.team_id.as_deref(), identity.user_id.as_str()),
        (Some("T12345678"), "W12345678")
    );

    serve("views.open", "views.open.invalid_arguments.recorded.json");
    let error = client.views_open("1.2.3", &modal()).await.unwrap_err();
    let SlackApiError::Slack { messages, .. } = &error else {
        panic!("{error:?}")
    };
    assert_eq!(
        messages[0],
        "[ERROR] failed to match all allowed schemas [json-pointer:/view]"
    );
    assert_eq!(messages.len(), 2);

    serve("chat.postMessage", "chat.postMessage.ratelimited.json");
    let error = client
        .chat_post_message(&PostMessage::new("C1", "x"))
        .await
        .unwrap_err();
    assert_eq!(error.slack_code(), Some("ratelimited"));
    assert!(error.is_rate_limited());
}
