//! The values of the Terraform language as symflow evaluates them.
//!
//! hcl-rs's `hcl::Value` has no notion of a value Terraform only learns at `apply` time, nor of
//! a sensitive one, and both decide what symflow may do with a setting: an unknown value must
//! never reach a service as text, and a sensitive one must never be printed. This type adds the
//! two to the JSON-like shapes Terraform's values have:
//!
//! - lists, tuples and sets are all [`Value::List`] (a set is a list without duplicates, in
//!   Terraform's order: strings lexically, numbers numerically);
//! - maps and objects are both [`Value::Map`], keyed in lexical order as Terraform iterates
//!   them (`keys({b = 1, a = 2})` is `["a", "b"]`);
//! - [`Value::Unknown`] carries the reference it came from (`module.sso.settings`), so the
//!   error that finally needs it can say which value to get from Terraform state;
//! - [`Value::Sensitive`] wraps a value from a `sensitive` variable (or `sensitive()`): every
//!   operation on it gives a sensitive result, and it prints as `(sensitive value)`.

use std::collections::BTreeMap;
use std::fmt;

/// A value Terraform would only know after `terraform apply`: a module output, a data source,
/// a computed attribute of a resource (`aws_lambda_function.x.arn`), a variable with no value
/// during `validate`.
#[derive(Debug, Clone, PartialEq)]
pub struct Unknown {
    /// The reference that made the value unknown, as written: `module.runtime_connector.settings`.
    pub origin: String,
}

impl fmt::Display for Unknown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (known after apply)", self.origin)
    }
}

/// The key under which an object of another provider's resource that symflow only partly
/// knows (its attributes written in the configuration, not the ones the provider computes,
/// such as `id` or `arn`) holds the unknown value it stands for. Reading an attribute the
/// object does not have gives an unknown instead of an error. The key starts with a NUL byte,
/// which no HCL name can, and is removed before a function or JSON sees the object.
pub const OPEN_OBJECT_KEY: &str = "\u{0}open";

/// One Terraform value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `null`
    Null,
    /// `true` / `false`
    Bool(bool),
    /// A number. Terraform's numbers are arbitrary-precision; symflow's configurations only
    /// hold counts, ports and ids, which an `f64` holds exactly up to 2^53.
    Number(f64),
    /// A string.
    String(String),
    /// A list, tuple or set.
    List(Vec<Value>),
    /// A map or object, keys in lexical order.
    Map(BTreeMap<String, Value>),
    /// Known only after apply.
    Unknown(Unknown),
    /// A sensitive value (never printed).
    Sensitive(Box<Value>),
}

impl Value {
    /// An unknown value coming from `origin`.
    pub fn unknown(origin: impl Into<String>) -> Value {
        Value::Unknown(Unknown {
            origin: origin.into(),
        })
    }

    /// A string value.
    pub fn string(s: impl Into<String>) -> Value {
        Value::String(s.into())
    }

    /// A number from anything that converts to `f64`.
    pub fn number(n: impl Into<f64>) -> Value {
        Value::Number(n.into())
    }

    /// The string, when this is a (non-sensitive, known) string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The elements, when this is a list.
    pub fn as_list(&self) -> Option<&[Value]> {
        match self {
            Value::List(items) => Some(items),
            _ => None,
        }
    }

    /// The entries, when this is a map.
    pub fn as_map(&self) -> Option<&BTreeMap<String, Value>> {
        match self {
            Value::Map(map) => Some(map),
            _ => None,
        }
    }

    /// Whether this is `null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// Whether this value is unknown at the top level (not looking inside collections).
    pub fn is_unknown(&self) -> bool {
        match self {
            Value::Unknown(_) => true,
            Value::Sensitive(inner) => inner.is_unknown(),
            _ => false,
        }
    }

    /// The first unknown found anywhere in this value (depth first), if any.
    pub fn first_unknown(&self) -> Option<&Unknown> {
        match self {
            Value::Unknown(unknown) => Some(unknown),
            Value::Sensitive(inner) => inner.first_unknown(),
            Value::List(items) => items.iter().find_map(Value::first_unknown),
            Value::Map(map) => map.values().find_map(Value::first_unknown),
            _ => None,
        }
    }

    /// Whether the value is fully known (no unknown anywhere inside).
    pub fn is_wholly_known(&self) -> bool {
        self.first_unknown().is_none()
    }

    /// Whether the value is sensitive at the top level or anywhere inside.
    pub fn is_sensitive(&self) -> bool {
        match self {
            Value::Sensitive(_) => true,
            Value::List(items) => items.iter().any(Value::is_sensitive),
            Value::Map(map) => map.values().any(Value::is_sensitive),
            _ => false,
        }
    }

    /// The value with every sensitive mark removed (at any depth), and whether there was one.
    pub fn unmark_deep(self) -> (Value, bool) {
        match self {
            Value::Sensitive(inner) => (inner.unmark_deep().0, true),
            Value::List(items) => {
                let mut marked = false;
                let items = items
                    .into_iter()
                    .map(|item| {
                        let (item, m) = item.unmark_deep();
                        marked |= m;
                        item
                    })
                    .collect();
                (Value::List(items), marked)
            }
            Value::Map(map) => {
                let mut marked = false;
                let map = map
                    .into_iter()
                    .map(|(key, item)| {
                        let (item, m) = item.unmark_deep();
                        marked |= m;
                        (key, item)
                    })
                    .collect();
                (Value::Map(map), marked)
            }
            other => (other, false),
        }
    }

    /// Marks the value sensitive when `sensitive` is true (never twice).
    pub fn mark_if(self, sensitive: bool) -> Value {
        match (sensitive, self) {
            (true, Value::Sensitive(inner)) => Value::Sensitive(inner),
            (true, value) => Value::Sensitive(Box::new(value)),
            (false, value) => value,
        }
    }

    /// A word for the value's type, for error messages: `string`, `number`, `bool`, `list`,
    /// `map`, `null`, `unknown`.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "bool",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::List(_) => "list",
            Value::Map(_) => "map",
            Value::Unknown(_) => "unknown",
            Value::Sensitive(inner) => inner.type_name(),
        }
    }

    /// Terraform's automatic conversion of a primitive to a string (`5` → `"5"`,
    /// `true` → `"true"`); `None` for null, collections and unknowns.
    pub fn to_tf_string(&self) -> Option<String> {
        match self {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(format_number(*n)),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    /// The value with the [`OPEN_OBJECT_KEY`] entries removed at any depth.
    pub fn strip_open(self) -> Value {
        match self {
            Value::Map(map) => Value::Map(
                map.into_iter()
                    .filter(|(key, _)| key != OPEN_OBJECT_KEY)
                    .map(|(key, value)| (key, value.strip_open()))
                    .collect(),
            ),
            Value::List(items) => Value::List(items.into_iter().map(Value::strip_open).collect()),
            Value::Sensitive(inner) => Value::Sensitive(Box::new(inner.strip_open())),
            other => other,
        }
    }

    /// Converts to JSON (for `jsonencode` and for symflow's JSON records). Unknown values
    /// become `null`; call [`Value::first_unknown`] first where that matters.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Value::Null | Value::Unknown(_) => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Number(n) => number_to_json(*n),
            Value::String(s) => serde_json::Value::String(s.clone()),
            Value::List(items) => {
                serde_json::Value::Array(items.iter().map(Value::to_json).collect())
            }
            Value::Map(map) => serde_json::Value::Object(
                map.iter()
                    .filter(|(key, _)| *key != OPEN_OBJECT_KEY)
                    .map(|(key, value)| (key.clone(), value.to_json()))
                    .collect(),
            ),
            Value::Sensitive(inner) => inner.to_json(),
        }
    }

    /// Converts from JSON (`jsondecode`, `.tfvars.json`, Terraform state).
    pub fn from_json(json: &serde_json::Value) -> Value {
        match json {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Number(n) => Value::Number(n.as_f64().unwrap_or(f64::NAN)),
            serde_json::Value::String(s) => Value::String(s.clone()),
            serde_json::Value::Array(items) => {
                Value::List(items.iter().map(Value::from_json).collect())
            }
            serde_json::Value::Object(map) => Value::Map(
                map.iter()
                    .map(|(key, value)| (key.clone(), Value::from_json(value)))
                    .collect(),
            ),
        }
    }
}

/// A number as Terraform prints it: integers without a fraction (`5`, not `5.0`), others in
/// the shortest form that reads back the same (`1.5`).
pub fn format_number(n: f64) -> String {
    if n.is_finite() && n.fract() == 0.0 && n.abs() < 1e21 {
        format!("{n:.0}")
    } else {
        format!("{n}")
    }
}

fn number_to_json(n: f64) -> serde_json::Value {
    if n.is_finite() && n.fract() == 0.0 && n.abs() < 9.007_199_254_740_992e15 {
        serde_json::Value::from(n as i64)
    } else {
        serde_json::Number::from_f64(n)
            .map(serde_json::Value::Number)
            .unwrap_or(serde_json::Value::Null)
    }
}

impl fmt::Display for Value {
    /// Terraform-like rendering for messages: strings quoted, sensitive values hidden.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.write_str("null"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Number(n) => f.write_str(&format_number(*n)),
            Value::String(s) => write!(f, "{s:?}"),
            Value::List(items) => {
                f.write_str("[")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{item}")?;
                }
                f.write_str("]")
            }
            Value::Map(map) => {
                f.write_str("{")?;
                for (i, (key, value)) in map
                    .iter()
                    .filter(|(k, _)| *k != OPEN_OBJECT_KEY)
                    .enumerate()
                {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{key} = {value}")?;
                }
                f.write_str("}")
            }
            Value::Unknown(unknown) => write!(f, "({unknown})"),
            Value::Sensitive(_) => f.write_str("(sensitive value)"),
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::String(s.to_owned())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::String(s)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

impl From<f64> for Value {
    fn from(n: f64) -> Self {
        Value::Number(n)
    }
}

impl From<i64> for Value {
    fn from(n: i64) -> Self {
        Value::Number(n as f64)
    }
}

impl From<Vec<Value>> for Value {
    fn from(items: Vec<Value>) -> Self {
        Value::List(items)
    }
}

impl From<BTreeMap<String, Value>> for Value {
    fn from(map: BTreeMap<String, Value>) -> Self {
        Value::Map(map)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_print_like_terraform() {
        assert_eq!(format_number(5.0), "5");
        assert_eq!(format_number(-3.0), "-3");
        assert_eq!(format_number(1.5), "1.5");
        assert_eq!(format_number(123456789012.0), "123456789012");
    }

    #[test]
    fn marks_and_unknowns_are_found_inside_collections() {
        let value = Value::List(vec![
            Value::from("a"),
            Value::Sensitive(Box::new(Value::from("b"))),
            Value::unknown("module.x.y"),
        ]);
        assert!(value.is_sensitive());
        assert_eq!(value.first_unknown().unwrap().origin, "module.x.y");
        let (plain, marked) = value.unmark_deep();
        assert!(marked);
        assert!(!plain.is_sensitive());
        assert_eq!(
            format!("{}", Value::Sensitive(Box::new(Value::from("x")))),
            "(sensitive value)"
        );
    }
}
