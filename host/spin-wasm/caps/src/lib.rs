//! The capabilities a flow imports (`sym:flow/slack`, `store`, `secrets`, `http`, `log`, ...),
//! implemented over what Spin gives a component: outbound HTTP (limited by the app's
//! `allowed_outbound_hosts`), the key-value store and variables. Composed *under* each flow
//! component at build time, so the flow's imports are satisfied inside the composition and the
//! composed component imports only Spin's interfaces.
//!
//! The HTTP component sets the call context (`symflow:spin/context.set`) before every flow
//! call: tenant, flow, run, granted integrations and secrets. A capability of an integration the
//! flow's environment does not declare answers `not-granted`, as on the native host. What the
//! native host does that this component does not do yet answers `not-supported-on-spin`, with
//! the reason; `docs/spin.md` lists them. `users.persist_user_identity` keeps identities in the
//! key-value store ([`identities`]); PagerDuty's `is_on_call` ([`on_call`]) and Okta's
//! membership helpers ([`okta_api`]) call the services over outbound HTTP.

mod bindings {
    wit_bindgen::generate!({
        world: "symflow:spin/capabilities",
        path: "../wit",
        generate_all,
    });
}

mod event_count;
mod github_api;
mod identities;
mod okta_api;
mod on_call;
mod outbound;
mod slack_api;

use std::cell::RefCell;

use bindings::exports::sym::flow::types::{
    CapabilityError, Destination, User, UserIdentity, UserRole,
};
use bindings::exports::sym::flow::{
    aws_lambda, github, http, log, okta, pagerduty, secrets, slack, store, users,
};
use bindings::exports::symflow::spin::context::{self, CallContext};
use bindings::exports::symflow::spin::strategies;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

struct Capabilities;

bindings::export!(Capabilities with_types_in bindings);

thread_local! {
    static CONTEXT: RefCell<Option<CallContext>> = const { RefCell::new(None) };
    static LOG: RefCell<String> = const { RefCell::new(String::new()) };
}

fn with_context<T>(f: impl FnOnce(&CallContext) -> T) -> Option<T> {
    CONTEXT.with(|c| c.borrow().as_ref().map(f))
}

fn error(capability: &str, code: &str, message: impl Into<String>) -> CapabilityError {
    CapabilityError {
        capability: capability.into(),
        code: code.into(),
        message: message.into(),
    }
}

/// Refuses a capability of an integration the flow's environment does not declare.
fn granted(capability: &str) -> Result<CallContext, CapabilityError> {
    let ctx = with_context(Clone::clone).ok_or_else(|| {
        error(
            capability,
            "no-context",
            "a capability was called outside a flow call",
        )
    })?;
    let always = matches!(capability, "secrets" | "store" | "users" | "log" | "http");
    if always || ctx.granted.iter().any(|g| g == capability) {
        Ok(ctx)
    } else {
        Err(error(
            capability,
            "not-granted",
            format!("the flow's environment declares no {capability} integration"),
        ))
    }
}

fn not_supported(capability: &str, what: &str) -> CapabilityError {
    error(
        capability,
        "not-supported-on-spin",
        format!("{what} is not available when symflow runs on Spin yet; run this flow on the native host (`symflow up`) or see docs/spin.md"),
    )
}

fn variable(name: &str) -> Option<String> {
    spin_sdk::variables::get(name)
        .ok()
        .filter(|v| !v.trim().is_empty())
}

fn kv() -> Result<spin_sdk::key_value::Store, CapabilityError> {
    spin_sdk::key_value::Store::open_default()
        .map_err(|e| error("store", "unavailable", e.to_string()))
}

/// The built-in strategies under Spin ([`strategies`] in spin.wit): `okta` (group membership)
/// and `github` (repository collaborator).
impl strategies::Guest for Capabilities {
    fn escalate(kind: String, settings_json: String, user: User) -> Result<String, String> {
        let settings = target_settings(&settings_json);
        match kind.as_str() {
            "okta" => {
                let group = required_setting(&settings, "okta", "group_id", "00g…")?;
                let id = okta_api::add_to_group(&user, &group).map_err(|e| e.message)?;
                Ok(json!({ "group_id": group, "user_id": id }).to_string())
            }
            "github" => {
                let repo = required_setting(&settings, "github", "repo_name", "api")?;
                let permission = settings["permission"].as_str().unwrap_or("push");
                let login = github_api::add_collaborator(&user, &repo, permission)
                    .map_err(|e| e.message)?;
                Ok(json!({ "repo_name": repo, "login": login, "permission": permission })
                    .to_string())
            }
            other => Err(unsupported_strategy(other)),
        }
    }

    fn deescalate(
        kind: String,
        settings_json: String,
        user: User,
        granted_json: Option<String>,
    ) -> Result<String, String> {
        let settings = target_settings(&settings_json);
        let granted: Value = granted_json
            .and_then(|g| serde_json::from_str(&g).ok())
            .unwrap_or(Value::Null);
        let recorded = |key: &str| {
            granted[key]
                .as_str()
                .filter(|v| !v.is_empty())
                .map(str::to_string)
        };
        match kind.as_str() {
            "okta" => {
                let group = required_setting(&settings, "okta", "group_id", "00g…")?;
                let id = match recorded("user_id") {
                    Some(id) => id,
                    None => match okta_api::okta_id(&user).map_err(|e| e.message)? {
                        Some(id) => id,
                        // Not an Okta user: there is nothing to take back.
                        None => {
                            return Ok(json!({ "group_id": group, "removed": false }).to_string())
                        }
                    },
                };
                let removed = okta_api::remove_from_group(&id, &group).map_err(|e| e.message)?;
                Ok(json!({ "group_id": group, "user_id": id, "removed": removed }).to_string())
            }
            "github" => {
                let repo = required_setting(&settings, "github", "repo_name", "api")?;
                let login = match recorded("login") {
                    Some(login) => login,
                    None => match github_api::login_of(&user).map_err(|e| e.message)? {
                        Some(login) => login,
                        None => {
                            return Ok(json!({ "repo_name": repo, "removed": false }).to_string())
                        }
                    },
                };
                let removed =
                    github_api::remove_collaborator(&login, &repo).map_err(|e| e.message)?;
                Ok(json!({ "repo_name": repo, "login": login, "removed": removed }).to_string())
            }
            other => Err(unsupported_strategy(other)),
        }
    }
}

fn target_settings(settings_json: &str) -> Value {
    serde_json::from_str(settings_json).unwrap_or(Value::Null)
}

/// A target setting a built-in strategy needs, or how to set it.
fn required_setting(
    settings: &Value,
    kind: &str,
    name: &str,
    example: &str,
) -> Result<String, String> {
    settings[name]
        .as_str()
        .filter(|v| !v.is_empty())
        .map(str::to_string)
        .ok_or_else(|| {
            format!("the {kind} target has no {name} setting; set `settings = {{ {name} = \"{example}\" }}` on its sym_target")
        })
}

fn unsupported_strategy(kind: &str) -> String {
    format!(
        "symflow cannot grant or remove access with a `{kind}` strategy on Spin yet; `okta`, `github` and `custom` (a Python AccessStrategy) run there (docs/spin.md)"
    )
}

impl context::Guest for Capabilities {
    fn set(ctx: CallContext) {
        CONTEXT.with(|c| *c.borrow_mut() = Some(ctx));
        LOG.with(|l| l.borrow_mut().clear());
    }

    fn take_log() -> String {
        LOG.with(|l| std::mem::take(&mut *l.borrow_mut()))
    }
}

impl log::Guest for Capabilities {
    fn write(level: log::Level, message: String) {
        let level = match level {
            log::Level::Debug => "debug",
            log::Level::Info => "info",
            log::Level::Warning => "warning",
            log::Level::Error => "error",
        };
        LOG.with(|l| {
            let mut l = l.borrow_mut();
            if l.len() < 64 * 1024 {
                l.push_str(&format!("{level}: {message}\n"));
            }
        });
    }
}

/// Slack Web API with the app's bot token.
fn slack_call(ctx: &CallContext, method: &str, args: Value) -> Result<Value, CapabilityError> {
    let token = variable("slack_bot_token").ok_or_else(|| {
        error(
            "slack",
            "not-configured",
            "the Spin variable slack_bot_token is not set",
        )
    })?;
    let base = if ctx.slack_api_base.ends_with('/') {
        ctx.slack_api_base.clone()
    } else {
        format!("{}/", ctx.slack_api_base)
    };
    let response = outbound::send(
        "POST",
        &format!("{base}{method}"),
        &[
            ("authorization".into(), format!("Bearer {token}")),
            (
                "content-type".into(),
                "application/json; charset=utf-8".into(),
            ),
        ],
        Some(args.to_string().into_bytes()),
    )
    .map_err(|e| error("slack", "unreachable", e))?;
    let value: Value = serde_json::from_slice(&response.body)
        .map_err(|e| error("slack", "bad-answer", e.to_string()))?;
    if value["ok"].as_bool() == Some(true) {
        Ok(value)
    } else {
        Err(error(
            "slack",
            value["error"].as_str().unwrap_or("error"),
            format!("Slack's {method} failed"),
        ))
    }
}

impl slack::Guest for Capabilities {
    fn send_message(destination: Destination, message: String) -> Result<(), CapabilityError> {
        let ctx = granted("slack")?;
        let channel = match destination {
            Destination::SlackChannel(c) | Destination::SlackUser(c) => c,
            Destination::SlackGroup(users) => {
                let opened = slack_call(
                    &ctx,
                    "conversations.open",
                    json!({ "users": users.join(",") }),
                )?;
                opened["channel"]["id"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string()
            }
            Destination::User(user) => {
                match user.identities.iter().find(|i| i.service == "slack") {
                    Some(identity) => identity.user_id.clone(),
                    None => user.email.clone(),
                }
            }
        };
        slack_call(
            &ctx,
            "chat.postMessage",
            json!({ "channel": channel, "text": message }),
        )
        .map(drop)
    }

    fn send_thread_message(run_id: String, message: String) -> Result<(), CapabilityError> {
        let ctx = granted("slack")?;
        slack_api::send_thread_message(&ctx, &run_id, &message)
    }

    fn resolve_user(identifier: String) -> Result<String, CapabilityError> {
        let ctx = granted("slack")?;
        let id = identifier.trim();
        if let Some(inner) = id.strip_prefix("<@").and_then(|s| s.strip_suffix('>')) {
            return Ok(inner.to_string());
        }
        if id.contains('@') && !id.starts_with('@') {
            let found = slack_call(&ctx, "users.lookupByEmail", json!({ "email": id }))?;
            return Ok(found["user"]["id"].as_str().unwrap_or_default().to_string());
        }
        Ok(id.trim_start_matches('@').to_string())
    }

    fn get_user_info(user: User) -> Result<String, CapabilityError> {
        let ctx = granted("slack")?;
        let id = user
            .identities
            .iter()
            .find(|i| i.service == "slack")
            .map(|i| i.user_id.clone());
        let id = id.ok_or_else(|| {
            error(
                "slack",
                "no-identity",
                format!("{} has no Slack identity", user.email),
            )
        })?;
        Ok(slack_call(&ctx, "users.info", json!({ "user": id }))?["user"].to_string())
    }

    fn list_users(active_only: bool) -> Result<Vec<User>, CapabilityError> {
        let ctx = granted("slack")?;
        slack_api::list_users(&ctx, active_only)
    }

    fn is_user_in_group(user: User, group_id: String) -> Result<bool, CapabilityError> {
        let ctx = granted("slack")?;
        slack_api::is_user_in_group(&ctx, &user, &group_id)
    }

    fn users_in_channel(channel: String) -> Result<Vec<User>, CapabilityError> {
        let ctx = granted("slack")?;
        slack_api::users_in_channel(&ctx, &channel)
    }
}

impl pagerduty::Guest for Capabilities {
    fn is_on_call(user: User, query: pagerduty::OnCallQuery) -> Result<bool, CapabilityError> {
        granted("pagerduty")?;
        crate::on_call::is_on_call(&user, &query)
    }
    fn users_on_call(query: pagerduty::OnCallQuery) -> Result<Vec<User>, CapabilityError> {
        granted("pagerduty")?;
        crate::on_call::users_on_call(&query)
    }
    fn users_for_schedule(query: pagerduty::OnCallQuery) -> Result<Vec<User>, CapabilityError> {
        granted("pagerduty")?;
        crate::on_call::users_for_schedule(&query)
    }
    fn get_incidents(query: pagerduty::IncidentQuery) -> Result<String, CapabilityError> {
        granted("pagerduty")?;
        crate::on_call::get_incidents(&query)
    }
}

impl okta::Guest for Capabilities {
    fn is_user_in_group(user: User, group_id: String) -> Result<bool, CapabilityError> {
        granted("okta")?;
        crate::okta_api::is_user_in_group(&user, &group_id)
    }
    fn users_in_group(group_id: String) -> Result<Vec<User>, CapabilityError> {
        granted("okta")?;
        crate::okta_api::users_in_group(&group_id)
    }
    fn get_user_info(user: User) -> Result<String, CapabilityError> {
        granted("okta")?;
        crate::okta_api::get_user_info(&user)
    }
    fn list_groups(
        name_filter: Option<String>,
        filter: Option<String>,
        expand: Option<String>,
        only_native: bool,
    ) -> Result<String, CapabilityError> {
        granted("okta")?;
        crate::okta_api::list_groups(
            name_filter.as_deref(),
            filter.as_deref(),
            expand.as_deref(),
            only_native,
        )
    }
}

impl github::Guest for Capabilities {
    fn get_repo_collaborators(
        repo: String,
        roles: Vec<String>,
    ) -> Result<Vec<User>, CapabilityError> {
        granted("github")?;
        github_api::get_repo_collaborators(&repo, &roles)
    }
}

impl aws_lambda::Guest for Capabilities {
    fn invoke(_arn: String, _payload: String) -> Result<String, CapabilityError> {
        granted("aws_lambda")?;
        Err(not_supported("aws_lambda", "AWS Lambda (request signing)"))
    }
    fn invoke_async(_arn: String, _payload: String) -> Result<bool, CapabilityError> {
        granted("aws_lambda")?;
        Err(not_supported("aws_lambda", "AWS Lambda (request signing)"))
    }
}

impl http::Guest for Capabilities {
    fn send(request: http::Request) -> Result<http::Response, CapabilityError> {
        granted("http")?;
        // Spin refuses hosts outside the app's allowed_outbound_hosts: that is the allow-list.
        let response = outbound::send(
            &request.method,
            &request.url,
            &request.headers,
            request.body,
        )
        .map_err(|e| error("http", "request-failed", e))?;
        Ok(http::Response {
            status: response.status,
            headers: response.headers,
            body: response.body,
            url: request.url,
        })
    }
}

impl secrets::Guest for Capabilities {
    fn retrieve_value(secret_id: String) -> Result<String, CapabilityError> {
        let ctx = granted("secrets")?;
        let Some(given) = ctx.secrets.iter().find(|s| s.id == secret_id) else {
            return Err(error(
                "secrets",
                "not-granted",
                format!("the flow was not given the secret {secret_id:?}: only secrets referenced in the settings of its environment's integrations (or its strategy's integration) may be read"),
            ));
        };
        let var = &given.variable;
        let value = variable(var).ok_or_else(|| {
            error(
                "secrets",
                "not-set",
                format!(
                    "the flow's secret {secret_id:?} has no value on Spin. Set the secret Spin variable {var} (SPIN_VARIABLE_{} for `spin up`) and declare it in spin.toml's [variables] and [component.symflow.variables].",
                    var.to_ascii_uppercase()
                ),
            )
        })?;
        let Some(key) = &given.json_key else {
            return Ok(value);
        };
        // `settings.json_key`: the variable holds a JSON object; the secret is one key of it.
        let found = serde_json::from_str::<Value>(&value)
            .ok()
            .and_then(|doc| match doc.get(key)? {
                Value::String(text) => Some(text.clone()),
                Value::Null => None,
                other => Some(other.to_string()),
            });
        found.ok_or_else(|| {
            error(
                "secrets",
                "bad-value",
                format!("the flow's secret {secret_id:?} has json_key {key:?}, but the Spin variable {var} is not a JSON object with that key"),
            )
        })
    }
}

impl store::Guest for Capabilities {
    fn fetch(path: String) -> Result<Option<String>, CapabilityError> {
        let ctx = granted("store")?;
        let bytes = kv()?
            .get(&format!("{}/flowstore/{path}", ctx.tenant))
            .map_err(|e| error("store", "unavailable", e.to_string()))?;
        Ok(bytes.map(|b| String::from_utf8_lossy(&b).into_owned()))
    }

    fn put(path: String, value_json: String) -> Result<(), CapabilityError> {
        let ctx = granted("store")?;
        if value_json.len() > 1_000_000 {
            return Err(error(
                "store",
                "too-large",
                "a stored value must be under 1 MB (the hosted key-value limit)",
            ));
        }
        kv()?
            .set(
                &format!("{}/flowstore/{path}", ctx.tenant),
                value_json.as_bytes(),
            )
            .map_err(|e| error("store", "unavailable", e.to_string()))
    }
}

/// The symflow user with this e-mail (a stable id from the e-mail) and the identities stored
/// for them in the current tenant's key-value store.
fn user_for_email(email: &str) -> User {
    let tenant = with_context(|c| c.tenant.clone()).unwrap_or_default();
    let identities = kv()
        .ok()
        .and_then(|store| identities::read(&store, &identities::key(&tenant, email)).ok())
        .unwrap_or_default()
        .into_iter()
        .map(|i| UserIdentity {
            service: i.service,
            service_id: i.service_id,
            user_id: i.user_id,
        })
        .collect();
    let digest =
        hex::encode(&Sha256::digest(format!("email:{}", email.to_lowercase()).as_bytes())[..16]);
    User {
        id: format!(
            "{}-{}-{}-{}-{}",
            &digest[..8],
            &digest[8..12],
            &digest[12..16],
            &digest[16..20],
            &digest[20..32]
        ),
        email: email.to_string(),
        username: email.to_string(),
        user_type: "normal".into(),
        first_name: String::new(),
        last_name: String::new(),
        role: UserRole::Member,
        identities,
    }
}

impl users::Guest for Capabilities {
    fn get_or_create_user_by_email(email: String) -> Result<User, CapabilityError> {
        granted("users")?;
        Ok(user_for_email(&email))
    }

    fn persist_user_identity(
        email: String,
        identity: UserIdentity,
    ) -> Result<UserIdentity, CapabilityError> {
        let ctx = granted("users")?;
        if email.trim().is_empty() || !email.contains('@') {
            return Err(error(
                "users",
                "invalid-email",
                format!("persist_user_identity needs the user's e-mail address, not {email:?}"),
            ));
        }
        if identity.service.is_empty() || identity.user_id.is_empty() {
            return Err(error(
                "users",
                "invalid-identity",
                "an identity needs a service and a user id",
            ));
        }
        let store = kv().map_err(|e| error("users", &e.code, e.message))?;
        let key = identities::key(&ctx.tenant, &email);
        let stored =
            identities::read(&store, &key).map_err(|e| error("users", "unavailable", e))?;
        let updated = identities::with(
            stored,
            identities::StoredIdentity {
                service: identity.service.clone(),
                service_id: identity.service_id.clone(),
                user_id: identity.user_id.clone(),
            },
        )
        .map_err(|e| error("users", "too-many-identities", e))?;
        let bytes = serde_json::to_vec(&updated).expect("identities serialise");
        store
            .set(&key, &bytes)
            .map_err(|e| error("users", "unavailable", format!("writing {key}: {e}")))?;
        Ok(identity)
    }

    fn get_event_count(
        user_id: String,
        event_name: String,
        since: Option<String>,
        until: Option<String>,
        filter_on: String,
        include_errored: bool,
    ) -> Result<u32, CapabilityError> {
        let ctx = granted("users")?;
        event_count::count(
            &ctx,
            &event_count::Query {
                user_id: &user_id,
                event_name: &event_name,
                since: since.as_deref(),
                until: until.as_deref(),
                filter_on: &filter_on,
                include_errored,
            },
        )
    }
}
