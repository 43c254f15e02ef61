//! The engine's own picture of a flow and of the people acting on it.
//!
//! The configuration crate parses Terraform; this module does not depend on it. The
//! host maps its config into a [`FlowSpec`] once per flow, and each Slack or API user
//! into an [`Actor`], so the state machine only sees what it decides on.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::duration::DEFAULT_DURATION_VALUES;

/// The only template symflow runs.
pub const TEMPLATE_SRN: &str = "sym:template:approval:1.0.0";

/// Where a request came from (`sym_flow.params.allowed_sources`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    Slack,
    Api,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Slack => "slack",
            Source::Api => "api",
        }
    }
}

/// The eight prompt field types (spec §2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    String,
    Int,
    Bool,
    Duration,
    SlackUser,
    SlackUserList,
    StrList,
    IntList,
}

impl FieldType {
    pub fn as_str(self) -> &'static str {
        match self {
            FieldType::String => "string",
            FieldType::Int => "int",
            FieldType::Bool => "bool",
            FieldType::Duration => "duration",
            FieldType::SlackUser => "slack_user",
            FieldType::SlackUserList => "slack_user_list",
            FieldType::StrList => "str_list",
            FieldType::IntList => "int_list",
        }
    }

    /// Whether the value is a list.
    pub fn is_list(self) -> bool {
        matches!(
            self,
            FieldType::SlackUserList | FieldType::StrList | FieldType::IntList
        )
    }
}

/// One `prompt_field` block.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PromptFieldSpec {
    pub name: String,
    pub field_type: FieldType,
    pub label: Option<String>,
    /// Only enforced when the field is visible.
    pub required: bool,
    /// Fallback for optional fields, as written in Terraform (a string).
    pub default: Option<String>,
    pub visible: bool,
    pub allowed_values: Option<Vec<String>>,
    /// Options come from the flow's `@prefetch(field_name=...)` reducer.
    pub prefetch: bool,
}

impl PromptFieldSpec {
    /// A visible, required field with no options.
    pub fn new(name: impl Into<String>, field_type: FieldType) -> Self {
        PromptFieldSpec {
            name: name.into(),
            field_type,
            label: None,
            required: true,
            default: None,
            visible: true,
            allowed_values: None,
            prefetch: false,
        }
    }

    /// The label people see: the configured label, else the name made readable.
    pub fn display_label(&self) -> String {
        match &self.label {
            Some(label) if !label.trim().is_empty() => label.clone(),
            _ => {
                let spaced = self.name.replace(['_', '-'], " ");
                let mut chars = spaced.chars();
                match chars.next() {
                    Some(first) => first.to_uppercase().chain(chars).collect(),
                    None => String::new(),
                }
            }
        }
    }
}

/// A `sym_target` of the flow's strategy: the choices of the `target_id` field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetSpec {
    pub id: String,
    pub name: String,
    pub label: String,
    pub srn: String,
    pub target_type: String,
    /// JSON object of the target's settings.
    pub settings: serde_json::Value,
}

impl TargetSpec {
    pub fn display_label(&self) -> &str {
        if self.label.is_empty() {
            &self.name
        } else {
            &self.label
        }
    }
}

/// Handler names the engine may call (spec §5.2-5.3). `FlowSpec::handlers` holds the
/// subset a flow's `impl.py` defines, as reported by the component's `list-handlers`.
pub mod handler {
    pub const GET_PERMISSIONS: &str = "get_permissions";
    pub const GET_REQUEST_NOTIFICATIONS: &str = "get_request_notifications";
    pub const GET_APPROVERS: &str = "get_approvers";
}

/// One flow (`sym_flow`), as the engine needs it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FlowSpec {
    /// The flow's slug (`sym_flow.name`).
    pub name: String,
    /// Display name in Slack; falls back to `name`.
    pub label: String,
    /// e.g. `acme:flow:approval:latest`.
    pub srn: String,
    /// `params.strategy_id` is set: approve is followed by escalate.
    pub has_strategy: bool,
    /// The strategy's targets (options of the `target_id` field).
    pub targets: Vec<TargetSpec>,
    pub allow_revoke: bool,
    pub schedule_deescalation: bool,
    /// `None` = every source; `Some(vec![])` = the flow cannot be invoked.
    pub allowed_sources: Option<Vec<Source>>,
    pub allow_guest_interaction: bool,
    pub include_decision_message: bool,
    pub additional_header_text: Option<String>,
    pub prompt_fields: Vec<PromptFieldSpec>,
    /// Reducer and hook names the flow's Python defines (`get_permissions`, `on_request`, ...).
    pub handlers: BTreeSet<String>,
}

impl FlowSpec {
    /// A flow with Terraform's defaults: approval-only, `allow_revoke` and
    /// `schedule_deescalation` true, every source allowed, no fields, no handlers.
    pub fn new(name: impl Into<String>, srn: impl Into<String>) -> Self {
        let name = name.into();
        FlowSpec {
            label: name.clone(),
            name,
            srn: srn.into(),
            has_strategy: false,
            targets: Vec::new(),
            allow_revoke: true,
            schedule_deescalation: true,
            allowed_sources: None,
            allow_guest_interaction: false,
            include_decision_message: false,
            additional_header_text: None,
            prompt_fields: Vec::new(),
            handlers: BTreeSet::new(),
        }
    }

    pub fn display_label(&self) -> &str {
        if self.label.trim().is_empty() {
            &self.name
        } else {
            &self.label
        }
    }

    /// Whether the flow's Python defines `name`.
    pub fn has_handler(&self, name: &str) -> bool {
        self.handlers.contains(name)
    }

    /// Whether a request may come from `source`.
    pub fn allows_source(&self, source: Source) -> bool {
        match &self.allowed_sources {
            None => true,
            Some(list) => list.contains(&source),
        }
    }

    /// Access is removed automatically when the duration runs out.
    pub fn needs_duration(&self) -> bool {
        self.has_strategy && self.schedule_deescalation
    }

    /// The fields people fill in: the configured ones plus, for a strategy flow with
    /// scheduled deescalation that has no `duration` field, the `duration` field Sym
    /// injects (`30s`, `10m`, `1h`; spec §4.5). A strategy with several targets and no
    /// `target_id` field also gets one (first), so the requester can choose; with a
    /// single target the choice is made for them (see [`crate::fields`]).
    pub fn effective_prompt_fields(&self) -> Vec<PromptFieldSpec> {
        let mut fields = self.prompt_fields.clone();
        if self.has_strategy
            && self.targets.len() > 1
            && !fields.iter().any(|f| f.name == "target_id")
        {
            let mut target = PromptFieldSpec::new("target_id", FieldType::String);
            target.label = Some("Target".to_string());
            fields.insert(0, target);
        }
        if self.needs_duration() && !fields.iter().any(|f| f.name == "duration") {
            let mut duration = PromptFieldSpec::new("duration", FieldType::Duration);
            duration.label = Some("Duration".to_string());
            duration.allowed_values = Some(
                DEFAULT_DURATION_VALUES
                    .iter()
                    .map(|s| s.to_string())
                    .collect(),
            );
            fields.push(duration);
        }
        fields
    }

    /// The org part of the flow's SRN (`acme` in `acme:flow:approval:latest`).
    pub fn org(&self) -> &str {
        self.srn
            .split(':')
            .next()
            .filter(|s| !s.is_empty())
            .unwrap_or("sym")
    }

    /// The version part of the flow's SRN, `latest` when absent.
    pub fn version(&self) -> &str {
        self.srn
            .split(':')
            .nth(3)
            .filter(|s| !s.is_empty())
            .unwrap_or("latest")
    }

    /// The run's SRN: `<org>:run:<flow>:<version>:<run id>`.
    pub fn run_srn(&self, run_id: &str) -> String {
        format!(
            "{}:run:{}:{}:{}",
            self.org(),
            self.name,
            self.version(),
            run_id
        )
    }

    pub fn target(&self, id: &str) -> Option<&TargetSpec> {
        self.targets.iter().find(|t| t.id == id)
    }
}

/// A user's Sym role (spec §8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Admin,
    Member,
    Guest,
}

/// Someone acting on a run: the requester, an approver, a bot calling the API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    /// Sym user id (UUID); permissions' user-id lists match on it.
    pub user_id: String,
    pub email: String,
    /// The email for normal users, a name for bots.
    pub username: String,
    /// Display name, may be empty.
    pub name: String,
    pub role: Role,
    /// Slack user id (`U...`/`W...`), when the user has a Slack identity.
    pub slack_user_id: Option<String>,
    /// Slack workspace id (`T...`) of that identity.
    pub slack_team_id: Option<String>,
}

impl Actor {
    /// A Slack mention when possible, else the email: `<@U123>` / `alice@example.com`.
    pub fn mention(&self) -> String {
        match &self.slack_user_id {
            Some(id) => format!("<@{id}>"),
            None if !self.email.is_empty() => self.email.clone(),
            None => self.username.clone(),
        }
    }

    pub fn is_same_user(&self, other: &Actor) -> bool {
        self.user_id == other.user_id
    }
}
