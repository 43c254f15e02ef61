//! What a flow may reach while it runs one event, and what backs each door.
//!
//! * `slack` is always granted and backed by the real Web API client (through the tokio
//!   runtime: capability calls are synchronous and run on the sandbox's blocking thread).
//! * `users` and `store` are symflow's own: backed by the store, scoped to the tenant.
//! * Everything else comes from an [`IntegrationProvider`], and only when the flow's
//!   `sym_environment` declares an integration of that type (PagerDuty, Okta, GitHub, AWS
//!   Lambda). `symflow up` uses the real clients of `host/integrations`
//!   ([`crate::integrations::ServiceIntegrations`]); tests may use [`StandIns`], the
//!   sandbox's recording stand-ins answering from a [`StandInScript`].

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;

use serde::Deserialize;
use serde_json::Value;
use symflow_engine::Run;
use symflow_integrations::{BuiltinStrategy, IntegrationError};
use symflow_sandbox::capabilities::{
    AwsLambdaCapability, GithubCapability, HttpCapability, OktaCapability, PagerdutyCapability,
    SecretsCapability, SlackCapability, StoreCapability, UsersCapability,
};
use symflow_sandbox::recording::{Recorder, Script};
use symflow_sandbox::types::{CapabilityError, Destination, User, UserIdentity};
use symflow_sandbox::Capabilities;
use symflow_slack::{PostMessage, SlackClient};
use symflow_store::{
    EventCountQuery, EventCountScope, IdentityKey, Store, UserRole, DEFAULT_TENANT,
};
use tokio::runtime::Handle;
use uuid::Uuid;

use crate::flows::RuntimeFlow;
use crate::slack_out::{self, resolve_destination};
use crate::users::wit_user_of;

/// The clients behind a flow's integrations. One call per event and integration: return
/// `None` to refuse (the flow then gets `not-granted`).
pub trait IntegrationProvider: Send + Sync {
    fn pagerduty(
        &self,
        flow: &RuntimeFlow,
        integration: &symflow_sandbox::types::Integration,
    ) -> Option<Arc<dyn PagerdutyCapability>>;
    fn okta(
        &self,
        flow: &RuntimeFlow,
        integration: &symflow_sandbox::types::Integration,
    ) -> Option<Arc<dyn OktaCapability>>;
    fn github(
        &self,
        flow: &RuntimeFlow,
        integration: &symflow_sandbox::types::Integration,
    ) -> Option<Arc<dyn GithubCapability>>;
    fn aws_lambda(
        &self,
        flow: &RuntimeFlow,
        integration: &symflow_sandbox::types::Integration,
    ) -> Option<Arc<dyn AwsLambdaCapability>>;
    /// Outbound HTTP through the host (`requests`), with its allow-list.
    fn http(&self, flow: &RuntimeFlow) -> Option<Arc<dyn HttpCapability>>;
    /// Values of the secrets the flow's integrations reference.
    fn secrets(&self, flow: &RuntimeFlow) -> Option<Arc<dyn SecretsCapability>>;

    /// Everything `flow` gets from its integrations for one event (`users` is the host's
    /// user store, for providers that turn service people into Sym users). The default asks
    /// the per-integration methods above.
    fn capabilities(&self, flow: &RuntimeFlow, _users: Arc<dyn UsersCapability>) -> Capabilities {
        let mut caps = Capabilities::none();
        for integration in flow.integrations.values() {
            match integration.integration_type.as_str() {
                "pagerduty" => caps.pagerduty = self.pagerduty(flow, integration),
                "okta" => caps.okta = self.okta(flow, integration),
                "github" => caps.github = self.github(flow, integration),
                "aws_lambda" | "permission_context" => {
                    caps.aws_lambda = self.aws_lambda(flow, integration)
                }
                _ => {}
            }
        }
        caps.http = self.http(flow);
        caps.secrets = self.secrets(flow);
        caps
    }

    /// The host-run access strategy of `flow` (`okta`, `github`, `aws_sso`, `aws_iam`,
    /// `aws_lambda`, `http`); `Ok(None)` when this provider runs none for it.
    fn access_strategy(
        &self,
        _flow: &RuntimeFlow,
    ) -> Result<Option<Box<dyn BuiltinStrategy>>, IntegrationError> {
        Ok(None)
    }

    /// The endpoints, credentials and secrets of the real services, for the log destinations
    /// that write to them (Kinesis, Segment, Datadog); `None` when this provider has no real
    /// services (the stand-ins), in which case the server reads them from its environment.
    fn service_access(&self) -> Option<crate::integrations::ServiceAccess> {
        None
    }
}

/// Scripted answers for the stand-ins, read from a JSON file (`symflow up
/// --stand-in-script FILE` or `SYMFLOW_STAND_IN_SCRIPT`):
///
/// ```json
/// { "on_call": ["alice@example.com"],
///   "okta_groups": {"00g1": ["bob@example.com"]},
///   "slack_groups": {}, "secrets": {"pagerduty_api_key": "..."},
///   "http_hosts": {"api.example.com": "{\"ok\": true}"},
///   "lambda_replies": {"arn:aws:lambda:...": "{\"body\": {}, \"errors\": []}"} }
/// ```
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StandInScript {
    /// Emails PagerDuty reports as on call, for any schedule or policy.
    pub on_call: BTreeSet<String>,
    pub okta_groups: BTreeMap<String, BTreeSet<String>>,
    pub slack_groups: BTreeMap<String, BTreeSet<String>>,
    pub secrets: BTreeMap<String, String>,
    pub http_hosts: BTreeMap<String, String>,
    pub lambda_replies: BTreeMap<String, String>,
}

impl StandInScript {
    pub fn from_file(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            anyhow::anyhow!("cannot read the stand-in script {}: {e}", path.display())
        })?;
        serde_json::from_str(&text).map_err(|e| {
            anyhow::anyhow!("the stand-in script {} is not valid: {e}", path.display())
        })
    }

    fn into_script(self) -> Script {
        Script {
            on_call: self.on_call,
            okta_groups: self.okta_groups,
            slack_groups: self.slack_groups,
            secrets: self.secrets,
            http_hosts: self.http_hosts,
            lambda_replies: self.lambda_replies,
        }
    }
}

/// The sandbox's recording stand-ins as the integrations of every flow: what they were asked
/// is in [`StandIns::recorder`].
#[derive(Clone)]
pub struct StandIns {
    recorder: Recorder,
}

impl StandIns {
    pub fn new(script: StandInScript) -> Self {
        StandIns {
            recorder: Recorder::new(script.into_script()),
        }
    }

    /// Every call flows made to a stand-in, oldest first.
    pub fn recorder(&self) -> &Recorder {
        &self.recorder
    }

    fn shared(&self) -> Arc<Recorder> {
        Arc::new(self.recorder.clone())
    }
}

impl IntegrationProvider for StandIns {
    fn pagerduty(
        &self,
        _: &RuntimeFlow,
        _: &symflow_sandbox::types::Integration,
    ) -> Option<Arc<dyn PagerdutyCapability>> {
        Some(self.shared())
    }
    fn okta(
        &self,
        _: &RuntimeFlow,
        _: &symflow_sandbox::types::Integration,
    ) -> Option<Arc<dyn OktaCapability>> {
        Some(self.shared())
    }
    fn github(
        &self,
        _: &RuntimeFlow,
        _: &symflow_sandbox::types::Integration,
    ) -> Option<Arc<dyn GithubCapability>> {
        Some(self.shared())
    }
    fn aws_lambda(
        &self,
        _: &RuntimeFlow,
        _: &symflow_sandbox::types::Integration,
    ) -> Option<Arc<dyn AwsLambdaCapability>> {
        Some(self.shared())
    }
    fn http(&self, _: &RuntimeFlow) -> Option<Arc<dyn HttpCapability>> {
        Some(self.shared())
    }
    fn secrets(&self, _: &RuntimeFlow) -> Option<Arc<dyn SecretsCapability>> {
        Some(self.shared())
    }
}

/// Builds the capabilities of one event.
#[derive(Clone)]
pub struct CapabilityFactory {
    pub store: Store,
    pub slack: Option<SlackClient>,
    pub integrations: Arc<dyn IntegrationProvider>,
    /// The runtime the Slack client lives on (capability calls block on it).
    pub handle: Handle,
}

impl CapabilityFactory {
    /// What `flow` may reach while serving one event of `run` (none for the flows filter).
    pub fn for_event(&self, flow: Option<&RuntimeFlow>, run: Option<&Run>) -> Capabilities {
        let mut caps = Capabilities::none();
        caps.slack = self.slack.as_ref().map(|client| {
            Arc::new(SlackForFlow {
                client: client.clone(),
                handle: self.handle.clone(),
                store: self.store.clone(),
                run_id: run.and_then(|r| Uuid::parse_str(&r.id).ok()),
                flow: flow.map(|f| f.name().to_string()),
            }) as Arc<dyn SlackCapability>
        });
        let symflow = Arc::new(SymflowDirectory {
            store: self.store.clone(),
            flow: flow.map(|f| f.name().to_string()),
        });
        caps.users = Some(symflow.clone());
        caps.store = Some(symflow.clone());
        let Some(flow) = flow else {
            return caps;
        };
        let from_integrations = self.integrations.capabilities(flow, symflow.clone());
        caps.pagerduty = from_integrations.pagerduty;
        caps.okta = from_integrations.okta;
        caps.github = from_integrations.github;
        caps.aws_lambda = from_integrations.aws_lambda;
        caps.http = from_integrations.http;
        caps.secrets = from_integrations.secrets;
        caps
    }
}

fn slack_error(error: impl std::fmt::Display) -> CapabilityError {
    CapabilityError {
        capability: "slack".into(),
        code: "api-error".into(),
        message: error.to_string(),
    }
}

fn not_found(capability: &str, message: impl Into<String>) -> CapabilityError {
    CapabilityError {
        capability: capability.into(),
        code: "not-found".into(),
        message: message.into(),
    }
}

fn store_error(capability: &str, error: impl std::fmt::Display) -> CapabilityError {
    CapabilityError {
        capability: capability.into(),
        code: "api-error".into(),
        message: error.to_string(),
    }
}

/// `sym.sdk.integrations.slack` backed by the bot's Web API client.
struct SlackForFlow {
    client: SlackClient,
    handle: Handle,
    store: Store,
    run_id: Option<Uuid>,
    /// The flow the event belongs to: it may reply in the threads of its own runs only.
    flow: Option<String>,
}

impl SlackForFlow {
    fn block_on<F: std::future::Future>(&self, future: F) -> F::Output {
        self.handle.block_on(future)
    }

    fn slack_user_id(&self, user: &User) -> Result<String, CapabilityError> {
        if let Some(identity) = user.identities.iter().find(|i| i.service == "slack") {
            return Ok(identity.user_id.clone());
        }
        self.resolve_user(user.email.clone())
    }

    fn wit_user_for_slack_id(&self, slack_user_id: &str) -> Result<User, CapabilityError> {
        let info = self
            .block_on(self.client.users_info(slack_user_id))
            .map_err(slack_error)?;
        let team = info.team_id.clone().unwrap_or_default();
        let email = info
            .email()
            .map(str::to_string)
            .unwrap_or_else(|| format!("{}@slack.invalid", slack_user_id.to_lowercase()));
        let key = IdentityKey::new("slack", &team, slack_user_id);
        let role = if info.is_guest() {
            UserRole::Guest
        } else {
            UserRole::Member
        };
        self.store
            .transaction(|tx| {
                let (user, _) = tx.get_or_create_user_by_email(DEFAULT_TENANT, &email, role)?;
                tx.persist_identity(user.id, &key)?;
                let identities = tx.identities_of(user.id)?;
                Ok::<_, symflow_store::Error>(wit_user_of(&user, identities))
            })
            .map_err(|e| store_error("slack", e))
    }
}

impl SlackCapability for SlackForFlow {
    fn send_message(
        &self,
        destination: Destination,
        message: String,
    ) -> Result<(), CapabilityError> {
        let destination = crate::flow_calls::destination(&destination);
        let channel = self
            .block_on(resolve_destination(&self.client, &destination))
            .map_err(slack_error)?;
        self.block_on(
            self.client
                .chat_post_message(&PostMessage::new(channel, message)),
        )
        .map_err(slack_error)?;
        Ok(())
    }

    fn send_thread_message(&self, run_id: String, message: String) -> Result<(), CapabilityError> {
        let id = Uuid::parse_str(&run_id)
            .ok()
            .or(self.run_id)
            .ok_or_else(|| not_found("slack", "this event belongs to no run"))?;
        let record = self
            .store
            .transaction(|tx| tx.get_run(id))
            .map_err(|e| store_error("slack", e))?
            .ok_or_else(|| not_found("slack", format!("no run {run_id}")))?;
        if Some(id) != self.run_id && self.flow.as_deref() != Some(record.flow.as_str()) {
            return Err(CapabilityError {
                capability: "slack".into(),
                code: "refused".into(),
                message: format!(
                    "run {id} belongs to another flow; a flow may reply only in its own runs' threads"
                ),
            });
        }
        let run = Run::from_json(&record.state_json).map_err(|e| store_error("slack", e))?;
        let card = run.messages.first().ok_or_else(|| {
            not_found("slack", "this request has no Slack message to reply to yet")
        })?;
        self.block_on(self.client.chat_post_message(
            &PostMessage::new(card.channel.clone(), message).in_thread(card.ts.clone()),
        ))
        .map_err(slack_error)?;
        Ok(())
    }

    fn resolve_user(&self, identifier: String) -> Result<String, CapabilityError> {
        let id = identifier.trim();
        if let Some(mention) = id.strip_prefix("<@").and_then(|s| s.strip_suffix('>')) {
            return Ok(mention.to_string());
        }
        if id.contains('@') && !id.starts_with('@') {
            return match self
                .block_on(self.client.users_lookup_by_email(id))
                .map_err(slack_error)?
            {
                Some(user) => Ok(user.id),
                None => Err(not_found(
                    "slack",
                    format!("no Slack user has the e-mail {id}"),
                )),
            };
        }
        if id.starts_with('U') || id.starts_with('W') {
            return Ok(id.to_string());
        }
        Err(not_found(
            "slack",
            format!("cannot find the Slack user {id:?}: use a user id (U…) or an e-mail"),
        ))
    }

    fn get_user_info(&self, user: User) -> Result<String, CapabilityError> {
        let id = self.slack_user_id(&user)?;
        let answer: Value = self
            .block_on(
                self.client
                    .call_form("users.info", &[("user", id.as_str())]),
            )
            .map_err(slack_error)?;
        Ok(answer
            .get("user")
            .cloned()
            .unwrap_or(Value::Null)
            .to_string())
    }

    fn list_users(&self, active_only: bool) -> Result<Vec<User>, CapabilityError> {
        let answer: Value = self
            .block_on(self.client.call_form("users.list", &[("limit", "200")]))
            .map_err(slack_error)?;
        let members = answer
            .get("members")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let mut users = Vec::new();
        for member in members {
            let deleted = member
                .get("deleted")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            let bot = member
                .get("is_bot")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            if bot || (active_only && deleted) {
                continue;
            }
            if let Some(id) = member.get("id").and_then(Value::as_str) {
                users.push(self.wit_user_for_slack_id(id)?);
            }
        }
        Ok(users)
    }

    fn is_user_in_group(&self, user: User, group_id: String) -> Result<bool, CapabilityError> {
        let id = self.slack_user_id(&user)?;
        let answer: Value = self
            .block_on(
                self.client
                    .call_form("usergroups.users.list", &[("usergroup", group_id.as_str())]),
            )
            .map_err(slack_error)?;
        Ok(answer
            .get("users")
            .and_then(Value::as_array)
            .is_some_and(|users| users.iter().any(|u| u.as_str() == Some(id.as_str()))))
    }

    fn users_in_channel(&self, channel: String) -> Result<Vec<User>, CapabilityError> {
        let channel = slack_out::channel_ref(&channel);
        let members = self
            .block_on(self.client.conversations_members_all(&channel))
            .map_err(slack_error)?;
        members
            .iter()
            .map(|id| self.wit_user_for_slack_id(id))
            .collect()
    }
}

/// `sym.sdk.integrations.sym`, `persist_user_identity`, `get_event_count` and the key-value
/// `store`, backed by symflow's store and scoped to the tenant.
struct SymflowDirectory {
    store: Store,
    /// The flow of the event, for `get_event_count(filter_on="flow")`.
    flow: Option<String>,
}

impl UsersCapability for SymflowDirectory {
    fn get_or_create_user_by_email(&self, email: String) -> Result<User, CapabilityError> {
        self.store
            .transaction(|tx| {
                let (user, _) =
                    tx.get_or_create_user_by_email(DEFAULT_TENANT, &email, UserRole::Member)?;
                let identities = tx.identities_of(user.id)?;
                Ok::<_, symflow_store::Error>(wit_user_of(&user, identities))
            })
            .map_err(|e| store_error("users", e))
    }

    fn persist_user_identity(
        &self,
        email: String,
        identity: UserIdentity,
    ) -> Result<UserIdentity, CapabilityError> {
        let key = IdentityKey::new(&identity.service, &identity.service_id, &identity.user_id);
        self.store
            .transaction(|tx| {
                tx.persist_user_identity(DEFAULT_TENANT, &email, &key, UserRole::Member)
            })
            .map_err(|e| store_error("users", e))?;
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
        let actor_user_id = Uuid::parse_str(&user_id)
            .map_err(|_| not_found("users", format!("{user_id:?} is not a symflow user id")))?;
        let scope = match (filter_on.as_str(), &self.flow) {
            ("flow", Some(flow)) => EventCountScope::Flow(flow.clone()),
            _ => EventCountScope::Any,
        };
        let query = EventCountQuery {
            actor_user_id,
            event_type: event_name,
            scope,
            since_ms: since.as_deref().and_then(parse_rfc3339_ms),
            until_ms: until.as_deref().and_then(parse_rfc3339_ms),
            include_errored,
        };
        let count = self
            .store
            .transaction(|tx| tx.count_events(&query))
            .map_err(|e| store_error("users", e))?;
        Ok(u32::try_from(count).unwrap_or(u32::MAX))
    }
}

impl StoreCapability for SymflowDirectory {
    fn fetch(&self, path: String) -> Result<Option<String>, CapabilityError> {
        self.store
            .transaction(|tx| tx.kv_fetch(DEFAULT_TENANT, &path))
            .map_err(|e| store_error("store", e))
    }

    fn put(&self, path: String, value_json: String) -> Result<(), CapabilityError> {
        self.store
            .transaction(|tx| tx.kv_put(DEFAULT_TENANT, &path, &value_json))
            .map_err(|e| store_error("store", e))
    }
}

/// `2024-01-29T10:00:00[.fff][Z|+00:00]` → unix ms (UTC offsets only; others are ignored).
fn parse_rfc3339_ms(text: &str) -> Option<i64> {
    let text = text.trim();
    let (date, time) = text.split_once(['T', ' '])?;
    let mut d = date.split('-').map(|p| p.parse::<i64>());
    let (y, m, day) = (d.next()?.ok()?, d.next()?.ok()?, d.next()?.ok()?);
    let time = time.trim_end_matches('Z').trim_end_matches("+00:00");
    let (hms, frac) = time.split_once('.').unwrap_or((time, "0"));
    let mut t = hms.split(':').map(|p| p.parse::<i64>());
    let (h, min, s) = (
        t.next()?.ok()?,
        t.next()?.ok()?,
        t.next().unwrap_or(Ok(0)).ok()?,
    );
    let millis: i64 = format!("{:0<3}", &frac[..frac.len().min(3)]).parse().ok()?;
    // Days from civil (Howard Hinnant).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(((days * 86_400 + h * 3600 + min * 60 + s) * 1000) + millis)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_times_flows_pass_to_get_event_count() {
        assert_eq!(parse_rfc3339_ms("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            parse_rfc3339_ms("2022-05-10T14:47:29.442Z"),
            Some(1_652_194_049_442)
        );
        assert_eq!(
            parse_rfc3339_ms("2022-05-10T14:47:29"),
            Some(1_652_194_049_000)
        );
        assert_eq!(parse_rfc3339_ms("yesterday"), None);
    }

    #[test]
    fn a_stand_in_script_refuses_unknown_keys() {
        let ok: StandInScript = serde_json::from_str(r#"{"on_call": ["a@b.co"]}"#).unwrap();
        assert!(ok.on_call.contains("a@b.co"));
        assert!(serde_json::from_str::<StandInScript>(r#"{"oncall": []}"#).is_err());
    }
}
