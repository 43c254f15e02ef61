//! Configuration → the WIT records a flow sees.
//!
//! Secrets never appear here by value: a setting that references a
//! `sym_secret` becomes `{"$secret": "<secret resource name>"}`, which the SDK
//! turns into a `Secret` whose `retrieve_value()` asks the secrets capability.
//!
//! A value only known after `terraform apply` (a setting, a var or an
//! integration's `external_id` that came from a module output the state did not
//! give) becomes `{"$unknown": "<reference>"}`: the SDK keeps the key, and
//! reading it raises an error that says which value to get from Terraform, so a
//! placeholder never reaches a service.

use serde_json::{json, Map, Value};
use symflow_config::{
    Config, FieldType as ConfigFieldType, Integration, ResolvedFlow, SettingValue, Settings, Target,
};
use symflow_sandbox::types;

/// The id a flow uses for a secret: its key in the configuration (the Terraform name
/// of `sym_secret.<name>` in the root module, `module.prod.<name>` in a module).
pub fn secret_id(link: &symflow_config::Link<symflow_config::Secret>) -> String {
    match link.address() {
        Some(address) => address.config_key(),
        None => link.to_string(),
    }
}

/// The marker of a value only known after `terraform apply`.
pub fn unknown_json(unknown: &symflow_config::Unknown) -> Value {
    json!({ "$unknown": unknown.reference })
}

/// A settings map as JSON, secrets as references.
pub fn settings_json(settings: &Settings) -> String {
    let mut map = Map::new();
    for (key, value) in settings {
        let value = match value {
            SettingValue::Text(text) => Value::String(text.clone()),
            SettingValue::Secret(link) => json!({ "$secret": secret_id(link) }),
            SettingValue::SecretList(links) => Value::Array(
                links
                    .iter()
                    .map(|l| json!({ "$secret": secret_id(l) }))
                    .collect(),
            ),
            SettingValue::Resource(address) => Value::String(address.to_string()),
            SettingValue::Unknown(unknown) => unknown_json(unknown),
        };
        // Custom integrations list their secrets as `secret_ids_json`; the SDK
        // exposes them as `settings["secrets"]`.
        let key = if key == "secret_ids_json" {
            "secrets".to_string()
        } else {
            key.clone()
        };
        map.insert(key, value);
    }
    Value::Object(map).to_string()
}

pub fn integration(key: &str, integration: &Integration) -> types::Integration {
    let mut settings = settings_json(&integration.settings);
    let external_id = match &integration.external_id {
        Ok(id) => id.clone(),
        Err(unknown) => {
            // The SDK takes `$external_id` out of the settings and raises on reading it.
            let mut map: Map<String, Value> = serde_json::from_str(&settings).unwrap_or_default();
            map.insert("$external_id".into(), unknown_json(unknown));
            settings = Value::Object(map).to_string();
            String::new()
        }
    };
    types::Integration {
        key: key.to_string(),
        name: integration.name.clone(),
        integration_type: integration.integration_type.clone(),
        external_id,
        settings_json: settings,
    }
}

pub fn target(org: &str, target: &Target) -> types::Target {
    types::Target {
        id: target.meta.address.to_string(),
        name: target.name.clone(),
        srn: format!(
            "{org}:access_target:{}:{}:latest",
            target.target_type, target.name
        ),
        target_type: target.target_type.clone(),
        label: target.label.clone().unwrap_or_else(|| target.name.clone()),
        settings_json: settings_json(&target.settings),
    }
}

pub fn field_type(field_type: ConfigFieldType) -> types::FieldType {
    match field_type {
        ConfigFieldType::String => types::FieldType::String,
        ConfigFieldType::Int => types::FieldType::Int,
        ConfigFieldType::Bool => types::FieldType::Bool,
        ConfigFieldType::Duration => types::FieldType::Duration,
        ConfigFieldType::SlackUser => types::FieldType::SlackUser,
        ConfigFieldType::SlackUserList => types::FieldType::SlackUserList,
        ConfigFieldType::StrList => types::FieldType::StrList,
        ConfigFieldType::IntList => types::FieldType::IntList,
    }
}

/// The org id of the configuration (`provider "sym" { org }`), `symflow` if none.
pub fn org(config: &Config) -> String {
    config
        .provider
        .as_ref()
        .map(|p| p.org.to_lowercase())
        .unwrap_or_else(|| "symflow".into())
}

/// Everything a flow knows about itself.
pub fn flow_info(config: &Config, resolved: &ResolvedFlow<'_>) -> types::FlowInfo {
    let org = org(config);
    let flow = resolved.flow;
    let fields = flow
        .params
        .prompt_fields
        .iter()
        .map(|f| types::PromptField {
            name: f.name.clone(),
            field_type: field_type(f.field_type),
            label: f.label.clone(),
            required: f.required,
            visible: f.visible,
            default_json: f
                .default
                .as_ref()
                .map(|d| Value::String(d.clone()).to_string()),
            allowed_values: f.allowed_values.clone(),
            prefetch: f.prefetch,
        })
        .collect();
    let integrations = resolved
        .integrations
        .iter()
        .map(|(key, i)| integration(key, i))
        .collect();
    let strategy = resolved.strategy.as_ref().map(|s| types::Strategy {
        id: s.strategy.meta.address.to_string(),
        strategy_type: s.strategy.strategy_type.clone(),
        name: s.strategy.name.clone(),
        label: s
            .strategy
            .label
            .clone()
            .unwrap_or_else(|| s.strategy.name.clone()),
        integration: s.integration.map(|i| integration(&i.integration_type, i)),
        targets: s.targets.iter().map(|t| target(&org, t)).collect(),
        settings_json: settings_json(&s.strategy.settings),
    });
    let vars: Map<String, Value> = flow
        .vars
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .chain(
            flow.unknown_vars
                .iter()
                .map(|(k, u)| (k.clone(), unknown_json(u))),
        )
        .collect();
    types::FlowInfo {
        name: flow.name.clone(),
        srn: format!("{org}:flow:{}:latest", flow.name),
        label: flow.label.clone().unwrap_or_else(|| flow.name.clone()),
        vars_json: Value::Object(vars).to_string(),
        fields,
        integrations,
        strategy,
        environment_name: resolved
            .environment
            .map(|e| e.name.clone())
            .unwrap_or_default(),
    }
}
