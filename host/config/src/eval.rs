//! Evaluating a configuration the way `terraform plan` sees it, as far as the `sym_*`
//! resources need: the root module and every module it calls (local paths, and registry or git
//! modules that `terraform init` downloaded into `.terraform/modules`), `count` and `for_each`
//! on resources and modules, variables with their types, defaults, `nullable`, `sensitive` and
//! `validation` blocks, locals, module outputs, `dynamic` blocks, and values from Terraform
//! state for what only `apply` knows.
//!
//! Evaluation is demand-driven: a reference (`local.x`, `module.sso.settings`,
//! `sym_integration.slack.id`) evaluates what it names when first needed and remembers the
//! result, so the order of declarations does not matter and a reference cycle is found when an
//! item is needed while it is being computed. Everything a `sym_*` resource of any module
//! instance depends on is evaluated; other providers' resources only as far as they are
//! referenced.
//!
//! What Terraform would only know after `apply` is a [`Value::Unknown`] naming where it came
//! from: a module that is not downloaded, a computed attribute (`aws_lambda_function.x.arn`)
//! that the state does not hold, a data source, a root variable without a value during
//! `symflow validate`. A `sym_*` resource's `id` is the string `${<address>.id}`, which the
//! model builder turns back into a typed link.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::rc::Rc;

use hcl::expr::{Expression, TraversalOperator};

use crate::diagnostic::{Diagnostic, SourceLocation};
use crate::model::InstanceKey;
use crate::source::{SourceAttribute, SourceBlock, SourceFile};
use crate::tf::expr::{self, describe_operators, Bound, EvalError, EvalResult, Scope};
use crate::tf::providers::{self, ProviderVersion, VersionSource};
use crate::tf::state::TfState;
use crate::tf::types::TypeConstraint;
use crate::tf::value::{Value, OPEN_OBJECT_KEY};

/// Block types at the top level of a `.tf` file that symflow reads or knowingly ignores.
const KNOWN_TOP_LEVEL: &[&str] = &[
    "resource",
    "data",
    "module",
    "variable",
    "locals",
    "output",
    "provider",
    "terraform",
    "moved",
    "import",
    "removed",
    "check",
    "ephemeral",
];

/// Roots of references that are never resource types.
const NON_RESOURCE_ROOTS: &[&str] = &[
    "var",
    "local",
    "path",
    "module",
    "data",
    "terraform",
    "each",
    "count",
    "self",
];

/// Meta-arguments Terraform handles itself; they are not part of a resource's value.
const META_ARGUMENTS: &[&str] = &["depends_on", "count", "for_each", "provider", "lifecycle"];

/// Nested blocks of a resource that are Terraform's, not the provider's.
const META_BLOCKS: &[&str] = &["lifecycle", "provisioner", "connection"];

/// How deep modules may call modules (Terraform has no limit; a loop of sources would).
const MAX_MODULE_DEPTH: usize = 24;

/// The string a `sym_*` resource's `id` evaluates to.
pub(crate) fn sym_reference(address: &str) -> String {
    format!("${{{address}.id}}")
}

/// What a command needs from the configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// `symflow validate`: like `terraform validate`, variables need no values.
    Validate,
    /// `symflow up` / `run` / `build`: every root variable needs a value.
    Run,
}

/// An attribute whose expression evaluated.
#[derive(Debug, Clone)]
pub(crate) struct EvaluatedAttribute {
    pub value: Value,
    pub location: SourceLocation,
    /// When the expression is `file(<path>)`: the evaluated path, as written (relative or not).
    pub file_argument: Option<String>,
}

/// A block after evaluation. Attributes whose evaluation failed are absent and listed in
/// `failed` (their error has already been reported).
#[derive(Debug, Clone)]
pub(crate) struct EvaluatedBlock {
    pub ident: String,
    pub location: SourceLocation,
    pub attributes: BTreeMap<String, EvaluatedAttribute>,
    pub failed: BTreeSet<String>,
    pub blocks: Vec<EvaluatedBlock>,
}

impl EvaluatedBlock {
    pub fn blocks_named<'a>(&'a self, ident: &'a str) -> impl Iterator<Item = &'a EvaluatedBlock> {
        self.blocks.iter().filter(move |b| b.ident == ident)
    }

    /// The block as a Terraform object: attributes (failed ones unknown) and nested blocks as
    /// lists of objects.
    fn to_value(&self, address: &str) -> Value {
        let mut map = BTreeMap::new();
        for (key, attribute) in &self.attributes {
            map.insert(key.clone(), attribute.value.clone());
        }
        for key in &self.failed {
            map.insert(
                key.clone(),
                Value::unknown(format!("{address}.{key}, which has an error")),
            );
        }
        let mut nested: BTreeMap<&str, Vec<Value>> = BTreeMap::new();
        for block in &self.blocks {
            nested
                .entry(block.ident.as_str())
                .or_default()
                .push(block.to_value(&format!("{address}.{}", block.ident)));
        }
        for (ident, values) in nested {
            map.insert(ident.to_owned(), Value::List(values));
        }
        Value::Map(map)
    }
}

/// A `sym_*` resource instance after evaluation.
#[derive(Debug, Clone)]
pub(crate) struct EvaluatedResource {
    /// The module instance address (`""` for the root, `module.prod`, `module.envs["a"]`).
    pub module: String,
    pub resource_type: String,
    pub name: String,
    /// The `count` / `for_each` key of this instance.
    pub key: Option<InstanceKey>,
    pub body: EvaluatedBlock,
}

/// A module instance that was evaluated, for the model's list of modules.
#[derive(Debug, Clone)]
pub(crate) struct ModuleSummary {
    /// `""` for the root, else `module.x`, `module.x["k"]`, ...
    pub address: String,
    /// The directory its files were read from.
    pub dir: PathBuf,
    /// Where it was called (`module "x" {` line); `None` for the root.
    pub location: Option<SourceLocation>,
}

/// Everything evaluation produces for the model builder.
#[derive(Debug)]
pub(crate) struct Evaluation {
    pub sym_resources: Vec<EvaluatedResource>,
    pub sym_providers: Vec<EvaluatedBlock>,
    pub provider_version: ProviderVersion,
    pub modules: Vec<ModuleSummary>,
    /// Origins (`var.x`) of root variables that have no value; their unknowns are not reported
    /// again where they are used.
    pub missing_variables: BTreeSet<String>,
    pub diagnostics: Vec<Diagnostic>,
}

/// A variables file, already parsed (HCL) or decoded (JSON).
pub(crate) enum TfvarsFile {
    Hcl(SourceFile),
    Json {
        path: PathBuf,
        values: serde_json::Map<String, serde_json::Value>,
    },
}

/// Inputs to one evaluation.
pub(crate) struct EvaluationInput<'a> {
    pub root: &'a Path,
    pub root_files: Vec<SourceFile>,
    pub tfvars: Vec<TfvarsFile>,
    pub cli_vars: &'a [(String, String)],
    /// `TF_VAR_<name>` environment variables, already stripped of the prefix.
    pub env_vars: Vec<(String, String)>,
    pub state: Option<&'a TfState>,
    pub mode: Mode,
}

/// The static declarations of one module directory.
struct ModuleConfig {
    dir: PathBuf,
    /// `path.module` as Terraform gives it: relative to the root (`.`, `modules/sym`).
    path_module: String,
    /// The user's own code (the root and local modules), as opposed to a downloaded module:
    /// only the user's code has its errors reported.
    user_code: bool,
    variables: BTreeMap<String, SourceBlock>,
    locals: BTreeMap<String, SourceAttribute>,
    resources: Vec<SourceBlock>,
    data: Vec<SourceBlock>,
    calls: BTreeMap<String, SourceBlock>,
    outputs: BTreeMap<String, SourceBlock>,
    sym_providers: Vec<SourceBlock>,
    terraform_blocks: Vec<SourceBlock>,
}

/// One module instance.
struct Instance {
    config: Rc<ModuleConfig>,
    address: String,
    parent: Option<usize>,
    /// The call that made it: name, the `module` block, `count`/`for_each` key and `each.value`.
    call: Option<CallInfo>,
    /// Dotted call names from the root (`runtime_connector`, `a.b`): the key in
    /// `.terraform/modules/modules.json`.
    manifest_key: String,
    depth: usize,
}

#[derive(Clone)]
struct CallInfo {
    name: String,
    block: SourceBlock,
    repetition: Repetition,
}

/// The `count.index` or `each.key`/`each.value` an instance was made with.
#[derive(Debug, Clone)]
enum Repetition {
    None,
    Count(i64),
    Each(String, Value),
}

impl Repetition {
    fn key(&self) -> Option<InstanceKey> {
        match self {
            Repetition::None => None,
            Repetition::Count(i) => Some(InstanceKey::Int(*i)),
            Repetition::Each(key, _) => Some(InstanceKey::Str(key.clone())),
        }
    }
}

/// How a resource or module call is repeated.
#[derive(Debug, Clone)]
enum Expansion {
    Single,
    Count(i64),
    Each(BTreeMap<String, Value>),
    Unknown(Value),
}

impl Expansion {
    fn repetitions(&self) -> Vec<Repetition> {
        match self {
            Expansion::Single => vec![Repetition::None],
            Expansion::Count(n) => (0..*n).map(Repetition::Count).collect(),
            Expansion::Each(map) => map
                .iter()
                .map(|(k, v)| Repetition::Each(k.clone(), v.clone()))
                .collect(),
            Expansion::Unknown(_) => Vec::new(),
        }
    }
}

/// A memo slot.
enum Slot<T> {
    InProgress,
    Done(T),
}

/// `.terraform/modules/modules.json`: where `terraform init` put each downloaded module.
#[derive(Default)]
struct ModulesManifest {
    dirs: HashMap<String, PathBuf>,
}

impl ModulesManifest {
    fn read(root: &Path) -> ModulesManifest {
        let path = root.join(".terraform/modules/modules.json");
        let Ok(text) = std::fs::read_to_string(&path) else {
            return ModulesManifest::default();
        };
        let Ok(json) = serde_json::from_str::<serde_json::Value>(&text) else {
            return ModulesManifest::default();
        };
        let mut dirs = HashMap::new();
        for module in json
            .get("Modules")
            .and_then(serde_json::Value::as_array)
            .into_iter()
            .flatten()
        {
            if let (Some(key), Some(dir)) = (
                module.get("Key").and_then(serde_json::Value::as_str),
                module.get("Dir").and_then(serde_json::Value::as_str),
            ) {
                if !key.is_empty() {
                    dirs.insert(key.to_owned(), root.join(dir));
                }
            }
        }
        ModulesManifest { dirs }
    }
}

/// A root variable's value before type conversion, and where it was set.
struct RootInput {
    value: RootValue,
    location: Option<SourceLocation>,
    what: String,
}

enum RootValue {
    /// From a .tfvars file (already a value).
    Value(Value),
    /// From `--var` or `TF_VAR_`: a string, parsed as HCL for non-string types.
    Raw(String),
}

type MemoKey = (usize, String);

/// The whole evaluation state.
struct Evaluator<'a> {
    root: PathBuf,
    mode: Mode,
    state: Option<&'a TfState>,
    manifest: ModulesManifest,
    root_inputs: BTreeMap<String, RootInput>,
    configs: RefCell<HashMap<PathBuf, Rc<ModuleConfig>>>,
    instances: RefCell<Vec<Rc<Instance>>>,
    values: RefCell<HashMap<MemoKey, Slot<EvalResult>>>,
    bodies: RefCell<HashMap<MemoKey, Slot<Rc<EvaluatedBlock>>>>,
    expansions: RefCell<HashMap<MemoKey, Slot<Result<Expansion, EvalError>>>>,
    children: RefCell<HashMap<MemoKey, Vec<usize>>>,
    stack: RefCell<Vec<String>>,
    diagnostics: RefCell<Vec<Diagnostic>>,
    missing_variables: RefCell<BTreeSet<String>>,
}

pub(crate) fn evaluate(input: EvaluationInput<'_>) -> Evaluation {
    let root = input.root.to_path_buf();
    let mut diagnostics = Vec::new();
    let root_config = Rc::new(ModuleConfig::declare(
        &root,
        ".".to_owned(),
        true,
        &input.root_files,
        &mut diagnostics,
    ));
    let evaluator = Evaluator {
        root: root.clone(),
        mode: input.mode,
        state: input.state,
        manifest: ModulesManifest::read(&root),
        root_inputs: BTreeMap::new(),
        configs: RefCell::new(HashMap::new()),
        instances: RefCell::new(Vec::new()),
        values: RefCell::new(HashMap::new()),
        bodies: RefCell::new(HashMap::new()),
        expansions: RefCell::new(HashMap::new()),
        children: RefCell::new(HashMap::new()),
        stack: RefCell::new(Vec::new()),
        diagnostics: RefCell::new(diagnostics),
        missing_variables: RefCell::new(BTreeSet::new()),
    };
    let mut evaluator = evaluator;
    evaluator.root_inputs =
        evaluator.collect_root_inputs(&root_config, &input.tfvars, &input.env_vars, input.cli_vars);
    evaluator.instances.borrow_mut().push(Rc::new(Instance {
        config: root_config,
        address: String::new(),
        parent: None,
        call: None,
        manifest_key: String::new(),
        depth: 0,
    }));
    evaluator.finish()
}

impl ModuleConfig {
    fn declare(
        dir: &Path,
        path_module: String,
        user_code: bool,
        files: &[SourceFile],
        diagnostics: &mut Vec<Diagnostic>,
    ) -> ModuleConfig {
        let mut config = ModuleConfig {
            dir: dir.to_path_buf(),
            path_module,
            user_code,
            variables: BTreeMap::new(),
            locals: BTreeMap::new(),
            resources: Vec::new(),
            data: Vec::new(),
            calls: BTreeMap::new(),
            outputs: BTreeMap::new(),
            sym_providers: Vec::new(),
            terraform_blocks: Vec::new(),
        };
        let mut report = |diagnostic: Diagnostic| {
            if user_code {
                diagnostics.push(diagnostic);
            }
        };
        let mut resource_names: HashMap<(String, String, String), SourceLocation> = HashMap::new();
        for file in files {
            for attribute in &file.attributes {
                report(
                    Diagnostic::error(
                        Some(attribute.location.clone()),
                        format!(
                            "`{} = ...` is outside any block; a .tf file holds only blocks",
                            attribute.key
                        ),
                    )
                    .with_fix("move it into a `locals { }` block, or into a .tfvars file if it sets a variable"),
                );
            }
            for block in &file.blocks {
                let location = Some(block.location.clone());
                match (block.ident.as_str(), block.labels.as_slice()) {
                    ("variable", [name]) => {
                        if config.variables.contains_key(name) {
                            report(
                                Diagnostic::error(location, format!("variable `{name}` is declared twice"))
                                    .with_fix("remove or rename one of the two variable blocks"),
                            );
                        } else {
                            config.variables.insert(name.clone(), block.clone());
                        }
                    }
                    ("locals", []) => {
                        for attribute in &block.attributes {
                            if config.locals.contains_key(&attribute.key) {
                                report(
                                    Diagnostic::error(
                                        Some(attribute.location.clone()),
                                        format!("local `{}` is defined twice", attribute.key),
                                    )
                                    .with_fix("keep one definition; locals share one namespace across all files of a module"),
                                );
                            } else {
                                config.locals.insert(attribute.key.clone(), attribute.clone());
                            }
                        }
                    }
                    (mode @ ("resource" | "data"), [resource_type, name]) => {
                        let key = (mode.to_owned(), resource_type.clone(), name.clone());
                        if let Some(first) = resource_names.get(&key) {
                            let what = if mode == "data" { "data source" } else { "resource" };
                            report(
                                Diagnostic::error(
                                    location,
                                    format!("{what} {resource_type}.{name} is declared twice (first at {first})"),
                                )
                                .with_fix("rename one of them: the second label must be unique per type"),
                            );
                            continue;
                        }
                        resource_names.insert(key, block.location.clone());
                        if mode == "data" {
                            config.data.push(block.clone());
                        } else {
                            config.resources.push(block.clone());
                        }
                    }
                    ("module", [name]) => {
                        if config.calls.contains_key(name) {
                            report(
                                Diagnostic::error(location, format!("module `{name}` is declared twice"))
                                    .with_fix("rename one of the two module blocks"),
                            );
                        } else {
                            config.calls.insert(name.clone(), block.clone());
                        }
                    }
                    ("output", [name]) => {
                        config.outputs.insert(name.clone(), block.clone());
                    }
                    ("provider", [name]) if name == "sym" => config.sym_providers.push(block.clone()),
                    ("terraform", []) => config.terraform_blocks.push(block.clone()),
                    (ident, _) if KNOWN_TOP_LEVEL.contains(&ident) => {}
                    (ident, _) => report(
                        Diagnostic::warning(
                            location,
                            format!("unknown top-level block `{ident}` is ignored"),
                        )
                        .with_fix("check the spelling; Terraform accepts resource, data, module, variable, locals, output, provider and terraform"),
                    ),
                }
            }
        }
        config
    }

    fn resource(&self, mode: &str, resource_type: &str, name: &str) -> Option<&SourceBlock> {
        let list = if mode == "data" {
            &self.data
        } else {
            &self.resources
        };
        list.iter().find(|b| {
            b.labels.first().map(String::as_str) == Some(resource_type)
                && b.labels.get(1).map(String::as_str) == Some(name)
        })
    }

    /// The `version` constraints on `symopsio/sym` in `terraform { required_providers { } }`.
    fn sym_constraints(&self) -> Vec<(String, SourceLocation)> {
        let mut out = Vec::new();
        for terraform in &self.terraform_blocks {
            for required in terraform
                .blocks
                .iter()
                .filter(|b| b.ident == "required_providers")
            {
                for attribute in &required.attributes {
                    let value = expr::evaluate(&attribute.expr, &ConstantScope);
                    let (source, version) = match value {
                        Ok(Value::Map(map)) => (
                            map.get("source")
                                .and_then(|v| v.as_str())
                                .map(str::to_owned),
                            map.get("version")
                                .and_then(|v| v.as_str())
                                .map(str::to_owned),
                        ),
                        // Terraform 0.12's `sym = "~> 1.0"`.
                        Ok(Value::String(version)) => (None, Some(version)),
                        _ => (None, None),
                    };
                    let is_sym = match &source {
                        Some(source) => source.to_ascii_lowercase().ends_with("symopsio/sym"),
                        None => attribute.key == "sym",
                    };
                    if let (true, Some(version)) = (is_sym, version) {
                        out.push((version, attribute.location.clone()));
                    }
                }
            }
        }
        out
    }
}

/// A scope with no names, for constant expressions (`required_providers`, module `source`).
struct ConstantScope;

impl Scope for ConstantScope {
    fn resolve(&self, root: &str, _operators: &[TraversalOperator]) -> EvalResult<(Value, usize)> {
        Err(EvalError::new(format!(
            "`{root}` cannot be used here: only constant values are allowed"
        )))
    }

    fn cwd(&self) -> &Path {
        Path::new(".")
    }
}

/// The scope of expressions in one module instance, optionally inside a repeated resource
/// (`count.index`, `each.key`).
struct InstanceScope<'e, 'a> {
    ev: &'e Evaluator<'a>,
    instance: usize,
    repetition: Repetition,
}

impl Scope for InstanceScope<'_, '_> {
    fn resolve(&self, root: &str, operators: &[TraversalOperator]) -> EvalResult<(Value, usize)> {
        self.ev
            .resolve(self.instance, &self.repetition, root, operators)
    }

    fn cwd(&self) -> &Path {
        &self.ev.root
    }
}

fn attr_name(op: Option<&TraversalOperator>) -> Option<&str> {
    match op {
        Some(TraversalOperator::GetAttr(name)) => Some(name.as_str()),
        _ => None,
    }
}

fn is_resource_type(root: &str) -> bool {
    root.contains('_') && !NON_RESOURCE_ROOTS.contains(&root)
}

impl<'a> Evaluator<'a> {
    fn instance(&self, id: usize) -> Rc<Instance> {
        self.instances.borrow()[id].clone()
    }

    fn report(&self, diagnostic: Diagnostic) {
        let mut diagnostics = self.diagnostics.borrow_mut();
        if !diagnostics.contains(&diagnostic) {
            diagnostics.push(diagnostic);
        }
    }

    /// Reports an evaluation error at `location` unless it was reported where it happened.
    fn report_error(&self, location: &SourceLocation, err: &EvalError) {
        if err.reported {
            return;
        }
        let mut diagnostic = Diagnostic::error(Some(location.clone()), err.message.clone());
        if let Some(fix) = &err.fix {
            diagnostic = diagnostic.with_fix(fix.clone());
        }
        self.report(diagnostic);
    }

    /// Runs `compute` once per key, detecting cycles.
    fn memo<T: Clone>(
        &self,
        map: &RefCell<HashMap<MemoKey, Slot<T>>>,
        key: MemoKey,
        cycle: impl FnOnce(String) -> T,
        compute: impl FnOnce() -> T,
    ) -> T {
        match map.borrow().get(&key) {
            Some(Slot::Done(value)) => return value.clone(),
            Some(Slot::InProgress) => {
                let stack = self.stack.borrow();
                let start = stack.iter().position(|s| *s == key.1).unwrap_or(0);
                let mut chain: Vec<&str> = stack[start..].iter().map(String::as_str).collect();
                chain.push(&key.1);
                return cycle(chain.join(" → "));
            }
            None => {}
        }
        map.borrow_mut().insert(key.clone(), Slot::InProgress);
        self.stack.borrow_mut().push(key.1.clone());
        let value = compute();
        self.stack.borrow_mut().pop();
        map.borrow_mut().insert(key, Slot::Done(value.clone()));
        value
    }

    fn scope(&self, instance: usize, repetition: Repetition) -> InstanceScope<'_, 'a> {
        InstanceScope {
            ev: self,
            instance,
            repetition,
        }
    }

    // ---------------------------------------------------------------- name resolution

    fn resolve(
        &self,
        instance: usize,
        repetition: &Repetition,
        root: &str,
        ops: &[TraversalOperator],
    ) -> EvalResult<(Value, usize)> {
        let inst = self.instance(instance);
        let first = attr_name(ops.first());
        match root {
            "var" => {
                let name = first.ok_or_else(|| EvalError::new("`var` must be followed by a variable name: var.NAME"))?;
                Ok((self.variable(instance, name)?, 1))
            }
            "local" => {
                let name = first.ok_or_else(|| EvalError::new("`local` must be followed by a name: local.NAME"))?;
                Ok((self.local(instance, name)?, 1))
            }
            "path" => {
                let value = match first {
                    Some("module") => inst.config.path_module.clone(),
                    Some("root") => ".".to_owned(),
                    Some("cwd") => self.root.display().to_string(),
                    _ => {
                        return Err(EvalError::new("`path` has the attributes module, root and cwd")
                            .with_fix("use path.module"))
                    }
                };
                Ok((Value::String(value), 1))
            }
            "terraform" => match first {
                Some("workspace") => Ok((
                    Value::String(std::env::var("TF_WORKSPACE").unwrap_or_else(|_| "default".into())),
                    1,
                )),
                _ => Err(EvalError::new("`terraform` has the attribute workspace")),
            },
            "count" => match (repetition, first) {
                (Repetition::Count(i), Some("index")) => Ok((Value::Number(*i as f64), 1)),
                _ => Err(EvalError::new("count.index is only available in a resource or module that sets `count`")),
            },
            "each" => match (repetition, first) {
                (Repetition::Each(key, _), Some("key")) => Ok((Value::String(key.clone()), 1)),
                (Repetition::Each(_, value), Some("value")) => Ok((value.clone(), 1)),
                _ => Err(EvalError::new("each.key and each.value are only available in a resource or module that sets `for_each`")),
            },
            "self" => Ok((Value::unknown("self"), 0)),
            "module" => {
                let name = first.ok_or_else(|| EvalError::new("`module` must be followed by a module name: module.NAME"))?;
                self.module_reference(instance, repetition, name, &ops[1..])
                    .map(|(value, used)| (value, used + 1))
            }
            "data" => {
                let (Some(resource_type), Some(name)) = (first, attr_name(ops.get(1))) else {
                    return Err(EvalError::new("`data` must be followed by a type and a name: data.TYPE.NAME"));
                };
                self.resource_reference(instance, repetition, "data", resource_type, name, &ops[2..])
                    .map(|(value, used)| (value, used + 2))
            }
            resource_type if is_resource_type(resource_type) => {
                let name = first.ok_or_else(|| {
                    EvalError::new(format!("`{resource_type}` must be followed by a resource name: {resource_type}.NAME"))
                })?;
                self.resource_reference(instance, repetition, "resource", resource_type, name, &ops[1..])
                    .map(|(value, used)| (value, used + 1))
            }
            other => Err(EvalError::new(format!("`{other}` is not defined")).with_fix(
                "use var.NAME, local.NAME, module.NAME, data.TYPE.NAME, path.module or a resource address such as sym_integration.slack.id",
            )),
        }
    }

    // ---------------------------------------------------------------- variables and locals

    fn variable(&self, instance: usize, name: &str) -> EvalResult {
        let inst = self.instance(instance);
        let Some(block) = inst.config.variables.get(name) else {
            let declared: Vec<&str> = inst.config.variables.keys().map(String::as_str).collect();
            let close: Vec<&str> = declared
                .iter()
                .copied()
                .filter(|d| expr::edit_distance(d, name) <= 2)
                .collect();
            let mut fix = format!("add `variable \"{name}\" {{}}` to a .tf file of this module");
            if !close.is_empty() {
                fix = format!(
                    "did you mean var.{}? Otherwise {fix}",
                    close.join(" or var.")
                );
            }
            return Err(EvalError::new(format!(
                "var.{name} is used but no variable `{name}` is declared{}",
                describe_module(&inst.address)
            ))
            .with_fix(fix));
        };
        let key = (instance, format!("{}var.{name}", prefix(&inst.address)));
        let value = self.memo(
            &self.values,
            key,
            |chain| {
                Err(EvalError::new(format!(
                    "var.{name} depends on itself: {chain}"
                )))
            },
            || self.compute_variable(&inst, name, block),
        );
        // Validation blocks run once the value is stored (they may read var.NAME).
        if value.is_ok() {
            self.validate_variable(&inst, instance, name, block);
        }
        value
    }

    fn compute_variable(&self, inst: &Instance, name: &str, block: &SourceBlock) -> EvalResult {
        let strict = inst.config.user_code;
        let constraint = match block.attribute("type") {
            None => TypeConstraint::Any,
            Some(attribute) => match TypeConstraint::parse(&attribute.expr) {
                Ok(constraint) => constraint,
                Err(message) => {
                    let err = EvalError::new(format!("the type of variable `{name}` is invalid: {message}"))
                        .with_fix("write a type such as string, number, bool, list(string), map(string) or object({ ... })");
                    if strict {
                        self.report_error(&attribute.location, &err);
                    }
                    TypeConstraint::Any
                }
            },
        };
        let sensitive = block
            .attribute("sensitive")
            .map(|a| {
                matches!(
                    expr::evaluate(&a.expr, &ConstantScope),
                    Ok(Value::Bool(true))
                )
            })
            .unwrap_or(false);
        let nullable = block
            .attribute("nullable")
            .map(|a| {
                !matches!(
                    expr::evaluate(&a.expr, &ConstantScope),
                    Ok(Value::Bool(false))
                )
            })
            .unwrap_or(true);
        let default = match block.attribute("default") {
            Some(attribute) => match expr::evaluate(&attribute.expr, &ConstantScope) {
                Ok(value) => Some((value, attribute.location.clone())),
                Err(err) => {
                    if strict {
                        self.report_error(&attribute.location, &err);
                    }
                    return Err(err.reported());
                }
            },
            None => None,
        };

        // The given value and where it was given.
        let given: Option<(Value, SourceLocation, String)> = match &inst.call {
            None => match self.root_inputs.get(name) {
                Some(input) => {
                    let location = input
                        .location
                        .clone()
                        .unwrap_or_else(|| block.location.clone());
                    let value = match &input.value {
                        RootValue::Value(value) => value.clone(),
                        RootValue::Raw(text) if constraint.takes_raw_string() => {
                            Value::String(text.clone())
                        }
                        RootValue::Raw(text) => match text.parse::<Expression>() {
                            Ok(parsed) => expr::evaluate(&parsed, &ConstantScope)
                                .unwrap_or_else(|_| Value::String(text.clone())),
                            Err(_) => Value::String(text.clone()),
                        },
                    };
                    Some((value, location, input.what.clone()))
                }
                None => None,
            },
            Some(call) => match call.block.attribute(name) {
                Some(attribute) => {
                    let parent = inst.parent.expect("a called module has a parent");
                    let scope = self.scope(parent, call.repetition.clone());
                    let parent_strict = self.instance(parent).config.user_code;
                    match expr::evaluate(&attribute.expr, &scope) {
                        Ok(value) => Some((
                            value,
                            attribute.location.clone(),
                            format!("the argument `{name}` of module.{}", call.name),
                        )),
                        Err(err) => {
                            if parent_strict {
                                self.report_error(&attribute.location, &err);
                                return Err(err.reported());
                            }
                            Some((
                                Value::unknown(format!(
                                    "module.{}.{name}, which symflow could not evaluate: {}",
                                    call.name, err.message
                                )),
                                attribute.location.clone(),
                                String::new(),
                            ))
                        }
                    }
                }
                None => None,
            },
        };

        let value = match given {
            Some((value, location, what)) => {
                let value = if value.is_null() && !nullable {
                    match &default {
                        Some((default, _)) if !default.is_null() => default.clone(),
                        _ => {
                            let err = EvalError::new(format!(
                                "variable `{name}` is declared `nullable = false` but {what} is null"
                            ))
                            .with_fix(format!("give `{name}` a value that is not null"));
                            self.report_error(&location, &err);
                            return Err(err.reported());
                        }
                    }
                } else {
                    value
                };
                match constraint.convert(value) {
                    Ok(value) => value,
                    Err(message) => {
                        let err = EvalError::new(format!(
                            "the value of var.{name} ({what}) does not fit its type: {message}"
                        ))
                        .with_fix(format!("give `{name}` a value of the declared type"));
                        if strict || inst.call.is_none() {
                            self.report_error(&location, &err);
                        }
                        return Err(err.reported());
                    }
                }
            }
            None => match default {
                Some((value, _)) => constraint.convert(value).unwrap_or(Value::Null),
                None => return self.missing_variable(inst, name, block),
            },
        };
        Ok(value.mark_if(sensitive))
    }

    fn missing_variable(&self, inst: &Instance, name: &str, block: &SourceBlock) -> EvalResult {
        match &inst.call {
            None => {
                let fix = format!(
                    "set it in one of three ways: `export TF_VAR_{name}=...`, `{name} = ...` in terraform.tfvars (or a *.auto.tfvars file), or `--var {name}=...`"
                );
                let diagnostic = match self.mode {
                    Mode::Validate => Diagnostic::warning(
                        Some(block.location.clone()),
                        format!("variable `{name}` has no value; symflow validate treats it as unknown, but symflow up, run and build need it"),
                    ),
                    Mode::Run => Diagnostic::error(
                        Some(block.location.clone()),
                        format!("variable `{name}` has no value"),
                    ),
                };
                self.report(diagnostic.with_fix(fix));
                self.missing_variables
                    .borrow_mut()
                    .insert(format!("var.{name}"));
                Ok(Value::unknown(format!("var.{name}")))
            }
            Some(call) => {
                let err = EvalError::new(format!(
                    "module.{} is missing the required argument `{name}` (the module's variable has no default)",
                    call.name
                ))
                .with_fix(format!("add `{name} = ...` to the module \"{}\" block", call.name));
                if inst
                    .parent
                    .map(|p| self.instance(p).config.user_code)
                    .unwrap_or(true)
                {
                    self.report_error(&call.block.location, &err);
                }
                Err(err.reported())
            }
        }
    }

    fn validate_variable(&self, inst: &Instance, instance: usize, name: &str, block: &SourceBlock) {
        let key = (
            instance,
            format!("{}validation.{name}", prefix(&inst.address)),
        );
        if self.values.borrow().contains_key(&key) {
            return;
        }
        self.values
            .borrow_mut()
            .insert(key, Slot::Done(Ok(Value::Null)));
        if !inst.config.user_code {
            return;
        }
        for validation in block.blocks.iter().filter(|b| b.ident == "validation") {
            let Some(condition) = validation.attribute("condition") else {
                continue;
            };
            let scope = self.scope(instance, Repetition::None);
            let message = validation
                .attribute("error_message")
                .and_then(|a| expr::evaluate(&a.expr, &scope).ok())
                .map(|v| match v.unmark_deep().0 {
                    Value::String(s) => s,
                    other => other.to_string(),
                })
                .unwrap_or_else(|| "the validation condition is false".to_owned());
            match expr::evaluate(&condition.expr, &scope).map(|v| v.unmark_deep().0) {
                Ok(Value::Bool(true)) | Ok(Value::Unknown(_)) => {}
                Ok(Value::Bool(false)) => self.report(
                    Diagnostic::error(
                        Some(condition.location.clone()),
                        format!("invalid value for variable `{name}`{}: {message}", describe_module(&inst.address)),
                    )
                    .with_fix(format!("give `{name}` a value that meets this validation's condition")),
                ),
                Ok(other) => self.report(
                    Diagnostic::error(
                        Some(condition.location.clone()),
                        format!("the validation condition of variable `{name}` must be true or false, got {other}"),
                    ),
                ),
                Err(err) => self.report_error(&condition.location, &err),
            }
        }
    }

    fn local(&self, instance: usize, name: &str) -> EvalResult {
        let inst = self.instance(instance);
        let Some(attribute) = inst.config.locals.get(name) else {
            let close: Vec<&str> = inst
                .config
                .locals
                .keys()
                .map(String::as_str)
                .filter(|d| expr::edit_distance(d, name) <= 2)
                .collect();
            let mut fix = format!("add `{name} = ...` to a `locals {{ }}` block of this module");
            if !close.is_empty() {
                fix = format!(
                    "did you mean local.{}? Otherwise {fix}",
                    close.join(" or local.")
                );
            }
            return Err(EvalError::new(format!(
                "local.{name} is used but not defined in any `locals` block{}",
                describe_module(&inst.address)
            ))
            .with_fix(fix));
        };
        let key = (instance, format!("{}local.{name}", prefix(&inst.address)));
        let strict = inst.config.user_code;
        self.memo(
            &self.values,
            key,
            |chain| {
                let mut err = EvalError::new(format!(
                    "local.{name} cannot be evaluated: it is part of a reference cycle ({chain})"
                ))
                .with_fix("break the cycle: a value must not depend, directly or through others, on itself");
                err.cycle = Some(chain);
                Err(err)
            },
            || {
                let scope = self.scope(instance, Repetition::None);
                match expr::evaluate(&attribute.expr, &scope) {
                    Ok(value) => Ok(value),
                    // Every member of a cycle is reported where it is written.
                    Err(err) if strict && err.cycle.is_some() => {
                        let chain = err.cycle.clone().unwrap_or_default();
                        let own = EvalError::new(format!(
                            "local.{name} cannot be evaluated: it is part of a reference cycle ({chain})"
                        ))
                        .with_fix("break the cycle: a value must not depend, directly or through others, on itself");
                        self.report_error(&attribute.location, &own);
                        let mut err = err.reported();
                        err.cycle = Some(chain);
                        Err(err)
                    }
                    Err(err) if strict => {
                        self.report_error(&attribute.location, &err);
                        Err(err.reported())
                    }
                    Err(err) => Ok(Value::unknown(format!(
                        "local.{name} of {}, which symflow could not evaluate: {}",
                        display_module(&inst.address),
                        err.message
                    ))),
                }
            },
        )
    }

    // ---------------------------------------------------------------- resources and data

    fn expansion(
        &self,
        instance: usize,
        what: &str,
        block: &SourceBlock,
        strict: bool,
    ) -> Result<Expansion, EvalError> {
        let inst = self.instance(instance);
        let key = (
            instance,
            format!("{}expansion.{what}", prefix(&inst.address)),
        );
        self.memo(
            &self.expansions,
            key,
            |chain| Err(EvalError::new(format!("the count or for_each of {what} depends on itself: {chain}"))),
            || {
                let scope = self.scope(instance, Repetition::None);
                let report = |attribute: &SourceAttribute, err: EvalError| {
                    if strict {
                        self.report_error(&attribute.location, &err);
                    }
                    Err(err.reported())
                };
                if let Some(count) = block.attribute("count") {
                    return match expr::evaluate(&count.expr, &scope).map(|v| v.unmark_deep().0) {
                        Ok(Value::Number(n)) if n >= 0.0 && n.fract() == 0.0 => Ok(Expansion::Count(n as i64)),
                        Ok(Value::String(s)) if s.parse::<u32>().is_ok() => Ok(Expansion::Count(s.parse::<i64>().unwrap_or(0))),
                        Ok(value @ Value::Unknown(_)) => Ok(Expansion::Unknown(value)),
                        Ok(other) => report(count, EvalError::new(format!("the count of {what} must be a whole number ≥ 0, got {other}"))),
                        Err(err) => report(count, err),
                    };
                }
                if let Some(for_each) = block.attribute("for_each") {
                    return match expr::evaluate(&for_each.expr, &scope) {
                        Ok(value) => match value.unmark_deep().0 {
                            value @ Value::Unknown(_) => Ok(Expansion::Unknown(value)),
                            Value::Map(map) => Ok(Expansion::Each(map)),
                            Value::List(items) => {
                                let mut map = BTreeMap::new();
                                for item in items {
                                    match item {
                                        Value::String(s) => {
                                            map.insert(s.clone(), Value::String(s));
                                        }
                                        unknown @ Value::Unknown(_) => return Ok(Expansion::Unknown(unknown)),
                                        other => {
                                            return report(
                                                for_each,
                                                EvalError::new(format!(
                                                    "the for_each of {what} must be a map or a set of strings, but it holds {other}"
                                                ))
                                                .with_fix("use toset([...]) of strings, or a map"),
                                            )
                                        }
                                    }
                                }
                                Ok(Expansion::Each(map))
                            }
                            other => report(
                                for_each,
                                EvalError::new(format!("the for_each of {what} must be a map or a set of strings, got {other}"))
                                    .with_fix("use toset([...]) of strings, or a map"),
                            ),
                        },
                        Err(err) => report(for_each, err),
                    };
                }
                Ok(Expansion::Single)
            },
        )
    }

    /// The address of a resource (or data source) in an instance, without an instance key.
    fn resource_address(
        &self,
        instance: usize,
        mode: &str,
        resource_type: &str,
        name: &str,
    ) -> String {
        let inst = self.instance(instance);
        format!(
            "{}{}{resource_type}.{name}",
            prefix(&inst.address),
            if mode == "data" { "data." } else { "" }
        )
    }

    fn resource_reference(
        &self,
        instance: usize,
        repetition: &Repetition,
        mode: &str,
        resource_type: &str,
        name: &str,
        ops: &[TraversalOperator],
    ) -> EvalResult<(Value, usize)> {
        let inst = self.instance(instance);
        let address = self.resource_address(instance, mode, resource_type, name);
        let Some(block) = inst.config.resource(mode, resource_type, name) else {
            return self.undeclared_resource(&inst, &address, mode, resource_type, name);
        };
        let sym = resource_type.starts_with("sym_");
        let strict = sym && inst.config.user_code;
        let expansion = match self.expansion(instance, &address, block, strict) {
            Ok(expansion) => expansion,
            Err(err) if sym => return Err(err),
            Err(err) => {
                return Ok((
                    Value::unknown(format!(
                        "{address}, whose count or for_each symflow could not evaluate: {}",
                        err.message
                    )),
                    0,
                ))
            }
        };
        let attribute_of = |key: &Repetition, attr: &str| -> EvalResult {
            self.resource_attribute(instance, mode, resource_type, name, block, key, attr)
        };
        match expansion {
            Expansion::Unknown(value) => Ok((value, 0)),
            Expansion::Single => match attr_name(ops.first()) {
                Some(attr) => Ok((attribute_of(&Repetition::None, attr)?, 1)),
                None => Ok((
                    self.resource_object(
                        instance,
                        mode,
                        resource_type,
                        name,
                        block,
                        &Repetition::None,
                    ),
                    0,
                )),
            },
            expansion => {
                let repetitions = expansion.repetitions();
                match ops.first() {
                    Some(TraversalOperator::Index(index_expr)) => {
                        let scope = self.scope(instance, repetition.clone());
                        let key = expr::evaluate(index_expr, &scope)?.unmark_deep().0;
                        if key.is_unknown() {
                            return Ok((Value::unknown(format!("{address}[...]")), 1));
                        }
                        let wanted = match (&expansion, &key) {
                            (Expansion::Count(_), Value::Number(n)) => repetitions
                                .iter()
                                .find(|r| matches!(r, Repetition::Count(i) if *i as f64 == *n)),
                            (Expansion::Each(_), Value::String(s)) => repetitions
                                .iter()
                                .find(|r| matches!(r, Repetition::Each(k, _) if k == s)),
                            _ => None,
                        }
                        .cloned()
                        .ok_or_else(|| {
                            EvalError::new(format!("{address} has no instance {key}")).with_fix(
                                match &expansion {
                                    Expansion::Count(n) => format!(
                                        "it has count = {n}: use an index from 0 to {}",
                                        n - 1
                                    ),
                                    _ => format!(
                                        "its for_each keys are: {}",
                                        repetitions
                                            .iter()
                                            .filter_map(|r| r.key())
                                            .map(|k| k.to_string())
                                            .collect::<Vec<_>>()
                                            .join(", ")
                                    ),
                                },
                            )
                        })?;
                        match attr_name(ops.get(1)) {
                            Some(attr) => Ok((attribute_of(&wanted, attr)?, 2)),
                            None => Ok((
                                self.resource_object(
                                    instance,
                                    mode,
                                    resource_type,
                                    name,
                                    block,
                                    &wanted,
                                ),
                                1,
                            )),
                        }
                    }
                    Some(TraversalOperator::AttrSplat | TraversalOperator::FullSplat)
                        if matches!(expansion, Expansion::Count(_))
                            && attr_name(ops.get(1)).is_some() =>
                    {
                        let attr = attr_name(ops.get(1)).expect("checked above");
                        let values = repetitions
                            .iter()
                            .map(|r| attribute_of(r, attr))
                            .collect::<EvalResult<Vec<_>>>()?;
                        Ok((Value::List(values), 2))
                    }
                    _ => {
                        let objects: Vec<(Option<InstanceKey>, Value)> = repetitions
                            .iter()
                            .map(|r| {
                                (
                                    r.key(),
                                    self.resource_object(
                                        instance,
                                        mode,
                                        resource_type,
                                        name,
                                        block,
                                        r,
                                    ),
                                )
                            })
                            .collect();
                        let value = match expansion {
                            Expansion::Count(_) => {
                                Value::List(objects.into_iter().map(|(_, v)| v).collect())
                            }
                            _ => Value::Map(
                                objects
                                    .into_iter()
                                    .filter_map(|(k, v)| match k {
                                        Some(InstanceKey::Str(k)) => Some((k, v)),
                                        _ => None,
                                    })
                                    .collect(),
                            ),
                        };
                        Ok((value, 0))
                    }
                }
            }
        }
    }

    /// A reference to a resource or data source this module does not declare: for `sym_*`
    /// types an error; for other providers' types (declared elsewhere, or data sources) the
    /// state's value or an unknown.
    fn undeclared_resource(
        &self,
        inst: &Instance,
        address: &str,
        mode: &str,
        resource_type: &str,
        name: &str,
    ) -> EvalResult<(Value, usize)> {
        if resource_type.starts_with("sym_") && mode == "resource" {
            let defined: Vec<String> = inst
                .config
                .resources
                .iter()
                .filter(|b| b.labels.first().map(String::as_str) == Some(resource_type))
                .filter_map(|b| b.labels.get(1).cloned())
                .collect();
            let fix = if defined.is_empty() {
                format!("declare `resource \"{resource_type}\" \"{name}\" {{ ... }}` in one of the .tf files{}, or fix the reference", describe_module(&inst.address))
            } else {
                format!(
                    "declare it, or use one of the {resource_type} resources defined here: {}",
                    defined.join(", ")
                )
            };
            return Err(EvalError::new(format!(
                "reference to undefined resource {resource_type}.{name}{}",
                describe_module(&inst.address)
            ))
            .with_fix(fix));
        }
        if let Some(state) = self.state {
            if let Some(value) = state.resource(address) {
                return Ok((value.clone(), 0));
            }
        }
        Ok((Value::unknown(address), 0))
    }

    /// One attribute of a resource instance: written in the block, else `id` of a `sym_*`
    /// resource, else from Terraform state, else unknown (null for unset `sym_*` attributes).
    #[allow(clippy::too_many_arguments)]
    fn resource_attribute(
        &self,
        instance: usize,
        mode: &str,
        resource_type: &str,
        name: &str,
        block: &SourceBlock,
        repetition: &Repetition,
        attr: &str,
    ) -> EvalResult {
        let address = instance_address(
            &self.resource_address(instance, mode, resource_type, name),
            repetition,
        );
        let sym = resource_type.starts_with("sym_");
        let body = self.resource_body(instance, mode, resource_type, name, block, repetition);
        if let Some(attribute) = body.attributes.get(attr) {
            return Ok(attribute.value.clone());
        }
        if body.failed.contains(attr) {
            return Ok(Value::unknown(format!(
                "{address}.{attr}, which has an error"
            )));
        }
        if sym && mode == "resource" && attr == "id" {
            return Ok(Value::String(sym_reference(&address)));
        }
        if let Some(nested) = body
            .blocks
            .iter()
            .any(|b| b.ident == attr)
            .then(|| body.to_value(&address))
        {
            if let Some(value) = nested.as_map().and_then(|m| m.get(attr)) {
                return Ok(value.clone());
            }
        }
        if let Some(value) = self.state_attribute(&address, attr) {
            return Ok(value);
        }
        if sym && mode == "resource" {
            // An optional attribute of a sym_* resource that is not set.
            return Ok(Value::Null);
        }
        Ok(Value::unknown(format!("{address}.{attr}")))
    }

    fn state_attribute(&self, address: &str, attr: &str) -> Option<Value> {
        let state = self.state?;
        state.resource(address)?.as_map()?.get(attr).cloned()
    }

    /// A whole resource instance as an object.
    fn resource_object(
        &self,
        instance: usize,
        mode: &str,
        resource_type: &str,
        name: &str,
        block: &SourceBlock,
        repetition: &Repetition,
    ) -> Value {
        let address = instance_address(
            &self.resource_address(instance, mode, resource_type, name),
            repetition,
        );
        let body = self.resource_body(instance, mode, resource_type, name, block, repetition);
        let mut object = match body.to_value(&address) {
            Value::Map(map) => map,
            _ => BTreeMap::new(),
        };
        if resource_type.starts_with("sym_") && mode == "resource" {
            object.insert("id".to_owned(), Value::String(sym_reference(&address)));
        }
        match self.state.and_then(|s| s.resource(&address)) {
            Some(Value::Map(state)) => {
                for (key, value) in state {
                    object.entry(key.clone()).or_insert_with(|| value.clone());
                }
            }
            // Attributes the provider computes are unknown, not missing.
            _ if !resource_type.starts_with("sym_") => {
                object.insert(OPEN_OBJECT_KEY.to_owned(), Value::unknown(address.clone()));
            }
            _ => {}
        }
        Value::Map(object)
    }

    /// The evaluated block of a resource instance (memoized).
    fn resource_body(
        &self,
        instance: usize,
        mode: &str,
        resource_type: &str,
        name: &str,
        block: &SourceBlock,
        repetition: &Repetition,
    ) -> Rc<EvaluatedBlock> {
        let address = instance_address(
            &self.resource_address(instance, mode, resource_type, name),
            repetition,
        );
        let inst = self.instance(instance);
        let strict = resource_type.starts_with("sym_") && inst.config.user_code;
        self.memo(
            &self.bodies,
            (instance, address.clone()),
            |chain| {
                let diagnostic = Diagnostic::error(
                    Some(block.location.clone()),
                    format!("{address} cannot be evaluated: it is part of a reference cycle ({chain})"),
                )
                .with_fix("break the cycle: a resource must not depend, directly or through others, on itself");
                if strict {
                    self.report(diagnostic);
                }
                Rc::new(EvaluatedBlock {
                    ident: block.ident.clone(),
                    location: block.location.clone(),
                    attributes: BTreeMap::new(),
                    failed: block.attributes.iter().map(|a| a.key.clone()).collect(),
                    blocks: Vec::new(),
                })
            },
            || {
                let scope = self.scope(instance, repetition.clone());
                Rc::new(self.evaluate_block(&scope, block, strict, true, &address))
            },
        )
    }

    /// Evaluates a block and everything nested in it, expanding `dynamic` blocks.
    fn evaluate_block(
        &self,
        scope: &dyn Scope,
        block: &SourceBlock,
        strict: bool,
        top_level: bool,
        address: &str,
    ) -> EvaluatedBlock {
        let mut evaluated = EvaluatedBlock {
            ident: block.ident.clone(),
            location: block.location.clone(),
            attributes: BTreeMap::new(),
            failed: BTreeSet::new(),
            blocks: Vec::new(),
        };
        for attribute in &block.attributes {
            if top_level && META_ARGUMENTS.contains(&attribute.key.as_str()) {
                continue;
            }
            match expr::evaluate(&attribute.expr, scope) {
                Ok(value) => {
                    evaluated.attributes.insert(
                        attribute.key.clone(),
                        EvaluatedAttribute {
                            value,
                            location: attribute.location.clone(),
                            file_argument: file_argument(&attribute.expr, scope),
                        },
                    );
                }
                Err(err) => {
                    if strict {
                        self.report_error(&attribute.location, &err);
                        evaluated.failed.insert(attribute.key.clone());
                    } else {
                        evaluated.attributes.insert(
                            attribute.key.clone(),
                            EvaluatedAttribute {
                                value: Value::unknown(format!(
                                    "{address}.{}, which symflow could not evaluate: {}",
                                    attribute.key, err.message
                                )),
                                location: attribute.location.clone(),
                                file_argument: None,
                            },
                        );
                    }
                }
            }
        }
        for nested in &block.blocks {
            if top_level && META_BLOCKS.contains(&nested.ident.as_str()) {
                continue;
            }
            if nested.ident == "dynamic" {
                evaluated
                    .blocks
                    .extend(self.expand_dynamic(scope, nested, strict, address));
            } else {
                evaluated
                    .blocks
                    .push(self.evaluate_block(scope, nested, strict, false, address));
            }
        }
        evaluated
    }

    /// `dynamic "prompt_field" { for_each = ...; iterator = f; content { ... } }`.
    fn expand_dynamic(
        &self,
        scope: &dyn Scope,
        block: &SourceBlock,
        strict: bool,
        address: &str,
    ) -> Vec<EvaluatedBlock> {
        let report = |location: &SourceLocation, message: String, fix: &str| {
            if strict {
                self.report(Diagnostic::error(Some(location.clone()), message).with_fix(fix));
            }
        };
        let Some(label) = block.labels.first() else {
            report(&block.location, "a `dynamic` block needs the name of the blocks it makes: dynamic \"prompt_field\" { ... }".into(), "add the block name as the label");
            return Vec::new();
        };
        let Some(for_each) = block.attribute("for_each") else {
            report(
                &block.location,
                format!("dynamic \"{label}\" has no `for_each`"),
                "add `for_each = ...` with the collection to make one block per element of",
            );
            return Vec::new();
        };
        let Some(content) = block.blocks.iter().find(|b| b.ident == "content") else {
            report(
                &block.location,
                format!("dynamic \"{label}\" has no `content` block"),
                "put the block's attributes in `content { ... }`",
            );
            return Vec::new();
        };
        let iterator = block
            .attribute("iterator")
            .and_then(|a| match &a.expr {
                Expression::Variable(v) => Some(v.to_string()),
                _ => None,
            })
            .unwrap_or_else(|| label.clone());
        let collection = match expr::evaluate(&for_each.expr, scope) {
            Ok(value) => value.unmark_deep().0,
            Err(err) => {
                if strict {
                    self.report_error(&for_each.location, &err);
                }
                return Vec::new();
            }
        };
        let pairs: Vec<(Value, Value)> = match collection {
            Value::List(items) => items
                .into_iter()
                .enumerate()
                .map(|(i, v)| (Value::Number(i as f64), v))
                .collect(),
            Value::Map(map) => map
                .into_iter()
                .map(|(k, v)| (Value::String(k), v))
                .collect(),
            Value::Null => Vec::new(),
            Value::Unknown(unknown) => {
                let message = format!(
                    "the for_each of dynamic \"{label}\" depends on {}, which is known only after terraform apply, so symflow cannot tell which blocks there are",
                    unknown.origin
                );
                if strict {
                    let diagnostic = match self.mode {
                        Mode::Validate => {
                            Diagnostic::warning(Some(for_each.location.clone()), message)
                        }
                        Mode::Run => Diagnostic::error(Some(for_each.location.clone()), message),
                    };
                    self.report(diagnostic.with_fix("run terraform apply, then pass --tf-state; or use values known in the configuration"));
                }
                return Vec::new();
            }
            other => {
                report(
                    &for_each.location,
                    format!(
                        "the for_each of dynamic \"{label}\" must be a list or map, got {other}"
                    ),
                    "iterate over a list or a map",
                );
                return Vec::new();
            }
        };
        pairs
            .into_iter()
            .map(|(key, value)| {
                let mut object = BTreeMap::new();
                object.insert("key".to_owned(), key);
                object.insert("value".to_owned(), value);
                let inner = Bound {
                    parent: scope,
                    names: vec![(iterator.clone(), Value::Map(object))],
                };
                let mut made = self.evaluate_block(&inner, content, strict, false, address);
                made.ident = label.clone();
                made
            })
            .collect()
    }

    // ---------------------------------------------------------------- modules

    /// The instances of a module call (created on first use).
    fn call_instances(
        &self,
        instance: usize,
        name: &str,
    ) -> Result<(Expansion, Vec<usize>), EvalError> {
        let inst = self.instance(instance);
        let Some(block) = inst.config.calls.get(name) else {
            let declared: Vec<&str> = inst.config.calls.keys().map(String::as_str).collect();
            return Err(EvalError::new(format!(
                "module.{name} is used but no module \"{name}\" is declared{}",
                describe_module(&inst.address)
            ))
            .with_fix(if declared.is_empty() {
                format!("add a `module \"{name}\" {{ source = ... }}` block")
            } else {
                format!("the modules declared here are: {}", declared.join(", "))
            }));
        };
        let address = format!("{}module.{name}", prefix(&inst.address));
        let expansion = self.expansion(instance, &address, block, inst.config.user_code)?;
        let key = (instance, address.clone());
        if let Some(children) = self.children.borrow().get(&key) {
            return Ok((expansion, children.clone()));
        }
        let Some(config) = self.module_config(&inst, name, block) else {
            self.children.borrow_mut().insert(key, Vec::new());
            return Ok((expansion, Vec::new()));
        };
        let mut children = Vec::new();
        for repetition in expansion.repetitions() {
            let child_address = instance_address(&address, &repetition);
            let manifest_key = if inst.manifest_key.is_empty() {
                name.to_owned()
            } else {
                format!("{}.{name}", inst.manifest_key)
            };
            let mut instances = self.instances.borrow_mut();
            instances.push(Rc::new(Instance {
                config: config.clone(),
                address: child_address,
                parent: Some(instance),
                call: Some(CallInfo {
                    name: name.to_owned(),
                    block: block.clone(),
                    repetition,
                }),
                manifest_key,
                depth: inst.depth + 1,
            }));
            children.push(instances.len() - 1);
        }
        self.children.borrow_mut().insert(key, children.clone());
        Ok((expansion, children))
    }

    /// The configuration a module call uses: its local directory, or the copy `terraform init`
    /// downloaded. `None` when it cannot be read (then its outputs are unknown).
    fn module_config(
        &self,
        inst: &Instance,
        name: &str,
        block: &SourceBlock,
    ) -> Option<Rc<ModuleConfig>> {
        let strict = inst.config.user_code;
        let report = |diagnostic: Diagnostic| {
            if strict {
                self.report(diagnostic);
            }
        };
        let Some(source_attribute) = block.attribute("source") else {
            report(
                Diagnostic::error(
                    Some(block.location.clone()),
                    format!("module \"{name}\" has no `source`"),
                )
                .with_fix(
                    "add `source = \"./modules/sym\"` (a local directory) or a registry address",
                ),
            );
            return None;
        };
        let source = match expr::evaluate(&source_attribute.expr, &ConstantScope) {
            Ok(Value::String(source)) => source,
            _ => {
                report(
                    Diagnostic::error(
                        Some(source_attribute.location.clone()),
                        format!("the source of module \"{name}\" must be a literal string"),
                    )
                    .with_fix("Terraform needs the source before evaluating anything: write it as a quoted string"),
                );
                return None;
            }
        };
        if inst.depth >= MAX_MODULE_DEPTH {
            report(Diagnostic::error(
                Some(block.location.clone()),
                format!("module \"{name}\" is nested more than {MAX_MODULE_DEPTH} modules deep; a module probably calls itself"),
            ));
            return None;
        }
        let manifest_key = if inst.manifest_key.is_empty() {
            name.to_owned()
        } else {
            format!("{}.{name}", inst.manifest_key)
        };
        let local = source.starts_with("./") || source.starts_with("../");
        let (dir, path_module, user_code) = if local {
            let dir = join_relative(&inst.config.dir, &source);
            let path_module = join_module_path(&inst.config.path_module, &source);
            (dir, path_module, inst.config.user_code)
        } else {
            match self.manifest.dirs.get(&manifest_key) {
                Some(dir) => {
                    let path_module = dir
                        .strip_prefix(&self.root)
                        .map(|p| p.display().to_string())
                        .unwrap_or_else(|_| dir.display().to_string());
                    (dir.clone(), path_module, false)
                }
                // Not downloaded: its outputs are unknown, as in `terraform validate`.
                None => return None,
            }
        };
        if let Some(config) = self.configs.borrow().get(&dir) {
            return Some(config.clone());
        }
        let listing = match crate::list_dir(&dir) {
            Ok(listing) if !listing.tf_files.is_empty() => listing,
            Ok(_) => {
                report(
                    Diagnostic::error(
                        Some(source_attribute.location.clone()),
                        format!("module \"{name}\": {} has no .tf files", dir.display()),
                    )
                    .with_fix("check the module's source path; it is relative to the directory of the file that calls it"),
                );
                return None;
            }
            Err(_) => {
                report(
                    Diagnostic::error(
                        Some(source_attribute.location.clone()),
                        format!("module \"{name}\": the source directory {} does not exist", dir.display()),
                    )
                    .with_fix("check the module's source path; it is relative to the directory of the file that calls it"),
                );
                return None;
            }
        };
        let mut files = Vec::new();
        for path in &listing.tf_files {
            match crate::read_and_parse(path) {
                Ok(file) => files.push(file),
                Err(diagnostic) => {
                    if user_code {
                        self.report(diagnostic);
                    }
                }
            }
        }
        let mut diagnostics = Vec::new();
        let config = Rc::new(ModuleConfig::declare(
            &dir,
            path_module,
            user_code,
            &files,
            &mut diagnostics,
        ));
        for diagnostic in diagnostics {
            self.report(diagnostic);
        }
        self.configs.borrow_mut().insert(dir, config.clone());
        Some(config)
    }

    fn module_reference(
        &self,
        instance: usize,
        repetition: &Repetition,
        name: &str,
        ops: &[TraversalOperator],
    ) -> EvalResult<(Value, usize)> {
        let inst = self.instance(instance);
        let address = format!("{}module.{name}", prefix(&inst.address));
        let (expansion, children) = self.call_instances(instance, name)?;
        if let Expansion::Unknown(value) = &expansion {
            return Ok((value.clone(), 0));
        }
        if children.is_empty()
            && !matches!(expansion, Expansion::Count(0))
            && !matches!(&expansion, Expansion::Each(m) if m.is_empty())
        {
            // A module symflow cannot read: known only from the root outputs in the state.
            if let Some((value, used)) = self.output_from_state(&inst, name, ops) {
                return Ok((value, used));
            }
            return Ok((Value::unknown(address), 0));
        }
        let output_of = |child: usize, output: &str| -> EvalResult {
            let value = self.output(child, output)?;
            if value.is_unknown() {
                if let Some((state_value, _)) = self.output_from_state(&inst, name, &ops[..1]) {
                    return Ok(state_value);
                }
            }
            Ok(value)
        };
        match expansion {
            Expansion::Single => match attr_name(ops.first()) {
                Some(output) => Ok((output_of(children[0], output)?, 1)),
                None => Ok((self.all_outputs(children[0])?, 0)),
            },
            _ => {
                let keyed: Vec<(Option<InstanceKey>, usize)> = children
                    .iter()
                    .map(|&c| {
                        (
                            self.instance(c)
                                .call
                                .as_ref()
                                .and_then(|call| call.repetition.key()),
                            c,
                        )
                    })
                    .collect();
                if let Some(TraversalOperator::Index(index_expr)) = ops.first() {
                    let scope = self.scope(instance, repetition.clone());
                    let key = expr::evaluate(index_expr, &scope)?.unmark_deep().0;
                    if key.is_unknown() {
                        return Ok((Value::unknown(format!("{address}[...]")), 1));
                    }
                    let child = keyed
                        .iter()
                        .find(|(k, _)| match (k, &key) {
                            (Some(InstanceKey::Int(i)), Value::Number(n)) => *i as f64 == *n,
                            (Some(InstanceKey::Str(s)), Value::String(w)) => s == w,
                            _ => false,
                        })
                        .map(|(_, c)| *c)
                        .ok_or_else(|| {
                            EvalError::new(format!("{address} has no instance {key}"))
                        })?;
                    return match attr_name(ops.get(1)) {
                        Some(output) => Ok((self.output(child, output)?, 2)),
                        None => Ok((self.all_outputs(child)?, 1)),
                    };
                }
                let mut list = Vec::new();
                let mut map = BTreeMap::new();
                for (key, child) in keyed {
                    let outputs = self.all_outputs(child)?;
                    match key {
                        Some(InstanceKey::Str(k)) => {
                            map.insert(k, outputs);
                        }
                        _ => list.push(outputs),
                    }
                }
                Ok((
                    if matches!(expansion, Expansion::Count(_)) {
                        Value::List(list)
                    } else {
                        Value::Map(map)
                    },
                    0,
                ))
            }
        }
    }

    /// `module.NAME...` from a root output whose expression is exactly that reference (what
    /// `terraform output -json` gives for a module symflow cannot read).
    fn output_from_state(
        &self,
        inst: &Instance,
        name: &str,
        ops: &[TraversalOperator],
    ) -> Option<(Value, usize)> {
        let state = self.state?;
        if !inst.address.is_empty() {
            return None;
        }
        let root = self.instance(0);
        // The longest prefix of the reference that some root output names.
        for used in (0..=ops.len()).rev() {
            let wanted = describe_operators(&format!("module.{name}"), &ops[..used]);
            for (output_name, block) in &root.config.outputs {
                let Some(value_attribute) = block.attribute("value") else {
                    continue;
                };
                if let Expression::Traversal(traversal) = &value_attribute.expr {
                    if let Expression::Variable(root_var) = &traversal.expr {
                        if describe_operators(root_var.as_str(), &traversal.operators) == wanted {
                            if let Some(value) = state.output(output_name) {
                                return Some((value.clone(), used));
                            }
                        }
                    }
                }
            }
        }
        None
    }

    fn output(&self, child: usize, name: &str) -> EvalResult {
        let inst = self.instance(child);
        let Some(block) = inst.config.outputs.get(name) else {
            let declared: Vec<&str> = inst.config.outputs.keys().map(String::as_str).collect();
            return Err(EvalError::new(format!(
                "{} has no output named {name:?}",
                display_module(&inst.address)
            ))
            .with_fix(if declared.is_empty() {
                "the module declares no outputs".to_owned()
            } else {
                format!("its outputs are: {}", declared.join(", "))
            }));
        };
        let key = (child, format!("{}output.{name}", prefix(&inst.address)));
        let strict = inst.config.user_code;
        self.memo(
            &self.values,
            key,
            |chain| {
                Err(EvalError::new(format!(
                    "output {name:?} of {} depends on itself: {chain}",
                    display_module(&inst.address)
                )))
            },
            || {
                let Some(value_attribute) = block.attribute("value") else {
                    return Ok(Value::Null);
                };
                let scope = self.scope(child, Repetition::None);
                match expr::evaluate(&value_attribute.expr, &scope) {
                    Ok(value) => Ok(value),
                    Err(err) if strict => {
                        self.report_error(&value_attribute.location, &err);
                        Err(err.reported())
                    }
                    Err(err) => Ok(Value::unknown(format!(
                        "output {name:?} of {}, which symflow could not evaluate: {}",
                        display_module(&inst.address),
                        err.message
                    ))),
                }
            },
        )
    }

    fn all_outputs(&self, child: usize) -> EvalResult {
        let inst = self.instance(child);
        let mut map = BTreeMap::new();
        for name in inst.config.outputs.keys() {
            map.insert(name.clone(), self.output(child, name)?);
        }
        Ok(Value::Map(map))
    }

    // ---------------------------------------------------------------- root inputs

    fn collect_root_inputs(
        &self,
        root: &ModuleConfig,
        tfvars: &[TfvarsFile],
        env_vars: &[(String, String)],
        cli_vars: &[(String, String)],
    ) -> BTreeMap<String, RootInput> {
        let mut inputs = BTreeMap::new();
        for (name, value) in env_vars {
            // Terraform ignores TF_VAR_ variables that no variable declares.
            if root.variables.contains_key(name) {
                inputs.insert(
                    name.clone(),
                    RootInput {
                        value: RootValue::Raw(value.clone()),
                        location: None,
                        what: format!("the environment variable TF_VAR_{name}"),
                    },
                );
            }
        }
        for file in tfvars {
            match file {
                TfvarsFile::Hcl(file) => {
                    for attribute in &file.attributes {
                        match expr::evaluate(&attribute.expr, &ConstantScope) {
                            Ok(value) => self.set_tfvar(
                                root,
                                &mut inputs,
                                &attribute.key,
                                value,
                                attribute.location.clone(),
                            ),
                            Err(err) => self.report_error(&attribute.location, &err),
                        }
                    }
                }
                TfvarsFile::Json { path, values } => {
                    for (name, value) in values {
                        let location = SourceLocation {
                            file: path.clone(),
                            line: 1,
                        };
                        self.set_tfvar(root, &mut inputs, name, Value::from_json(value), location);
                    }
                }
            }
        }
        for (name, raw) in cli_vars {
            if !root.variables.contains_key(name) {
                self.report(
                    Diagnostic::error(
                        None,
                        format!("--var {name}=...: no variable `{name}` is declared"),
                    )
                    .with_fix(format!(
                        "add `variable \"{name}\" {{}}` to a .tf file, or check the spelling"
                    )),
                );
                continue;
            }
            inputs.insert(
                name.clone(),
                RootInput {
                    value: RootValue::Raw(raw.clone()),
                    location: None,
                    what: format!("--var {name}"),
                },
            );
        }
        inputs
    }

    fn set_tfvar(
        &self,
        root: &ModuleConfig,
        inputs: &mut BTreeMap<String, RootInput>,
        name: &str,
        value: Value,
        location: SourceLocation,
    ) {
        if !root.variables.contains_key(name) {
            self.report(
                Diagnostic::warning(
                    Some(location),
                    format!("value for undeclared variable `{name}` is ignored"),
                )
                .with_fix(format!(
                    "declare it with `variable \"{name}\" {{}}` or remove the line"
                )),
            );
            return;
        }
        let what = location
            .file
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default();
        inputs.insert(
            name.to_owned(),
            RootInput {
                value: RootValue::Value(value),
                location: Some(location),
                what,
            },
        );
    }

    // ---------------------------------------------------------------- the walk

    fn provider_version(&self) -> ProviderVersion {
        if let Some((path, version)) = providers::locked_version(&self.root) {
            if let Some(major) = version
                .trim_start_matches('v')
                .split('.')
                .next()
                .and_then(|m| m.parse().ok())
            {
                return ProviderVersion {
                    major,
                    source: VersionSource::LockFile { path, version },
                };
            }
        }
        let mut constraints = Vec::new();
        let mut first = None;
        let configs: Vec<Rc<ModuleConfig>> = {
            let instances = self.instances.borrow();
            let mut seen = BTreeSet::new();
            instances
                .iter()
                .filter(|i| seen.insert(i.config.dir.clone()))
                .map(|i| i.config.clone())
                .collect()
        };
        for config in &configs {
            for (constraint, location) in config.sym_constraints() {
                match providers::parse_constraint(&constraint) {
                    Ok(clauses) => {
                        first.get_or_insert((location, constraint));
                        constraints.push(clauses);
                    }
                    Err(message) => {
                        if config.user_code {
                            self.report(
                                Diagnostic::error(
                                    Some(location),
                                    format!("the version constraint {constraint:?} on symopsio/sym is invalid: {message}"),
                                )
                                .with_fix("write it as Terraform does, e.g. version = \"~> 3.0\""),
                            );
                        }
                    }
                }
            }
        }
        match (first, providers::newest_major_allowed(&constraints)) {
            (Some((location, constraint)), Some(major)) => ProviderVersion {
                major,
                source: VersionSource::Constraint {
                    location,
                    constraint,
                },
            },
            (Some((location, constraint)), None) => {
                self.report(
                    Diagnostic::error(
                        Some(location.clone()),
                        "the version constraints on symopsio/sym of this configuration and its modules allow no version together".to_owned(),
                    )
                    .with_fix("make the required_providers constraints of every module agree (e.g. all \"~> 3.0\")"),
                );
                ProviderVersion {
                    major: providers::NEWEST_KNOWN_MAJOR,
                    source: VersionSource::Constraint {
                        location,
                        constraint,
                    },
                }
            }
            (None, _) => ProviderVersion {
                major: providers::NEWEST_KNOWN_MAJOR,
                source: VersionSource::Default,
            },
        }
    }

    fn finish(self) -> Evaluation {
        let mut sym_resources = Vec::new();
        let mut modules = Vec::new();
        let mut queue = vec![0usize];
        while let Some(instance) = queue.pop() {
            let inst = self.instance(instance);
            modules.push(ModuleSummary {
                address: inst.address.clone(),
                dir: inst.config.dir.clone(),
                location: inst.call.as_ref().map(|c| c.block.location.clone()),
            });
            for name in inst.config.variables.keys() {
                let _ = self.variable(instance, name);
            }
            if inst.config.user_code {
                for name in inst.config.locals.keys() {
                    let _ = self.local(instance, name);
                }
            }
            for block in &inst.config.resources {
                let (Some(resource_type), Some(name)) = (block.labels.first(), block.labels.get(1))
                else {
                    continue;
                };
                if !resource_type.starts_with("sym_") {
                    continue;
                }
                let address = self.resource_address(instance, "resource", resource_type, name);
                let strict = inst.config.user_code;
                let expansion = match self.expansion(instance, &address, block, strict) {
                    Ok(expansion) => expansion,
                    Err(_) => continue,
                };
                if let Expansion::Unknown(value) = &expansion {
                    self.unknown_repetition(&address, block, value, strict);
                    continue;
                }
                for repetition in expansion.repetitions() {
                    let body = self.resource_body(
                        instance,
                        "resource",
                        resource_type,
                        name,
                        block,
                        &repetition,
                    );
                    sym_resources.push(EvaluatedResource {
                        module: inst.address.clone(),
                        resource_type: resource_type.clone(),
                        name: name.clone(),
                        key: repetition.key(),
                        body: (*body).clone(),
                    });
                }
            }
            let mut calls: Vec<usize> = Vec::new();
            for (name, block) in &inst.config.calls {
                match self.call_instances(instance, name) {
                    Ok((Expansion::Unknown(value), _)) => {
                        let address = format!("{}module.{name}", prefix(&inst.address));
                        self.unknown_repetition(&address, block, &value, inst.config.user_code);
                    }
                    Ok((_, children)) => calls.extend(children),
                    Err(err) => {
                        if inst.config.user_code {
                            self.report_error(&block.location, &err);
                        }
                    }
                }
            }
            // Depth first, in declaration order.
            queue.extend(calls.into_iter().rev());
        }
        let root = self.instance(0);
        let sym_providers = root
            .config
            .sym_providers
            .iter()
            .map(|block| {
                let scope = self.scope(0, Repetition::None);
                self.evaluate_block(&scope, block, true, false, "provider.sym")
            })
            .collect();
        let provider_version = self.provider_version();
        // Modules in the order they were called.
        modules.sort_by_key(|m| m.address.clone());
        let missing_variables = self.missing_variables.borrow().clone();
        Evaluation {
            sym_resources,
            sym_providers,
            provider_version,
            modules,
            missing_variables,
            diagnostics: self.diagnostics.into_inner(),
        }
    }

    fn unknown_repetition(&self, address: &str, block: &SourceBlock, value: &Value, strict: bool) {
        if !strict {
            return;
        }
        let attribute = block
            .attribute("for_each")
            .or_else(|| block.attribute("count"));
        let location = attribute.map_or(block.location.clone(), |a| a.location.clone());
        let origin = value
            .first_unknown()
            .map(|u| u.origin.clone())
            .unwrap_or_default();
        if self.missing_variables.borrow().contains(&origin) {
            return;
        }
        let message = format!(
            "how many instances of {address} there are depends on {origin}, which is known only after terraform apply"
        );
        let diagnostic = match self.mode {
            Mode::Validate => Diagnostic::warning(
                Some(location),
                format!("{message}; symflow validate skips it"),
            ),
            Mode::Run => Diagnostic::error(Some(location), message),
        };
        self.report(diagnostic.with_fix("run terraform apply, then pass --tf-state (or keep terraform.tfstate in this directory); or make count/for_each depend only on values in the configuration"));
    }
}

/// `module.x.` for a module address, `""` for the root.
fn prefix(address: &str) -> String {
    if address.is_empty() {
        String::new()
    } else {
        format!("{address}.")
    }
}

fn display_module(address: &str) -> String {
    if address.is_empty() {
        "the root module".to_owned()
    } else {
        address.to_owned()
    }
}

fn describe_module(address: &str) -> String {
    if address.is_empty() {
        String::new()
    } else {
        format!(" (in {address})")
    }
}

/// An address with the instance key of `repetition`: `sym_flow.x[0]`.
fn instance_address(address: &str, repetition: &Repetition) -> String {
    match repetition.key() {
        Some(key) => format!("{address}{key}"),
        None => address.to_owned(),
    }
}

/// For `file(<path>)`, the evaluated path argument.
fn file_argument(expr: &Expression, scope: &dyn Scope) -> Option<String> {
    let Expression::FuncCall(call) = expr else {
        return None;
    };
    if call.name.namespace.is_empty() && call.name.name.as_str() == "file" && call.args.len() == 1 {
        expr::evaluate(&call.args[0], scope)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
    } else {
        None
    }
}

/// Joins a module source path (`./modules/sym`, `../../modules/sym`) to a directory, resolving
/// `.` and `..` by name as Terraform does.
fn join_relative(dir: &Path, source: &str) -> PathBuf {
    let mut out = dir.to_path_buf();
    for part in source.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                let last_is_normal = matches!(
                    out.components().next_back(),
                    Some(std::path::Component::Normal(_))
                );
                if last_is_normal {
                    out.pop();
                } else {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// `path.module` of a module called with `source` from a module whose `path.module` is
/// `parent`: `.` + `./modules/sym` is `modules/sym`.
fn join_module_path(parent: &str, source: &str) -> String {
    let mut parts: Vec<&str> = parent
        .split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    for part in source.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|p| *p != "..") {
                    parts.pop();
                } else {
                    parts.push("..");
                }
            }
            other => parts.push(other),
        }
    }
    if parts.is_empty() {
        ".".to_owned()
    } else {
        parts.join("/")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn module_paths_resolve_like_terraform() {
        assert_eq!(join_module_path(".", "./modules/sym"), "modules/sym");
        assert_eq!(
            join_module_path(".", "../../modules/sym"),
            "../../modules/sym"
        );
        assert_eq!(
            join_module_path("environments/main", "../../modules/sym"),
            "modules/sym"
        );
        assert_eq!(
            join_relative(Path::new("/repo/environments/main"), "../../modules/sym"),
            PathBuf::from("/repo/modules/sym")
        );
        assert_eq!(
            join_relative(Path::new("flows"), "./modules/x"),
            PathBuf::from("flows/modules/x")
        );
    }
}
