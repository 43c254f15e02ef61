//! Fuzz entry: the host's decoding of what a flow's component returns
//! (`symflow_engine::returned`), on values a malicious component could return.
//!
//! `arbitrary` builds WIT-shaped answers (the records of `guest-wit/wit/types.wit`: a
//! transition, notifications with every destination kind, permissions, approvers, a step
//! output), including malformed JSON texts, unknown steps and huge texts or lists. They are
//! mapped field by field into the decoder's input types, the way host/server's
//! `flow_calls.rs` maps the wasmtime-generated records, and decoded. Whatever the value, the
//! decoder answers a bounded value or an `InvalidReturn` error that names the handler in a
//! short message; never a panic. No wasmtime is built for this target.
//!
//! Shared by the cargo-fuzz target `guest_return` and the corpus replay test of host/engine
//! (`host/engine/tests/fuzz_corpus.rs`).

use arbitrary::{Arbitrary, Unstructured};
use serde_json::Value;
use symflow_engine::returned::{self, ReturnedTransition, MAX_RETURNED_BYTES, MAX_RETURNED_ITEMS};
use symflow_engine::{
    Actor, Approvers, Destination, ErrorKind, FlowError, Notification, Permission,
    RequestDestination, RequestPermission, Role,
};

/// A string a guest returns: small, or a unit of up to 32 characters repeated up to 65 535
/// times (up to 2 MiB, past the 1 MiB bound).
#[derive(Debug, Arbitrary)]
enum Text {
    Plain(String),
    Repeated(String, u16),
}

impl Text {
    fn build(&self) -> String {
        match self {
            Text::Plain(s) => s.clone(),
            Text::Repeated(unit, times) => {
                let unit: String = unit.chars().take(32).collect();
                unit.repeat(usize::from(*times))
            }
        }
    }
}

/// JSON text: arbitrary bytes (mostly malformed), a generated JSON value (valid), or a huge one.
#[derive(Debug, Arbitrary)]
enum JsonText {
    Raw(Text),
    Value(Json),
    HugeArray(u32),
    Deep(u16),
}

#[derive(Debug, Arbitrary)]
enum Json {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

impl Json {
    fn value(&self) -> Value {
        match self {
            Json::Null => Value::Null,
            Json::Bool(b) => Value::Bool(*b),
            Json::Int(i) => Value::from(*i),
            Json::Float(f) => serde_json::Number::from_f64(*f).map_or(Value::Null, Value::Number),
            Json::Str(s) => Value::String(s.clone()),
            Json::Array(items) => Value::Array(items.iter().map(Json::value).collect()),
            Json::Object(entries) => Value::Object(
                entries
                    .iter()
                    .map(|(k, v)| (k.clone(), v.value()))
                    .collect(),
            ),
        }
    }
}

impl JsonText {
    fn build(&self) -> String {
        match self {
            JsonText::Raw(text) => text.build(),
            JsonText::Value(json) => json.value().to_string(),
            // `[0,0,...]`: small text, but a Value many times its size if parsed.
            JsonText::HugeArray(n) => {
                let n = (*n % (1 << 20)) as usize;
                let mut s = String::with_capacity(2 * n + 2);
                s.push('[');
                for i in 0..n {
                    s.push_str(if i == 0 { "0" } else { ",0" });
                }
                s.push(']');
                s
            }
            JsonText::Deep(depth) => {
                let depth = usize::from(*depth);
                format!("{}{}", "[".repeat(depth), "]".repeat(depth))
            }
        }
    }
}

/// WIT `user` (only what the destination mapping reads).
#[derive(Debug, Arbitrary)]
struct User {
    id: Text,
    email: Text,
    username: String,
    first_name: String,
    last_name: String,
    role: u8,
    identities: Vec<(String, String, String)>,
}

/// WIT `destination`.
#[derive(Debug, Arbitrary)]
enum WitDestination {
    SlackChannel(Text),
    SlackUser(Text),
    SlackGroup(Vec<String>),
    User(User),
}

/// WIT `request-destination`.
#[derive(Debug, Arbitrary)]
struct WitRequestDestination {
    destination: WitDestination,
    allow_self: bool,
    timeout: Option<u64>,
}

/// WIT `notification`, with a knob to repeat its destinations (huge lists).
#[derive(Debug, Arbitrary)]
struct WitNotification {
    destinations: Vec<WitRequestDestination>,
    repeat: u16,
    timeout: Option<u64>,
}

#[derive(Debug, Arbitrary)]
enum WitPermission {
    Admin,
    Member,
    AllUsers,
    UserIds(Vec<String>),
    ManyUserIds(u16),
}

/// One answer of one handler.
#[derive(Debug, Arbitrary)]
enum Answer {
    Transition {
        step: Text,
        message: Option<Text>,
        target_srn: Option<String>,
        duration: Option<u64>,
        kwargs_json: JsonText,
    },
    Notifications(Vec<WitNotification>),
    Approvers {
        notifications: Vec<WitNotification>,
        continue_on_delivery_failure: bool,
        continue_on_timeout: bool,
    },
    Permissions {
        webapp_view: WitPermission,
        approve_deny: WitPermission,
        allow_self_approval: bool,
    },
    StepOutput(Option<JsonText>),
    Names(Vec<Text>),
}

pub fn run(data: &[u8]) {
    let Ok(answer) = Answer::arbitrary_take_rest(Unstructured::new(data)) else {
        return;
    };
    let handler = "on_request";
    match &answer {
        Answer::Transition {
            step,
            message,
            target_srn,
            duration,
            kwargs_json,
        } => {
            let returned = ReturnedTransition {
                step: step.build(),
                message: message.as_ref().map(Text::build),
                target_srn: target_srn.clone(),
                duration: *duration,
                kwargs_json: kwargs_json.build(),
            };
            let kwargs_len = returned.kwargs_json.len();
            let step_text = returned.step.clone();
            match returned::transition(handler, returned) {
                Ok(t) => {
                    assert_eq!(t.step.as_str(), step_text);
                    assert!(kwargs_len <= MAX_RETURNED_BYTES);
                }
                Err(e) => check_error(handler, &e),
            }
        }
        Answer::Notifications(list) => {
            let list = notifications(list);
            let expected = list.clone();
            match returned::notifications(handler, list) {
                Ok(decoded) => {
                    assert_eq!(decoded, expected);
                    assert!(items(&decoded) <= MAX_RETURNED_ITEMS);
                }
                Err(e) => check_error(handler, &e),
            }
        }
        Answer::Approvers {
            notifications: list,
            continue_on_delivery_failure,
            continue_on_timeout,
        } => {
            let approvers = Approvers {
                notifications: notifications(list),
                continue_on_delivery_failure: *continue_on_delivery_failure,
                continue_on_timeout: *continue_on_timeout,
            };
            match returned::approvers(handler, approvers) {
                Ok(a) => assert!(items(&a.notifications) <= MAX_RETURNED_ITEMS),
                Err(e) => check_error(handler, &e),
            }
        }
        Answer::Permissions {
            webapp_view,
            approve_deny,
            allow_self_approval,
        } => {
            let p = RequestPermission {
                webapp_view: permission(webapp_view),
                approve_deny: permission(approve_deny),
                allow_self_approval: *allow_self_approval,
            };
            match returned::permissions(handler, p) {
                Ok(p) => {
                    let ids = |p: &Permission| match p {
                        Permission::UserIds(ids) => ids.len(),
                        _ => 0,
                    };
                    assert!(ids(&p.webapp_view) + ids(&p.approve_deny) <= MAX_RETURNED_ITEMS);
                }
                Err(e) => check_error(handler, &e),
            }
        }
        Answer::StepOutput(text) => {
            let text = text.as_ref().map(JsonText::build);
            match returned::step_output("escalate", text.as_deref()) {
                Ok(Some(_)) => assert!(text.is_some_and(|t| t.len() <= MAX_RETURNED_BYTES)),
                Ok(None) => assert!(text.is_none()),
                Err(e) => check_error("escalate", &e),
            }
        }
        Answer::Names(names) => {
            let names: Vec<String> = names.iter().map(Text::build).collect();
            if let Err(e) = returned::texts("get_flows", names.iter().map(String::as_str)) {
                check_error("get_flows", &e);
            }
        }
    }
}

/// A refusal is an `InvalidReturn` naming the handler, in a message short enough to post.
fn check_error(handler: &str, e: &FlowError) {
    assert_eq!(e.kind, ErrorKind::InvalidReturn);
    assert!(e.message.contains(handler), "{}", e.message);
    assert!(
        e.message.len() < 1_000,
        "{} bytes of message",
        e.message.len()
    );
}

fn items(notifications: &[Notification]) -> usize {
    notifications.len()
        + notifications
            .iter()
            .flat_map(|n| &n.destinations)
            .map(|d| match &d.destination {
                Destination::SlackGroup(users) => 1 + users.len(),
                _ => 1,
            })
            .sum::<usize>()
}

fn permission(p: &WitPermission) -> Permission {
    match p {
        WitPermission::Admin => Permission::Admin,
        WitPermission::Member => Permission::Member,
        WitPermission::AllUsers => Permission::AllUsers,
        WitPermission::UserIds(ids) => Permission::UserIds(ids.clone()),
        WitPermission::ManyUserIds(n) => {
            Permission::UserIds((0..*n).map(|i| format!("u-{i}")).collect())
        }
    }
}

/// As host/server's `flow_calls::notification` and `users::actor_from_wit` map them.
fn notifications(list: &[WitNotification]) -> Vec<Notification> {
    list.iter()
        .map(|n| {
            let once: Vec<RequestDestination> = n
                .destinations
                .iter()
                .map(|d| RequestDestination {
                    destination: destination(&d.destination),
                    allow_self: d.allow_self,
                    timeout: d.timeout,
                })
                .collect();
            // Repeat the destinations (a huge list), but build at most ~4 MiB of text.
            let size = once.iter().map(text_size).sum::<usize>().max(1);
            let times = usize::from(n.repeat % 4096).min((4 << 20) / size).max(1);
            Notification {
                destinations: once
                    .iter()
                    .cycle()
                    .take(once.len() * times)
                    .cloned()
                    .collect(),
                timeout: n.timeout,
            }
        })
        .collect()
}

fn text_size(d: &RequestDestination) -> usize {
    match &d.destination {
        Destination::SlackChannel(t) | Destination::SlackUser(t) => t.len(),
        Destination::SlackGroup(users) => users.iter().map(String::len).sum(),
        Destination::User(a) => a.user_id.len() + a.email.len() + a.username.len() + a.name.len(),
    }
}

fn destination(d: &WitDestination) -> Destination {
    match d {
        WitDestination::SlackChannel(c) => Destination::SlackChannel(c.build()),
        WitDestination::SlackUser(u) => Destination::SlackUser(u.build()),
        WitDestination::SlackGroup(users) => Destination::SlackGroup(users.clone()),
        WitDestination::User(user) => {
            let slack = user
                .identities
                .iter()
                .find(|(service, _, _)| service == "slack");
            Destination::User(Actor {
                user_id: user.id.build(),
                email: user.email.build(),
                username: user.username.clone(),
                name: format!("{} {}", user.first_name, user.last_name)
                    .trim()
                    .to_string(),
                role: match user.role % 3 {
                    0 => Role::Admin,
                    1 => Role::Member,
                    _ => Role::Guest,
                },
                slack_user_id: slack.map(|(_, _, user_id)| user_id.clone()),
                slack_team_id: slack.map(|(_, team, _)| team.clone()),
            })
        }
    }
}
