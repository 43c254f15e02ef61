//! The tenant this component serves: its flows as the engine sees them (`FlowSpec`), what each
//! flow sees of itself (`flow-info`) and where its errors go. Written by `symflow-spin-build` from the environment's Terraform, mounted
//! read-only into the component (`files` in spin.toml), read once per request.

use serde::Deserialize;
use symflow_engine::{Engine, FlowSpec};

use crate::bindings::sym::flow::types::{FlowInfo, Integration};

#[derive(Debug, Deserialize)]
pub struct Tenant {
    /// The store namespace (the environment's name).
    pub name: String,
    pub org: String,
    /// E-mails of symflow admins.
    #[serde(default)]
    pub admins: Vec<String>,
    pub flows: Vec<TenantFlow>,
    /// The `sym_flows_filter`, when the environment has one: its name in the flow bundle and
    /// its `vars` as a JSON object.
    #[serde(default)]
    pub flows_filter: Option<FlowsFilter>,
    /// `sym_secret` name → `settings.json_key`, for the secrets whose value is a JSON object.
    #[serde(default)]
    pub secret_json_keys: std::collections::BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
pub struct FlowsFilter {
    pub name: String,
    pub vars_json: String,
}

#[derive(Debug, Deserialize)]
pub struct TenantFlow {
    pub spec: FlowSpec,
    pub info: FlowInfo,
    pub error_channel: Option<String>,
    pub strategy_type: Option<String>,
    pub strategy_integration: Option<Integration>,
    /// Integration keys of the environment (capabilities the flow may use).
    pub granted: Vec<String>,
    /// (`sym_secret` name, Spin variable) pairs the build wrote; `secrets::given` adds the
    /// ones the flow's integrations reference.
    #[serde(default)]
    pub secrets: Vec<(String, String)>,
}

impl TenantFlow {
    pub fn name(&self) -> &str {
        &self.spec.name
    }

    pub fn engine(&self) -> Engine {
        Engine::new(self.spec.clone())
    }

    pub fn defines(&self, handler: &str) -> bool {
        self.spec.handlers.contains(handler)
    }
}

impl Tenant {
    pub fn load(path: &str) -> Result<Tenant, String> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            format!("symflow cannot read its tenant file {path} ({e}). Run `spin build` (it writes target/spin/tenant.json) and check `files` in spin.toml.")
        })?;
        serde_json::from_str(&text).map_err(|e| {
            format!("the tenant file {path} is unreadable ({e}); rebuild it with `spin build`.")
        })
    }

    /// The flow named `name`, compared without regard to case as Sym does.
    pub fn flow(&self, name: &str) -> Option<&TenantFlow> {
        self.flows.iter().find(|f| f.name() == name).or_else(|| {
            self.flows
                .iter()
                .find(|f| f.name().eq_ignore_ascii_case(name))
        })
    }

    pub fn is_admin(&self, email: &str) -> bool {
        let extra = spin_sdk::variables::get("admins").unwrap_or_default();
        self.admins
            .iter()
            .map(String::as_str)
            .chain(extra.split(','))
            .any(|a| !a.trim().is_empty() && a.trim().eq_ignore_ascii_case(email))
    }

    pub fn any_error_channel(&self) -> Option<&str> {
        self.flows.iter().find_map(|f| f.error_channel.as_deref())
    }
}
