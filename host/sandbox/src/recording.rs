//! In-memory stand-ins for every host capability, recording each call.
//!
//! They are what `symflow run` uses to show what a flow *would* do (messages it
//! would send, services it would ask) without touching Slack or any other
//! service, and what the sandbox tests use to check that a call went through the
//! capability or was refused. Answers are scripted with [`Script`].

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use crate::bindings::http::{Request, Response};
use crate::bindings::pagerduty::{IncidentQuery, OnCallQuery};
use crate::capabilities::{
    AwsLambdaCapability, Capabilities, GithubCapability, HttpCapability, OktaCapability,
    PagerdutyCapability, SecretsCapability, SlackCapability, StoreCapability, UsersCapability,
};
use crate::types::{
    CapabilityError, Channel, Destination, Event, FlowInfo, RunStep, User, UserIdentity, UserRole,
};

/// One call a flow made to a capability.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedCall {
    pub capability: &'static str,
    pub function: &'static str,
    /// The arguments, as the host received them (Rust debug format).
    pub args: String,
}

/// Scripted answers of the stand-ins.
#[derive(Debug, Clone, Default)]
pub struct Script {
    /// Emails PagerDuty reports as on call (for any query).
    pub on_call: BTreeSet<String>,
    /// Okta group id -> member emails.
    pub okta_groups: BTreeMap<String, BTreeSet<String>>,
    /// Slack user group id -> member emails.
    pub slack_groups: BTreeMap<String, BTreeSet<String>>,
    /// Secret id -> value, for the secrets this flow was given.
    pub secrets: BTreeMap<String, String>,
    /// Hosts `requests` may reach, and the canned body each answers with.
    pub http_hosts: BTreeMap<String, String>,
    /// Lambda ARN -> JSON reply.
    pub lambda_replies: BTreeMap<String, String>,
}

#[derive(Default)]
struct Shared {
    calls: Vec<RecordedCall>,
    kv: BTreeMap<String, String>,
    users: BTreeMap<String, User>,
}

/// Recording stand-ins for all capabilities, sharing one call log.
#[derive(Clone, Default)]
pub struct Recorder {
    script: Arc<Script>,
    shared: Arc<Mutex<Shared>>,
}

impl Recorder {
    pub fn new(script: Script) -> Self {
        Recorder {
            script: Arc::new(script),
            shared: Arc::default(),
        }
    }

    /// Every capability, granted.
    pub fn capabilities(&self) -> Capabilities {
        let me = Arc::new(self.clone());
        Capabilities {
            slack: Some(me.clone()),
            pagerduty: Some(me.clone()),
            okta: Some(me.clone()),
            github: Some(me.clone()),
            aws_lambda: Some(me.clone()),
            http: Some(me.clone()),
            secrets: Some(me.clone()),
            store: Some(me.clone()),
            users: Some(me),
        }
    }

    /// The calls recorded so far, oldest first.
    pub fn calls(&self) -> Vec<RecordedCall> {
        self.lock().calls.clone()
    }

    /// Forget the calls recorded so far.
    pub fn clear(&self) {
        self.lock().calls.clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Shared> {
        self.shared.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn record(&self, capability: &'static str, function: &'static str, args: String) {
        self.lock().calls.push(RecordedCall {
            capability,
            function,
            args,
        });
    }

    fn user_for(&self, email: &str) -> User {
        let mut shared = self.lock();
        shared
            .users
            .entry(email.to_lowercase())
            .or_insert_with(|| stand_in_user(email))
            .clone()
    }
}

/// A plausible user for an email, with a stable id derived from it.
pub fn stand_in_user(email: &str) -> User {
    use sha2::{Digest, Sha256};
    let digest = hex::encode(Sha256::digest(email.to_lowercase().as_bytes()));
    let id = format!(
        "{}-{}-{}-{}-{}",
        &digest[0..8],
        &digest[8..12],
        &digest[12..16],
        &digest[16..20],
        &digest[20..32]
    );
    let local = email.split('@').next().unwrap_or(email);
    User {
        id,
        email: email.to_string(),
        username: email.to_string(),
        user_type: "normal".into(),
        first_name: local.to_string(),
        last_name: String::new(),
        role: UserRole::Member,
        identities: Vec::new(),
    }
}

fn refused(capability: &str, code: &str, message: impl Into<String>) -> CapabilityError {
    CapabilityError {
        capability: capability.into(),
        code: code.into(),
        message: message.into(),
    }
}

impl SlackCapability for Recorder {
    fn send_message(
        &self,
        destination: Destination,
        message: String,
    ) -> Result<(), CapabilityError> {
        self.record(
            "slack",
            "send_message",
            format!("{destination:?} {message:?}"),
        );
        Ok(())
    }
    fn send_thread_message(&self, run_id: String, message: String) -> Result<(), CapabilityError> {
        self.record(
            "slack",
            "send_thread_message",
            format!("{run_id:?} {message:?}"),
        );
        Ok(())
    }
    fn resolve_user(&self, identifier: String) -> Result<String, CapabilityError> {
        self.record("slack", "resolve_user", format!("{identifier:?}"));
        Ok(format!("U{:08}", identifier.len()))
    }
    fn get_user_info(&self, user: User) -> Result<String, CapabilityError> {
        self.record("slack", "get_user_info", format!("{:?}", user.email));
        Ok(serde_json::json!({"id": "U00000001", "profile": {"email": user.email}}).to_string())
    }
    fn list_users(&self, active_only: bool) -> Result<Vec<User>, CapabilityError> {
        self.record("slack", "list_users", format!("{active_only}"));
        Ok(self.lock().users.values().cloned().collect())
    }
    fn is_user_in_group(&self, user: User, group_id: String) -> Result<bool, CapabilityError> {
        self.record(
            "slack",
            "is_user_in_group",
            format!("{:?} {group_id:?}", user.email),
        );
        Ok(self
            .script
            .slack_groups
            .get(&group_id)
            .is_some_and(|members| members.contains(&user.email)))
    }
    fn users_in_channel(&self, channel: String) -> Result<Vec<User>, CapabilityError> {
        self.record("slack", "users_in_channel", format!("{channel:?}"));
        Ok(Vec::new())
    }
}

impl PagerdutyCapability for Recorder {
    fn is_on_call(&self, user: User, query: OnCallQuery) -> Result<bool, CapabilityError> {
        self.record(
            "pagerduty",
            "is_on_call",
            format!("{:?} {query:?}", user.email),
        );
        Ok(self.script.on_call.contains(&user.email))
    }
    fn users_on_call(&self, query: OnCallQuery) -> Result<Vec<User>, CapabilityError> {
        self.record("pagerduty", "users_on_call", format!("{query:?}"));
        Ok(self
            .script
            .on_call
            .iter()
            .map(|e| self.user_for(e))
            .collect())
    }
    fn users_for_schedule(&self, query: OnCallQuery) -> Result<Vec<User>, CapabilityError> {
        self.record("pagerduty", "users_for_schedule", format!("{query:?}"));
        Ok(self
            .script
            .on_call
            .iter()
            .map(|e| self.user_for(e))
            .collect())
    }
    fn get_incidents(&self, query: IncidentQuery) -> Result<String, CapabilityError> {
        self.record("pagerduty", "get_incidents", format!("{query:?}"));
        Ok("[]".into())
    }
}

impl OktaCapability for Recorder {
    fn is_user_in_group(&self, user: User, group_id: String) -> Result<bool, CapabilityError> {
        self.record(
            "okta",
            "is_user_in_group",
            format!("{:?} {group_id:?}", user.email),
        );
        Ok(self
            .script
            .okta_groups
            .get(&group_id)
            .is_some_and(|members| members.contains(&user.email)))
    }
    fn users_in_group(&self, group_id: String) -> Result<Vec<User>, CapabilityError> {
        self.record("okta", "users_in_group", format!("{group_id:?}"));
        let members = self
            .script
            .okta_groups
            .get(&group_id)
            .cloned()
            .unwrap_or_default();
        Ok(members.iter().map(|e| self.user_for(e)).collect())
    }
    fn get_user_info(&self, user: User) -> Result<String, CapabilityError> {
        self.record("okta", "get_user_info", format!("{:?}", user.email));
        Ok(serde_json::json!({"profile": {"email": user.email, "login": user.email}}).to_string())
    }
    fn list_groups(
        &self,
        name_filter: Option<String>,
        filter: Option<String>,
        expand: Option<String>,
        only_native_groups: bool,
    ) -> Result<String, CapabilityError> {
        self.record(
            "okta",
            "list_groups",
            format!("{name_filter:?} {filter:?} {expand:?} {only_native_groups}"),
        );
        let groups: Vec<_> = self
            .script
            .okta_groups
            .keys()
            .map(|id| serde_json::json!({"id": id, "profile": {"name": id}}))
            .collect();
        Ok(serde_json::Value::Array(groups).to_string())
    }
}

impl GithubCapability for Recorder {
    fn get_repo_collaborators(
        &self,
        repo_name: String,
        roles: Vec<String>,
    ) -> Result<Vec<User>, CapabilityError> {
        self.record(
            "github",
            "get_repo_collaborators",
            format!("{repo_name:?} {roles:?}"),
        );
        Ok(Vec::new())
    }
}

impl AwsLambdaCapability for Recorder {
    fn invoke(&self, arn: String, payload_json: String) -> Result<String, CapabilityError> {
        self.record("aws-lambda", "invoke", format!("{arn:?} {payload_json}"));
        self.script
            .lambda_replies
            .get(&arn)
            .cloned()
            .ok_or_else(|| {
                refused(
                    "aws-lambda",
                    "not-found",
                    format!("no Lambda function {arn}"),
                )
            })
    }
    fn invoke_async(&self, arn: String, payload_json: String) -> Result<bool, CapabilityError> {
        self.record(
            "aws-lambda",
            "invoke_async",
            format!("{arn:?} {payload_json}"),
        );
        Ok(self.script.lambda_replies.contains_key(&arn))
    }
}

impl HttpCapability for Recorder {
    fn send(&self, request: Request) -> Result<Response, CapabilityError> {
        self.record(
            "http",
            "send",
            format!("{} {}", request.method, request.url),
        );
        let host = request
            .url
            .split("://")
            .nth(1)
            .and_then(|rest| rest.split(['/', ':', '?']).next())
            .unwrap_or_default()
            .to_string();
        match self.script.http_hosts.get(&host) {
            Some(body) => Ok(Response {
                status: 200,
                headers: vec![("content-type".into(), "application/json".into())],
                body: body.clone().into_bytes(),
                url: request.url,
            }),
            None => Err(refused(
                "http",
                "refused",
                format!("host {host:?} is not on this flow's allow-list"),
            )),
        }
    }
}

impl SecretsCapability for Recorder {
    fn retrieve_value(&self, secret_id: String) -> Result<String, CapabilityError> {
        // The value is never recorded, only which secret was read.
        self.record("secrets", "retrieve_value", format!("{secret_id:?}"));
        self.script.secrets.get(&secret_id).cloned().ok_or_else(|| {
            refused(
                "secrets",
                "not-granted",
                format!("this flow was not given the secret {secret_id:?}"),
            )
        })
    }
}

impl StoreCapability for Recorder {
    fn fetch(&self, path: String) -> Result<Option<String>, CapabilityError> {
        self.record("store", "fetch", format!("{path:?}"));
        Ok(self.lock().kv.get(&path).cloned())
    }
    fn put(&self, path: String, value_json: String) -> Result<(), CapabilityError> {
        self.record("store", "put", format!("{path:?} {value_json}"));
        self.lock().kv.insert(path, value_json);
        Ok(())
    }
}

impl UsersCapability for Recorder {
    fn get_or_create_user_by_email(&self, email: String) -> Result<User, CapabilityError> {
        self.record("users", "get_or_create_user_by_email", format!("{email:?}"));
        Ok(self.user_for(&email))
    }
    fn persist_user_identity(
        &self,
        email: String,
        identity: UserIdentity,
    ) -> Result<UserIdentity, CapabilityError> {
        self.record(
            "users",
            "persist_user_identity",
            format!("{email:?} {identity:?}"),
        );
        let mut user = self.user_for(&email);
        user.identities.push(identity.clone());
        self.lock().users.insert(email.to_lowercase(), user);
        Ok(identity)
    }
    fn get_event_count(
        &self,
        user_id: String,
        event_name: String,
        since: Option<String>,
        until: Option<String>,
        filter_on: String,
        include_errored: bool,
    ) -> Result<u32, CapabilityError> {
        self.record(
            "users",
            "get_event_count",
            format!(
                "{user_id:?} {event_name:?} {since:?} {until:?} {filter_on:?} {include_errored}"
            ),
        );
        Ok(0)
    }
}

/// An `approve` event of the example approval flow (`flows/impls/approval_impl.py`),
/// with the request step it follows: what the per-event benchmarks run.
pub fn sample_approve_event() -> Event {
    Event {
        name: "approve".into(),
        run_id: "6f1d1c52-0b43-4a43-9b85-5d0e5d3c9a11".into(),
        run_srn: "acme:run:approval:latest:6f1d1c52-0b43-4a43-9b85-5d0e5d3c9a11".into(),
        user: stand_in_user("alice@example.com"),
        timestamp: "2026-11-28T06:00:00Z".into(),
        fields_json: r#"{"resource": "prod-db", "reason": "incident 42"}"#.into(),
        channel: Channel {
            identifier: Some("#general".into()),
            channel_type: "slack".into(),
        },
        flow: FlowInfo {
            name: "approval".into(),
            srn: "acme:flow:approval:latest".into(),
            label: "Approval".into(),
            vars_json: r##"{"request_channel": "#sym-requests"}"##.into(),
            fields: Vec::new(),
            integrations: Vec::new(),
            strategy: None,
            environment_name: "prod".into(),
        },
        steps: vec![RunStep {
            event_name: "request".into(),
            actor: Some(stand_in_user("bob@example.com")),
            context_json: "{}".into(),
            output_json: None,
            timestamp: "2026-11-28T05:59:00Z".into(),
        }],
        source_channel: None,
    }
}
