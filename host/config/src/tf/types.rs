//! Terraform type constraints (`type = map(string)`, `object({ name = string, ttl =
//! optional(number, 3600) })`) and the conversion of a value to one.
//!
//! Variables declare their type; Terraform converts what it is given (a `--var`, a
//! `TF_VAR_` string, a module argument) to that type before anything uses it, so
//! `map(string)` turns numbers into strings and `optional(..., default)` fills in missing
//! object attributes. symflow does the same, so a module written for Terraform sees the same
//! values under symflow.

use std::collections::BTreeMap;

use hcl::expr::{Expression, FuncCall};

use super::value::{format_number, Value};

/// A type constraint.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum TypeConstraint {
    /// `any`: no conversion.
    Any,
    /// `string`
    String,
    /// `number`
    Number,
    /// `bool`
    Bool,
    /// `list(T)`
    List(Box<TypeConstraint>),
    /// `set(T)`
    Set(Box<TypeConstraint>),
    /// `map(T)`
    Map(Box<TypeConstraint>),
    /// `tuple([T, ...])`
    Tuple(Vec<TypeConstraint>),
    /// `object({ name = T, ... })`
    Object(BTreeMap<String, Attribute>),
}

/// One attribute of an object type.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Attribute {
    pub constraint: TypeConstraint,
    /// `optional(T)` or `optional(T, default)`.
    pub optional: bool,
    pub default: Option<Value>,
}

impl TypeConstraint {
    /// Parses a type expression as written after `type =`.
    pub fn parse(expr: &Expression) -> Result<TypeConstraint, String> {
        match expr {
            Expression::Variable(name) => match name.as_str() {
                "any" => Ok(TypeConstraint::Any),
                "string" => Ok(TypeConstraint::String),
                "number" => Ok(TypeConstraint::Number),
                "bool" => Ok(TypeConstraint::Bool),
                // Bare collection keywords mean "of any element type".
                "list" => Ok(TypeConstraint::List(Box::new(TypeConstraint::Any))),
                "set" => Ok(TypeConstraint::Set(Box::new(TypeConstraint::Any))),
                "map" => Ok(TypeConstraint::Map(Box::new(TypeConstraint::Any))),
                other => Err(format!("{other:?} is not a type")),
            },
            Expression::FuncCall(call) => Self::parse_call(call),
            // `type = "string"`: Terraform 0.11 syntax, still accepted with a warning.
            Expression::String(name) => match name.as_str() {
                "string" => Ok(TypeConstraint::String),
                "list" => Ok(TypeConstraint::List(Box::new(TypeConstraint::Any))),
                "map" => Ok(TypeConstraint::Map(Box::new(TypeConstraint::Any))),
                other => Err(format!("{other:?} is not a type")),
            },
            other => Err(format!("`{other}` is not a type")),
        }
    }

    fn parse_call(call: &FuncCall) -> Result<TypeConstraint, String> {
        let name = call.name.name.as_str();
        let one = || -> Result<Box<TypeConstraint>, String> {
            match call.args.as_slice() {
                [inner] => Ok(Box::new(TypeConstraint::parse(inner)?)),
                _ => Err(format!("{name}(...) takes one element type")),
            }
        };
        match name {
            "list" => Ok(TypeConstraint::List(one()?)),
            "set" => Ok(TypeConstraint::Set(one()?)),
            "map" => Ok(TypeConstraint::Map(one()?)),
            "tuple" => match call.args.as_slice() {
                [Expression::Array(items)] => items
                    .iter()
                    .map(TypeConstraint::parse)
                    .collect::<Result<Vec<_>, _>>()
                    .map(TypeConstraint::Tuple),
                _ => {
                    Err("tuple(...) takes a list of element types: tuple([string, number])".into())
                }
            },
            "object" => match call.args.as_slice() {
                [Expression::Object(object)] => {
                    let mut attributes = BTreeMap::new();
                    for (key, value) in object {
                        let key = match key {
                            hcl::ObjectKey::Identifier(ident) => ident.to_string(),
                            hcl::ObjectKey::Expression(Expression::Variable(v)) => v.to_string(),
                            hcl::ObjectKey::Expression(Expression::String(s)) => s.clone(),
                            other => return Err(format!("`{other}` is not an attribute name")),
                        };
                        attributes.insert(key, Attribute::parse(value)?);
                    }
                    Ok(TypeConstraint::Object(attributes))
                }
                _ => Err(
                    "object(...) takes a map of attribute types: object({ name = string })".into(),
                ),
            },
            other => Err(format!("{other}(...) is not a type")),
        }
    }

    /// Converts `value` to this type, as Terraform converts a variable's value.
    pub fn convert(&self, value: Value) -> Result<Value, String> {
        match value {
            Value::Null | Value::Unknown(_) => return Ok(value),
            Value::Sensitive(inner) => return self.convert(*inner).map(|v| v.mark_if(true)),
            _ => {}
        }
        match self {
            TypeConstraint::Any => Ok(value),
            TypeConstraint::String => match &value {
                Value::String(_) => Ok(value),
                Value::Number(n) => Ok(Value::String(format_number(*n))),
                Value::Bool(b) => Ok(Value::String(b.to_string())),
                other => Err(format!("a string is required, got a {}", other.type_name())),
            },
            TypeConstraint::Number => match &value {
                Value::Number(_) => Ok(value),
                Value::String(s) => s
                    .trim()
                    .parse::<f64>()
                    .map(Value::Number)
                    .map_err(|_| format!("a number is required, got the string {s:?}")),
                other => Err(format!("a number is required, got a {}", other.type_name())),
            },
            TypeConstraint::Bool => match &value {
                Value::Bool(_) => Ok(value),
                Value::String(s) if s == "true" => Ok(Value::Bool(true)),
                Value::String(s) if s == "false" => Ok(Value::Bool(false)),
                other => Err(format!("a bool is required, got {other}")),
            },
            TypeConstraint::List(element) | TypeConstraint::Set(element) => {
                let items = match value {
                    Value::List(items) => items,
                    other => {
                        return Err(format!("a list is required, got a {}", other.type_name()))
                    }
                };
                let mut converted = items
                    .into_iter()
                    .enumerate()
                    .map(|(i, item)| {
                        element
                            .convert(item)
                            .map_err(|e| format!("element {i}: {e}"))
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                if matches!(self, TypeConstraint::Set(_)) {
                    converted = set_of(converted);
                }
                Ok(Value::List(converted))
            }
            TypeConstraint::Tuple(elements) => {
                let items = match value {
                    Value::List(items) => items,
                    other => {
                        return Err(format!("a tuple is required, got a {}", other.type_name()))
                    }
                };
                if items.len() != elements.len() {
                    return Err(format!(
                        "a tuple of {} elements is required, got {}",
                        elements.len(),
                        items.len()
                    ));
                }
                items
                    .into_iter()
                    .zip(elements)
                    .enumerate()
                    .map(|(i, (item, ty))| {
                        ty.convert(item).map_err(|e| format!("element {i}: {e}"))
                    })
                    .collect::<Result<Vec<_>, _>>()
                    .map(Value::List)
            }
            TypeConstraint::Map(element) => {
                let map = match value {
                    Value::Map(map) => map,
                    other => return Err(format!("a map is required, got a {}", other.type_name())),
                };
                map.into_iter()
                    .map(|(key, item)| {
                        element
                            .convert(item)
                            .map(|item| (key.clone(), item))
                            .map_err(|e| format!("element {key:?}: {e}"))
                    })
                    .collect::<Result<BTreeMap<_, _>, _>>()
                    .map(Value::Map)
            }
            TypeConstraint::Object(attributes) => {
                let mut map = match value {
                    Value::Map(map) => map,
                    other => {
                        return Err(format!(
                            "an object is required, got a {}",
                            other.type_name()
                        ))
                    }
                };
                let mut out = BTreeMap::new();
                for (name, attribute) in attributes {
                    let given = map.remove(name);
                    let value = match given {
                        Some(Value::Null) | None if attribute.optional => {
                            attribute.default.clone().unwrap_or(Value::Null)
                        }
                        Some(value) => value,
                        None => return Err(format!("attribute {name:?} is required")),
                    };
                    let value = attribute
                        .constraint
                        .convert(value)
                        .map_err(|e| format!("attribute {name:?}: {e}"))?;
                    out.insert(name.clone(), value);
                }
                // Attributes the type does not declare are dropped, as Terraform does.
                Ok(Value::Map(out))
            }
        }
    }

    /// Whether `--var` / `TF_VAR_` text for this type is taken as a plain string (Terraform
    /// parses it as an HCL expression for every other type).
    pub fn takes_raw_string(&self) -> bool {
        matches!(self, TypeConstraint::String | TypeConstraint::Any)
    }
}

impl Attribute {
    fn parse(expr: &Expression) -> Result<Attribute, String> {
        if let Expression::FuncCall(call) = expr {
            if call.name.name.as_str() == "optional" && call.name.namespace.is_empty() {
                let (constraint, default) = match call.args.as_slice() {
                    [ty] => (TypeConstraint::parse(ty)?, None),
                    [ty, default] => {
                        let constraint = TypeConstraint::parse(ty)?;
                        let default = literal_value(default)?;
                        let default = constraint.convert(default)?;
                        (constraint, Some(default))
                    }
                    _ => return Err("optional(...) takes a type and an optional default".into()),
                };
                return Ok(Attribute {
                    constraint,
                    optional: true,
                    default,
                });
            }
        }
        Ok(Attribute {
            constraint: TypeConstraint::parse(expr)?,
            optional: false,
            default: None,
        })
    }
}

/// A default of `optional(T, default)`: a constant expression.
fn literal_value(expr: &Expression) -> Result<Value, String> {
    struct NoNames;
    impl super::expr::Scope for NoNames {
        fn resolve(
            &self,
            root: &str,
            _operators: &[hcl::expr::TraversalOperator],
        ) -> super::expr::EvalResult<(Value, usize)> {
            Err(super::expr::EvalError::new(format!(
                "a default in a type cannot refer to `{root}`"
            )))
        }
        fn cwd(&self) -> &std::path::Path {
            std::path::Path::new(".")
        }
    }
    super::expr::evaluate(expr, &NoNames).map_err(|e| e.message)
}

/// A set: duplicates removed, strings in lexical order, numbers in numeric order.
pub(crate) fn set_of(items: Vec<Value>) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::with_capacity(items.len());
    for item in items {
        if !out
            .iter()
            .any(|seen| super::expr::values_equal(seen, &item))
        {
            out.push(item);
        }
    }
    if out.iter().all(|v| matches!(v, Value::String(_))) {
        out.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
    } else if out.iter().all(|v| matches!(v, Value::Number(_))) {
        out.sort_by(|a, b| match (a, b) {
            (Value::Number(x), Value::Number(y)) => x.total_cmp(y),
            _ => std::cmp::Ordering::Equal,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ty(text: &str) -> TypeConstraint {
        TypeConstraint::parse(&text.parse::<Expression>().unwrap()).unwrap()
    }

    fn json(value: serde_json::Value) -> Value {
        Value::from_json(&value)
    }

    #[test]
    fn primitives_convert_like_terraform() {
        assert_eq!(
            ty("string").convert(Value::Number(5.0)),
            Ok(Value::from("5"))
        );
        assert_eq!(
            ty("number").convert(Value::from("42")),
            Ok(Value::Number(42.0))
        );
        assert_eq!(
            ty("bool").convert(Value::from("true")),
            Ok(Value::Bool(true))
        );
        assert!(ty("number").convert(Value::from("x")).is_err());
        assert_eq!(
            ty("map(string)").convert(json(serde_json::json!({"a": 1, "b": true}))),
            Ok(json(serde_json::json!({"a": "1", "b": "true"})))
        );
        assert_eq!(
            ty("set(string)").convert(json(serde_json::json!(["b", "a", "b"]))),
            Ok(json(serde_json::json!(["a", "b"])))
        );
    }

    #[test]
    fn objects_fill_optional_attributes_and_drop_extras() {
        let t = ty(
            r#"object({ name = string, ttl = optional(number, 3600), tags = optional(list(string)) })"#,
        );
        assert_eq!(
            t.convert(json(serde_json::json!({"name": "x", "extra": 1}))),
            Ok(json(
                serde_json::json!({"name": "x", "ttl": 3600, "tags": null})
            ))
        );
        assert!(t
            .convert(json(serde_json::json!({"ttl": 1})))
            .unwrap_err()
            .contains("\"name\" is required"));
    }

    #[test]
    fn unknown_and_null_pass_and_sensitive_stays() {
        assert_eq!(ty("string").convert(Value::Null), Ok(Value::Null));
        assert!(ty("list(string)")
            .convert(Value::unknown("x"))
            .unwrap()
            .is_unknown());
        let converted = ty("number")
            .convert(Value::Sensitive(Box::new(Value::from("1"))))
            .unwrap();
        assert_eq!(converted, Value::Sensitive(Box::new(Value::Number(1.0))));
    }
}
