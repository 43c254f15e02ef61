//! Evaluating a directory's Terraform the way `terraform plan` would see it, as far as the
//! `sym_*` resources need: variables (defaults, `terraform.tfvars`, `*.auto.tfvars`, `--var`),
//! `locals`, references between resources, `path.module`, and the functions in
//! [`crate::functions`].
//!
//! Expressions are evaluated by hcl-rs (`hcl::eval`); this module only decides *what is in the
//! evaluation context* and *in which order* things can be evaluated:
//!
//! - every resource (of any provider) is an object in the context holding the attributes written
//!   in its block; an attribute Terraform computes (such as `id`) evaluates to the opaque string
//!   `"${type.name.attribute}"`. For `sym_*` resources that string is how a reference is later
//!   recognised and turned into a typed [`crate::model::Link`];
//! - `module.*`, `data.*` and resources that are referenced but not declared (other providers)
//!   are opaque the same way: `module.runtime_connector.sym_runtime.id` evaluates to
//!   `"${module.runtime_connector.sym_runtime.id}"`, never to an error;
//! - locals and top-level resource attributes are evaluated in rounds: an expression waits until
//!   every local and resource attribute it references is known (a fixed point; what is left after
//!   the last round is a reference cycle);
//! - nested blocks (`params`, `prompt_field`) are evaluated last, against the complete context.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use hcl::eval::{Context, Evaluate};
use hcl::expr::{Expression, TemplateExpr, TraversalOperator};
use hcl::template::{Directive, Element, Template};
use hcl::{Map, Value};

use crate::diagnostic::{Diagnostic, SourceLocation};
use crate::functions;
use crate::source::{SourceAttribute, SourceBlock, SourceFile};

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

/// The opaque string a value Terraform would only know after `apply` evaluates to.
pub(crate) fn opaque(reference: &str) -> String {
    format!("${{{reference}}}")
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
}

/// A `sym_*` resource after evaluation.
#[derive(Debug, Clone)]
pub(crate) struct EvaluatedResource {
    pub resource_type: String,
    pub name: String,
    pub body: EvaluatedBlock,
}

/// Everything evaluation produces for the model builder.
#[derive(Debug, Default)]
pub(crate) struct Evaluation {
    pub sym_resources: Vec<EvaluatedResource>,
    pub sym_providers: Vec<EvaluatedBlock>,
    pub diagnostics: Vec<Diagnostic>,
}

/// A chain of attribute names after a root identifier: `sym_integration.slack.id` is
/// root `sym_integration`, attrs `[slack, id]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct ReferenceChain {
    root: String,
    attrs: Vec<String>,
}

#[cfg(test)]
impl ReferenceChain {
    fn display(&self) -> String {
        std::iter::once(self.root.as_str())
            .chain(self.attrs.iter().map(String::as_str))
            .collect::<Vec<_>>()
            .join(".")
    }
}

/// Collects every reference chain in `expr`, skipping names bound by `for` expressions.
fn collect_references(expr: &Expression, bound: &mut Vec<String>, out: &mut Vec<ReferenceChain>) {
    match expr {
        Expression::Variable(variable) => {
            let root = variable.as_str();
            if !bound.iter().any(|b| b == root) {
                out.push(ReferenceChain {
                    root: root.to_owned(),
                    attrs: Vec::new(),
                });
            }
        }
        Expression::Traversal(traversal) => {
            if let Expression::Variable(variable) = &traversal.expr {
                let root = variable.as_str();
                if !bound.iter().any(|b| b == root) {
                    let attrs = traversal
                        .operators
                        .iter()
                        .map_while(|op| match op {
                            TraversalOperator::GetAttr(name) => Some(name.to_string()),
                            _ => None,
                        })
                        .collect();
                    out.push(ReferenceChain {
                        root: root.to_owned(),
                        attrs,
                    });
                }
            } else {
                collect_references(&traversal.expr, bound, out);
            }
            for op in &traversal.operators {
                if let TraversalOperator::Index(index) = op {
                    collect_references(index, bound, out);
                }
            }
        }
        Expression::Array(items) => items
            .iter()
            .for_each(|item| collect_references(item, bound, out)),
        Expression::Object(object) => {
            for (key, value) in object {
                if let hcl::ObjectKey::Expression(key) = key {
                    // A bare word key (`slack_id = ...`) parses as a variable; it is a name.
                    if !matches!(key, Expression::Variable(_)) {
                        collect_references(key, bound, out);
                    }
                }
                collect_references(value, bound, out);
            }
        }
        Expression::TemplateExpr(template) => collect_template_references(template, bound, out),
        Expression::FuncCall(call) => call
            .args
            .iter()
            .for_each(|arg| collect_references(arg, bound, out)),
        Expression::Parenthesis(inner) => collect_references(inner, bound, out),
        Expression::Conditional(cond) => {
            collect_references(&cond.cond_expr, bound, out);
            collect_references(&cond.true_expr, bound, out);
            collect_references(&cond.false_expr, bound, out);
        }
        Expression::Operation(op) => match &**op {
            hcl::expr::Operation::Unary(unary) => collect_references(&unary.expr, bound, out),
            hcl::expr::Operation::Binary(binary) => {
                collect_references(&binary.lhs_expr, bound, out);
                collect_references(&binary.rhs_expr, bound, out);
            }
        },
        Expression::ForExpr(for_expr) => {
            collect_references(&for_expr.collection_expr, bound, out);
            let before = bound.len();
            bound.push(for_expr.value_var.to_string());
            if let Some(key_var) = &for_expr.key_var {
                bound.push(key_var.to_string());
            }
            if let Some(key_expr) = &for_expr.key_expr {
                collect_references(key_expr, bound, out);
            }
            collect_references(&for_expr.value_expr, bound, out);
            if let Some(cond) = &for_expr.cond_expr {
                collect_references(cond, bound, out);
            }
            bound.truncate(before);
        }
        _ => {}
    }
}

fn collect_template_references(
    template: &TemplateExpr,
    bound: &mut Vec<String>,
    out: &mut Vec<ReferenceChain>,
) {
    // A template that does not parse fails at evaluation, with hcl-rs's message.
    if let Ok(template) = Template::from_expr(template) {
        collect_in_template(&template, bound, out);
    }
}

fn collect_in_template(
    template: &Template,
    bound: &mut Vec<String>,
    out: &mut Vec<ReferenceChain>,
) {
    for element in template.elements() {
        match element {
            Element::Literal(_) => {}
            Element::Interpolation(interpolation) => {
                collect_references(&interpolation.expr, bound, out)
            }
            Element::Directive(directive) => match &**directive {
                Directive::If(if_directive) => {
                    collect_references(&if_directive.cond_expr, bound, out);
                    collect_in_template(&if_directive.true_template, bound, out);
                    if let Some(false_template) = &if_directive.false_template {
                        collect_in_template(false_template, bound, out);
                    }
                }
                Directive::For(for_directive) => {
                    collect_references(&for_directive.collection_expr, bound, out);
                    let before = bound.len();
                    bound.push(for_directive.value_var.to_string());
                    if let Some(key_var) = &for_directive.key_var {
                        bound.push(key_var.to_string());
                    }
                    collect_in_template(&for_directive.template, bound, out);
                    bound.truncate(before);
                }
            },
        }
    }
}

fn references_of(expr: &Expression) -> Vec<ReferenceChain> {
    let mut out = Vec::new();
    collect_references(expr, &mut Vec::new(), &mut out);
    out
}

/// Whether a root identifier names a resource type (`aws_iam_role`, `sym_flow`).
fn is_resource_type(root: &str) -> bool {
    root.contains('_') && !NON_RESOURCE_ROOTS.contains(&root)
}

/// The value of one local or resource attribute during the rounds.
#[derive(Debug, Clone)]
enum Slot {
    Pending,
    Done(Value),
    Failed,
}

/// A declared resource (any provider) and the state of its top-level attributes.
struct ResourceState<'a> {
    resource_type: String,
    name: String,
    block: &'a SourceBlock,
    attributes: BTreeMap<String, Slot>,
}

/// Meta-arguments Terraform handles itself; they are not part of a resource's value.
const META_ARGUMENTS: &[&str] = &["depends_on", "count", "for_each", "provider", "lifecycle"];

/// Inputs to one evaluation.
pub(crate) struct EvaluationInput<'a> {
    pub dir: &'a Path,
    pub files: &'a [SourceFile],
    pub tfvars: &'a [TfvarsFile],
    pub cli_vars: &'a [(String, String)],
}

/// A variables file, already parsed (HCL) or decoded (JSON).
pub(crate) enum TfvarsFile {
    Hcl(SourceFile),
    Json {
        path: std::path::PathBuf,
        values: Map<String, Value>,
    },
}

struct VariableDecl<'a> {
    block: &'a SourceBlock,
    takes_raw_string: bool,
}

/// The whole evaluation state.
struct Evaluator<'a> {
    diagnostics: Vec<Diagnostic>,
    variables: BTreeMap<String, VariableDecl<'a>>,
    var_values: Map<String, Value>,
    locals: BTreeMap<String, (&'a SourceAttribute, Slot)>,
    resources: Vec<ResourceState<'a>>,
    resource_index: HashMap<(String, String), usize>,
    /// Opaque objects for `module`, `data` and undeclared resource types, built from the
    /// reference chains found anywhere in the configuration.
    opaque_roots: Map<String, Value>,
    /// Computed attributes referenced per declared resource (index → attribute chains).
    computed_references: HashMap<usize, BTreeSet<Vec<String>>>,
    sym_providers: Vec<&'a SourceBlock>,
}

pub(crate) fn evaluate(input: EvaluationInput<'_>) -> Evaluation {
    let _base_dir = functions::BaseDirGuard::set(input.dir);
    let mut evaluator = Evaluator {
        diagnostics: Vec::new(),
        variables: BTreeMap::new(),
        var_values: Map::new(),
        locals: BTreeMap::new(),
        resources: Vec::new(),
        resource_index: HashMap::new(),
        opaque_roots: Map::new(),
        computed_references: HashMap::new(),
        sym_providers: Vec::new(),
    };
    evaluator.declare(input.files);
    evaluator.assign_variables(input.tfvars, input.cli_vars);
    evaluator.prepare_references(input.files);
    evaluator.run_rounds();
    evaluator.finish()
}

impl<'a> Evaluator<'a> {
    fn declare(&mut self, files: &'a [SourceFile]) {
        for file in files {
            for attribute in &file.attributes {
                self.diagnostics.push(
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
                self.declare_block(block);
            }
        }
    }

    fn declare_block(&mut self, block: &'a SourceBlock) {
        let location = Some(block.location.clone());
        match (block.ident.as_str(), block.labels.as_slice()) {
            ("variable", [name]) => {
                if self.variables.contains_key(name) {
                    self.diagnostics.push(
                        Diagnostic::error(location, format!("variable `{name}` is declared twice"))
                            .with_fix("remove or rename one of the two variable blocks"),
                    );
                    return;
                }
                let takes_raw_string = match block.attribute("type").map(|a| &a.expr) {
                    None => true,
                    Some(Expression::Variable(v)) => v.as_str() == "string",
                    Some(_) => false,
                };
                self.variables.insert(
                    name.clone(),
                    VariableDecl {
                        block,
                        takes_raw_string,
                    },
                );
            }
            ("locals", []) => {
                for attribute in &block.attributes {
                    if self.locals.contains_key(&attribute.key) {
                        self.diagnostics.push(
                            Diagnostic::error(
                                Some(attribute.location.clone()),
                                format!("local `{}` is defined twice", attribute.key),
                            )
                            .with_fix("keep one definition; locals share one namespace across all files"),
                        );
                        continue;
                    }
                    self.locals
                        .insert(attribute.key.clone(), (attribute, Slot::Pending));
                }
            }
            ("resource", [resource_type, name]) => {
                let key = (resource_type.clone(), name.clone());
                if let Some(&existing) = self.resource_index.get(&key) {
                    let first = &self.resources[existing].block.location;
                    self.diagnostics.push(
                        Diagnostic::error(
                            location,
                            format!("resource {resource_type}.{name} is declared twice (first at {first})"),
                        )
                        .with_fix("rename one of them: the second label of a resource block must be unique per type"),
                    );
                    return;
                }
                if resource_type.starts_with("sym_") {
                    for meta in ["count", "for_each"] {
                        if let Some(attribute) = block.attribute(meta) {
                            self.diagnostics.push(
                                Diagnostic::error(
                                    Some(attribute.location.clone()),
                                    format!("`{meta}` on {resource_type}.{name} is not supported by symflow"),
                                )
                                .with_fix("write one resource block per instance"),
                            );
                        }
                    }
                }
                let attributes = block
                    .attributes
                    .iter()
                    .filter(|a| !META_ARGUMENTS.contains(&a.key.as_str()))
                    .map(|a| (a.key.clone(), Slot::Pending))
                    .collect();
                self.resource_index.insert(key, self.resources.len());
                self.resources.push(ResourceState {
                    resource_type: resource_type.clone(),
                    name: name.clone(),
                    block,
                    attributes,
                });
            }
            ("provider", [name]) if name == "sym" => self.sym_providers.push(block),
            (ident, _) if KNOWN_TOP_LEVEL.contains(&ident) => {}
            (ident, _) => self.diagnostics.push(
                Diagnostic::warning(
                    location,
                    format!("unknown top-level block `{ident}` is ignored"),
                )
                .with_fix("check the spelling; Terraform accepts resource, data, module, variable, locals, output, provider and terraform"),
            ),
        }
    }

    /// Variable values: defaults, then `terraform.tfvars`, then `*.auto.tfvars` in name order,
    /// then `--var` (later wins, as in Terraform).
    fn assign_variables(&mut self, tfvars: &[TfvarsFile], cli_vars: &[(String, String)]) {
        let mut ctx = Context::new();
        functions::register(&mut ctx);
        let names: Vec<String> = self.variables.keys().cloned().collect();
        for name in &names {
            let block = self.variables[name].block;
            if let Some(default) = block.attribute("default") {
                match default.expr.evaluate(&ctx) {
                    Ok(value) => {
                        self.var_values.insert(name.clone(), value);
                    }
                    Err(err) => push_eval_error(&mut self.diagnostics, &default.location, &err),
                }
            }
        }
        for file in tfvars {
            match file {
                TfvarsFile::Hcl(file) => {
                    for attribute in &file.attributes {
                        match attribute.expr.evaluate(&ctx) {
                            Ok(value) => self.set_tfvar(
                                &attribute.key,
                                value,
                                Some(attribute.location.clone()),
                            ),
                            Err(err) => {
                                push_eval_error(&mut self.diagnostics, &attribute.location, &err)
                            }
                        }
                    }
                }
                TfvarsFile::Json { path, values } => {
                    for (name, value) in values {
                        let location = SourceLocation {
                            file: path.clone(),
                            line: 1,
                        };
                        self.set_tfvar(name, value.clone(), Some(location));
                    }
                }
            }
        }
        for (name, raw) in cli_vars {
            let Some(decl) = self.variables.get(name) else {
                self.diagnostics.push(
                    Diagnostic::error(
                        None,
                        format!("--var {name}=...: no variable `{name}` is declared"),
                    )
                    .with_fix(format!(
                        "add `variable \"{name}\" {{}}` to a .tf file, or check the spelling"
                    )),
                );
                continue;
            };
            let value = if decl.takes_raw_string {
                Value::from(raw.as_str())
            } else {
                raw.parse::<Expression>()
                    .ok()
                    .and_then(|expr| expr.evaluate(&ctx).ok())
                    .unwrap_or_else(|| Value::from(raw.as_str()))
            };
            self.var_values.insert(name.clone(), value);
        }
        for name in names {
            if !self.var_values.contains_key(&name) {
                let block = self.variables[&name].block;
                self.diagnostics.push(
                    Diagnostic::error(
                        Some(block.location.clone()),
                        format!("variable `{name}` has no value"),
                    )
                    .with_fix(format!(
                        "give it a `default`, set `{name} = ...` in terraform.tfvars, or pass --var {name}=VALUE"
                    )),
                );
            }
        }
    }

    fn set_tfvar(&mut self, name: &str, value: Value, location: Option<SourceLocation>) {
        if !self.variables.contains_key(name) {
            self.diagnostics.push(
                Diagnostic::warning(
                    location,
                    format!("value for undeclared variable `{name}` is ignored"),
                )
                .with_fix(format!(
                    "declare it with `variable \"{name}\" {{}}` or remove the line"
                )),
            );
            return;
        }
        self.var_values.insert(name.to_owned(), value);
    }

    /// Walks every expression once: reports references to undefined `sym_*` resources,
    /// undefined locals and variables, and records which opaque values must exist.
    fn prepare_references(&mut self, files: &'a [SourceFile]) {
        for file in files {
            for block in &file.blocks {
                let strict = match (block.ident.as_str(), block.labels.first()) {
                    ("resource", Some(resource_type)) => resource_type.starts_with("sym_"),
                    ("locals" | "provider", _) => true,
                    _ => false,
                };
                self.prepare_block(block, strict);
            }
        }
    }

    fn prepare_block(&mut self, block: &'a SourceBlock, strict: bool) {
        for attribute in &block.attributes {
            for chain in references_of(&attribute.expr) {
                self.prepare_chain(&chain, &attribute.location, strict);
            }
        }
        for nested in &block.blocks {
            self.prepare_block(nested, strict);
        }
    }

    fn prepare_chain(&mut self, chain: &ReferenceChain, location: &SourceLocation, strict: bool) {
        let first = chain.attrs.first().map(String::as_str);
        match chain.root.as_str() {
            "var" => {
                if let Some(name) = first {
                    if strict && !self.variables.contains_key(name) {
                        self.diagnostics.push(
                            Diagnostic::error(
                                Some(location.clone()),
                                format!("var.{name} is used but no variable `{name}` is declared"),
                            )
                            .with_fix(format!("add `variable \"{name}\" {{}}` to a .tf file, or check the spelling")),
                        );
                    }
                }
            }
            "local" => {
                if let Some(name) = first {
                    if strict && !self.locals.contains_key(name) {
                        self.diagnostics.push(
                            Diagnostic::error(
                                Some(location.clone()),
                                format!("local.{name} is used but not defined in any `locals` block"),
                            )
                            .with_fix(format!("add `{name} = ...` to a `locals {{ }}` block, or check the spelling")),
                        );
                    }
                }
            }
            "module" | "data" => insert_opaque_path(&mut self.opaque_roots, chain),
            root if is_resource_type(root) => {
                let Some(name) = first else { return };
                match self.resource_index.get(&(root.to_owned(), name.to_owned())) {
                    Some(&index) => {
                        let attribute_chain = chain.attrs[1..].to_vec();
                        let declared = attribute_chain
                            .first()
                            .is_some_and(|a| self.resources[index].attributes.contains_key(a));
                        if !attribute_chain.is_empty() && !declared {
                            self.computed_references
                                .entry(index)
                                .or_default()
                                .insert(attribute_chain);
                        }
                    }
                    None if root.starts_with("sym_") => {
                        // Reported once here; the value is then opaque so that evaluation
                        // does not report the same mistake a second time.
                        self.diagnostics
                            .push(self.undefined_sym_reference(root, name, location));
                        insert_opaque_path(&mut self.opaque_roots, chain);
                    }
                    None => insert_opaque_path(&mut self.opaque_roots, chain),
                }
            }
            _ => {}
        }
    }

    fn undefined_sym_reference(
        &self,
        resource_type: &str,
        name: &str,
        location: &SourceLocation,
    ) -> Diagnostic {
        let defined: Vec<&str> = self
            .resources
            .iter()
            .filter(|r| r.resource_type == resource_type)
            .map(|r| r.name.as_str())
            .collect();
        let fix = if defined.is_empty() {
            format!("declare `resource \"{resource_type}\" \"{name}\" {{ ... }}` in one of the .tf files, or fix the reference")
        } else {
            format!(
                "declare it, or use one of the {resource_type} resources defined here: {}",
                defined.join(", ")
            )
        };
        Diagnostic::error(
            Some(location.clone()),
            format!("reference to undefined resource {resource_type}.{name}"),
        )
        .with_fix(fix)
    }

    /// Whether every local and resource attribute `expr` references is settled.
    fn is_ready(&self, expr: &Expression) -> bool {
        references_of(expr)
            .iter()
            .all(|chain| self.chain_is_settled(chain))
    }

    fn chain_is_settled(&self, chain: &ReferenceChain) -> bool {
        let Some(first) = chain.attrs.first() else {
            return true;
        };
        match chain.root.as_str() {
            "local" => !matches!(self.locals.get(first), Some((_, Slot::Pending))),
            root if is_resource_type(root) => {
                let Some(&index) = self.resource_index.get(&(root.to_owned(), first.clone()))
                else {
                    return true;
                };
                let resource = &self.resources[index];
                match chain.attrs.get(1) {
                    Some(attribute) => {
                        !matches!(resource.attributes.get(attribute), Some(Slot::Pending))
                    }
                    None => !resource
                        .attributes
                        .values()
                        .any(|slot| matches!(slot, Slot::Pending)),
                }
            }
            _ => true,
        }
    }

    /// The evaluation context with everything known so far.
    fn context(&self) -> Context<'static> {
        let mut ctx = Context::new();
        functions::register(&mut ctx);
        ctx.declare_var("var", Value::Object(self.var_values.clone()));
        let locals: Map<String, Value> = self
            .locals
            .iter()
            .filter_map(|(name, (_, slot))| match slot {
                Slot::Done(value) => Some((name.clone(), value.clone())),
                _ => None,
            })
            .collect();
        ctx.declare_var("local", Value::Object(locals));
        let mut path = Map::new();
        for key in ["module", "root", "cwd"] {
            path.insert(key.to_owned(), Value::from("."));
        }
        ctx.declare_var("path", Value::Object(path));
        let mut terraform = Map::new();
        terraform.insert("workspace".to_owned(), Value::from("default"));
        ctx.declare_var("terraform", Value::Object(terraform));

        let mut by_type: Map<String, Value> = self.opaque_roots.clone();
        for (index, resource) in self.resources.iter().enumerate() {
            let mut object = Map::new();
            let address = format!("{}.{}", resource.resource_type, resource.name);
            for chain in self.computed_references.get(&index).into_iter().flatten() {
                insert_opaque_leaf(&mut object, &address, chain);
            }
            for (attribute, slot) in &resource.attributes {
                match slot {
                    Slot::Done(value) => {
                        object.insert(attribute.clone(), value.clone());
                    }
                    _ => {
                        object.insert(
                            attribute.clone(),
                            Value::from(opaque(&format!("{address}.{attribute}"))),
                        );
                    }
                }
            }
            let entry = by_type
                .entry(resource.resource_type.clone())
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(instances) = entry {
                instances.insert(resource.name.clone(), Value::Object(object));
            }
        }
        for (resource_type, instances) in by_type {
            ctx.declare_var(resource_type, instances);
        }
        ctx
    }

    /// Evaluates locals and top-level resource attributes until nothing more can be.
    fn run_rounds(&mut self) {
        loop {
            let ctx = self.context();
            let mut progressed = false;

            // Decide everything that is ready before evaluating anything: what is evaluated
            // in this round is only visible in the next round's context.
            let ready_locals: Vec<String> = self
                .locals
                .iter()
                .filter(|(_, (attribute, slot))| {
                    matches!(slot, Slot::Pending) && self.is_ready(&attribute.expr)
                })
                .map(|(name, _)| name.clone())
                .collect();
            let ready_attributes: Vec<(usize, &'a SourceAttribute)> = self
                .resources
                .iter()
                .enumerate()
                .flat_map(|(index, resource)| {
                    resource
                        .block
                        .attributes
                        .iter()
                        .filter(|a| matches!(resource.attributes.get(&a.key), Some(Slot::Pending)))
                        .filter(|a| self.is_ready(&a.expr))
                        .map(move |a| (index, a))
                })
                .collect();

            for name in ready_locals {
                let attribute = self.locals[&name].0;
                let slot = match attribute.expr.evaluate(&ctx) {
                    Ok(value) => Slot::Done(value),
                    Err(err) => {
                        push_eval_error(&mut self.diagnostics, &attribute.location, &err);
                        Slot::Failed
                    }
                };
                self.locals.get_mut(&name).expect("listed above").1 = slot;
                progressed = true;
            }
            for (index, attribute) in ready_attributes {
                let strict = self.resources[index].resource_type.starts_with("sym_");
                let slot = match attribute.expr.evaluate(&ctx) {
                    Ok(value) => Slot::Done(value),
                    Err(err) => {
                        if strict {
                            push_eval_error(&mut self.diagnostics, &attribute.location, &err);
                        }
                        Slot::Failed
                    }
                };
                self.resources[index]
                    .attributes
                    .insert(attribute.key.clone(), slot);
                progressed = true;
            }

            if !progressed {
                break;
            }
        }
        self.report_cycles();
    }

    fn report_cycles(&mut self) {
        let mut stuck = Vec::new();
        for (name, (attribute, slot)) in &mut self.locals {
            if matches!(slot, Slot::Pending) {
                *slot = Slot::Failed;
                stuck.push((format!("local.{name}"), attribute.location.clone()));
            }
        }
        for resource in &mut self.resources {
            let strict = resource.resource_type.starts_with("sym_");
            for attribute in &resource.block.attributes {
                if let Some(slot @ Slot::Pending) = resource.attributes.get_mut(&attribute.key) {
                    *slot = Slot::Failed;
                    if strict {
                        stuck.push((
                            format!(
                                "{}.{}.{}",
                                resource.resource_type, resource.name, attribute.key
                            ),
                            attribute.location.clone(),
                        ));
                    }
                }
            }
        }
        for (what, location) in stuck {
            self.diagnostics.push(
                Diagnostic::error(
                    Some(location),
                    format!("{what} cannot be evaluated: it is part of a reference cycle"),
                )
                .with_fix("break the cycle: a value must not depend, directly or through others, on itself"),
            );
        }
    }

    fn finish(mut self) -> Evaluation {
        let ctx = self.context();
        let mut sym_resources = Vec::new();
        for resource in &self.resources {
            if !resource.resource_type.starts_with("sym_") {
                continue;
            }
            let mut body = evaluate_nested(resource.block, &ctx, &mut self.diagnostics);
            // Top-level attributes come from the rounds, not evaluated twice.
            body.attributes.clear();
            body.failed.clear();
            for attribute in &resource.block.attributes {
                match resource.attributes.get(&attribute.key) {
                    Some(Slot::Done(value)) => {
                        body.attributes.insert(
                            attribute.key.clone(),
                            EvaluatedAttribute {
                                value: value.clone(),
                                location: attribute.location.clone(),
                                file_argument: file_argument(&attribute.expr, &ctx),
                            },
                        );
                    }
                    Some(_) => {
                        body.failed.insert(attribute.key.clone());
                    }
                    None => {} // a meta-argument
                }
            }
            sym_resources.push(EvaluatedResource {
                resource_type: resource.resource_type.clone(),
                name: resource.name.clone(),
                body,
            });
        }
        let sym_providers = self
            .sym_providers
            .iter()
            .map(|block| evaluate_nested(block, &ctx, &mut self.diagnostics))
            .collect();
        Evaluation {
            sym_resources,
            sym_providers,
            diagnostics: self.diagnostics,
        }
    }
}

/// Evaluates a block and everything nested in it against a complete context.
fn evaluate_nested(
    block: &SourceBlock,
    ctx: &Context,
    diagnostics: &mut Vec<Diagnostic>,
) -> EvaluatedBlock {
    let mut evaluated = EvaluatedBlock {
        ident: block.ident.clone(),
        location: block.location.clone(),
        attributes: BTreeMap::new(),
        failed: BTreeSet::new(),
        blocks: Vec::new(),
    };
    let top_level_resource = block.ident == "resource";
    if !top_level_resource {
        for attribute in &block.attributes {
            match attribute.expr.evaluate(ctx) {
                Ok(value) => {
                    evaluated.attributes.insert(
                        attribute.key.clone(),
                        EvaluatedAttribute {
                            value,
                            location: attribute.location.clone(),
                            file_argument: file_argument(&attribute.expr, ctx),
                        },
                    );
                }
                Err(err) => {
                    push_eval_error(diagnostics, &attribute.location, &err);
                    evaluated.failed.insert(attribute.key.clone());
                }
            }
        }
    }
    for nested in &block.blocks {
        evaluated
            .blocks
            .push(evaluate_nested(nested, ctx, diagnostics));
    }
    evaluated
}

/// For `file(<path>)`, the evaluated path argument.
fn file_argument(expr: &Expression, ctx: &Context) -> Option<String> {
    let Expression::FuncCall(call) = expr else {
        return None;
    };
    if call.name.namespace.is_empty() && call.name.name.as_str() == "file" && call.args.len() == 1 {
        call.args[0]
            .evaluate(ctx)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
    } else {
        None
    }
}

/// Puts the opaque string for `chain` into the nested objects under its root.
fn insert_opaque_path(roots: &mut Map<String, Value>, chain: &ReferenceChain) {
    let root = roots
        .entry(chain.root.clone())
        .or_insert_with(|| Value::Object(Map::new()));
    if let Value::Object(object) = root {
        insert_opaque_leaf(object, &chain.root, &chain.attrs);
    }
}

/// Inserts `"${prefix.a.b.c}"` at `object.a.b.c`, creating objects on the way. When a path is
/// both a leaf and a prefix of a longer path, the object wins.
fn insert_opaque_leaf(object: &mut Map<String, Value>, prefix: &str, chain: &[String]) {
    let Some((last, parents)) = chain.split_last() else {
        return;
    };
    let mut current = object;
    let mut path = prefix.to_owned();
    for parent in parents {
        path.push('.');
        path.push_str(parent);
        let entry = current
            .entry(parent.clone())
            .or_insert_with(|| Value::Object(Map::new()));
        if !matches!(entry, Value::Object(_)) {
            *entry = Value::Object(Map::new());
        }
        let Value::Object(next) = entry else {
            unreachable!("made an object above")
        };
        current = next;
    }
    path.push('.');
    path.push_str(last);
    current
        .entry(last.clone())
        .or_insert_with(|| Value::from(opaque(&path)));
}

/// Reports an evaluation error unless this line already has an error (such as an undefined
/// reference found before evaluation), so one mistake gives one message.
fn push_eval_error(
    diagnostics: &mut Vec<Diagnostic>,
    location: &SourceLocation,
    err: &hcl::eval::Error,
) {
    let already_reported = diagnostics
        .iter()
        .any(|d| d.is_error() && d.location.as_ref() == Some(location));
    if !already_reported {
        diagnostics.push(eval_error(location, err));
    }
}

/// An evaluation error at an attribute, in words.
fn eval_error(location: &SourceLocation, err: &hcl::eval::Error) -> Diagnostic {
    use hcl::eval::ErrorKind;
    let (message, fix) = match err.kind() {
        ErrorKind::UndefinedVar(name) => (
            format!("`{name}` is not defined"),
            "use var.NAME, local.NAME, path.module or a resource address such as sym_integration.slack.id".to_owned(),
        ),
        ErrorKind::UndefinedFunc(name) => (
            format!("function `{name}` is not available in symflow"),
            "use file, jsonencode, format, join, merge, lower, upper, replace or another supported function, or compute the value in a local".to_owned(),
        ),
        ErrorKind::FuncCall(name, message) => (
            format!("{name}(...) failed: {message}"),
            if name.name.as_str() == "file" {
                "check the path: it is read relative to the configuration directory (use \"${path.module}/impls/...\")".to_owned()
            } else {
                "check the arguments of this call".to_owned()
            },
        ),
        _ => (
            format!("cannot evaluate this expression: {}", err.kind()),
            "check the expression's types and references".to_owned(),
        ),
    };
    Diagnostic::error(Some(location.clone()), message).with_fix(fix)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_skip_for_variables_and_keep_attribute_chains() {
        let expr: Expression = r#"[for t in local.targets : "${t.name}-${module.m.out.id}"]"#
            .parse()
            .unwrap();
        let mut chains: Vec<String> = references_of(&expr)
            .iter()
            .map(ReferenceChain::display)
            .collect();
        chains.sort();
        assert_eq!(chains, ["local.targets", "module.m.out.id"]);
    }

    #[test]
    fn opaque_paths_nest() {
        let mut roots = Map::new();
        for chain in [
            ["runtime_connector", "sym_runtime", "id"],
            ["runtime_connector", "settings", "role_arn"],
        ] {
            insert_opaque_path(
                &mut roots,
                &ReferenceChain {
                    root: "module".into(),
                    attrs: chain.iter().map(|s| s.to_string()).collect(),
                },
            );
        }
        let module = roots["module"].as_object().unwrap();
        let connector = module["runtime_connector"].as_object().unwrap();
        assert_eq!(
            connector["sym_runtime"].as_object().unwrap()["id"],
            Value::from("${module.runtime_connector.sym_runtime.id}")
        );
    }
}
