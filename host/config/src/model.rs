//! The typed configuration: what a directory of `sym_*` Terraform declares, after evaluation,
//! defaults and validation.
//!
//! This is the crate's product. The engine and the sandbox consume it, so it is plain data:
//! strings are evaluated, defaults from the Sym provider are applied, Python sources are read,
//! and references between resources are [`Link`]s that [`Config::get`] follows. Every resource
//! keeps its Terraform [`Address`] and the `file:line` of its block.
//!
//! Resources are stored per type in `BTreeMap`s keyed by their Terraform name (the second label
//! of the `resource` block), so iteration order is stable.

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;
use std::path::PathBuf;

use crate::diagnostic::SourceLocation;

/// The `sym_*` resource types symflow understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ResourceType {
    /// `sym_environment`
    Environment,
    /// `sym_integration`
    Integration,
    /// `sym_error_logger`
    ErrorLogger,
    /// `sym_flow`
    Flow,
    /// `sym_strategy`
    Strategy,
    /// `sym_target`
    Target,
    /// `sym_secrets` (a secrets source)
    SecretSource,
    /// `sym_secret`
    Secret,
    /// `sym_runtime`
    Runtime,
    /// `sym_log_destination`
    LogDestination,
    /// `sym_flows_filter`
    FlowsFilter,
}

impl ResourceType {
    /// All types, in the order they are described in the spec.
    pub const ALL: [ResourceType; 11] = [
        ResourceType::Environment,
        ResourceType::Integration,
        ResourceType::ErrorLogger,
        ResourceType::Flow,
        ResourceType::Strategy,
        ResourceType::Target,
        ResourceType::SecretSource,
        ResourceType::Secret,
        ResourceType::Runtime,
        ResourceType::LogDestination,
        ResourceType::FlowsFilter,
    ];

    /// The Terraform type name, e.g. `sym_flow`.
    pub fn terraform_name(self) -> &'static str {
        match self {
            ResourceType::Environment => "sym_environment",
            ResourceType::Integration => "sym_integration",
            ResourceType::ErrorLogger => "sym_error_logger",
            ResourceType::Flow => "sym_flow",
            ResourceType::Strategy => "sym_strategy",
            ResourceType::Target => "sym_target",
            ResourceType::SecretSource => "sym_secrets",
            ResourceType::Secret => "sym_secret",
            ResourceType::Runtime => "sym_runtime",
            ResourceType::LogDestination => "sym_log_destination",
            ResourceType::FlowsFilter => "sym_flows_filter",
        }
    }

    /// Parses a Terraform type name.
    pub fn from_terraform_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|ty| ty.terraform_name() == name)
    }
}

impl fmt::Display for ResourceType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.terraform_name())
    }
}

/// The key of one instance of a resource or module that sets `count` (`[0]`) or `for_each`
/// (`["prod"]`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum InstanceKey {
    /// `count.index`
    Int(i64),
    /// `each.key`
    Str(String),
}

impl fmt::Display for InstanceKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InstanceKey::Int(i) => write!(f, "[{i}]"),
            InstanceKey::Str(s) => write!(f, "[{}]", serde_json::Value::String(s.clone())),
        }
    }
}

/// A Terraform resource address such as `sym_flow.demo`, `module.prod.sym_flow.demo` or
/// `module.envs["sandbox"].sym_flow.demo[0]`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Address {
    /// The module instance it is declared in: empty for the root module, else
    /// `module.prod`, `module.envs["sandbox"]`, `module.a.module.b`.
    pub module: String,
    /// The resource type.
    pub resource_type: ResourceType,
    /// The resource's Terraform name (second block label), e.g. `demo`.
    pub name: String,
    /// The `count` / `for_each` key, when the resource sets one.
    pub key: Option<InstanceKey>,
}

impl Address {
    /// The address of a resource of the root module without `count` or `for_each`.
    pub fn root(resource_type: ResourceType, name: impl Into<String>) -> Self {
        Address {
            module: String::new(),
            resource_type,
            name: name.into(),
            key: None,
        }
    }

    /// The key of the resource in its type's map of [`Config`]: the address without the type,
    /// so a root resource is keyed by its name (`demo`) and others by
    /// `module.prod.demo` or `demo[0]`.
    pub fn config_key(&self) -> String {
        let mut key = String::new();
        if !self.module.is_empty() {
            key.push_str(&self.module);
            key.push('.');
        }
        key.push_str(&self.name);
        if let Some(instance) = &self.key {
            key.push_str(&instance.to_string());
        }
        key
    }

    /// Parses an address as [`Address`]'s `Display` writes it. `None` when it is not the
    /// address of a `sym_*` resource symflow knows.
    pub fn parse(text: &str) -> Option<Address> {
        let mut rest = text;
        let mut module = String::new();
        while let Some(after) = rest.strip_prefix("module.") {
            let name_end = after.find(['.', '[']).unwrap_or(after.len());
            let (name, mut tail) = after.split_at(name_end);
            let mut step = format!("module.{name}");
            if tail.starts_with('[') {
                let (key, after_key) = split_key(tail)?;
                step.push_str(&key.to_string());
                tail = after_key;
            }
            if !module.is_empty() {
                module.push('.');
            }
            module.push_str(&step);
            rest = tail.strip_prefix('.')?;
        }
        let (resource_type, tail) = rest.split_once('.')?;
        let resource_type = ResourceType::from_terraform_name(resource_type)?;
        let name_end = tail.find('[').unwrap_or(tail.len());
        let (name, tail) = tail.split_at(name_end);
        if name.is_empty() || name.contains('.') {
            return None;
        }
        let key = if tail.is_empty() {
            None
        } else {
            let (key, after) = split_key(tail)?;
            if !after.is_empty() {
                return None;
            }
            Some(key)
        };
        Some(Address {
            module,
            resource_type,
            name: name.to_owned(),
            key,
        })
    }
}

/// Splits `[0]rest` or `["k"]rest` into the key and the rest.
fn split_key(text: &str) -> Option<(InstanceKey, &str)> {
    let inner = text.strip_prefix('[')?;
    if inner.starts_with('"') {
        // A JSON string: find its closing quote, honouring escapes.
        let mut escaped = false;
        for (i, c) in inner.char_indices().skip(1) {
            match c {
                '\\' if !escaped => escaped = true,
                '"' if !escaped => {
                    let key: String = serde_json::from_str(&inner[..=i]).ok()?;
                    let rest = inner[i + 1..].strip_prefix(']')?;
                    return Some((InstanceKey::Str(key), rest));
                }
                _ => escaped = false,
            }
        }
        None
    } else {
        let end = inner.find(']')?;
        let index = inner[..end].parse().ok()?;
        Some((InstanceKey::Int(index), &inner[end + 1..]))
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.module.is_empty() {
            write!(f, "{}.", self.module)?;
        }
        write!(f, "{}.{}", self.resource_type, self.name)?;
        if let Some(key) = &self.key {
            write!(f, "{key}")?;
        }
        Ok(())
    }
}

/// A value Terraform only knows after `terraform apply` that symflow could not take from
/// Terraform state: a module output, another provider's computed attribute, a data source.
///
/// It is kept as such in the model (never as text), so whatever needs it fails with
/// [`Unknown`]'s message instead of sending a placeholder to a service.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Unknown {
    /// The reference it comes from, as written: `module.sso.settings["instance_arn"]`.
    pub reference: String,
}

impl fmt::Display for Unknown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} is only known after terraform apply: run terraform apply, then pass --tf-state \
             (terraform.tfstate, or a file written by `terraform show -json` or `terraform output -json`)",
            self.reference
        )
    }
}

impl std::error::Error for Unknown {}

/// A value that may only be known after `terraform apply`.
pub type Known<T> = Result<T, Unknown>;

/// Where a resource was declared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceMeta {
    /// Its Terraform address (`sym_flow.demo`).
    pub address: Address,
    /// The line of its `resource "..." "..." {` header.
    pub location: SourceLocation,
}

/// A reference from one resource to another, e.g. a flow's `environment_id`.
///
/// Either a resource declared in the loaded directory (follow it with [`Config::get`]; after a
/// successful load it always resolves to a resource of type `T`), or something Terraform would
/// only know at apply time and symflow cannot see: a module output, a data source, a literal id
/// (kept as written, e.g. `"${module.runtime_connector.sym_runtime.id}"`).
pub struct Link<T> {
    target: LinkTarget,
    _points_to: PhantomData<fn() -> T>,
}

/// What a [`Link`] points at.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum LinkTarget {
    /// A `sym_*` resource declared in this directory.
    Resource(Address),
    /// A value from outside the directory (module output, data source, literal id).
    External(String),
}

impl<T> Link<T> {
    pub(crate) fn new(target: LinkTarget) -> Self {
        Link {
            target,
            _points_to: PhantomData,
        }
    }

    /// What the link points at.
    pub fn target(&self) -> &LinkTarget {
        &self.target
    }

    /// The address, when the link points at a resource of this directory.
    pub fn address(&self) -> Option<&Address> {
        match &self.target {
            LinkTarget::Resource(address) => Some(address),
            LinkTarget::External(_) => None,
        }
    }

    /// The opaque value, when the link points outside the directory.
    pub fn external(&self) -> Option<&str> {
        match &self.target {
            LinkTarget::Resource(_) => None,
            LinkTarget::External(value) => Some(value),
        }
    }
}

impl<T> Clone for Link<T> {
    fn clone(&self) -> Self {
        Link::new(self.target.clone())
    }
}

impl<T> PartialEq for Link<T> {
    fn eq(&self, other: &Self) -> bool {
        self.target == other.target
    }
}

impl<T> Eq for Link<T> {}

impl<T> fmt::Debug for Link<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.target {
            LinkTarget::Resource(address) => write!(f, "Link({address})"),
            LinkTarget::External(value) => write!(f, "Link(external {value:?})"),
        }
    }
}

impl<T> fmt::Display for Link<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.target {
            LinkTarget::Resource(address) => write!(f, "{address}"),
            LinkTarget::External(value) => f.write_str(value),
        }
    }
}

/// Python source given to a resource, and the file it was read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PythonSource {
    /// The file contents.
    pub source: String,
    /// The resolved file, when the value came from `file(...)` (flows, on_change, flows filter)
    /// or is a path (strategies). `None` when the source was written inline or built in a local.
    pub path: Option<PathBuf>,
}

/// One value of a `settings` map (a `Map(String)` in the provider).
///
/// Secret references are kept apart from plain text so a consumer can resolve them through
/// [`crate::secrets`] and never confuse an id with a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SettingValue {
    /// A plain string.
    Text(String),
    /// A `sym_secret` reference (`api_token_secret = sym_secret.x.id`).
    Secret(Link<Secret>),
    /// A list of secrets, from `secret_ids_json = jsonencode([sym_secret.a.id, ...])`
    /// (custom integrations).
    SecretList(Vec<Link<Secret>>),
    /// A reference to another `sym_*` resource that is not a secret
    /// (e.g. `context_id = sym_integration.runtime_context.id`).
    Resource(Address),
    /// A value known only after `terraform apply` that the Terraform state did not give.
    Unknown(Unknown),
}

impl SettingValue {
    /// The text, for [`SettingValue::Text`].
    pub fn as_text(&self) -> Option<&str> {
        match self {
            SettingValue::Text(text) => Some(text),
            _ => None,
        }
    }

    /// The text, or why it is not known yet; `Ok(None)` for references (secrets, resources).
    pub fn known_text(&self) -> Result<Option<&str>, &Unknown> {
        match self {
            SettingValue::Text(text) => Ok(Some(text)),
            SettingValue::Unknown(unknown) => Err(unknown),
            _ => Ok(None),
        }
    }
}

/// A `settings` map.
pub type Settings = BTreeMap<String, SettingValue>;

/// The key under which a `settings` (or `vars`) map that is only known after `terraform
/// apply` as a whole (`settings = module.runtime_connector.settings`) holds its
/// [`SettingValue::Unknown`]; [`setting`] falls back to it.
pub const WHOLE_MAP_KEY: &str = "*";

/// `settings[key]`, or the unknown whole map when the map is only known after apply.
pub fn setting<'a>(settings: &'a Settings, key: &str) -> Option<&'a SettingValue> {
    settings.get(key).or_else(|| settings.get(WHOLE_MAP_KEY))
}

/// `provider "sym" { ... }`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provider {
    /// The Sym org id (`S-VJ2IYOCQ74`, or an older slug).
    pub org: String,
    /// Name of the environment variable holding the bot token (`SYM_JWT` when `None`).
    pub jwt_env_var: Option<String>,
    /// The `provider "sym"` line.
    pub location: SourceLocation,
}

/// `sym_environment`: integrations and settings shared by the flows that use it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Environment {
    /// Address and location.
    pub meta: ResourceMeta,
    /// The slug (`name`).
    pub name: String,
    /// Display name.
    pub label: Option<String>,
    /// `runtime_id`.
    pub runtime: Option<Link<Runtime>>,
    /// `error_logger_id`.
    pub error_logger: Option<Link<ErrorLogger>>,
    /// `log_destination_ids`.
    pub log_destinations: Vec<Link<LogDestination>>,
    /// `integrations`, keyed as the SDK sees them: `slack_id` becomes `slack`.
    pub integrations: BTreeMap<String, Link<Integration>>,
}

/// `sym_integration`: credentials and context for one external service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Integration {
    /// Address and location.
    pub meta: ResourceMeta,
    /// `type`, e.g. `slack`, `okta`, `pagerduty`, `custom`, `permission_context`.
    pub integration_type: String,
    /// The slug (`name`).
    pub name: String,
    /// `external_id`: Slack workspace id, Okta domain, PagerDuty subdomain, ... (an AWS
    /// account or SSO instance from a module output may only be known after apply).
    pub external_id: Known<String>,
    /// Display name.
    pub label: Option<String>,
    /// `settings`, with secret references told apart.
    pub settings: Settings,
}

/// `sym_error_logger`: the Slack channel that receives flow errors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorLogger {
    /// Address and location.
    pub meta: ResourceMeta,
    /// `integration_id` (a Slack integration).
    pub integration: Link<Integration>,
    /// `destination`, e.g. `#sym-errors`.
    pub destination: String,
}

impl ErrorLogger {
    /// The slug Sym derives from the destination (`#sym-errors` → `sym-errors`).
    pub fn slug(&self) -> &str {
        self.destination.trim_start_matches('#')
    }
}

/// The eight `prompt_field` types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldType {
    /// `string`
    String,
    /// `int`
    Int,
    /// `bool`
    Bool,
    /// `duration` (seconds in the SDK; values like `30m` in `allowed_values`)
    Duration,
    /// `slack_user`
    SlackUser,
    /// `slack_user_list`
    SlackUserList,
    /// `str_list`
    StrList,
    /// `int_list`
    IntList,
}

impl FieldType {
    /// All types.
    pub const ALL: [FieldType; 8] = [
        FieldType::String,
        FieldType::Int,
        FieldType::Bool,
        FieldType::Duration,
        FieldType::SlackUser,
        FieldType::SlackUserList,
        FieldType::StrList,
        FieldType::IntList,
    ];

    /// The name written in Terraform.
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

    /// Parses the Terraform name.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|ty| ty.as_str() == name)
    }
}

impl fmt::Display for FieldType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One `prompt_field` block: an input of the Slack request modal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PromptField {
    /// `name`: key in `event.payload.fields`.
    pub name: String,
    /// `type`.
    pub field_type: FieldType,
    /// `label` shown in Slack.
    pub label: Option<String>,
    /// `required` (default true; enforced only when visible).
    pub required: bool,
    /// `default`, as a string.
    pub default: Option<String>,
    /// `visible` (default true).
    pub visible: bool,
    /// `allowed_values`: when set, the field is a dropdown.
    pub allowed_values: Option<Vec<String>>,
    /// `prefetch` (default false): options come from a `@prefetch(field_name=...)` reducer.
    pub prefetch: bool,
    /// `on_change`: Python defining `on_change_<name>`.
    pub on_change: Option<PythonSource>,
    /// The `prompt_field {` line.
    pub location: SourceLocation,
}

/// Where a flow may be invoked from (`allowed_sources`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RequestSource {
    /// `"slack"`
    Slack,
    /// `"api"`
    Api,
}

impl RequestSource {
    /// The name written in Terraform.
    pub fn as_str(self) -> &'static str {
        match self {
            RequestSource::Slack => "slack",
            RequestSource::Api => "api",
        }
    }
}

/// A flow's `params` block with the provider's defaults applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowParams {
    /// `strategy_id`; `None` (unset or empty) means an approval-only flow.
    pub strategy: Option<Link<Strategy>>,
    /// `allow_revoke` (default true).
    pub allow_revoke: bool,
    /// `schedule_deescalation` (default true).
    pub schedule_deescalation: bool,
    /// `allowed_sources`: `None` = every source; `Some(vec![])` = the flow cannot be invoked.
    pub allowed_sources: Option<Vec<RequestSource>>,
    /// `additional_header_text` (Slack markdown) appended to the request modal header.
    pub additional_header_text: Option<String>,
    /// `allow_guest_interaction` (default false).
    pub allow_guest_interaction: bool,
    /// `include_decision_message` (default false).
    pub include_decision_message: bool,
    /// `prompt_field` blocks, in order.
    pub prompt_fields: Vec<PromptField>,
}

impl Default for FlowParams {
    fn default() -> Self {
        FlowParams {
            strategy: None,
            allow_revoke: true,
            schedule_deescalation: true,
            allowed_sources: None,
            additional_header_text: None,
            allow_guest_interaction: false,
            include_decision_message: false,
            prompt_fields: Vec::new(),
        }
    }
}

impl FlowParams {
    /// Whether the flow may be invoked from `source`.
    pub fn allows_source(&self, source: RequestSource) -> bool {
        self.allowed_sources
            .as_ref()
            .is_none_or(|sources| sources.contains(&source))
    }

    /// The prompt field with this name.
    pub fn prompt_field(&self, name: &str) -> Option<&PromptField> {
        self.prompt_fields.iter().find(|field| field.name == name)
    }
}

/// `sym_flow`: one access-request workflow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flow {
    /// Address and location.
    pub meta: ResourceMeta,
    /// The slug (`name`).
    pub name: String,
    /// Display name in Slack.
    pub label: Option<String>,
    /// The impl.py source (`implementation = file(...)`).
    pub implementation: PythonSource,
    /// `environment_id`.
    pub environment: Link<Environment>,
    /// `vars`, all strings (`event.flow.vars`).
    pub vars: BTreeMap<String, String>,
    /// `vars` whose value is only known after `terraform apply` (e.g.
    /// `aws_lambda_function.x.arn` not in the state): a flow reading one fails with the reason.
    pub unknown_vars: BTreeMap<String, Unknown>,
    /// `params`, defaults applied.
    pub params: FlowParams,
}

impl Flow {
    /// True when the flow has no strategy (approve/deny only, no escalation).
    pub fn is_approval_only(&self) -> bool {
        self.params.strategy.is_none()
    }
}

/// `sym_strategy`: how access is granted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Strategy {
    /// Address and location.
    pub meta: ResourceMeta,
    /// `type`, e.g. `okta`, `aws_sso`, `custom`.
    pub strategy_type: String,
    /// The slug (`name`).
    pub name: String,
    /// Display name.
    pub label: Option<String>,
    /// `integration_id` (required for every type but `http`).
    pub integration: Option<Link<Integration>>,
    /// `targets`, in order.
    pub targets: Vec<Link<Target>>,
    /// `settings`.
    pub settings: Settings,
    /// For `custom` strategies: the Python file named by `implementation` (a path), read.
    pub implementation: Option<PythonSource>,
}

/// `sym_target`: something access can be requested to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// Address and location.
    pub meta: ResourceMeta,
    /// `type`, e.g. `okta_group`, `custom`.
    pub target_type: String,
    /// The slug (`name`).
    pub name: String,
    /// Display name.
    pub label: Option<String>,
    /// `settings`.
    pub settings: Settings,
    /// `field_bindings`: settings filled from prompt fields of the same name.
    pub field_bindings: Vec<String>,
}

/// `sym_secrets`: where secrets live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretSource {
    /// Address and location.
    pub meta: ResourceMeta,
    /// `type`, e.g. `aws_secrets_manager`.
    pub source_type: String,
    /// The slug (`name`).
    pub name: String,
    /// Display name.
    pub label: Option<String>,
    /// `settings` (e.g. `context_id`).
    pub settings: Settings,
}

/// `sym_secret`: one secret in a source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Secret {
    /// Address and location.
    pub meta: ResourceMeta,
    /// `path`: the secret's name in the source (e.g. `sym/demo/okta-api-key`).
    pub path: String,
    /// `source_id`.
    pub source: Link<SecretSource>,
    /// Display name.
    pub label: Option<String>,
    /// `settings`; `json_key` selects one key of a JSON secret.
    pub settings: Settings,
}

impl Secret {
    /// `settings.json_key`, when the secret is a JSON document and one key is wanted.
    pub fn json_key(&self) -> Option<&str> {
        self.settings
            .get("json_key")
            .and_then(SettingValue::as_text)
    }
}

/// `sym_runtime`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Runtime {
    /// Address and location.
    pub meta: ResourceMeta,
    /// The slug (`name`).
    pub name: String,
    /// Display name.
    pub label: Option<String>,
    /// `context_id` (a `permission_context` integration).
    pub context: Option<Link<Integration>>,
}

/// `sym_log_destination`: where audit events stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogDestination {
    /// Address and location.
    pub meta: ResourceMeta,
    /// `type`: `kinesis_firehose`, `kinesis_data_stream`, `segment`, `http`, `datadog`, `file`.
    pub destination_type: String,
    /// `integration_id`.
    pub integration: Option<Link<Integration>>,
    /// `settings`.
    pub settings: Settings,
}

impl LogDestination {
    /// The settings of a destination's `integration_id` integration that may name the
    /// `sym_secret` holding the service's key, in the order they are looked at: Segment's
    /// write key (`api_token_secret` as Sym's provider documents it, or `write_key_secret`),
    /// Datadog's API key (`api_key_secret`). Empty for types that need no key.
    pub fn key_settings(destination_type: &str) -> &'static [&'static str] {
        match destination_type {
            "segment" => &["api_token_secret", "write_key_secret"],
            "datadog" => &["api_key_secret"],
            _ => &[],
        }
    }
}

/// `sym_flows_filter`: decides which flows a user sees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowsFilter {
    /// Address and location.
    pub meta: ResourceMeta,
    /// Python defining `get_flows(user, flows, flows_filter_vars)`.
    pub implementation: PythonSource,
    /// `vars`.
    pub vars: BTreeMap<String, String>,
    /// `integrations`, keyed without `_id`.
    pub integrations: BTreeMap<String, Link<Integration>>,
}

/// A module instance of the configuration (the root module is the one with an empty address).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleInstance {
    /// `""` for the root, else `module.prod`, `module.envs["sandbox"]`, ...
    pub address: String,
    /// The directory its `.tf` files were read from.
    pub dir: PathBuf,
    /// The `module "..." {` line that called it (`None` for the root).
    pub location: Option<SourceLocation>,
}

/// Where values known only after `terraform apply` were taken from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateSource {
    /// The file read.
    pub path: PathBuf,
    /// What kind of file it is (state, `show -json`, `output -json`).
    pub format: String,
    /// How many resource instances and root outputs it held.
    pub resources: usize,
    /// Root outputs.
    pub outputs: usize,
}

/// A loaded configuration directory.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Config {
    /// The directory it was loaded from.
    pub root: PathBuf,
    /// The root module and every module instance it calls, in address order.
    pub modules: Vec<ModuleInstance>,
    /// The Sym provider major the configuration is written for.
    pub provider_version: Option<crate::tf::providers::ProviderVersion>,
    /// The Terraform state (or outputs) values were taken from, if any.
    pub state: Option<StateSource>,
    /// `provider "sym"`, when declared.
    pub provider: Option<Provider>,
    /// `sym_environment` by Terraform name.
    pub environments: BTreeMap<String, Environment>,
    /// `sym_integration` by Terraform name.
    pub integrations: BTreeMap<String, Integration>,
    /// `sym_error_logger` by Terraform name.
    pub error_loggers: BTreeMap<String, ErrorLogger>,
    /// `sym_flow` by Terraform name.
    pub flows: BTreeMap<String, Flow>,
    /// `sym_strategy` by Terraform name.
    pub strategies: BTreeMap<String, Strategy>,
    /// `sym_target` by Terraform name.
    pub targets: BTreeMap<String, Target>,
    /// `sym_secrets` by Terraform name.
    pub secret_sources: BTreeMap<String, SecretSource>,
    /// `sym_secret` by Terraform name.
    pub secrets: BTreeMap<String, Secret>,
    /// `sym_runtime` by Terraform name.
    pub runtimes: BTreeMap<String, Runtime>,
    /// `sym_log_destination` by Terraform name.
    pub log_destinations: BTreeMap<String, LogDestination>,
    /// `sym_flows_filter` by Terraform name (Sym allows one per org).
    pub flows_filters: BTreeMap<String, FlowsFilter>,
}

/// A model type that a [`Link`] can point at.
pub trait LinkedResource: Sized {
    /// Its Terraform type.
    const TYPE: ResourceType;
    /// The map of this type in a [`Config`].
    fn all(config: &Config) -> &BTreeMap<String, Self>;
}

macro_rules! linked_resource {
    ($ty:ty, $variant:ident, $field:ident) => {
        impl LinkedResource for $ty {
            const TYPE: ResourceType = ResourceType::$variant;
            fn all(config: &Config) -> &BTreeMap<String, Self> {
                &config.$field
            }
        }
    };
}

linked_resource!(Environment, Environment, environments);
linked_resource!(Integration, Integration, integrations);
linked_resource!(ErrorLogger, ErrorLogger, error_loggers);
linked_resource!(Flow, Flow, flows);
linked_resource!(Strategy, Strategy, strategies);
linked_resource!(Target, Target, targets);
linked_resource!(SecretSource, SecretSource, secret_sources);
linked_resource!(Secret, Secret, secrets);
linked_resource!(Runtime, Runtime, runtimes);
linked_resource!(LogDestination, LogDestination, log_destinations);
linked_resource!(FlowsFilter, FlowsFilter, flows_filters);

impl Config {
    /// Follows a link to a resource of this directory (`None` for external links).
    pub fn get<T: LinkedResource>(&self, link: &Link<T>) -> Option<&T> {
        self.resource(link.address()?)
    }

    /// The resource at `address`.
    pub fn resource<T: LinkedResource>(&self, address: &Address) -> Option<&T> {
        if address.resource_type != T::TYPE {
            return None;
        }
        T::all(self).get(&address.config_key())
    }

    /// The flow whose slug (`name`, not the Terraform name) is `slug`, case-insensitively as
    /// Sym compares slugs.
    pub fn flow_by_slug(&self, slug: &str) -> Option<&Flow> {
        self.flows
            .values()
            .find(|flow| flow.name.eq_ignore_ascii_case(slug))
    }

    /// Everything a flow needs at run time, with links followed.
    pub fn resolve_flow<'a>(&'a self, flow: &'a Flow) -> ResolvedFlow<'a> {
        let environment = self.get(&flow.environment);
        let integrations = environment
            .map(|env| {
                env.integrations
                    .iter()
                    .filter_map(|(key, link)| Some((key.as_str(), self.get(link)?)))
                    .collect()
            })
            .unwrap_or_default();
        let error_logger = environment
            .and_then(|env| env.error_logger.as_ref())
            .and_then(|link| self.get(link));
        let strategy = flow
            .params
            .strategy
            .as_ref()
            .and_then(|link| self.get(link))
            .map(|strategy| ResolvedStrategy {
                strategy,
                integration: strategy
                    .integration
                    .as_ref()
                    .and_then(|link| self.get(link)),
                targets: strategy
                    .targets
                    .iter()
                    .filter_map(|link| self.get(link))
                    .collect(),
            });
        ResolvedFlow {
            flow,
            environment,
            integrations,
            error_logger,
            strategy,
        }
    }
}

/// A flow with its environment, integrations, error logger and strategy looked up.
#[derive(Debug, Clone)]
pub struct ResolvedFlow<'a> {
    /// The flow.
    pub flow: &'a Flow,
    /// Its environment (`None` only when `environment_id` is external).
    pub environment: Option<&'a Environment>,
    /// The environment's integrations, keyed without `_id` (`slack`, `pagerduty`).
    pub integrations: BTreeMap<&'a str, &'a Integration>,
    /// The environment's error logger.
    pub error_logger: Option<&'a ErrorLogger>,
    /// The strategy with its integration and targets (`None` for approval-only flows).
    pub strategy: Option<ResolvedStrategy<'a>>,
}

/// A strategy with its integration and targets looked up.
#[derive(Debug, Clone)]
pub struct ResolvedStrategy<'a> {
    /// The strategy.
    pub strategy: &'a Strategy,
    /// Its integration.
    pub integration: Option<&'a Integration>,
    /// Its targets, in order.
    pub targets: Vec<&'a Target>,
}
