//! Test harness: people, flow specs, and a driver that plays the adapter — it answers
//! flow calls from a script, "posts" cards, and records every effect — so tests can
//! assert on exactly what the engine asked for.

#![allow(dead_code)]

use std::collections::{BTreeMap, HashMap, VecDeque};

use serde_json::{json, Map, Value};
use symflow_engine::*;

pub const T0: u64 = 1_700_000_000_000;

pub fn actor(name: &str, role: Role) -> Actor {
    Actor {
        user_id: format!("uid-{name}"),
        email: format!("{name}@example.com"),
        username: format!("{name}@example.com"),
        name: name.to_string(),
        role,
        slack_user_id: Some(format!("U{}", name.to_uppercase())),
        slack_team_id: Some("T123".into()),
    }
}

pub fn alice() -> Actor {
    actor("alice", Role::Member)
}
pub fn bob() -> Actor {
    actor("bob", Role::Member)
}
pub fn carol_admin() -> Actor {
    actor("carol", Role::Admin)
}
pub fn gus_guest() -> Actor {
    actor("gus", Role::Guest)
}

pub fn reason_field() -> PromptFieldSpec {
    let mut f = PromptFieldSpec::new("reason", FieldType::String);
    f.label = Some("Why do you need access?".into());
    f
}

/// Approval-only flow with a `reason` field and the given handlers.
pub fn approval_spec(handlers: &[&str]) -> FlowSpec {
    let mut spec = FlowSpec::new("approval", "acme:flow:approval:latest");
    spec.label = "Approval".into();
    spec.prompt_fields = vec![reason_field()];
    spec.handlers = handlers.iter().map(|s| s.to_string()).collect();
    spec
}

pub fn target(id: &str) -> TargetSpec {
    TargetSpec {
        id: id.into(),
        name: format!("{id}-name"),
        label: format!("Group {id}"),
        srn: format!("acme:access_target:okta_group:{id}:latest"),
        target_type: "okta_group".into(),
        settings: json!({ "group_id": format!("00g-{id}") }),
    }
}

/// Strategy flow (one target, injected duration) with the given handlers.
pub fn strategy_spec(handlers: &[&str]) -> FlowSpec {
    let mut spec = approval_spec(handlers);
    spec.name = "okta".into();
    spec.srn = "acme:flow:okta:latest".into();
    spec.label = "Okta Group Access".into();
    spec.has_strategy = true;
    spec.targets = vec![target("t1")];
    spec
}

pub fn fields(pairs: &[(&str, Value)]) -> Map<String, Value> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

pub fn channel(name: &str) -> RequestDestination {
    RequestDestination::new(Destination::SlackChannel(name.into()))
}

pub fn notification(dests: Vec<RequestDestination>, timeout: Option<u64>) -> Notification {
    Notification {
        destinations: dests,
        timeout,
    }
}

pub fn perms(approve_deny: Permission, allow_self: bool) -> FlowValue {
    FlowValue::Permissions(RequestPermission {
        webapp_view: Permission::Admin,
        approve_deny,
        allow_self_approval: allow_self,
    })
}

pub fn py_error(message: &str) -> FlowError {
    FlowError {
        kind: ErrorKind::PythonException,
        error_code: None,
        message: message.into(),
        hint: None,
        traceback: format!(
            "Traceback (most recent call last):\n  File \"impl.py\", line 12, in on_request\n    x = event.payload.fields['nope']\n{message}\n"
        ),
    }
}

/// Plays the adapter.
pub struct Harness {
    pub engine: Engine,
    pub run: Run,
    pub now: Timestamp,
    /// Scripted answers per call, consumed in order; the last one repeats.
    pub script: HashMap<FlowCall, VecDeque<Result<FlowValue, FlowError>>>,
    /// Cards that fail to post: (notification, destination) → Slack error.
    pub fail_cards: HashMap<(usize, usize), String>,
    /// Every flow call made, in order.
    pub calls: Vec<FlowCall>,
    /// Every event the flow was called with, in order.
    pub events: Vec<EventInfo>,
    /// Answer flow calls and card posts automatically.
    pub auto: bool,
    /// Every effect, in order.
    pub log: Vec<Effect>,
    /// Persisted copies of the run (after each Persist).
    pub persisted: Vec<String>,
}

impl Harness {
    pub fn new(spec: FlowSpec) -> Self {
        let engine = Engine::new(spec);
        let run = engine.new_run("run-1", Timestamp(T0));
        Harness {
            engine,
            run,
            now: Timestamp(T0),
            script: HashMap::new(),
            fail_cards: HashMap::new(),
            calls: Vec::new(),
            events: Vec::new(),
            auto: true,
            log: Vec::new(),
            persisted: Vec::new(),
        }
    }

    /// Answer `call` with `value` (repeats for later calls unless more are queued).
    pub fn answer(&mut self, call: FlowCall, value: Result<FlowValue, FlowError>) -> &mut Self {
        self.script.entry(call).or_default().push_back(value);
        self
    }

    pub fn notifications(&mut self, list: Vec<Notification>) -> &mut Self {
        self.answer(
            FlowCall::GetRequestNotifications,
            Ok(FlowValue::Notifications(list)),
        )
    }

    fn reply(&mut self, call: FlowCall) -> Result<FlowValue, FlowError> {
        if let Some(q) = self.script.get_mut(&call) {
            if q.len() > 1 {
                return q.pop_front().unwrap();
            }
            if let Some(v) = q.front() {
                return v.clone();
            }
        }
        match call {
            FlowCall::On(_) => Ok(FlowValue::Transition(None)),
            FlowCall::After(_) => Ok(FlowValue::Done),
            FlowCall::Escalate => Ok(FlowValue::StepOutput(Some(json!({ "granted": true })))),
            FlowCall::Deescalate => Ok(FlowValue::StepOutput(None)),
            other => panic!("test did not script an answer for {other:?}"),
        }
    }

    pub fn advance(&mut self, secs: u64) {
        self.now = self.now.plus_secs(secs);
    }

    /// Feed `input`, then keep answering until the engine waits on nothing.
    /// Returns every effect produced along the way.
    pub fn send(&mut self, input: Input) -> Vec<Effect> {
        let mut queue = VecDeque::from([input]);
        let mut all = Vec::new();
        while let Some(input) = queue.pop_front() {
            let effects = self.engine.step(&mut self.run, input, self.now);
            check_shape(&effects);
            for e in &effects {
                match e {
                    Effect::Persist => self.persisted.push(self.run.to_json()),
                    Effect::CallFlow { call, event } if self.auto => {
                        self.calls.push(*call);
                        self.events.push(event.clone());
                        let result = self.reply(*call);
                        queue.push_back(Input::FlowReturned {
                            call: *call,
                            result,
                        });
                    }
                    Effect::CallFlow { call, event } => {
                        self.calls.push(*call);
                        self.events.push(event.clone());
                    }
                    Effect::PostCard {
                        notification_index: n,
                        destination_index: d,
                        ..
                    } if self.auto => match self.fail_cards.get(&(*n, *d)) {
                        Some(err) => queue.push_back(Input::CardFailed {
                            notification_index: *n,
                            destination_index: *d,
                            error: err.clone(),
                        }),
                        None => queue.push_back(Input::CardPosted {
                            notification_index: *n,
                            destination_index: *d,
                            message: MessageRef {
                                channel: format!("C{n}{d}"),
                                ts: format!("{}.{n}{d}", self.now.as_secs()),
                            },
                        }),
                    },
                    _ => {}
                }
            }
            all.extend(effects);
        }
        self.log.extend(all.clone());
        all
    }

    pub fn request(&mut self, actor: Actor, f: Map<String, Value>) -> Vec<Effect> {
        self.send(Input::Request {
            actor,
            source: Source::Slack,
            fields: f,
            context: None,
            channel: Some("CSRC".into()),
        })
    }

    pub fn request_reason(&mut self, actor: Actor) -> Vec<Effect> {
        self.request(actor, fields(&[("reason", json!("prod incident"))]))
    }

    pub fn click(&mut self, action: Action, actor: Actor) -> Vec<Effect> {
        self.click_with(action, actor, None)
    }

    pub fn click_with(
        &mut self,
        action: Action,
        actor: Actor,
        decision: Option<&str>,
    ) -> Vec<Effect> {
        let message = self.run.messages.first().map(|m| MessageRef {
            channel: m.channel.clone(),
            ts: m.ts.clone(),
        });
        self.send(Input::Action {
            action,
            actor,
            source: Source::Slack,
            decision_message: decision.map(str::to_string),
            message,
        })
    }

    pub fn fire(&mut self, kind: TimerKind) -> Vec<Effect> {
        self.send(Input::TimerFired { kind })
    }
}

/// The contract every step keeps: at most one flow call, and it comes last;
/// `Persist` first whenever anything but a reply to the actor happens.
pub fn check_shape(effects: &[Effect]) {
    let calls = effects
        .iter()
        .filter(|e| matches!(e, Effect::CallFlow { .. }))
        .count();
    assert!(
        calls <= 1,
        "at most one flow call per step: {:?}",
        summary(effects)
    );
    if calls == 1 {
        assert!(
            matches!(effects.last(), Some(Effect::CallFlow { .. })),
            "CallFlow last: {:?}",
            summary(effects)
        );
    }
    let acts = effects
        .iter()
        .any(|e| !matches!(e, Effect::TellActor { .. } | Effect::CallFlow { .. }));
    if acts {
        assert!(
            matches!(effects[0], Effect::Persist),
            "Persist first: {:?}",
            summary(effects)
        );
    }
}

/// A compact, order-preserving description of effects, for whole-sequence asserts.
pub fn summary(effects: &[Effect]) -> Vec<String> {
    effects.iter().map(describe).collect()
}

pub fn describe(e: &Effect) -> String {
    match e {
        Effect::Persist => "persist".into(),
        Effect::CallFlow { call, .. } => format!("call {}", call.handler_name()),
        Effect::ShowRequestModal { .. } => "modal".into(),
        Effect::PostCard {
            notification_index,
            destination_index,
            ..
        } => {
            format!("post {notification_index}.{destination_index}")
        }
        Effect::UpdateCard { message } => format!(
            "update {}.{}",
            message.notification_index, message.destination_index
        ),
        Effect::DirectMessage { kind, .. } => format!(
            "dm {}",
            serde_json::to_value(kind).unwrap().as_str().unwrap()
        ),
        Effect::TellActor { reason, .. } => match reason {
            TellReason::Refused(r) => format!(
                "refused {}",
                serde_json::to_value(r).unwrap()["refusal"]
                    .as_str()
                    .unwrap()
            ),
            TellReason::Ignored => "tell ignored".into(),
            TellReason::FlowFailed => "tell failed".into(),
            TellReason::Info => "tell info".into(),
        },
        Effect::ReportError(_) => "report".into(),
        Effect::SetTimer(t) => format!("timer {}", t.id.trim_start_matches("run-1/")),
        Effect::CancelTimer { id } => format!("cancel {}", id.trim_start_matches("run-1/")),
        Effect::Audit { event } => format!("audit {}", event["event"]["type"].as_str().unwrap()),
    }
}

/// `summary` without persist/audit noise, for asserting the visible behaviour.
pub fn visible(effects: &[Effect]) -> Vec<String> {
    summary(effects)
        .into_iter()
        .filter(|s| s != "persist" && !s.starts_with("audit"))
        .collect()
}

pub fn audits(effects: &[Effect]) -> Vec<String> {
    summary(effects)
        .into_iter()
        .filter(|s| s.starts_with("audit"))
        .collect()
}

pub fn told(effects: &[Effect]) -> Vec<(Actor, String)> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::TellActor { to, text, .. } => Some((to.clone(), text.clone())),
            _ => None,
        })
        .collect()
}

pub fn dms(effects: &[Effect]) -> Vec<(DmKind, String)> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::DirectMessage { kind, text, .. } => Some((*kind, text.clone())),
            _ => None,
        })
        .collect()
}

pub fn reports(effects: &[Effect]) -> Vec<ErrorReport> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::ReportError(r) => Some(r.clone()),
            _ => None,
        })
        .collect()
}

pub fn timers(effects: &[Effect]) -> BTreeMap<String, Timestamp> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::SetTimer(t) => Some((t.id.clone(), t.at)),
            _ => None,
        })
        .collect()
}
