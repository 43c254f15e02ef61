//! Turning evaluated `sym_*` blocks into the typed [`crate::model`], applying the provider's
//! schema (required attributes, types, defaults) and Sym's validation rules on the way.
//!
//! Rules are checked here, while each attribute's `file:line` is still at hand, rather than on
//! the finished model (which keeps locations only per resource and per prompt field). Each rule
//! is a small function named after what it checks, called from the resource it applies to.

use std::collections::BTreeMap;
use std::path::Path;

use hcl::Value;

use crate::diagnostic::{Diagnostic, SourceLocation};
use crate::eval::{EvaluatedAttribute, EvaluatedBlock, EvaluatedResource};
use crate::functions::{resolve_path, value_to_string};
use crate::model::*;
use crate::slug::slug_problem;

/// Builds the model from evaluated resources; problems go to `diagnostics`.
pub(crate) fn lower(
    root: &Path,
    resources: &[EvaluatedResource],
    providers: &[EvaluatedBlock],
    diagnostics: &mut Vec<Diagnostic>,
) -> Config {
    let mut lowerer = Lowerer {
        root,
        diagnostics,
        config: Config {
            root: root.to_path_buf(),
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
    root: &'a Path,
    diagnostics: &'a mut Vec<Diagnostic>,
    config: Config,
}

/// Reads typed attributes from one evaluated block, reporting type errors and missing
/// required attributes against `what` (e.g. `sym_flow.demo` or `prompt_field "reason"`).
struct Reader<'b> {
    block: &'b EvaluatedBlock,
    what: String,
    problems: Vec<Diagnostic>,
}

impl<'b> Reader<'b> {
    fn new(block: &'b EvaluatedBlock, what: impl Into<String>) -> Self {
        Reader {
            block,
            what: what.into(),
            problems: Vec::new(),
        }
    }

    fn attribute(&self, key: &str) -> Option<&'b EvaluatedAttribute> {
        self.block.attributes.get(key)
    }

    fn location_of(&self, key: &str) -> SourceLocation {
        self.attribute(key)
            .map(|a| a.location.clone())
            .unwrap_or_else(|| self.block.location.clone())
    }

    fn type_error(&mut self, key: &str, expected: &str, got: &Value) {
        let location = self.location_of(key);
        self.problems.push(
            Diagnostic::error(
                Some(location),
                format!(
                    "`{key}` of {} must be {expected}, got {}",
                    self.what,
                    describe(got)
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
                Some(self.block.location.clone()),
                format!("{} is missing the required attribute `{key}`", self.what),
            )
            .with_fix(format!("add `{key} = {example}` to the block")),
        );
    }

    /// A string attribute; numbers and bools are converted as Terraform does.
    fn string(&mut self, key: &str) -> Option<String> {
        let value = &self.attribute(key)?.value;
        match value {
            Value::Null => None,
            Value::String(s) => Some(s.clone()),
            Value::Number(_) | Value::Bool(_) => value_to_string(value).ok(),
            other => {
                self.type_error(key, "a string", &other.clone());
                None
            }
        }
    }

    fn required_string(&mut self, key: &str, example: &str) -> Option<String> {
        let value = self.string(key);
        if value.is_none() && !self.block.attributes.contains_key(key) {
            self.missing(key, example);
        }
        value
    }

    fn bool(&mut self, key: &str, default: bool) -> bool {
        let Some(attribute) = self.attribute(key) else {
            return default;
        };
        match &attribute.value {
            Value::Bool(b) => *b,
            Value::Null => default,
            Value::String(s) if s == "true" => true,
            Value::String(s) if s == "false" => false,
            other => {
                self.type_error(key, "true or false", &other.clone());
                default
            }
        }
    }

    /// A value Terraform only knows after apply, where a whole map or list was expected.
    fn unknown_collection(&mut self, key: &str, value: &str, treated_as: &str) {
        let location = self.location_of(key);
        self.problems.push(
            Diagnostic::warning(
                Some(location),
                format!(
                    "`{key}` of {} is {value}, known only after terraform apply; symflow treats it as {treated_as}",
                    self.what
                ),
            )
            .with_fix(format!("write `{key}` out in this directory if symflow needs it")),
        );
    }

    /// A list of strings; `None` when the attribute is absent or null.
    fn string_list(&mut self, key: &str) -> Option<Vec<String>> {
        let value = &self.attribute(key)?.value;
        match value {
            Value::Null => None,
            Value::String(s) if is_opaque(s) => {
                let s = s.clone();
                self.unknown_collection(key, &s, "an empty list");
                None
            }
            Value::Array(items) => {
                let mut out = Vec::with_capacity(items.len());
                for item in items {
                    match value_to_string(item) {
                        Ok(s) => out.push(s),
                        Err(_) => {
                            self.type_error(key, "a list of strings", &value.clone());
                            return None;
                        }
                    }
                }
                Some(out)
            }
            other => {
                self.type_error(key, "a list of strings", &other.clone());
                None
            }
        }
    }

    /// A `map(string)` attribute, with the location of the attribute.
    fn string_map(&mut self, key: &str) -> BTreeMap<String, String> {
        let Some(attribute) = self.attribute(key) else {
            return BTreeMap::new();
        };
        match &attribute.value {
            Value::Null => BTreeMap::new(),
            Value::String(s) if is_opaque(s) => {
                let s = s.clone();
                self.unknown_collection(key, &s, "an empty map");
                BTreeMap::new()
            }
            Value::Object(object) => {
                let mut out = BTreeMap::new();
                for (name, value) in object {
                    match value_to_string(value) {
                        Ok(s) => {
                            out.insert(name.clone(), s);
                        }
                        Err(_) => {
                            let location = attribute.location.clone();
                            self.problems.push(
                                Diagnostic::error(
                                    Some(location),
                                    format!(
                                        "`{key}.{name}` of {} must be a string, got {}",
                                        self.what,
                                        describe(value)
                                    ),
                                )
                                .with_fix(format!(
                                    "every value of `{key}` is a string; use jsonencode(...) for structured values"
                                )),
                            );
                        }
                    }
                }
                out
            }
            other => {
                self.type_error(key, "a map of strings", &other.clone());
                BTreeMap::new()
            }
        }
    }

    /// A reference attribute (`environment_id = sym_environment.this.id`).
    fn link<T: LinkedResource>(&mut self, key: &str) -> Option<Link<T>> {
        let value = self.string(key)?;
        self.link_from_value(key, &value)
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
        self.string_list(key)
            .unwrap_or_default()
            .iter()
            .filter_map(|value| self.link_from_value(key, value))
            .collect()
    }

    /// `settings`: strings, with secret and resource references told apart.
    fn settings(&mut self, key: &str) -> Settings {
        let map = self.string_map(key);
        let mut settings = Settings::new();
        for (name, value) in map {
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

/// A parsed opaque reference string.
enum Reference {
    /// `${sym_<type>.<name>.id}` for a known type.
    Sym(Address),
    /// `${sym_<unknown>.<name>.id}`.
    UnknownSym,
}

/// Recognises the strings evaluation gives to `sym_*` resource ids.
fn parse_reference(value: &str) -> Option<Reference> {
    let inner = value.strip_prefix("${")?.strip_suffix("}")?;
    if inner.contains("${") {
        return None;
    }
    let mut parts = inner.split('.');
    let (resource_type, name, attribute) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || attribute != "id" || !resource_type.starts_with("sym_") {
        return None;
    }
    Some(match ResourceType::from_terraform_name(resource_type) {
        Some(resource_type) => Reference::Sym(Address {
            resource_type,
            name: name.to_owned(),
        }),
        None => Reference::UnknownSym,
    })
}

fn setting_value(value: &str) -> SettingValue {
    match parse_reference(value) {
        Some(Reference::Sym(address)) if address.resource_type == ResourceType::Secret => {
            SettingValue::Secret(Link::new(LinkTarget::Resource(address)))
        }
        Some(Reference::Sym(address)) => SettingValue::Resource(address),
        Some(Reference::UnknownSym) => SettingValue::External(value.to_owned()),
        None if is_opaque(value) => SettingValue::External(value.to_owned()),
        None => SettingValue::Text(value.to_owned()),
    }
}

/// A whole value that is only known at apply time (`${module.x.y}`).
fn is_opaque(value: &str) -> bool {
    value.starts_with("${") && value.ends_with('}') && value.matches("${").count() == 1
}

fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("the bool {b}"),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) => format!("the string {s:?}"),
        Value::Array(_) => "a list".into(),
        Value::Object(_) => "a map".into(),
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
                resource_type,
                name: resource.name.clone(),
            },
            location: resource.body.location.clone(),
        }
    }

    fn provider(&mut self, block: &EvaluatedBlock) {
        let mut reader = Reader::new(block, "provider \"sym\"");
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
        let mut reader = Reader::new(&resource.body, what);
        let name = resource.name.clone();
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
                if integration.is_none() && !resource.body.attributes.contains_key("integration_id")
                {
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
                if source.is_none() && !resource.body.attributes.contains_key("source_id") {
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
                if implementation.is_none()
                    && !resource.body.attributes.contains_key("implementation")
                {
                    reader.missing("implementation", "file(\"${path.module}/flows_filter.py\")");
                }
                let vars = vars(&mut reader);
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
        let implementation = self.python_contents(reader, "implementation");
        if implementation.is_none() && !body.attributes.contains_key("implementation") {
            reader.missing(
                "implementation",
                "file(\"${path.module}/impls/my_flow_impl.py\")",
            );
        }
        let environment = reader.link("environment_id");
        if environment.is_none() && !body.attributes.contains_key("environment_id") {
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
                    format!("{}: `params = {{ ... }}` is the provider v1 syntax", reader.what),
                )
                .with_fix("since provider v2, params is a block: write `params { ... }` without `=`, with prompt_field blocks inside"),
            );
        }
        let vars = vars(reader);
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
            params,
        };
        check_flow_duration_rules(&flow, body, &mut reader.problems);
        Some(flow)
    }

    fn params(&mut self, block: &EvaluatedBlock, flow: &str) -> FlowParams {
        let mut reader = Reader::new(block, format!("params of {flow}"));
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
        let mut reader = Reader::new(block, format!("a prompt_field of {flow}"));
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
            && !reader.block.attributes.contains_key("integration_id")
        {
            reader.missing("integration_id", "sym_integration.<name>.id");
        }
        if !reader.block.attributes.contains_key("targets") {
            reader.missing("targets", "[sym_target.<name>.id]");
        }
        let targets = reader.link_list("targets");
        let implementation = self.strategy_implementation(reader);
        if strategy_type.as_deref() == Some("custom")
            && implementation.is_none()
            && !reader.block.failed.contains("implementation")
            && !reader.block.attributes.contains_key("implementation")
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

    /// A `sym_strategy.implementation`: a path to read (unlike `sym_flow`, not contents).
    fn strategy_implementation(&mut self, reader: &mut Reader) -> Option<PythonSource> {
        let written = reader.string("implementation")?;
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
        let path = resolve_path(self.root, &written);
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
            .map(|written| resolve_path(self.root, written));
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
            } else {
                seen.insert(key, flow);
            }
        }
    }
}

fn integration(reader: &mut Reader, meta: ResourceMeta) -> Option<Integration> {
    reader.warn_unknown_attributes(&["type", "name", "external_id", "label", "settings"]);
    let integration_type = reader.required_string("type", "\"slack\"");
    let name = reader.required_string("name", "\"prod-slack\"");
    let external_id = reader.required_string("external_id", "\"T12345ABC\"");
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
fn vars(reader: &mut Reader) -> BTreeMap<String, String> {
    let vars = reader.string_map("vars");
    let location = reader.location_of("vars");
    for (name, value) in &vars {
        let looks_like = if value.parse::<i64>().is_ok() {
            Some(("an int", format!("int(event.flow.vars[{name:?}])")))
        } else if value == "true" || value == "false" {
            Some(("a bool", format!("event.flow.vars[{name:?}] == \"true\"")))
        } else {
            None
        };
        if let Some((kind, conversion)) = looks_like {
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
    vars
}

/// Sym rule: environment and flow names are slugs.
fn check_slug(reader: &mut Reader, key: &str, name: &str, what: &str) {
    if let Some(problem) = slug_problem(name) {
        let location = reader.location_of(key);
        reader.problems.push(
            Diagnostic::error(
                Some(location),
                format!("{what} name {name:?} is not a valid slug: {problem}"),
            )
            .with_fix(format!(
                "use letters, digits and dashes only, at most 32 characters, e.g. {:?}",
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
/// an `http(s)://` `url`, `file` a `path`; Sym's cloud types are accepted with a warning that
/// symflow does not stream to them.
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
                .with_fix("write the receiver's full URL, e.g. `url = \"https://logs.example.com/sym\"`"),
            ),
            None => reader.problems.push(
                Diagnostic::error(
                    Some(settings_location),
                    format!("{} of type \"http\" has no `settings.url`", reader.what),
                )
                .with_fix("add `settings = { url = \"https://logs.example.com/sym\" }`"),
            ),
        },
        "file" => {
            if text("path").is_none() {
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
        }
        other => reader.problems.push(
            Diagnostic::warning(
                Some(location),
                format!(
                    "symflow does not stream to {other:?} log destinations; {} receives no events",
                    reader.what
                ),
            )
            .with_fix("use type \"http\" (settings.url) or \"file\" (settings.path) to receive audit events"),
        ),
    }
}
