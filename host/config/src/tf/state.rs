//! Values from the Terraform state a user already has, for what the configuration alone
//! cannot know: computed attributes of other providers' resources (`aws_lambda_function.x.arn`),
//! data sources, and outputs of modules symflow cannot read.
//!
//! Three files are understood, told apart by their shape:
//!
//! - the state itself (format version 4): `terraform.tfstate` of the local backend, or what
//!   `terraform state pull` prints for a remote one;
//! - `terraform show -json` (`format_version`, `values.root_module` with `child_modules`);
//! - `terraform output -json` (root outputs only: `{ "name": { "value": ..., "type": ... } }`).
//!
//! Resources are keyed by their Terraform address as Terraform prints it
//! (`module.sso["prod"].aws_ssoadmin_permission_set.admin[0]`, `data.aws_caller_identity.current`).

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use serde_json::Value as Json;

use super::value::Value;

/// Which kind of file the values came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StateFormat {
    /// `terraform.tfstate` / `terraform state pull`.
    State,
    /// `terraform show -json`.
    Show,
    /// `terraform output -json`.
    Outputs,
}

impl StateFormat {
    /// How the format is named in messages.
    pub fn describe(self) -> &'static str {
        match self {
            StateFormat::State => "Terraform state",
            StateFormat::Show => "`terraform show -json` output",
            StateFormat::Outputs => "`terraform output -json` output",
        }
    }
}

/// The values read from one state file.
#[derive(Debug, Clone)]
pub struct TfState {
    /// The file.
    pub path: PathBuf,
    /// Its format.
    pub format: StateFormat,
    /// Resource instances (managed and data) by address → their attributes.
    resources: HashMap<String, Value>,
    /// Root module outputs by name.
    outputs: BTreeMap<String, Value>,
}

impl TfState {
    /// Reads and recognises `path`.
    pub fn read(path: &Path) -> Result<TfState, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|err| format!("cannot read {}: {err}", path.display()))?;
        let json: Json = serde_json::from_str(&text).map_err(|err| {
            format!(
                "{} is not JSON (line {}: {err}); give the state file, or the output of `terraform show -json` or `terraform output -json`",
                path.display(),
                err.line()
            )
        })?;
        Self::from_json(path, &json)
    }

    /// Recognises an already parsed file.
    pub fn from_json(path: &Path, json: &Json) -> Result<TfState, String> {
        let mut state = TfState {
            path: path.to_path_buf(),
            format: StateFormat::State,
            resources: HashMap::new(),
            outputs: BTreeMap::new(),
        };
        let object = json
            .as_object()
            .ok_or_else(|| format!("{} does not hold a JSON object", path.display()))?;
        if object.contains_key("resources") && object.contains_key("version") {
            let version = object.get("version").and_then(Json::as_u64).unwrap_or(0);
            if version != 4 {
                return Err(format!(
                    "{} is Terraform state of format version {version}; symflow reads version 4 (Terraform 0.12 and later)",
                    path.display()
                ));
            }
            state.read_state_v4(object);
        } else if object.contains_key("format_version") {
            state.format = StateFormat::Show;
            if let Some(values) = object.get("values") {
                state.read_outputs(values.get("outputs"));
                if let Some(root) = values.get("root_module") {
                    state.read_show_module(root);
                }
            }
        } else if object
            .values()
            .all(|v| v.as_object().is_some_and(|o| o.contains_key("value")))
        {
            state.format = StateFormat::Outputs;
            state.read_outputs(Some(json));
        } else {
            return Err(format!(
                "{} is not Terraform state, `terraform show -json` or `terraform output -json` output",
                path.display()
            ));
        }
        Ok(state)
    }

    fn read_outputs(&mut self, outputs: Option<&Json>) {
        for (name, output) in outputs.and_then(Json::as_object).into_iter().flatten() {
            let sensitive = output
                .get("sensitive")
                .and_then(Json::as_bool)
                .unwrap_or(false);
            if let Some(value) = output.get("value") {
                self.outputs
                    .insert(name.clone(), Value::from_json(value).mark_if(sensitive));
            }
        }
    }

    fn read_state_v4(&mut self, object: &serde_json::Map<String, Json>) {
        self.read_outputs(object.get("outputs"));
        for resource in object
            .get("resources")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
        {
            let text = |key: &str| resource.get(key).and_then(Json::as_str).unwrap_or("");
            let module = text("module");
            let data = text("mode") == "data";
            let base = format!(
                "{}{}{}.{}",
                if module.is_empty() {
                    String::new()
                } else {
                    format!("{module}.")
                },
                if data { "data." } else { "" },
                text("type"),
                text("name")
            );
            for instance in resource
                .get("instances")
                .and_then(Json::as_array)
                .into_iter()
                .flatten()
            {
                let address = match instance.get("index_key") {
                    Some(Json::Number(n)) => format!("{base}[{n}]"),
                    Some(Json::String(s)) => format!("{base}[{}]", Json::String(s.clone())),
                    _ => base.clone(),
                };
                if let Some(attributes) = instance.get("attributes") {
                    let mut value = Value::from_json(attributes);
                    mark_sensitive_paths(&mut value, instance.get("sensitive_attributes"));
                    self.resources.insert(address, value);
                }
            }
        }
    }

    fn read_show_module(&mut self, module: &Json) {
        for resource in module
            .get("resources")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
        {
            let (Some(address), Some(values)) = (
                resource.get("address").and_then(Json::as_str),
                resource.get("values"),
            ) else {
                continue;
            };
            let mut value = Value::from_json(values);
            if let (Value::Map(map), Some(Json::Object(sensitive))) =
                (&mut value, resource.get("sensitive_values"))
            {
                for (key, flag) in sensitive {
                    if flag == &Json::Bool(true) {
                        if let Some(v) = map.remove(key) {
                            map.insert(key.clone(), v.mark_if(true));
                        }
                    }
                }
            }
            self.resources.insert(address.to_owned(), value);
        }
        for child in module
            .get("child_modules")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
        {
            self.read_show_module(child);
        }
    }

    /// The attributes of the resource instance at `address`, if the state has it.
    pub fn resource(&self, address: &str) -> Option<&Value> {
        self.resources.get(address)
    }

    /// Whether the state holds any instance of the resource `address` (without an instance key).
    pub fn has_resource_prefix(&self, address: &str) -> bool {
        self.resources.keys().any(|key| {
            key == address
                || key
                    .strip_prefix(address)
                    .is_some_and(|rest| rest.starts_with('['))
        })
    }

    /// The instance keys of the resource `address` in the state, with their attributes.
    pub fn instances_of(&self, address: &str) -> Vec<(&str, &Value)> {
        let mut out: Vec<(&str, &Value)> = self
            .resources
            .iter()
            .filter_map(|(key, value)| {
                let rest = key.strip_prefix(address)?;
                (rest.is_empty() || rest.starts_with('[')).then_some((rest, value))
            })
            .collect();
        out.sort_by(|a, b| a.0.cmp(b.0));
        out
    }

    /// A root module output.
    pub fn output(&self, name: &str) -> Option<&Value> {
        self.outputs.get(name)
    }

    /// How many resource instances and outputs were read (for "read N values from ...").
    pub fn counts(&self) -> (usize, usize) {
        (self.resources.len(), self.outputs.len())
    }
}

/// Marks the attributes named in a v4 state's `sensitive_attributes` (top-level paths only).
fn mark_sensitive_paths(value: &mut Value, paths: Option<&Json>) {
    let Value::Map(map) = value else { return };
    for path in paths.and_then(Json::as_array).into_iter().flatten() {
        // A path is a list of steps: [{"type": "get_attr", "value": "password"}, ...].
        let first = path
            .as_array()
            .and_then(|steps| steps.first())
            .and_then(|step| step.get("value"))
            .and_then(Json::as_str);
        if let Some(name) = first {
            if let Some(v) = map.remove(name) {
                map.insert(name.to_owned(), v.mark_if(true));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(json: Json) -> TfState {
        TfState::from_json(Path::new("s.json"), &json).unwrap()
    }

    #[test]
    fn reads_state_v4_with_modules_keys_and_data() {
        let s = state(serde_json::json!({
            "version": 4, "terraform_version": "1.6.0", "serial": 3, "lineage": "x",
            "outputs": {"arn": {"value": "arn:aws:x", "type": "string"},
                        "pw": {"value": "p", "type": "string", "sensitive": true}},
            "resources": [
                {"mode": "managed", "type": "aws_lambda_function", "name": "fn",
                 "instances": [{"attributes": {"arn": "arn:aws:lambda:us-east-1:1:function:fn"}}]},
                {"module": "module.sso[\"prod\"]", "mode": "managed", "type": "aws_ssoadmin_permission_set", "name": "admin",
                 "instances": [{"index_key": 0, "attributes": {"arn": "arn:ps"}, "sensitive_attributes": []}]},
                {"mode": "data", "type": "aws_caller_identity", "name": "current",
                 "instances": [{"attributes": {"account_id": "123456789012"}}]},
                {"mode": "managed", "type": "aws_iam_group", "name": "g", "each": "map",
                 "instances": [{"index_key": "ops", "attributes": {"name": "ops"}}]}
            ]
        }));
        assert_eq!(s.format, StateFormat::State);
        assert_eq!(
            s.resource("aws_lambda_function.fn")
                .unwrap()
                .as_map()
                .unwrap()["arn"],
            Value::from("arn:aws:lambda:us-east-1:1:function:fn")
        );
        assert!(s
            .resource("module.sso[\"prod\"].aws_ssoadmin_permission_set.admin[0]")
            .is_some());
        assert!(s.resource("data.aws_caller_identity.current").is_some());
        assert!(s.resource("aws_iam_group.g[\"ops\"]").is_some());
        assert_eq!(s.output("arn"), Some(&Value::from("arn:aws:x")));
        assert!(matches!(s.output("pw"), Some(Value::Sensitive(_))));
    }

    #[test]
    fn reads_show_json_and_output_json() {
        let show = state(serde_json::json!({
            "format_version": "1.0",
            "values": {
                "outputs": {"id": {"sensitive": false, "value": "abc"}},
                "root_module": {
                    "resources": [{"address": "aws_x.y", "mode": "managed", "type": "aws_x", "name": "y", "values": {"id": "1"}}],
                    "child_modules": [{"address": "module.m", "resources": [
                        {"address": "module.m.aws_x.z", "mode": "managed", "type": "aws_x", "name": "z", "values": {"id": "2"}}]}]
                }
            }
        }));
        assert_eq!(show.format, StateFormat::Show);
        assert!(show.resource("module.m.aws_x.z").is_some());
        assert_eq!(show.output("id"), Some(&Value::from("abc")));

        let outputs = state(serde_json::json!({
            "instance_arn": {"sensitive": false, "type": "string", "value": "arn:aws:sso:::instance/ssoins-1"}
        }));
        assert_eq!(outputs.format, StateFormat::Outputs);
        assert!(outputs.output("instance_arn").is_some());
    }

    #[test]
    fn refuses_other_json() {
        assert!(TfState::from_json(Path::new("x"), &serde_json::json!({"a": 1})).is_err());
        assert!(TfState::from_json(
            Path::new("x"),
            &serde_json::json!({"version": 3, "resources": []})
        )
        .is_err());
    }
}
