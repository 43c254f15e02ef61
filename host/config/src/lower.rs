//! Turning evaluated `sym_*` blocks into the typed [`crate::model`], applying the provider's
//! schema (required attributes, types, defaults) and Sym's validation rules on the way.
//!
//! Rules are checked here, while each attribute's `file:line` is still at hand, rather than on
//! the finished model (which keeps locations only per resource and per prompt field). Each rule
//! is a small function named after what it checks, called from the resource it applies to.
//!
//! A value known only after `terraform apply` is treated by where it is: in `settings`,
//! `external_id` and `vars` it is kept as [`Unknown`] (whatever needs it later fails with the
//! reason); where symflow needs it to build the flow at all (a name, a type, a prompt field)
//! `symflow validate` shows a placeholder and skips the rules on it, and every other command
//! refuses the configuration with a message naming the value.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::diagnostic::{Diagnostic, SourceLocation};
use crate::eval::{EvaluatedAttribute, EvaluatedBlock, EvaluatedResource, Mode};
use crate::model::*;
use crate::paths::resolve_path;
use crate::slug::name_problem;
use crate::strategy_types;
use crate::tf::providers::ProviderVersion;
use crate::tf::value::Value;

/// What the model builder needs to know about the whole load.
pub(crate) struct LowerContext<'a> {
    pub root: &'a Path,
    pub mode: Mode,
    pub provider_version: &'a ProviderVersion,
    /// Root variables without a value (`var.x`): their unknowns were reported at the variable.
    pub missing_variables: &'a BTreeSet<String>,
}

/// Builds the model from evaluated resources; problems go to `diagnostics`.
pub(crate) fn lower(
    ctx: &LowerContext,
    resources: &[EvaluatedResource],
    providers: &[EvaluatedBlock],
    diagnostics: &mut Vec<Diagnostic>,
) -> Config {
    let mut lowerer = Lowerer {
        ctx,
        diagnostics,
        config: Config {
            root: ctx.root.to_path_buf(),
            provider_version: Some(ctx.provider_version.clone()),
            ..Config::default()
        },
    };
    for provider in providers {
        lowerer.provider(provider);
    }
    for resource in resources {
        lowerer.resource(resource);
    }
    lowerer.check_cross_resource_rules();
    lowerer.config
}

struct Lowerer<'a> {
    ctx: &'a LowerContext<'a>,
    diagnostics: &'a mut Vec<Diagnostic>,
    config: Config,
}

/// A string attribute that may be known only after apply.
#[derive(Clone)]
enum Text {
    Known(String),
    Unknown(Unknown),
}

/// Reads typed attributes from one evaluated block, reporting type errors and missing
/// required attributes against `what` (e.g. `sym_flow.demo` or `prompt_field "reason"`).
struct Reader<'b> {
    block: &'b EvaluatedBlock,
    what: String,
    mode: Mode,
    missing_variables: &'b BTreeSet<String>,
    problems: Vec<Diagnostic>,
    /// Attributes whose value is only known after apply (a placeholder was used in validate).
    unknown_keys: BTreeSet<String>,
}

impl<'b> Reader<'b> {
    fn new(block: &'b EvaluatedBlock, what: impl Into<String>, ctx: &'b LowerContext) -> Self {
        Reader {
            block,
            what: what.into(),
            mode: ctx.mode,
            missing_variables: ctx.missing_variables,
            problems: Vec::new(),
            unknown_keys: BTreeSet::new(),
        }
    }

    fn attribute(&self, key: &str) -> Option<&'b EvaluatedAttribute> {
        self.block.attributes.get(key)
    }

    /// The attribute's value with sensitive marks taken off (the model holds plain values).
    fn value(&self, key: &str) -> Option<Value> {
        self.attribute(key).map(|a| a.value.clone().unmark_deep().0)
    }

    fn location_of(&self, key: &str) -> SourceLocation {
        self.attribute(key)
            .map(|a| a.location.clone())
            .unwrap_or_else(|| self.block.location.clone())
    }

    fn is_unknown(&self, key: &str) -> bool {
        self.unknown_keys.contains(key)
    }

    fn type_error(&mut self, key: &str, expected: &str, got: &Value) {
        let location = self.location_of(key);
        let sensitive = self.attribute(key).is_some_and(|a| a.value.is_sensitive());
        self.problems.push(
            Diagnostic::error(
                Some(location),
                format!(
                    "`{key}` of {} must be {expected}, got {}",
                    self.what,
                    if sensitive {
                        "a sensitive value".to_owned()
                    } else {
                        describe(got)
                    }
                ),
            )
            .with_fix(format!("write `{key}` as {expected}")),
        );
    }

    fn missing(&mut self, key: &str, example: &str) {
        if self.block.failed.contains(key) {
            return; // its evaluation error is already reported
        }
        self.problems.push(
            Diagnostic::error(
                Some(self.location_of(key)),
                if self.attribute(key).is_some() {
                    format!("the required attribute `{key}` of {} is null", self.what)
                } else {
                    format!("{} is missing the required attribute `{key}`", self.what)
                },
            )
            .with_fix(format!("add `{key} = {example}` to the block")),
        );
    }

    /// A value only known after apply where symflow needs it now: a placeholder in validate,
    /// an error for the other commands (unless a missing variable already said why).
    fn needed_now(&mut self, key: &str, unknown: &crate::tf::value::Unknown) -> Option<String> {
        self.unknown_keys.insert(key.to_owned());
        let location = self.location_of(key);
        match self.mode {
            Mode::Validate => Some(format!("(known after apply: {})", unknown.origin)),
            Mode::Run => {
                if !self.missing_variables.contains(&unknown.origin) {
                    self.problems.push(
                        Diagnostic::error(
                            Some(location),
                            format!(
                                "`{key}` of {} depends on {}, which is only known after terraform apply",
                                self.what, unknown.origin
                            ),
                        )
                        .with_fix("run terraform apply, then pass --tf-state (terraform.tfstate, or a file written by `terraform show -json` or `terraform output -json`); or write the value in the configuration"),
                    );
                }
                None
            }
        }
    }

    /// A string attribute; numbers and bools are converted as Terraform does.
    fn text(&mut self, key: &str) -> Option<Text> {
        let value = self.value(key)?;
        match value {
            Value::Null => None,
            Value::String(s) => Some(Text::Known(s)),
            Value::Number(_) | Value::Bool(_) => value.to_tf_string().map(Text::Known),
            Value::Unknown(unknown) => Some(Text::Unknown(Unknown {
                reference: unknown.origin,
            })),
            other => {
                self.type_error(key, "a string", &other);
                None
            }
        }
    }

    /// A string attribute symflow needs to build the model (names, types, labels).
    fn string(&mut self, key: &str) -> Option<String> {
        match self.text(key)? {
            Text::Known(s) => Some(s),
            Text::Unknown(unknown) => self.needed_now(
                key,
                &crate::tf::value::Unknown {
                    origin: unknown.reference,
                },
            ),
        }
    }

    /// Whether a (required) attribute is not written, or written as `null`.
    fn is_absent_or_null(&self, key: &str) -> bool {
        self.attribute(key)
            .is_none_or(|a| matches!(a.value.clone().unmark_deep().0, Value::Null))
    }

    fn required_string(&mut self, key: &str, example: &str) -> Option<String> {
        let value = self.string(key);
        if value.is_none() && self.is_absent_or_null(key) {
            self.missing(key, example);
        }
        value
    }

    fn bool(&mut self, key: &str, default: bool) -> bool {
        let Some(value) = self.value(key) else {
            return default;
        };
        match value {
            Value::Bool(b) => b,
            Value::Null => default,
            Value::String(s) if s == "true" => true,
            Value::String(s) if s == "false" => false,
            Value::Unknown(unknown) => {
                self.needed_now(key, &unknown);
                default
            }
            other => {
                self.type_error(key, "true or false", &other);
                default
            }
        }
    }

    /// A whole map or list known only after apply.
    fn unknown_collection(
        &mut self,
        key: &str,
        unknown: &crate::tf::value::Unknown,
        treated_as: &str,
    ) {
        if self.missing_variables.contains(&unknown.origin) {
            return;
        }
        self.unknown_keys.insert(key.to_owned());
        let location = self.location_of(key);
        let message = format!(
            "`{key}` of {} depends on {}, which is only known after terraform apply",
            self.what, unknown.origin
        );
        let diagnostic = match self.mode {
            Mode::Validate => Diagnostic::warning(
                Some(location),
                format!("{message}; symflow validate treats it as {treated_as}"),
            ),
            Mode::Run => Diagnostic::error(Some(location), message),
        };
        self.problems.push(diagnostic.with_fix(
            "run terraform apply, then pass --tf-state (or keep terraform.tfstate in this directory); or write the value in the configuration",
        ));
    }

    /// A list of strings; `None` when the attribute is absent or null.
    fn string_list(&mut self, key: &str) -> Option<Vec<String>> {
        self.text_list(key).map(|items| {
            items
                .into_iter()
                .filter_map(|item| match item {
                    Text::Known(s) => Some(s),
                    Text::Unknown(unknown) => self.needed_now(
                        key,
                        &crate::tf::value::Unknown {
                            origin: unknown.reference,
                        },
                    ),
                })
                .collect()
        })
    }

    /// A list of strings whose elements may be unknown.
    fn text_list(&mut self, key: &str) -> Option<Vec<Text>> {
        let value = self.value(key)?;
        match value {
            Value::Null => None,
            Value::Unknown(unknown) => {
                self.unknown_collection(key, &unknown, "an empty list");
                None
            }
            Value::List(items) => {
                let mut out = Vec::with_capacity(items.len());
                for item in &items {
                    match item {
                        Value::Unknown(unknown) => out.push(Text::Unknown(Unknown {
                            reference: unknown.origin.clone(),
                        })),
                        other => match other.to_tf_string() {
                            Some(s) => out.push(Text::Known(s)),
                            None => {
                                self.type_error(
                                    key,
                                    "a list of strings",
                                    &Value::List(items.clone()),
                                );
                                return None;
                            }
                        },
                    }
                }
                Some(out)
            }
            other => {
                self.type_error(key, "a list of strings", &other);
                None
            }
        }
    }

    /// A `map(string)` attribute whose values may be unknown.
    fn text_map(&mut self, key: &str) -> BTreeMap<String, Text> {
        let Some(value) = self.value(key) else {
            return BTreeMap::new();
        };
        match value {
            Value::Null => BTreeMap::new(),
            // The whole map is only known after apply: one entry under WHOLE_MAP_KEY.
            Value::Unknown(unknown) => BTreeMap::from([(
                WHOLE_MAP_KEY.to_owned(),
                Text::Unknown(Unknown {
                    reference: unknown.origin,
                }),
            )]),
            Value::Map(object) => {
                let mut out = BTreeMap::new();
                for (name, value) in object {
                    match value {
                        Value::Unknown(unknown) => {
                            out.insert(
                                name,
                                Text::Unknown(Unknown {
                                    reference: unknown.origin,
                                }),
                            );
                        }
                        other => match other.to_tf_string() {
                            Some(s) => {
                                out.insert(name, Text::Known(s));
                            }
                            None => {
                                let location = self.location_of(key);
                                self.problems.push(
                                    Diagnostic::error(
                                        Some(location),
                                        format!(
                                            "`{key}.{name}` of {} must be a string, got {}",
                                            self.what,
                                            describe(&other)
                                        ),
                                    )
                                    .with_fix(format!(
                                        "every value of `{key}` is a string; use jsonencode(...) for structured values"
                                    )),
                                );
                            }
                        },
                    }
                }
                out
            }
            other => {
                self.type_error(key, "a map of strings", &other);
                BTreeMap::new()
            }
        }
    }

    /// A `map(string)` symflow needs in full now (unknown values become placeholders/errors).
    fn string_map(&mut self, key: &str) -> BTreeMap<String, String> {
        let map = self.text_map(key);
        let mut out = BTreeMap::new();
        for (name, text) in map {
            match text {
                Text::Known(s) => {
                    out.insert(name, s);
                }
                Text::Unknown(unknown) => {
                    if let Some(placeholder) = self.needed_now(
                        key,
                        &crate::tf::value::Unknown {
                            origin: unknown.reference,
                        },
                    ) {
                        out.insert(name, placeholder);
                    }
                }
            }
        }
        out
    }

    /// A reference attribute (`environment_id = sym_environment.this.id`).
    fn link<T: LinkedResource>(&mut self, key: &str) -> Option<Link<T>> {
        match self.text(key)? {
            Text::Known(value) => self.link_from_value(key, &value),
            Text::Unknown(unknown) => Some(Link::new(LinkTarget::External(unknown.reference))),
        }
    }

    fn link_from_value<T: LinkedResource>(&mut self, key: &str, value: &str) -> Option<Link<T>> {
        match parse_reference(value) {
            Some(Reference::Sym(address)) if address.resource_type == T::TYPE => {
                Some(Link::new(LinkTarget::Resource(address)))
            }
            Some(Reference::Sym(address)) => {
                let location = self.location_of(key);
                self.problems.push(
                    Diagnostic::error(
                        Some(location),
                        format!(
                            "`{key}` of {} must reference a {}, not {address}",
                            self.what,
                            T::TYPE
                        ),
                    )
                    .with_fix(format!("use `{}.<name>.id`", T::TYPE)),
                );
                None
            }
            // An undefined `sym_*` type was reported during evaluation.
            Some(Reference::UnknownSym) => None,
            None => Some(Link::new(LinkTarget::External(value.to_owned()))),
        }
    }

    fn link_list<T: LinkedResource>(&mut self, key: &str) -> Vec<Link<T>> {
        self.text_list(key)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|text| match text {
                Text::Known(value) => self.link_from_value(key, &value),
                Text::Unknown(unknown) => Some(Link::new(LinkTarget::External(unknown.reference))),
            })
            .collect()
    }

    /// A value only known after apply that is kept as such (a setting, a var, an
    /// `external_id`): fine until something reads it. `symflow validate` says nothing, as
    /// `terraform validate`; the commands that run flows warn, naming what will fail.
    fn kept_unknown(&mut self, what: &str, unknown: &Unknown) {
        if self.mode == Mode::Validate || self.missing_variables.contains(&unknown.reference) {
            return;
        }
        let key = what.split(['.', '[']).next().unwrap_or(what).to_owned();
        let location = self.location_of(&key);
        self.problems.push(
            Diagnostic::warning(
                Some(location),
                format!(
                    "`{what}` of {} is {}, which is only known after terraform apply: whatever reads it fails until symflow is given the Terraform state",
                    self.what, unknown.reference
                ),
            )
            .with_fix("run terraform apply, then pass --tf-state (or keep terraform.tfstate in this directory)"),
        );
    }

    /// `settings`: strings, with secret and resource references told apart.
    fn settings(&mut self, key: &str) -> Settings {
        let map = self.text_map(key);
        let mut settings = Settings::new();
        for (name, text) in map {
            let value = match text {
                Text::Known(value) => value,
                Text::Unknown(unknown) => {
                    let what = if name == WHOLE_MAP_KEY {
                        key.to_owned()
                    } else {
                        format!("{key}.{name}")
                    };
                    self.kept_unknown(&what, &unknown);
                    settings.insert(name, SettingValue::Unknown(unknown));
                    continue;
                }
            };
            let setting = if name == "secret_ids_json" {
                match serde_json::from_str::<Vec<String>>(&value) {
                    Ok(ids) => SettingValue::SecretList(
                        ids.iter()
                            .filter_map(|id| self.link_from_value::<Secret>(key, id))
                            .collect(),
                    ),
                    Err(_) => {
                        let location = self.location_of(key);
                        self.problems.push(
                            Diagnostic::error(
                                Some(location),
                                format!("`{key}.secret_ids_json` of {} is not a JSON list of secret ids", self.what),
                            )
                            .with_fix("write `secret_ids_json = jsonencode([sym_secret.a.id, sym_secret.b.id])`"),
                        );
                        continue;
                    }
                }
            } else {
                setting_value(&value)
            };
            settings.insert(name, setting);
        }
        settings
    }

    /// Reports attributes the provider does not define (typos such as `enviroment_id`).
    fn warn_unknown_attributes(&mut self, known: &[&str]) {
        let unknown: Vec<(&String, &EvaluatedAttribute)> = self
            .block
            .attributes
            .iter()
            .filter(|(key, _)| !known.contains(&key.as_str()))
            .collect();
        for (key, attribute) in unknown {
            self.problems.push(
                Diagnostic::warning(
                    Some(attribute.location.clone()),
                    format!("{} has no attribute `{key}`; it is ignored", self.what),
                )
                .with_fix(format!(
                    "check the spelling; known attributes: {}",
                    known.join(", ")
                )),
            );
        }
    }

    fn finish(self, diagnostics: &mut Vec<Diagnostic>) {
        diagnostics.extend(self.problems);
    }
}

/// A parsed reference string.
enum Reference {
    /// `${<address of a sym_ resource>.id}` for a known type.
    Sym(Address),
    /// `${sym_<unknown>.<name>.id}`.
    UnknownSym,
}

/// Recognises the strings evaluation gives to `sym_*` resource ids
/// (`${module.prod.sym_integration.slack.id}`).
fn parse_reference(value: &str) -> Option<Reference> {
    let inner = value.strip_prefix("${")?.strip_suffix(".id}")?;
    if inner.contains("${") {
        return None;
    }
    if let Some(address) = Address::parse(inner) {
        return Some(Reference::Sym(address));
    }
    let last = inner.rsplit("module.").next().unwrap_or(inner);
    let resource_type = last.rsplit_once('.').map(|(t, _)| t).unwrap_or(last);
    let resource_type = resource_type.rsplit('.').next().unwrap_or(resource_type);
    resource_type
        .starts_with("sym_")
        .then_some(Reference::UnknownSym)
}

fn setting_value(value: &str) -> SettingValue {
    match parse_reference(value) {
        Some(Reference::Sym(address)) if address.resource_type == ResourceType::Secret => {
            SettingValue::Secret(Link::new(LinkTarget::Resource(address)))
        }
        Some(Reference::Sym(address)) => SettingValue::Resource(address),
        Some(Reference::UnknownSym) | None => SettingValue::Text(value.to_owned()),
    }
}

fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("the bool {b}"),
        Value::Number(n) => format!("the number {}", crate::tf::value::format_number(*n)),
        Value::String(s) => format!("the string {s:?}"),
        Value::List(_) => "a list".into(),
        Value::Map(_) => "a map".into(),
        Value::Unknown(unknown) => format!("{}, known only after apply", unknown.origin),
        Value::Sensitive(_) => "a sensitive value".into(),
    }
}

/// `integrations = { slack_id = ... }` → `slack`.
fn integration_key(key: &str) -> String {
    key.strip_suffix("_id").unwrap_or(key).to_owned()
}

const FLOW_ATTRIBUTES: &[&str] = &[
    "name",
    "label",
    "implementation",
    "environment_id",
    "vars",
    "params",
];
const PARAMS_ATTRIBUTES: &[&str] = &[
    "strategy_id",
    "allow_revoke",
    "schedule_deescalation",
    "allowed_sources",
    "additional_header_text",
    "allow_guest_interaction",
    "include_decision_message",
];
const PROMPT_FIELD_ATTRIBUTES: &[&str] = &[
    "name",
    "type",
    "required",
    "label",
    "default",
    "visible",
    "allowed_values",
    "prefetch",
    "on_change",
];

impl Lowerer<'_> {
    fn meta(&self, resource_type: ResourceType, resource: &EvaluatedResource) -> ResourceMeta {
        ResourceMeta {
            address: Address {
                module: resource.module.clone(),
                resource_type,
                name: resource.name.clone(),
                key: resource.key.clone(),
            },
            location: resource.body.location.clone(),
        }
    }

    fn provider(&mut self, block: &EvaluatedBlock) {
        let mut reader = Reader::new(block, "provider \"sym\"", self.ctx);
        reader.warn_unknown_attributes(&["org", "jwt_env_var", "alias", "api_url"]);
        let org = reader.required_string("org", "\"S-XXXXXXXXXX\"");
        let jwt_env_var = reader.string("jwt_env_var");
        reader.finish(self.diagnostics);
        if let Some(org) = org {
            if self.config.provider.is_none() {
                self.config.provider = Some(Provider {
                    org,
                    jwt_env_var,
                    location: block.location.clone(),
                });
            }
        }
    }

    fn resource(&mut self, resource: &EvaluatedResource) {
        let Some(resource_type) = ResourceType::from_terraform_name(&resource.resource_type) else {
            self.diagnostics.push(
                Diagnostic::warning(
                    Some(resource.body.location.clone()),
                    format!(
                        "`{}` is not a resource type symflow knows; it is ignored",
                        resource.resource_type
                    ),
                )
                .with_fix(format!(
                    "check the spelling; known types: {}",
                    ResourceType::ALL
                        .map(ResourceType::terraform_name)
                        .join(", ")
                )),
            );
            return;
        };
        let meta = self.meta(resource_type, resource);
        let what = meta.address.to_string();
        let mut reader = Reader::new(&resource.body, what, self.ctx);
        let name = meta.address.config_key();
        match resource_type {
            ResourceType::Environment => {
                if let Some(environment) = self.environment(&mut reader, meta) {
                    self.config.environments.insert(name, environment);
                }
            }
            ResourceType::Integration => {
                if let Some(integration) = integration(&mut reader, meta) {
                    self.config.integrations.insert(name, integration);
                }
            }
            ResourceType::ErrorLogger => {
                reader.warn_unknown_attributes(&["integration_id", "destination"]);
                let integration = reader.link("integration_id");
                if integration.is_none() && reader.is_absent_or_null("integration_id") {
                    reader.missing("integration_id", "sym_integration.slack.id");
                }
                let destination = reader.required_string("destination", "\"#sym-errors\"");
                if let (Some(integration), Some(destination)) = (integration, destination) {
                    self.config.error_loggers.insert(
                        name,
                        ErrorLogger {
                            meta,
                            integration,
                            destination,
                        },
                    );
                }
            }
            ResourceType::Flow => {
                if let Some(flow) = self.flow(&mut reader, &resource.body, meta) {
                    self.config.flows.insert(name, flow);
                }
            }
            ResourceType::Strategy => {
                if let Some(strategy) = self.strategy(&mut reader, meta) {
                    self.config.strategies.insert(name, strategy);
                }
            }
            ResourceType::Target => {
                reader.warn_unknown_attributes(&[
                    "type",
                    "name",
                    "label",
                    "settings",
                    "field_bindings",
                ]);
                let target_type = reader.required_string("type", "\"okta_group\"");
                let target_name = reader.required_string("name", "\"my-target\"");
                let label = reader.string("label");
                let settings = reader.settings("settings");
                let field_bindings = reader.string_list("field_bindings").unwrap_or_default();
                if let (Some(target_type), Some(target_name)) = (target_type, target_name) {
                    self.config.targets.insert(
                        name,
                        Target {
                            meta,
                            target_type,
                            name: target_name,
                            label,
                            settings,
                            field_bindings,
                        },
                    );
                }
            }
            ResourceType::SecretSource => {
                reader.warn_unknown_attributes(&["type", "name", "label", "settings"]);
                let source_type = reader.required_string("type", "\"aws_secrets_manager\"");
                let source_name = reader.required_string("name", "\"prod-secrets\"");
                let label = reader.string("label");
                let settings = reader.settings("settings");
                if let (Some(source_type), Some(source_name)) = (source_type, source_name) {
                    self.config.secret_sources.insert(
                        name,
                        SecretSource {
                            meta,
                            source_type,
                            name: source_name,
                            label,
                            settings,
                        },
                    );
                }
            }
            ResourceType::Secret => {
                reader.warn_unknown_attributes(&["path", "source_id", "label", "settings"]);
                let path = reader.required_string("path", "\"sym/prod/api-key\"");
                let source = reader.link("source_id");
                if source.is_none() && reader.is_absent_or_null("source_id") {
                    reader.missing("source_id", "sym_secrets.this.id");
                }
                let label = reader.string("label");
                let settings = reader.settings("settings");
                if let (Some(path), Some(source)) = (path, source) {
                    self.config.secrets.insert(
                        name,
                        Secret {
                            meta,
                            path,
                            source,
                            label,
                            settings,
                        },
                    );
                }
            }
            ResourceType::Runtime => {
                reader.warn_unknown_attributes(&["name", "label", "context_id"]);
                let runtime_name = reader.required_string("name", "\"prod\"");
                let label = reader.string("label");
                let context = reader.link("context_id");
                if let Some(runtime_name) = runtime_name {
                    self.config.runtimes.insert(
                        name,
                        Runtime {
                            meta,
                            name: runtime_name,
                            label,
                            context,
                        },
                    );
                }
            }
            ResourceType::LogDestination => {
                reader.warn_unknown_attributes(&["type", "integration_id", "settings"]);
                let destination_type = reader.required_string("type", "\"kinesis_firehose\"");
                let integration = reader.link("integration_id");
                let settings = reader.settings("settings");
                if let Some(destination_type) = &destination_type {
                    check_log_destination(&mut reader, destination_type, &settings);
                }
                if let Some(destination_type) = destination_type {
                    self.config.log_destinations.insert(
                        name,
                        LogDestination {
                            meta,
                            destination_type,
                            integration,
                            settings,
                        },
                    );
                }
            }
            ResourceType::FlowsFilter => {
                reader.warn_unknown_attributes(&["implementation", "vars", "integrations"]);
                let implementation = self.python_contents(&mut reader, "implementation");
                if implementation.is_none() && reader.is_absent_or_null("implementation") {
                    reader.missing("implementation", "file(\"${path.module}/flows_filter.py\")");
                }
                let (vars, unknown_vars) = vars(&mut reader);
                for unknown in unknown_vars.values() {
                    reader.needed_now(
                        "vars",
                        &crate::tf::value::Unknown {
                            origin: unknown.reference.clone(),
                        },
                    );
                }
                let integrations = integrations_map(&mut reader);
                if let Some(implementation) = implementation {
                    self.config.flows_filters.insert(
                        name,
                        FlowsFilter {
                            meta,
                            implementation,
                            vars,
                            integrations,
                        },
                    );
                }
            }
        }
        reader.finish(self.diagnostics);
    }

    fn environment(&mut self, reader: &mut Reader, meta: ResourceMeta) -> Option<Environment> {
        reader.warn_unknown_attributes(&[
            "name",
            "label",
            "runtime_id",
            "error_logger_id",
            "log_destination_ids",
            "integrations",
        ]);
        let name = reader.required_string("name", "\"prod\"");
        if let Some(name) = &name {
            check_slug(reader, "name", name, "environment");
        }
        let environment = Environment {
            meta,
            name: name?,
            label: reader.string("label"),
            runtime: reader.link("runtime_id"),
            error_logger: reader.link("error_logger_id"),
            log_destinations: reader.link_list("log_destination_ids"),
            integrations: integrations_map(reader),
        };
        Some(environment)
    }

    fn flow(
        &mut self,
        reader: &mut Reader,
        body: &EvaluatedBlock,
        meta: ResourceMeta,
    ) -> Option<Flow> {
        reader.warn_unknown_attributes(FLOW_ATTRIBUTES);
        let name = reader.required_string("name", "\"my-flow\"");
        if let Some(name) = &name {
            check_slug(reader, "name", name, "flow");
        }
        let label = reader.string("label");
        let implementation = self.flow_implementation(reader);
        if implementation.is_none() && reader.is_absent_or_null("implementation") {
            reader.missing(
                "implementation",
                "file(\"${path.module}/impls/my_flow_impl.py\")",
            );
        }
        let environment = reader.link("environment_id");
        if environment.is_none() && reader.is_absent_or_null("environment_id") {
            reader.missing("environment_id", "sym_environment.this.id");
        }
        if let Some(Link { .. }) = environment
            .as_ref()
            .filter(|link| link.external().is_some())
        {
            let location = reader.location_of("environment_id");
            reader.problems.push(
                Diagnostic::warning(
                    Some(location),
                    format!(
                        "{}: environment_id comes from outside this directory, so symflow does not know the flow's integrations or error channel",
                        reader.what
                    ),
                )
                .with_fix("declare the sym_environment in this directory and use `sym_environment.<name>.id`"),
            );
        }
        if let Some(attribute) = body.attributes.get("params") {
            reader.problems.push(
                Diagnostic::error(
                    Some(attribute.location.clone()),
                    format!(
                        "{}: `params = {{ ... }}` is the provider 1.x syntax, which symflow does not read ({})",
                        reader.what,
                        self.ctx.provider_version.describe()
                    ),
                )
                .with_fix("since provider 2.0, params is a block: write `params { ... }` without `=`, with a prompt_field block per field (Sym's version-2 upgrade guide), and require version = \"~> 2.0\" or later"),
            );
        }
        let (vars, unknown_vars) = vars(reader);
        let mut params_blocks = body.blocks_named("params");
        let params = match params_blocks.next() {
            Some(params) => self.params(params, &reader.what),
            None => FlowParams::default(),
        };
        if let Some(extra) = params_blocks.next() {
            reader.problems.push(
                Diagnostic::error(
                    Some(extra.location.clone()),
                    format!("{} has more than one `params` block", reader.what),
                )
                .with_fix("merge them into one `params { ... }` block"),
            );
        }
        for block in &body.blocks {
            if block.ident != "params" && block.ident != "lifecycle" {
                reader.problems.push(
                    Diagnostic::warning(
                        Some(block.location.clone()),
                        format!(
                            "{} has no `{}` block; it is ignored",
                            reader.what, block.ident
                        ),
                    )
                    .with_fix("put prompt_field blocks inside `params { ... }`"),
                );
            }
        }
        let flow = Flow {
            meta,
            name: name?,
            label,
            implementation: implementation?,
            environment: environment?,
            vars,
            unknown_vars,
            params,
        };
        check_flow_duration_rules(&flow, body, &mut reader.problems);
        Some(flow)
    }

    fn params(&mut self, block: &EvaluatedBlock, flow: &str) -> FlowParams {
        let mut reader = Reader::new(block, format!("params of {flow}"), self.ctx);
        reader.warn_unknown_attributes(PARAMS_ATTRIBUTES);
        let strategy = match reader.string("strategy_id") {
            Some(value) if value.is_empty() => None,
            Some(value) => reader.link_from_value("strategy_id", &value),
            None => None,
        };
        let allow_revoke = reader.bool("allow_revoke", true);
        let schedule_deescalation = reader.bool("schedule_deescalation", true);
        check_revoke_or_deescalation(&mut reader, allow_revoke, schedule_deescalation);
        let allowed_sources = allowed_sources(&mut reader);
        let mut params = FlowParams {
            strategy,
            allow_revoke,
            schedule_deescalation,
            allowed_sources,
            additional_header_text: reader.string("additional_header_text"),
            allow_guest_interaction: reader.bool("allow_guest_interaction", false),
            include_decision_message: reader.bool("include_decision_message", false),
            prompt_fields: Vec::new(),
        };
        for nested in &block.blocks {
            if nested.ident == "prompt_field" {
                if let Some(field) = self.prompt_field(nested, flow) {
                    if let Some(first) = params.prompt_field(&field.name) {
                        reader.problems.push(
                            Diagnostic::error(
                                Some(field.location.clone()),
                                format!(
                                    "{flow} has two prompt fields named {:?} (first at {})",
                                    field.name, first.location
                                ),
                            )
                            .with_fix(
                                "prompt field names are keys of event.payload.fields: rename one",
                            ),
                        );
                    }
                    params.prompt_fields.push(field);
                }
            } else {
                reader.problems.push(
                    Diagnostic::warning(
                        Some(nested.location.clone()),
                        format!("params has no `{}` block; it is ignored", nested.ident),
                    )
                    .with_fix("only `prompt_field { ... }` blocks go inside params"),
                );
            }
        }
        reader.finish(self.diagnostics);
        params
    }

    fn prompt_field(&mut self, block: &EvaluatedBlock, flow: &str) -> Option<PromptField> {
        let mut reader = Reader::new(block, format!("a prompt_field of {flow}"), self.ctx);
        reader.warn_unknown_attributes(PROMPT_FIELD_ATTRIBUTES);
        let name = reader.required_string("name", "\"reason\"");
        if let Some(name) = &name {
            reader.what = format!("prompt_field {name:?} of {flow}");
        }
        let type_name = reader.required_string("type", "\"string\"");
        let field_type = type_name.as_deref().and_then(|type_name| {
            let parsed = FieldType::parse(type_name);
            if parsed.is_none() {
                let location = reader.location_of("type");
                reader.problems.push(
                    Diagnostic::error(
                        Some(location),
                        format!("{} has unknown type {type_name:?}", reader.what),
                    )
                    .with_fix(format!(
                        "use one of: {}{}",
                        FieldType::ALL.map(FieldType::as_str).join(", "),
                        if type_name == "list" {
                            " (the old `list` type is now `string` with `allowed_values`)"
                        } else {
                            ""
                        }
                    )),
                );
            }
            parsed
        });
        let on_change = self.python_contents(&mut reader, "on_change");
        let label = reader.string("label");
        let required = reader.bool("required", true);
        let default = reader.string("default");
        let visible = reader.bool("visible", true);
        let allowed_values = reader.string_list("allowed_values");
        let prefetch = reader.bool("prefetch", false);
        let field = match (name, field_type) {
            (Some(name), Some(field_type)) => Some(PromptField {
                name,
                field_type,
                label,
                required,
                default,
                visible,
                allowed_values,
                prefetch,
                on_change,
                location: block.location.clone(),
            }),
            _ => None,
        };
        if let Some(field) = &field {
            check_target_id_allowed_values(&mut reader, field);
        }
        // Always reached, so problems found above are never dropped.
        reader.finish(self.diagnostics);
        field
    }

    fn strategy(&mut self, reader: &mut Reader, meta: ResourceMeta) -> Option<Strategy> {
        reader.warn_unknown_attributes(&[
            "type",
            "name",
            "label",
            "integration_id",
            "targets",
            "settings",
            "implementation",
        ]);
        let strategy_type = reader.required_string("type", "\"okta\"");
        let name = reader.required_string("name", "\"my-strategy\"");
        let integration = reader.link("integration_id");
        if integration.is_none()
            && strategy_type.as_deref().is_some_and(|t| t != "http")
            && reader.is_absent_or_null("integration_id")
        {
            reader.missing("integration_id", "sym_integration.<name>.id");
        }
        if reader.is_absent_or_null("targets") {
            reader.missing("targets", "[sym_target.<name>.id]");
        }
        let targets = reader.link_list("targets");
        if let Some(kind) = strategy_type.as_deref() {
            if !reader.is_unknown("type") && strategy_types::strategy_kind(kind).is_none() {
                let location = reader.location_of("type");
                reader.problems.push(
                    Diagnostic::error(
                        Some(location),
                        strategy_types::unsupported_strategy_message(kind),
                    )
                    .with_fix(format!(
                        "use a type symflow runs ({}), or write the grant yourself as `type = \"custom\"` with `implementation = \"${{path.module}}/custom_strategy.py\"` (a Python AccessStrategy calling the service)",
                        strategy_types::supported_strategy_types()
                    )),
                );
            }
        }
        let implementation = self.strategy_implementation(reader);
        if strategy_type.as_deref() == Some("custom")
            && implementation.is_none()
            && !reader.block.failed.contains("implementation")
            && reader.is_absent_or_null("implementation")
        {
            reader.missing("implementation", "\"${path.module}/custom_strategy.py\"");
        }
        Some(Strategy {
            meta,
            strategy_type: strategy_type?,
            name: name?,
            label: reader.string("label"),
            integration,
            targets,
            settings: reader.settings("settings"),
            implementation,
        })
    }

    /// `sym_flow.implementation`: the file's contents in provider 3.x (`file("impl.py")`), the
    /// file's path in provider 1.x and 2.x (`"${path.module}/impl.py"`), which the provider
    /// reads relative to Terraform's working directory (the configuration directory).
    fn flow_implementation(&mut self, reader: &mut Reader) -> Option<PythonSource> {
        let version = self.ctx.provider_version;
        if !version.implementation_is_path() {
            return self.python_contents(reader, "implementation");
        }
        let written = reader.string("implementation")?;
        if reader.is_unknown("implementation") {
            return None;
        }
        let location = reader.location_of("implementation");
        if written.contains('\n') {
            reader.problems.push(
                Diagnostic::error(
                    Some(location),
                    format!(
                        "`implementation` of {} holds file contents, but with {} it is the path of the Python file",
                        reader.what,
                        version.describe()
                    ),
                )
                .with_fix("write the path itself, `implementation = \"${path.module}/impl.py\"` (without file(...)), or move to provider ~> 3.0, where implementation takes file(...)"),
            );
            return None;
        }
        let path = resolve_path(self.ctx.root, &written);
        match std::fs::read_to_string(&path) {
            Ok(source) => Some(PythonSource {
                source,
                path: Some(path),
            }),
            Err(err) => {
                reader.problems.push(
                    Diagnostic::error(
                        Some(location),
                        format!(
                            "cannot read the flow implementation {} ({}): {err}",
                            path.display(),
                            version.describe()
                        ),
                    )
                    .with_fix("the path is relative to the directory you run symflow (and terraform) in; write it as \"${path.module}/impl.py\""),
                );
                None
            }
        }
    }

    /// A `sym_strategy.implementation`: a path to read (unlike `sym_flow`, not contents).
    fn strategy_implementation(&mut self, reader: &mut Reader) -> Option<PythonSource> {
        let written = reader.string("implementation")?;
        if reader.is_unknown("implementation") {
            return None;
        }
        let location = reader.location_of("implementation");
        if written.contains('\n') {
            reader.problems.push(
                Diagnostic::error(
                    Some(location),
                    format!("`implementation` of {} must be a file path, but it holds file contents", reader.what),
                )
                .with_fix("unlike sym_flow, sym_strategy takes the path itself: write `implementation = \"${path.module}/custom_strategy.py\"` without file(...)"),
            );
            return None;
        }
        let path = resolve_path(self.ctx.root, &written);
        match std::fs::read_to_string(&path) {
            Ok(source) => Some(PythonSource {
                source,
                path: Some(path),
            }),
            Err(err) => {
                reader.problems.push(
                    Diagnostic::error(
                        Some(location),
                        format!("cannot read the strategy implementation {}: {err}", path.display()),
                    )
                    .with_fix("the path is relative to the configuration directory; check the file exists"),
                );
                None
            }
        }
    }

    /// A Python-contents attribute (`implementation`, `on_change`) with Sym's `.py` check.
    fn python_contents(&mut self, reader: &mut Reader, key: &str) -> Option<PythonSource> {
        let source = reader.string(key)?;
        if reader.is_unknown(key) {
            return None;
        }
        let attribute = reader.attribute(key)?;
        if looks_like_python_file_name(&source) {
            let location = attribute.location.clone();
            reader.problems.push(
                Diagnostic::error(
                    Some(location),
                    format!(
                        "`{key}` of {} is {source:?}, which looks like a Python file name. Please use 'file(...)'",
                        reader.what
                    ),
                )
                .with_fix(format!(
                    "write `{key} = file(\"${{path.module}}/{}\")` so that the file's contents are used",
                    source.trim_start_matches("./")
                )),
            );
            return None;
        }
        let path = attribute
            .file_argument
            .as_deref()
            .map(|written| resolve_path(self.ctx.root, written));
        Some(PythonSource { source, path })
    }

    /// Rules that need several resources at once.
    fn check_cross_resource_rules(&mut self) {
        let mut seen: BTreeMap<String, &Flow> = BTreeMap::new();
        for flow in self.config.flows.values() {
            let key = flow.name.to_lowercase();
            if let Some(first) = seen.get(&key) {
                self.diagnostics.push(
                    Diagnostic::error(
                        Some(flow.meta.location.clone()),
                        format!(
                            "{} and {} have the same name {:?} (names are compared case-insensitively)",
                            first.meta.address, flow.meta.address, flow.name
                        ),
                    )
                    .with_fix("give each flow a unique `name`"),
                );
            } else if !flow.name.starts_with("(known after apply") {
                seen.insert(key, flow);
            }
        }
        self.check_strategy_targets();
        self.check_log_destination_keys();
        // With no flow at all one warning says it; otherwise each unused environment.
        let environments = if self.config.flows.is_empty() {
            Vec::new()
        } else {
            self.config.environments.values().collect()
        };
        for environment in environments {
            let used = self
                .config
                .flows
                .values()
                .any(|flow| flow.environment.address() == Some(&environment.meta.address));
            if !used {
                self.diagnostics.push(
                    Diagnostic::warning(
                        Some(environment.meta.location.clone()),
                        format!(
                            "{} (environment {:?}) has no flows, so nothing can be requested in it",
                            environment.meta.address, environment.name
                        ),
                    )
                    .with_fix(format!(
                        "add a sym_flow with `environment_id = {}.id` (symflow generate writes one), or remove the environment",
                        environment.meta.address
                    )),
                );
            }
        }
        // A flow that failed to load has its own error; "no sym_flow" would only mislead.
        let errors = self.diagnostics.iter().any(Diagnostic::is_error);
        if self.config.flows.is_empty() && !errors {
            self.diagnostics.push(
                Diagnostic::warning(
                    None,
                    format!(
                        "{} and the modules it calls declare no sym_flow, so there is nothing to request",
                        self.ctx.root.display()
                    ),
                )
                .with_fix("declare a sym_flow (symflow generate writes one), or point symflow at the directory that holds your flows"),
            );
        }
    }
}

impl Lowerer<'_> {
    /// Each target of a strategy symflow runs must be of a type that strategy grants.
    fn check_strategy_targets(&mut self) {
        for strategy in self.config.strategies.values() {
            for link in &strategy.targets {
                let Some(target) = self.config.get(link) else {
                    continue;
                };
                if let Some(message) = strategy_types::unsupported_target_message(
                    &strategy.strategy_type,
                    &target.target_type,
                ) {
                    self.diagnostics.push(
                        Diagnostic::error(
                            Some(target.meta.location.clone()),
                            format!(
                                "{} is a target of {}, but {message}",
                                target.meta.address, strategy.meta.address
                            ),
                        )
                        .with_fix("give the target the type its strategy grants, or move it to a strategy of its kind"),
                    );
                }
            }
        }
    }
}

impl Lowerer<'_> {
    /// A `segment` or `datadog` log destination sends with a key read from a `sym_secret`
    /// that its `integration_id` integration names in its settings
    /// ([`LogDestination::key_settings`]); without one it could never deliver.
    fn check_log_destination_keys(&mut self) {
        for destination in self.config.log_destinations.values() {
            let ty = destination.destination_type.as_str();
            let keys = LogDestination::key_settings(ty);
            let Some(first_key) = keys.first() else {
                continue;
            };
            let (service, what_key) = if ty == "segment" {
                ("Segment", "the Segment source's write key")
            } else {
                ("Datadog", "a Datadog API key")
            };
            let example_settings = format!("settings = {{ {first_key} = sym_secret.{ty}_key.id }}");
            let Some(link) = &destination.integration else {
                self.diagnostics.push(
                    Diagnostic::error(
                        Some(destination.meta.location.clone()),
                        format!(
                            "{} (type {ty:?}) has no `integration_id`, so symflow has no {service} key to send audit events with",
                            destination.meta.address
                        ),
                    )
                    .with_fix(format!(
                        "add `integration_id = sym_integration.{ty}.id`, a sym_integration of type \"{ty}\" with `{example_settings}` (a sym_secret holding {what_key})"
                    )),
                );
                continue;
            };
            // A module output or an undeclared resource: reported (or unknown) elsewhere.
            let Some(integration) = self.config.get(link) else {
                continue;
            };
            let found = keys
                .iter()
                .find_map(|key| setting(&integration.settings, key).map(|value| (key, value)));
            let problem = match found {
                Some((_, SettingValue::Secret(_) | SettingValue::Unknown(_))) => continue,
                Some((key, _)) => format!(
                    "settings.{key} of {} is not a sym_secret id",
                    integration.meta.address
                ),
                None => format!(
                    "{} has no settings.{}",
                    integration.meta.address,
                    keys.join(" or settings.")
                ),
            };
            self.diagnostics.push(
                Diagnostic::error(
                    Some(integration.meta.location.clone()),
                    format!(
                        "{problem}, so {} (type {ty:?}) has no {service} key to send audit events with",
                        destination.meta.address
                    ),
                )
                .with_fix(format!(
                    "set `{example_settings}` on {}, a sym_secret holding {what_key}",
                    integration.meta.address
                )),
            );
        }
    }
}

fn integration(reader: &mut Reader, meta: ResourceMeta) -> Option<Integration> {
    reader.warn_unknown_attributes(&["type", "name", "external_id", "label", "settings"]);
    let integration_type = reader.required_string("type", "\"slack\"");
    let name = reader.required_string("name", "\"prod-slack\"");
    let external_id = match reader.text("external_id") {
        Some(Text::Known(id)) => Some(Ok(id)),
        Some(Text::Unknown(unknown)) => {
            reader.kept_unknown("external_id", &unknown);
            Some(Err(unknown))
        }
        None => {
            if reader.is_absent_or_null("external_id") {
                reader.missing("external_id", "\"T12345ABC\"");
            }
            None
        }
    };
    Some(Integration {
        meta,
        integration_type: integration_type?,
        name: name?,
        external_id: external_id?,
        label: reader.string("label"),
        settings: reader.settings("settings"),
    })
}

fn integrations_map(reader: &mut Reader) -> BTreeMap<String, Link<Integration>> {
    let map = reader.string_map("integrations");
    let mut integrations = BTreeMap::new();
    for (key, value) in map {
        if let Some(link) = reader.link_from_value::<Integration>("integrations", &value) {
            integrations.insert(integration_key(&key), link);
        }
    }
    integrations
}

/// `vars`, with Sym's warning for values that look like ints or bools.
fn vars(reader: &mut Reader) -> (BTreeMap<String, String>, BTreeMap<String, Unknown>) {
    let mut vars = BTreeMap::new();
    let mut unknown_vars = BTreeMap::new();
    let map = reader.text_map("vars");
    for (name, text) in map {
        match text {
            Text::Known(value) => {
                vars.insert(name, value);
            }
            Text::Unknown(unknown) => {
                let what = if name == WHOLE_MAP_KEY {
                    "vars".to_owned()
                } else {
                    format!("vars.{name}")
                };
                reader.kept_unknown(&what, &unknown);
                unknown_vars.insert(name, unknown);
            }
        }
    }
    let location = reader.location_of("vars");
    let sensitive = reader
        .attribute("vars")
        .is_some_and(|a| a.value.is_sensitive());
    for (name, value) in &vars {
        let looks_like = if value.parse::<i64>().is_ok() {
            Some(("an int", format!("int(event.flow.vars[{name:?}])")))
        } else if value == "true" || value == "false" {
            Some(("a bool", format!("event.flow.vars[{name:?}] == \"true\"")))
        } else {
            None
        };
        if let Some((kind, conversion)) = looks_like.filter(|_| !sensitive) {
            reader.problems.push(
                Diagnostic::warning(
                    Some(location.clone()),
                    format!(
                        "vars.{name} = {value:?} looks like {kind}, but every var reaches Python as a string"
                    ),
                )
                .with_fix(format!("convert it where you use it: {conversion}")),
            );
        }
    }
    (vars, unknown_vars)
}

/// Sym rule: environment and flow names are slugs of Sym's resource names (letters, digits,
/// dashes and underscores, as `aws_sso`).
fn check_slug(reader: &mut Reader, key: &str, name: &str, what: &str) {
    if reader.is_unknown(key) {
        return;
    }
    if let Some(problem) = name_problem(name) {
        let location = reader.location_of(key);
        reader.problems.push(
            Diagnostic::error(
                Some(location),
                format!("{what} name {name:?} is not a valid Sym name: {problem}"),
            )
            .with_fix(format!(
                "use letters, digits, dashes and underscores only, e.g. {:?}",
                crate::slug::slugify(name)
            )),
        );
    }
}

/// Sym rule: `implementation`/`on_change` take file contents; a bare `.py` name is a mistake.
fn looks_like_python_file_name(value: &str) -> bool {
    let trimmed = value.trim();
    trimmed.ends_with(".py") && !trimmed.contains('\n')
}

/// Sym rule: at least one of `allow_revoke` and `schedule_deescalation` is true.
fn check_revoke_or_deescalation(
    reader: &mut Reader,
    allow_revoke: bool,
    schedule_deescalation: bool,
) {
    if !allow_revoke && !schedule_deescalation {
        let location = reader.location_of("schedule_deescalation");
        reader.problems.push(
            Diagnostic::error(
                Some(location),
                format!(
                    "{}: allow_revoke and schedule_deescalation are both false, so access could never be removed",
                    reader.what
                ),
            )
            .with_fix("set `schedule_deescalation = true` (expire after the duration) or `allow_revoke = true` (Revoke button)"),
        );
    }
}

/// Sym rule: `allowed_sources` holds only `slack` and `api`.
fn allowed_sources(reader: &mut Reader) -> Option<Vec<RequestSource>> {
    let values = reader.string_list("allowed_sources")?;
    let mut sources = Vec::new();
    for value in values {
        match value.as_str() {
            "slack" => sources.push(RequestSource::Slack),
            "api" => sources.push(RequestSource::Api),
            other => {
                let location = reader.location_of("allowed_sources");
                reader.problems.push(
                    Diagnostic::error(
                        Some(location),
                        format!("{}: {other:?} is not a valid allowed_sources value", reader.what),
                    )
                    .with_fix("use \"slack\" and/or \"api\"; leave allowed_sources out to allow both, or [] to allow none"),
                );
            }
        }
    }
    Some(sources)
}

/// Sym rule (warning): `allowed_values` on `target_id` is ignored; options come from targets.
fn check_target_id_allowed_values(reader: &mut Reader, field: &PromptField) {
    if field.name == "target_id" && field.allowed_values.is_some() {
        let location = reader.location_of("allowed_values");
        reader.problems.push(
            Diagnostic::warning(
                Some(location),
                format!("{}: allowed_values is ignored for target_id", reader.what),
            )
            .with_fix("remove allowed_values; the options are the strategy's targets"),
        );
    }
}

/// Sym rules for the `duration` prompt field: it needs `allowed_values` and `required = true`,
/// and approval-only flows (no strategy) must not define it.
fn check_flow_duration_rules(flow: &Flow, body: &EvaluatedBlock, problems: &mut Vec<Diagnostic>) {
    let Some(field) = flow.params.prompt_field("duration") else {
        return;
    };
    let attribute_location = |key: &str| -> SourceLocation {
        body.blocks_named("params")
            .flat_map(|params| params.blocks_named("prompt_field"))
            .find(|block| block.location == field.location)
            .and_then(|block| block.attributes.get(key))
            .map(|a| a.location.clone())
            .unwrap_or_else(|| field.location.clone())
    };
    let what = format!("{}: the duration prompt field", flow.meta.address);
    if flow.is_approval_only() {
        problems.push(
            Diagnostic::error(
                Some(field.location.clone()),
                format!("{what} is defined, but this is an approval-only flow (no strategy_id), which has no duration"),
            )
            .with_fix("remove the duration prompt_field, or set `strategy_id` in params so access is granted for that long"),
        );
        return;
    }
    if field.allowed_values.as_ref().is_none_or(Vec::is_empty) {
        problems.push(
            Diagnostic::error(
                Some(field.location.clone()),
                format!("{what} has no allowed_values"),
            )
            .with_fix("add `allowed_values = [\"30m\", \"1h\"]` (units: s, m, h, d, mo)"),
        );
    }
    if !field.required {
        problems.push(
            Diagnostic::error(
                Some(attribute_location("required")),
                format!("{what} must be required"),
            )
            .with_fix("set `required = true`"),
        );
    }
    if field.field_type != FieldType::Duration {
        problems.push(
            Diagnostic::error(
                Some(attribute_location("type")),
                format!("{what} has type {:?}", field.field_type.as_str()),
            )
            .with_fix("set `type = \"duration\"`"),
        );
    }
}

/// `sym_log_destination` types Sym defines, and symflow's own `file`.
const LOG_DESTINATION_TYPES: &[&str] = &[
    "kinesis_firehose",
    "kinesis_data_stream",
    "segment",
    "http",
    "datadog",
    "file",
];

/// A log destination's `type` and the settings symflow needs to deliver to it: `http` needs
/// an `http(s)://` `url`, `file` a `path`, `kinesis_firehose` and `kinesis_data_stream` a
/// `stream_name` (a value known only after apply will do). The key `segment` and `datadog`
/// need lives in another resource (their integration): [`Lowerer::check_log_destination_keys`].
fn check_log_destination(reader: &mut Reader, destination_type: &str, settings: &Settings) {
    let location = reader.location_of("type");
    if !LOG_DESTINATION_TYPES.contains(&destination_type) {
        reader.problems.push(
            Diagnostic::error(
                Some(location),
                format!(
                    "{} has type {destination_type:?}, which is not a log destination type",
                    reader.what
                ),
            )
            .with_fix(format!("use one of: {}", LOG_DESTINATION_TYPES.join(", "))),
        );
        return;
    }
    let text = |key: &str| {
        settings
            .get(key)
            .and_then(|v| v.as_text())
            .map(str::trim)
            .filter(|s| !s.is_empty())
    };
    let settings_location = reader.location_of("settings");
    match destination_type {
        "http" => match text("url") {
            Some(url) if url.starts_with("http://") || url.starts_with("https://") => {}
            Some(url) => reader.problems.push(
                Diagnostic::error(
                    Some(settings_location),
                    format!(
                        "`settings.url` of {} is {url:?}, which is not an http:// or https:// URL",
                        reader.what
                    ),
                )
                .with_fix(
                    "write the receiver's full URL, e.g. `url = \"https://logs.example.com/sym\"`",
                ),
            ),
            None => reader.problems.push(
                Diagnostic::error(
                    Some(settings_location),
                    format!("{} of type \"http\" has no `settings.url`", reader.what),
                )
                .with_fix("add `settings = { url = \"https://logs.example.com/sym\" }`"),
            ),
        },
        "file" if text("path").is_none() => {
            reader.problems.push(
                Diagnostic::error(
                    Some(settings_location),
                    format!("{} of type \"file\" has no `settings.path`", reader.what),
                )
                .with_fix(
                    "add `settings = { path = \"audit/events.jsonl\" }` (relative to this directory)",
                ),
            );
        }
        "kinesis_firehose" | "kinesis_data_stream" => {
            let stream_name = setting(settings, "stream_name");
            let given = match stream_name {
                Some(SettingValue::Text(name)) => !name.trim().is_empty(),
                Some(SettingValue::Unknown(_)) => true,
                _ => false,
            };
            if !given {
                let example = if destination_type == "kinesis_firehose" {
                    "aws_kinesis_firehose_delivery_stream.sym.name"
                } else {
                    "aws_kinesis_stream.sym.name"
                };
                reader.problems.push(
                    Diagnostic::error(
                        Some(settings_location),
                        format!(
                            "{} of type {destination_type:?} has no `settings.stream_name`, so symflow does not know which stream to write audit events to",
                            reader.what
                        ),
                    )
                    .with_fix(format!("add `settings = {{ stream_name = {example} }}` (or the stream's name as a string)")),
                );
            }
        }
        // A file with a path; Segment and Datadog, whose key is checked with their integration.
        _ => {}
    }
}
