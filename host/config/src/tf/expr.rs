//! Evaluating one HCL expression (as hcl-rs parses it) to a [`Value`], the way Terraform does.
//!
//! hcl-rs has its own evaluator, but it cannot represent a value known only after
//! `terraform apply`, cannot mark a value sensitive, evaluates every function argument before
//! the call (so `try` and `can` cannot catch an error), and resolves names from a fixed table.
//! This evaluator walks the same syntax tree with Terraform's rules instead:
//!
//! - names are resolved by a [`Scope`], which may consume part of a traversal itself
//!   (`sym_flow.demo.name`, `module.sso.settings`): that is how resources, modules and data
//!   sources are looked up lazily, and why a computed attribute of another provider's resource
//!   can be an unknown value instead of an error;
//! - an unknown operand makes an operation, a condition, a template or a function call unknown,
//!   carrying the reference it came from, so a later error can name it;
//! - a sensitive operand makes the result sensitive;
//! - a template that is one interpolation (`"${var.list}"`) keeps the value's type.

use std::collections::BTreeMap;
use std::path::Path;

use hcl::expr::{
    BinaryOperator, Conditional, Expression, ForExpr, FuncCall, Operation, TemplateExpr,
    TraversalOperator, UnaryOperator,
};
use hcl::template::{Directive, Element, Strip, Template};

use super::functions::{self, FunctionEnv};
use super::value::{format_number, Unknown, Value, OPEN_OBJECT_KEY};

/// Why an expression could not be evaluated, in words for the person who wrote it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct EvalError {
    /// What went wrong.
    pub message: String,
    /// What to write instead, when there is an obvious fix.
    pub fix: Option<String>,
    /// Whether the error was already reported where it happened (a local or variable that
    /// failed), so an expression using that value does not report it a second time.
    pub reported: bool,
    /// For a reference cycle: the chain (`local.a → local.b → local.a`).
    pub cycle: Option<String>,
}

impl EvalError {
    pub fn new(message: impl Into<String>) -> Self {
        EvalError {
            message: message.into(),
            fix: None,
            reported: false,
            cycle: None,
        }
    }

    /// The same error, marked as already reported.
    pub fn reported(mut self) -> Self {
        self.reported = true;
        self
    }

    pub fn with_fix(mut self, fix: impl Into<String>) -> Self {
        self.fix = Some(fix.into());
        self
    }
}

pub(crate) type EvalResult<T = Value> = Result<T, EvalError>;

/// Where names come from.
pub(crate) trait Scope {
    /// Resolves the reference `root` followed by `operators`. The scope may consume any number
    /// of leading operators itself (a resource consumes its name and the attribute); it returns
    /// the value and how many operators it used. The evaluator applies the rest.
    fn resolve(&self, root: &str, operators: &[TraversalOperator]) -> EvalResult<(Value, usize)>;

    /// Terraform's working directory, for the file functions.
    fn cwd(&self) -> &Path;
}

/// A scope with one more name bound (a `for` variable, a `dynamic` block's iterator, a
/// template variable).
pub(crate) struct Bound<'a> {
    pub parent: &'a dyn Scope,
    pub names: Vec<(String, Value)>,
}

impl Scope for Bound<'_> {
    fn resolve(&self, root: &str, operators: &[TraversalOperator]) -> EvalResult<(Value, usize)> {
        match self.names.iter().rev().find(|(name, _)| name == root) {
            Some((_, value)) => Ok((value.clone(), 0)),
            None => self.parent.resolve(root, operators),
        }
    }

    fn cwd(&self) -> &Path {
        self.parent.cwd()
    }
}

/// A scope holding only the given names: what `templatefile` gives its template.
pub(crate) struct TemplateVars<'a> {
    pub cwd: &'a Path,
    pub vars: &'a BTreeMap<String, Value>,
}

impl Scope for TemplateVars<'_> {
    fn resolve(&self, root: &str, _operators: &[TraversalOperator]) -> EvalResult<(Value, usize)> {
        match self.vars.get(root) {
            Some(value) => Ok((value.clone(), 0)),
            None => Err(EvalError::new(format!(
                "the template uses `{root}`, which is not among the variables given to it"
            ))
            .with_fix(format!("pass it in the variables map: {{ {root} = ... }}"))),
        }
    }

    fn cwd(&self) -> &Path {
        self.cwd
    }
}

/// Evaluates `expr` in `scope`.
pub(crate) fn evaluate(expr: &Expression, scope: &dyn Scope) -> EvalResult {
    match expr {
        Expression::Null => Ok(Value::Null),
        Expression::Bool(b) => Ok(Value::Bool(*b)),
        Expression::Number(n) => Ok(Value::Number(n.as_f64().unwrap_or(f64::NAN))),
        Expression::String(s) => Ok(Value::String(s.clone())),
        Expression::Array(items) => items
            .iter()
            .map(|item| evaluate(item, scope))
            .collect::<EvalResult<Vec<_>>>()
            .map(Value::List),
        Expression::Object(object) => {
            let mut map = BTreeMap::new();
            for (key, value) in object {
                let key = match key {
                    hcl::ObjectKey::Identifier(ident) => ident.to_string(),
                    // A bare word key (`slack_id = ...`) parses as a variable: it is a name.
                    hcl::ObjectKey::Expression(Expression::Variable(variable)) => {
                        variable.to_string()
                    }
                    hcl::ObjectKey::Expression(key) => {
                        let key = evaluate(key, scope)?;
                        if let Some(unknown) = key.first_unknown() {
                            return Ok(Value::Unknown(unknown.clone()));
                        }
                        let (key, _) = key.unmark_deep();
                        key.to_tf_string().ok_or_else(|| {
                            EvalError::new(format!(
                                "an object key must be a string, got a {}",
                                key.type_name()
                            ))
                        })?
                    }
                    other => other.to_string(),
                };
                map.insert(key, evaluate(value, scope)?);
            }
            Ok(Value::Map(map))
        }
        Expression::TemplateExpr(template) => template_expr(template, scope),
        Expression::Variable(variable) => Ok(scope.resolve(variable.as_str(), &[])?.0),
        Expression::Traversal(traversal) => {
            let (value, rest) = match &traversal.expr {
                Expression::Variable(variable) => {
                    let (value, used) = scope.resolve(variable.as_str(), &traversal.operators)?;
                    (value, &traversal.operators[used..])
                }
                other => (evaluate(other, scope)?, &traversal.operators[..]),
            };
            apply_operators(value, rest, scope)
        }
        Expression::FuncCall(call) => func_call(call, scope),
        Expression::Parenthesis(inner) => evaluate(inner, scope),
        Expression::Conditional(conditional) => conditional_expr(conditional, scope),
        Expression::Operation(operation) => operation_expr(operation, scope),
        Expression::ForExpr(for_expr) => for_expression(for_expr, scope),
        other => Err(EvalError::new(format!(
            "symflow cannot evaluate this kind of expression: {other}"
        ))),
    }
}

/// The text of a traversal for messages and unknown origins: `module.x.y["k"]`.
pub(crate) fn describe_operators(base: &str, operators: &[TraversalOperator]) -> String {
    let mut out = base.to_owned();
    for op in operators {
        match op {
            TraversalOperator::GetAttr(name) => {
                out.push('.');
                out.push_str(name.as_str());
            }
            TraversalOperator::Index(Expression::String(s)) => out.push_str(&format!("[{s:?}]")),
            TraversalOperator::Index(Expression::Number(n)) => out.push_str(&format!("[{n}]")),
            TraversalOperator::Index(_) => out.push_str("[...]"),
            TraversalOperator::LegacyIndex(i) => out.push_str(&format!(".{i}")),
            TraversalOperator::AttrSplat => out.push_str(".*"),
            TraversalOperator::FullSplat => out.push_str("[*]"),
        }
    }
    out
}

/// Applies attribute accesses, indexes and splats to a value.
pub(crate) fn apply_operators(
    mut value: Value,
    operators: &[TraversalOperator],
    scope: &dyn Scope,
) -> EvalResult {
    let mut index = 0;
    while index < operators.len() {
        let op = &operators[index];
        match op {
            TraversalOperator::AttrSplat | TraversalOperator::FullSplat => {
                // The operators that apply to each element: attribute accesses only for `.*`,
                // attributes and indexes for `[*]`.
                let full = matches!(op, TraversalOperator::FullSplat);
                let end = operators[index + 1..]
                    .iter()
                    .position(|next| match next {
                        TraversalOperator::GetAttr(_) => false,
                        TraversalOperator::Index(_) | TraversalOperator::LegacyIndex(_) => !full,
                        _ => true,
                    })
                    .map_or(operators.len(), |p| index + 1 + p);
                let per_element = &operators[index + 1..end];
                value = splat(value, per_element, scope)?;
                index = end;
            }
            _ => {
                value = apply_one(value, op, scope)?;
                index += 1;
            }
        }
    }
    Ok(value)
}

fn splat(value: Value, per_element: &[TraversalOperator], scope: &dyn Scope) -> EvalResult {
    let (value, marked) = split_mark(value);
    let items = match value {
        Value::Unknown(unknown) => {
            return Ok(Value::Unknown(extend(&unknown, per_element)).mark_if(marked))
        }
        Value::Null => Vec::new(),
        Value::List(items) => items,
        // A splat on a single value treats it as a one-element list.
        other => vec![other],
    };
    items
        .into_iter()
        .map(|item| apply_operators(item, per_element, scope))
        .collect::<EvalResult<Vec<_>>>()
        .map(|items| Value::List(items).mark_if(marked))
}

fn extend(unknown: &Unknown, operators: &[TraversalOperator]) -> Unknown {
    Unknown {
        origin: describe_operators(&unknown.origin, operators),
    }
}

fn split_mark(value: Value) -> (Value, bool) {
    match value {
        Value::Sensitive(inner) => (*inner, true),
        other => (other, false),
    }
}

fn apply_one(value: Value, op: &TraversalOperator, scope: &dyn Scope) -> EvalResult {
    let (value, marked) = split_mark(value);
    let result = match op {
        TraversalOperator::GetAttr(name) => get_attr(value, name.as_str())?,
        TraversalOperator::LegacyIndex(i) => index_value(value, Value::Number(*i as f64))?,
        TraversalOperator::Index(key) => {
            let key = evaluate(key, scope)?;
            let (key, key_marked) = key.unmark_deep();
            index_value(value, key)?.mark_if(key_marked)
        }
        TraversalOperator::AttrSplat | TraversalOperator::FullSplat => {
            unreachable!("splats are handled by apply_operators")
        }
    };
    Ok(result.mark_if(marked))
}

/// `value.name`.
pub(crate) fn get_attr(value: Value, name: &str) -> EvalResult {
    match value {
        Value::Unknown(unknown) => Ok(Value::unknown(format!("{}.{name}", unknown.origin))),
        Value::Map(mut map) => {
            if let Some(value) = map.remove(name) {
                return Ok(value);
            }
            if let Some(Value::Unknown(unknown)) = map.get(OPEN_OBJECT_KEY) {
                return Ok(Value::unknown(format!("{}.{name}", unknown.origin)));
            }
            let known: Vec<&str> = map
                .keys()
                .map(String::as_str)
                .filter(|k| *k != OPEN_OBJECT_KEY)
                .collect();
            Err(
                EvalError::new(format!("this object has no attribute named {name:?}")).with_fix(
                    if known.is_empty() {
                        "the object is empty".to_owned()
                    } else {
                        format!("its attributes are: {}", known.join(", "))
                    },
                ),
            )
        }
        Value::Null => Err(EvalError::new(format!(
            "cannot read attribute {name:?} of a null value"
        ))
        .with_fix(
            "check that the value is set, or guard with `x != null ? x.attr : ...` or try(...)",
        )),
        Value::List(_) => Err(
            EvalError::new(format!("cannot read attribute {name:?} of a list")).with_fix(format!(
                "index the list first (`x[0].{name}`) or use a splat (`x[*].{name}`)"
            )),
        ),
        Value::Sensitive(inner) => get_attr(*inner, name).map(|v| v.mark_if(true)),
        other => Err(EvalError::new(format!(
            "cannot read attribute {name:?} of a {}",
            other.type_name()
        ))),
    }
}

/// `value[key]`.
pub(crate) fn index_value(value: Value, key: Value) -> EvalResult {
    if let Value::Unknown(unknown) = &value {
        let key_text = match &key {
            Value::String(s) => format!("[{s:?}]"),
            other => format!("[{other}]"),
        };
        return Ok(Value::unknown(format!("{}{key_text}", unknown.origin)));
    }
    if let Value::Unknown(unknown) = key {
        return Ok(Value::Unknown(unknown));
    }
    match value {
        Value::List(mut items) => {
            let position = match &key {
                Value::Number(n) => Some(*n),
                Value::String(s) => s.parse::<f64>().ok(),
                _ => None,
            }
            .ok_or_else(|| {
                EvalError::new(format!("a list is indexed by a number, not by {key}"))
            })?;
            if position.fract() != 0.0 || position < 0.0 || position as usize >= items.len() {
                return Err(EvalError::new(format!(
                    "index {} is out of range: the list has {} element{}",
                    format_number(position),
                    items.len(),
                    if items.len() == 1 { "" } else { "s" }
                )));
            }
            Ok(items.swap_remove(position as usize))
        }
        Value::Map(mut map) => {
            let name = key.to_tf_string().ok_or_else(|| {
                EvalError::new(format!("a map is indexed by a string, not by {key}"))
            })?;
            map.remove(&name).ok_or_else(|| {
                let known: Vec<String> = map.keys().map(|k| format!("{k:?}")).collect();
                EvalError::new(format!("the map has no element {name:?}")).with_fix(
                    if known.is_empty() {
                        "the map is empty".to_owned()
                    } else {
                        format!("its keys are: {}", known.join(", "))
                    },
                )
            })
        }
        Value::Null => Err(EvalError::new("cannot index a null value")),
        Value::Sensitive(inner) => index_value(*inner, key).map(|v| v.mark_if(true)),
        other => Err(EvalError::new(format!(
            "cannot index a {}",
            other.type_name()
        ))),
    }
}

fn template_expr(template: &TemplateExpr, scope: &dyn Scope) -> EvalResult {
    let template = Template::from_expr(template)
        .map_err(|err| EvalError::new(format!("invalid template: {err}")))?;
    render_template(&template, scope)
}

/// Renders a parsed template. A template that is exactly one interpolation returns the
/// interpolated value itself, keeping its type.
pub(crate) fn render_template(template: &Template, scope: &dyn Scope) -> EvalResult {
    if let [Element::Interpolation(interpolation)] = template.elements() {
        return evaluate(&interpolation.expr, scope);
    }
    let mut out = TemplateOutput::default();
    render_elements(template, scope, Strip::None, Strip::None, &mut out)?;
    Ok(out.finish())
}

/// A template's text so far, and whether anything in it is unknown or sensitive.
#[derive(Default)]
struct TemplateOutput {
    text: String,
    unknown: Option<Unknown>,
    sensitive: bool,
}

impl TemplateOutput {
    fn push_value(&mut self, value: Value) -> EvalResult<()> {
        let (value, marked) = value.unmark_deep();
        self.sensitive |= marked;
        match value {
            Value::Unknown(unknown) => {
                self.unknown.get_or_insert(unknown);
                Ok(())
            }
            Value::Null => Err(
                EvalError::new("a null value cannot be put into a string template")
                    .with_fix("give the value a default, or use coalesce(x, \"\")"),
            ),
            other => {
                let text = other.to_tf_string().ok_or_else(|| {
                    EvalError::new(format!(
                        "a {} cannot be put into a string template",
                        other.type_name()
                    ))
                    .with_fix("use jsonencode(...) or join(\",\", ...) to turn it into a string")
                })?;
                self.text.push_str(&text);
                Ok(())
            }
        }
    }

    fn finish(self) -> Value {
        match self.unknown {
            Some(unknown) => Value::Unknown(unknown),
            None => Value::String(self.text),
        }
        .mark_if(self.sensitive)
    }
}

fn element_strip(element: &Element) -> Strip {
    match element {
        Element::Literal(_) => Strip::None,
        Element::Interpolation(interpolation) => interpolation.strip,
        Element::Directive(directive) => match &**directive {
            Directive::If(d) => Strip::from((d.if_strip.strip_start(), d.endif_strip.strip_end())),
            Directive::For(d) => {
                Strip::from((d.for_strip.strip_start(), d.endfor_strip.strip_end()))
            }
        },
    }
}

fn render_elements(
    template: &Template,
    scope: &dyn Scope,
    before: Strip,
    after: Strip,
    out: &mut TemplateOutput,
) -> EvalResult<()> {
    let elements = template.elements();
    for (index, element) in elements.iter().enumerate() {
        let prev = if index == 0 {
            before
        } else {
            element_strip(&elements[index - 1])
        };
        let next = if index + 1 == elements.len() {
            after
        } else {
            element_strip(&elements[index + 1])
        };
        match element {
            Element::Literal(literal) => out.text.push_str(strip_literal(literal, prev, next)),
            Element::Interpolation(interpolation) => {
                out.push_value(evaluate(&interpolation.expr, scope)?)?
            }
            Element::Directive(directive) => match &**directive {
                Directive::If(d) => {
                    let cond = evaluate(&d.cond_expr, scope)?;
                    let (cond, marked) = cond.unmark_deep();
                    out.sensitive |= marked;
                    if let Value::Unknown(unknown) = cond {
                        out.unknown.get_or_insert(unknown);
                        continue;
                    }
                    if to_bool(&cond, "the condition of %{if}")? {
                        let end = if d.false_template.is_some() {
                            d.else_strip
                        } else {
                            d.endif_strip
                        };
                        render_elements(&d.true_template, scope, d.if_strip, end, out)?;
                    } else if let Some(false_template) = &d.false_template {
                        render_elements(false_template, scope, d.else_strip, d.endif_strip, out)?;
                    }
                }
                Directive::For(d) => {
                    let collection = evaluate(&d.collection_expr, scope)?;
                    let (collection, marked) = collection.unmark_deep();
                    out.sensitive |= marked;
                    let pairs = match iterate(collection, "the collection of %{for}")? {
                        Some(pairs) => pairs,
                        None => continue,
                    };
                    for (key, value) in pairs {
                        let mut names = vec![(d.value_var.to_string(), value)];
                        if let Some(key_var) = &d.key_var {
                            names.insert(0, (key_var.to_string(), key));
                        }
                        let inner = Bound {
                            parent: scope,
                            names,
                        };
                        render_elements(&d.template, &inner, d.for_strip, d.endfor_strip, out)?;
                    }
                }
            },
        }
    }
    Ok(())
}

/// Strips spaces (up to and including one line break) next to a `~` marker.
fn strip_literal(mut literal: &str, prev: Strip, next: Strip) -> &str {
    fn is_space(c: char) -> bool {
        c.is_whitespace() && c != '\r' && c != '\n'
    }
    if prev.strip_end() {
        literal = literal.trim_start_matches(is_space);
        literal = literal
            .strip_prefix("\r\n")
            .or_else(|| literal.strip_prefix('\n'))
            .unwrap_or(literal);
    }
    if next.strip_start() {
        literal = literal.trim_end_matches(is_space);
        literal = literal
            .strip_suffix("\r\n")
            .or_else(|| literal.strip_suffix('\n'))
            .unwrap_or(literal);
    }
    literal
}

/// The (key, value) pairs of a collection for `for`: list index → element, map key → value.
/// `None` for an unknown collection.
fn iterate(collection: Value, what: &str) -> EvalResult<Option<Vec<(Value, Value)>>> {
    match collection {
        Value::List(items) => Ok(Some(
            items
                .into_iter()
                .enumerate()
                .map(|(i, item)| (Value::Number(i as f64), item))
                .collect(),
        )),
        Value::Map(map) => Ok(Some(
            map.into_iter()
                .map(|(key, value)| (Value::String(key), value))
                .collect(),
        )),
        Value::Unknown(_) => Ok(None),
        Value::Null => Err(EvalError::new(format!("{what} is null")).with_fix(
            "iterate over a list or map; use coalesce(x, []) for a value that may be null",
        )),
        other => Err(EvalError::new(format!(
            "{what} must be a list or map, got a {}",
            other.type_name()
        ))),
    }
}

fn to_bool(value: &Value, what: &str) -> EvalResult<bool> {
    match value {
        Value::Bool(b) => Ok(*b),
        Value::String(s) if s == "true" => Ok(true),
        Value::String(s) if s == "false" => Ok(false),
        Value::Null => Err(EvalError::new(format!("{what} is null, not true or false"))),
        other => Err(EvalError::new(format!(
            "{what} must be true or false, got {other}"
        ))),
    }
}

fn to_number(value: &Value, what: &str) -> EvalResult<f64> {
    match value {
        Value::Number(n) => Ok(*n),
        Value::String(s) => s
            .trim()
            .parse::<f64>()
            .map_err(|_| EvalError::new(format!("{what} must be a number, got the string {s:?}"))),
        other => Err(EvalError::new(format!(
            "{what} must be a number, got {}",
            if other.is_null() {
                "null".to_owned()
            } else {
                format!("a {}", other.type_name())
            }
        ))),
    }
}

fn conditional_expr(conditional: &Conditional, scope: &dyn Scope) -> EvalResult {
    let cond = evaluate(&conditional.cond_expr, scope)?;
    let (cond, marked) = cond.unmark_deep();
    if let Value::Unknown(unknown) = cond {
        return Ok(Value::Unknown(unknown).mark_if(marked));
    }
    let chosen = if to_bool(&cond, "the condition")? {
        &conditional.true_expr
    } else {
        &conditional.false_expr
    };
    Ok(evaluate(chosen, scope)?.mark_if(marked))
}

fn operation_expr(operation: &Operation, scope: &dyn Scope) -> EvalResult {
    match operation {
        Operation::Unary(unary) => {
            let (operand, marked) = evaluate(&unary.expr, scope)?.unmark_deep();
            if let Value::Unknown(unknown) = operand {
                return Ok(Value::Unknown(unknown).mark_if(marked));
            }
            let result = match unary.operator {
                UnaryOperator::Neg => Value::Number(-to_number(&operand, "the operand of -")?),
                UnaryOperator::Not => Value::Bool(!to_bool(&operand, "the operand of !")?),
            };
            Ok(result.mark_if(marked))
        }
        Operation::Binary(binary) => {
            let (lhs, lhs_marked) = evaluate(&binary.lhs_expr, scope)?.unmark_deep();
            // `&&` and `||` decide on a known left side alone, as Terraform does for
            // `false && ...` and `true || ...`.
            match (binary.operator, &lhs) {
                (BinaryOperator::And, Value::Bool(false)) => {
                    return Ok(Value::Bool(false).mark_if(lhs_marked))
                }
                (BinaryOperator::Or, Value::Bool(true)) => {
                    return Ok(Value::Bool(true).mark_if(lhs_marked))
                }
                _ => {}
            }
            let (rhs, rhs_marked) = evaluate(&binary.rhs_expr, scope)?.unmark_deep();
            let marked = lhs_marked || rhs_marked;
            let equality = matches!(binary.operator, BinaryOperator::Eq | BinaryOperator::NotEq);
            let unknown = if equality {
                lhs.first_unknown().or(rhs.first_unknown())
            } else {
                match (&lhs, &rhs) {
                    (Value::Unknown(u), _) | (_, Value::Unknown(u)) => Some(u),
                    _ => None,
                }
            };
            if let Some(unknown) = unknown {
                return Ok(Value::Unknown(unknown.clone()).mark_if(marked));
            }
            binary_operation(binary.operator, &lhs, &rhs).map(|v| v.mark_if(marked))
        }
    }
}

fn binary_operation(operator: BinaryOperator, lhs: &Value, rhs: &Value) -> EvalResult {
    use BinaryOperator::*;
    let symbol = operator.as_str();
    let what_l = format!("the left side of {symbol}");
    let what_r = format!("the right side of {symbol}");
    Ok(match operator {
        Eq => Value::Bool(values_equal(lhs, rhs)),
        NotEq => Value::Bool(!values_equal(lhs, rhs)),
        And => Value::Bool(to_bool(lhs, &what_l)? && to_bool(rhs, &what_r)?),
        Or => Value::Bool(to_bool(lhs, &what_l)? || to_bool(rhs, &what_r)?),
        Less | LessEq | Greater | GreaterEq => {
            let (l, r) = (to_number(lhs, &what_l)?, to_number(rhs, &what_r)?);
            Value::Bool(match operator {
                Less => l < r,
                LessEq => l <= r,
                Greater => l > r,
                _ => l >= r,
            })
        }
        Plus | Minus | Mul | Div | Mod => {
            let (l, r) = (to_number(lhs, &what_l)?, to_number(rhs, &what_r)?);
            Value::Number(match operator {
                Plus => l + r,
                Minus => l - r,
                Mul => l * r,
                Div if r == 0.0 => return Err(EvalError::new("division by zero")),
                Div => l / r,
                _ if r == 0.0 => return Err(EvalError::new("modulo by zero")),
                // Terraform's % keeps the sign of the dividend, like Rust's.
                _ => l % r,
            })
        }
    })
}

/// Terraform's `==`: same type and same value (`"1" == 1` is false), collections compared
/// element by element.
pub(crate) fn values_equal(lhs: &Value, rhs: &Value) -> bool {
    match (lhs, rhs) {
        (Value::Sensitive(l), r) => values_equal(l, r),
        (l, Value::Sensitive(r)) => values_equal(l, r),
        (Value::Null, Value::Null) => true,
        (Value::Bool(l), Value::Bool(r)) => l == r,
        (Value::Number(l), Value::Number(r)) => l == r,
        (Value::String(l), Value::String(r)) => l == r,
        (Value::List(l), Value::List(r)) => {
            l.len() == r.len() && l.iter().zip(r).all(|(a, b)| values_equal(a, b))
        }
        (Value::Map(l), Value::Map(r)) => {
            l.len() == r.len()
                && l.iter()
                    .zip(r)
                    .all(|((ka, va), (kb, vb))| ka == kb && values_equal(va, vb))
        }
        _ => false,
    }
}

fn for_expression(for_expr: &ForExpr, scope: &dyn Scope) -> EvalResult {
    let collection = evaluate(&for_expr.collection_expr, scope)?;
    let (collection, marked) = collection.unmark_deep();
    let unknown_result = |unknown: Unknown| Ok(Value::Unknown(unknown).mark_if(marked));
    let pairs = match iterate(collection.clone(), "the collection of a for expression")? {
        Some(pairs) => pairs,
        None => {
            let Value::Unknown(unknown) = collection else {
                unreachable!("iterate gives None only for unknowns")
            };
            return unknown_result(unknown);
        }
    };
    let mut list = Vec::new();
    let mut object: BTreeMap<String, Value> = BTreeMap::new();
    let mut groups: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for (key, value) in pairs {
        let mut names = vec![(for_expr.value_var.to_string(), value)];
        if let Some(key_var) = &for_expr.key_var {
            names.insert(0, (key_var.to_string(), key));
        }
        let inner = Bound {
            parent: scope,
            names,
        };
        if let Some(cond) = &for_expr.cond_expr {
            let (cond, _) = evaluate(cond, &inner)?.unmark_deep();
            if let Value::Unknown(unknown) = cond {
                return unknown_result(unknown);
            }
            if !to_bool(&cond, "the `if` of a for expression")? {
                continue;
            }
        }
        match &for_expr.key_expr {
            None => list.push(evaluate(&for_expr.value_expr, &inner)?),
            Some(key_expr) => {
                let (key, _) = evaluate(key_expr, &inner)?.unmark_deep();
                if let Value::Unknown(unknown) = key {
                    return unknown_result(unknown);
                }
                let key = key.to_tf_string().ok_or_else(|| {
                    EvalError::new(format!(
                        "the key of an object for expression must be a string, got {key}"
                    ))
                })?;
                let value = evaluate(&for_expr.value_expr, &inner)?;
                if for_expr.grouping {
                    groups.entry(key).or_default().push(value);
                } else if object.insert(key.clone(), value).is_some() {
                    return Err(EvalError::new(format!(
                        "two elements of the for expression produce the key {key:?}"
                    ))
                    .with_fix("make the keys unique, or add `...` after the value to group the values of equal keys into lists"));
                }
            }
        }
    }
    let result = if for_expr.key_expr.is_none() {
        Value::List(list)
    } else if for_expr.grouping {
        Value::Map(
            groups
                .into_iter()
                .map(|(k, v)| (k, Value::List(v)))
                .collect(),
        )
    } else {
        Value::Map(object)
    };
    Ok(result.mark_if(marked))
}

fn func_call(call: &FuncCall, scope: &dyn Scope) -> EvalResult {
    let name = if call.name.namespace.is_empty() {
        call.name.name.to_string()
    } else {
        let mut parts: Vec<String> = call.name.namespace.iter().map(|n| n.to_string()).collect();
        parts.push(call.name.name.to_string());
        parts.join("::")
    };
    match name.as_str() {
        "try" => return try_call(call, scope),
        "can" => return can_call(call, scope),
        _ => {}
    }
    if functions::lookup(&name).is_none()
        && !matches!(name.as_str(), "sensitive" | "nonsensitive" | "issensitive")
    {
        return Err(unknown_function(&name));
    }
    let mut args = call
        .args
        .iter()
        .map(|arg| evaluate(arg, scope))
        .collect::<EvalResult<Vec<_>>>()?;
    if call.expand_final {
        let last = args.pop().ok_or_else(|| {
            EvalError::new(format!(
                "{name}(...): `...` needs a final argument to expand"
            ))
        })?;
        match last.unmark_deep() {
            (Value::List(items), marked) => {
                args.extend(items.into_iter().map(|item| item.mark_if(marked)))
            }
            (Value::Unknown(unknown), _) => return Ok(Value::Unknown(unknown)),
            (other, _) => {
                return Err(EvalError::new(format!(
                    "{name}(...): the argument before `...` must be a list, got a {}",
                    other.type_name()
                )))
            }
        }
    }
    let cwd = scope.cwd();
    let render = |text: &str, vars: &BTreeMap<String, Value>| -> Result<Value, String> {
        let template: Template = text
            .parse()
            .map_err(|err| format!("the template does not parse: {err}"))?;
        let template_scope = TemplateVars { cwd, vars };
        // A templatefile result is always a string, even for a single interpolation.
        let mut out = TemplateOutput::default();
        render_elements(
            &template,
            &template_scope,
            Strip::None,
            Strip::None,
            &mut out,
        )
        .map_err(|err| err.message)?;
        Ok(out.finish())
    };
    let env = FunctionEnv {
        cwd,
        render_template: &render,
    };
    functions::call(&name, args, &env).map_err(|message| {
        let fix = if FILE_FUNCTIONS.contains(&name.as_str()) {
            format!(
                "check the path given to {name}: a relative path is taken from the directory you run symflow (and terraform) in, so write it as \"${{path.module}}/...\""
            )
        } else {
            format!("check the arguments of {name}; Terraform's function reference documents each")
        };
        EvalError::new(format!("{name}(...) failed: {message}")).with_fix(fix)
    })
}

/// Functions that read a file: their failure is nearly always a wrong path.
const FILE_FUNCTIONS: &[&str] = &[
    "file",
    "filebase64",
    "filebase64sha256",
    "filebase64sha512",
    "filemd5",
    "filesha1",
    "filesha256",
    "filesha512",
    "templatefile",
];

fn unknown_function(name: &str) -> EvalError {
    let close: Vec<&str> = functions::names()
        .filter(|candidate| edit_distance(candidate, name) <= 2)
        .collect();
    let fix = if close.is_empty() {
        "use one of Terraform's built-in functions (terraform.io/language/functions)".to_owned()
    } else {
        format!("did you mean {}?", close.join(" or "))
    };
    EvalError::new(format!("there is no function named `{name}`")).with_fix(fix)
}

/// Levenshtein distance, for "did you mean" hints.
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current.push(substitution.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

/// `try(a, b, ...)`: the first argument that evaluates without an error. An argument that is
/// unknown makes the result unknown (Terraform cannot tell yet whether it would fail).
fn try_call(call: &FuncCall, scope: &dyn Scope) -> EvalResult {
    if call.args.is_empty() {
        return Err(EvalError::new("try(...) needs at least one argument"));
    }
    let mut last_error = None;
    for arg in &call.args {
        match evaluate(arg, scope) {
            Ok(value) => return Ok(value),
            Err(err) => last_error = Some(err),
        }
    }
    let err = last_error.expect("at least one argument");
    Err(EvalError::new(format!(
        "no expression given to try(...) succeeded; the last one failed with: {}",
        err.message
    ))
    .with_fix("add a last argument that always works, such as a default value"))
}

/// `can(expr)`: whether `expr` evaluates without an error (unknown when it is unknown).
fn can_call(call: &FuncCall, scope: &dyn Scope) -> EvalResult {
    let [arg] = call.args.as_slice() else {
        return Err(EvalError::new(format!(
            "can(...) takes 1 argument, got {}",
            call.args.len()
        )));
    };
    match evaluate(arg, scope) {
        Ok(value) => match value.first_unknown() {
            Some(unknown) if value.is_unknown() => Ok(Value::Unknown(unknown.clone())),
            _ => Ok(Value::Bool(true)),
        },
        Err(_) => Ok(Value::Bool(false)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    /// A scope with `var` and `local` objects and `module.m` unknown.
    struct TestScope {
        cwd: PathBuf,
        names: BTreeMap<String, Value>,
    }

    impl Scope for TestScope {
        fn resolve(
            &self,
            root: &str,
            operators: &[TraversalOperator],
        ) -> EvalResult<(Value, usize)> {
            if root == "module" {
                return Ok((
                    Value::unknown(describe_operators(
                        "module",
                        &operators[..2.min(operators.len())],
                    )),
                    2.min(operators.len()),
                ));
            }
            self.names
                .get(root)
                .cloned()
                .map(|v| (v, 0))
                .ok_or_else(|| EvalError::new(format!("`{root}` is not defined")))
        }
        fn cwd(&self) -> &Path {
            &self.cwd
        }
    }

    fn scope() -> TestScope {
        let var = Value::from_json(&serde_json::json!({
            "env": "prod",
            "n": 3,
            "list": ["a", "b"],
            "map": {"x": 1, "y": 2},
            "empty": null,
        }));
        let mut names = BTreeMap::new();
        names.insert("var".to_owned(), var);
        names.insert(
            "secret".to_owned(),
            Value::Sensitive(Box::new(Value::from("hunter2"))),
        );
        TestScope {
            cwd: PathBuf::from("."),
            names,
        }
    }

    fn eval(text: &str) -> EvalResult {
        let expr: Expression = text.parse().expect(text);
        evaluate(&expr, &scope())
    }

    fn ok(text: &str) -> Value {
        eval(text).unwrap_or_else(|err| panic!("{text}: {}", err.message))
    }

    fn json(value: serde_json::Value) -> Value {
        Value::from_json(&value)
    }

    #[test]
    fn literals_templates_and_single_interpolations_keep_types() {
        assert_eq!(ok(r#""${var.env}-approval""#), Value::from("prod-approval"));
        assert_eq!(ok(r#""${var.list}""#), json(serde_json::json!(["a", "b"])));
        assert_eq!(ok(r#""n=${var.n}""#), Value::from("n=3"));
        assert_eq!(
            ok(r#""%{ for x in var.list ~}${x},%{ endfor ~}""#),
            Value::from("a,b,")
        );
        assert_eq!(
            ok(r#""%{ if var.n > 2 }big%{ else }small%{ endif }""#),
            Value::from("big")
        );
    }

    #[test]
    fn operators_follow_terraform() {
        assert_eq!(ok("1 + 2 * 3"), Value::Number(7.0));
        assert_eq!(ok(r#""5" + 1"#), Value::Number(6.0));
        assert_eq!(ok(r#""1" == 1"#), Value::Bool(false));
        assert_eq!(ok("-7 % 3"), Value::Number(-1.0));
        assert_eq!(ok("var.n >= 3 && !false"), Value::Bool(true));
        assert!(eval("1 / 0").is_err());
        assert_eq!(
            ok("var.empty == null ? \"none\" : var.empty"),
            Value::from("none")
        );
    }

    #[test]
    fn traversals_splats_and_for_expressions() {
        assert_eq!(ok("var.map.y"), Value::Number(2.0));
        assert_eq!(ok(r#"var.map["x"]"#), Value::Number(1.0));
        assert_eq!(ok("var.list[1]"), Value::from("b"));
        assert_eq!(
            ok(r#"[for k, v in var.map : "${k}=${v}" if v > 1]"#),
            json(serde_json::json!(["y=2"]))
        );
        assert_eq!(
            ok(r#"{for s in ["a", "bb", "cc"] : length(s) => s...}"#),
            json(serde_json::json!({"1": ["a"], "2": ["bb", "cc"]}))
        );
        assert_eq!(
            ok(r#"[{a = 1}, {a = 2}][*].a"#),
            json(serde_json::json!([1, 2]))
        );
        let err = eval("var.map.z").unwrap_err();
        assert!(
            err.message.contains("no attribute named \"z\""),
            "{}",
            err.message
        );
        assert!(eval(r#"{for s in ["a", "a"] : s => 1}"#).is_err());
    }

    #[test]
    fn unknowns_propagate_and_remember_their_origin() {
        let value = ok("module.sso.settings[\"instance_arn\"]");
        assert_eq!(
            value,
            Value::unknown("module.sso.settings[\"instance_arn\"]")
        );
        assert!(ok(r#""arn:${module.sso.arn}""#).is_unknown());
        assert!(ok("module.x.n + 1").is_unknown());
        assert!(ok("module.x.flag ? 1 : 2").is_unknown());
        assert!(ok("[for x in module.x.list : x]").is_unknown());
        assert_eq!(ok("false && module.x.flag"), Value::Bool(false));
        // A known list holding an unknown element is itself known.
        assert_eq!(
            ok("[1, module.x.y]"),
            Value::List(vec![Value::Number(1.0), Value::unknown("module.x.y")])
        );
    }

    #[test]
    fn sensitive_values_stay_sensitive() {
        let value = ok(r#""pw=${secret}""#);
        assert!(matches!(value, Value::Sensitive(_)), "{value:?}");
        assert!(matches!(ok("secret == \"hunter2\""), Value::Sensitive(_)));
    }

    #[test]
    fn try_and_can_catch_errors_lazily() {
        assert_eq!(ok("try(var.map.z, \"fallback\")"), Value::from("fallback"));
        assert_eq!(ok("try(var.map.x, 0)"), Value::Number(1.0));
        assert_eq!(ok("can(var.list[5])"), Value::Bool(false));
        assert_eq!(ok("can(var.list[0])"), Value::Bool(true));
        assert!(ok("can(module.x.y)").is_unknown());
        assert!(eval("try(var.map.z, var.map.w)").is_err());
    }

    #[test]
    fn unknown_functions_suggest_a_name() {
        let err = eval("lenght(var.list)").unwrap_err();
        assert!(err.message.contains("lenght"), "{}", err.message);
    }
}
