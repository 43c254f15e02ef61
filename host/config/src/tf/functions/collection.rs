//! Terraform's collection functions (`length`, `keys`, `merge`, `flatten`, `lookup`,
//! `setproduct`, `range`, ...). Lists, tuples and sets are all [`Value::List`]; the set
//! functions return sets in Terraform's order (see [`to_set`]). Several functions here are
//! `TopLevel` in the table: they pass unknown elements through, and return an unknown only
//! where an element they would need to look at is unknown.

use std::collections::BTreeMap;

use super::{
    at_least, between, boolean, fixed, integer, invalid, list, map, number, string, unknown_among,
    unknown_within, FunctionEnv,
};
use crate::tf::value::Value;

/// Whether the value is a string, number or bool.
fn is_primitive(value: &Value) -> bool {
    matches!(value, Value::String(_) | Value::Number(_) | Value::Bool(_))
}

/// Terraform's conversion of a sequence to a collection of one element type: when strings,
/// numbers and bools are mixed, all become strings (`["a", 1]` is `["a", "1"]`).
pub(super) fn unify(items: Vec<Value>) -> Vec<Value> {
    let mut kinds = items
        .iter()
        .filter(|item| !item.is_null() && !item.is_unknown())
        .map(Value::type_name);
    let first = kinds.next();
    let mixed = kinds.any(|kind| Some(kind) != first);
    if mixed
        && items
            .iter()
            .all(|i| is_primitive(i) || i.is_null() || i.is_unknown())
    {
        items
            .into_iter()
            .map(|item| match item.to_tf_string() {
                Some(s) => Value::String(s),
                None => item,
            })
            .collect()
    } else {
        items
    }
}

/// A set of `items` as Terraform holds it: element types unified, duplicates removed, strings
/// in lexical order, numbers in numeric order, `false` before `true`; other elements keep
/// their first-seen order. `Err` is the unknown element that keeps the set from being known.
pub(super) fn to_set(items: Vec<Value>) -> Result<Vec<Value>, Value> {
    if let Some(unknown) = unknown_within(&items) {
        return Err(unknown);
    }
    let mut set: Vec<Value> = Vec::with_capacity(items.len());
    for item in unify(items) {
        if !set.contains(&item) {
            set.push(item);
        }
    }
    set.sort_by(|a, b| match (a, b) {
        (Value::String(a), Value::String(b)) => a.cmp(b),
        (Value::Number(a), Value::Number(b)) => a.total_cmp(b),
        (Value::Bool(a), Value::Bool(b)) => a.cmp(b),
        _ => std::cmp::Ordering::Equal,
    });
    Ok(set)
}

fn bool_elements(args: &[Value], any: bool) -> Result<Value, String> {
    let [items] = fixed(args)?;
    let mut unknown = None;
    for item in list(items, "list")? {
        if item.is_unknown() {
            unknown = unknown.or_else(|| Some(item.clone()));
            continue;
        }
        if boolean(item, "list").map_err(|_| invalid("list", "list of bool required"))? == any {
            return Ok(Value::Bool(any));
        }
    }
    Ok(unknown.unwrap_or(Value::Bool(!any)))
}

pub(super) fn alltrue(args: &[Value], _: &FunctionEnv) -> Result<Value, String> {
    bool_elements(args, false)
}

pub(super) fn anytrue(args: &[Value], _: &FunctionEnv) -> Result<Value, String> {
    bool_elements(args, true)
}

pub(super) fn chunklist(args: &[Value], _: &FunctionEnv) -> Result<Value, String> {
    let [items, size] = fixed(args)?;
    let items = list(items, "list")?;
    let size = integer(size, "size")?;
    if size < 0 {
        return Err(invalid("size", "the size argument must be positive"));
    }
    if size == 0 {
        return Ok(Value::List(vec![Value::List(items.to_vec())]));
    }
    Ok(Value::List(
        items
            .chunks(size as usize)
            .map(|chunk| Value::List(chunk.to_vec()))
            .collect(),
    ))
}

/// `coalesce(vals...)`: the first argument that is neither null nor an empty string.
pub(super) fn coalesce(args: &[Value], _: &FunctionEnv) -> Result<Value, String> {
    for arg in args {
        if arg.is_unknown() {
            return Ok(arg.clone());
        }
        if arg.is_null() || arg.as_str() == Some("") {
            continue;
        }
        // Terraform unifies the arguments' types first: mixed primitives are all strings.
        let unified = unify(args.iter().filter(|a| !a.is_null()).cloned().collect());
        let position = args
            .iter()
            .filter(|a| !a.is_null())
            .position(|a| std::ptr::eq(a, arg))
            .unwrap_or(0);
        return Ok(unified[position].clone());
    }
    Err("no non-null, non-empty-string arguments".into())
}

pub(super) fn coalescelist(args: &[Value], _: &FunctionEnv) -> Result<Value, String> {
    at_least(args, 1)?;
    for arg in args {
        if arg.is_null() {
            continue;
        }
        if !list(arg, "vals")?.is_empty() {
            return Ok(arg.clone());
        }
    }
    Err("no non-null arguments".into())
}

/// `compact(list)`: the list without null and empty-string elements.
pub(super) fn compact(args: &[Value], _: &FunctionEnv) -> Result<Value, String> {
    let [items] = fixed(args)?;
    let items = list(items, "list")?;
    if let Some(unknown) = unknown_among(items) {
        return Ok(unknown);
    }
    let mut out = Vec::new();
    for item in items {
        if item.is_null() {
            continue;
        }
        let s = string(item, "list").map_err(|_| invalid("list", "list of string required"))?;
        if !s.is_empty() {
            out.push(Value::String(s));
        }
    }
    Ok(Value::List(out))
}

pub(super) fn concat(args: &[Value], _: &FunctionEnv) -> Result<Value, String> {
    let mut out = Vec::new();
    for arg in args {
        let items = list(arg, "seqs")
            .map_err(|_| invalid("seqs", "all arguments must be lists or tuples"))?;
        out.extend_from_slice(items);
    }
    Ok(Value::List(out))
}

/// Equality as Terraform compares an element with a value: after converting the value to
/// the element's type where one is a string and the other a number or bool.
fn same(a: &Value, b: &Value) -> bool {
    if a == b {
        return true;
    }
    match (a, b) {
        (Value::String(_), Value::Number(_) | Value::Bool(_))
        | (Value::Number(_) | Value::Bool(_), Value::String(_)) => {
            a.to_tf_string() == b.to_tf_string()
        }
        _ => false,
    }
}

pub(super) fn contains(args: &[Value], _: &FunctionEnv) -> Result<Value, String> {
    let [items, value] = fixed(args)?;
    let items = match items {
        Value::Map(map) => map.values().cloned().collect(),
        other => list(other, "list")?.to_vec(),
    };
    Ok(Value::Bool(items.iter().any(|item| same(item, value))))
}

pub(super) fn distinct(args: &[Value], _: &FunctionEnv) -> Result<Value, String> {
    let [items] = fixed(args)?;
    let mut out: Vec<Value> = Vec::new();
    for item in unify(list(items, "list")?.to_vec()) {
        if !out.contains(&item) {
            out.push(item);
        }
    }
    Ok(Value::List(out))
}

/// `element(list, index)`: the index wraps around the list's length.
pub(super) fn element(args: &[Value], _: &FunctionEnv) -> Result<Value, String> {
    let [items, index] = fixed(args)?;
    let items = list(items, "list")?;
    let index = integer(index, "index")?;
    if items.is_empty() {
        return Err("cannot use element function with an empty list".into());
    }
    if index < 0 {
        return Err("cannot use element function with a negative index".into());
    }
    Ok(items[index as usize % items.len()].clone())
}

/// `flatten(list)`: nested lists spliced in, at any depth. An unknown element might be a
/// list, so it makes the whole result unknown.
pub(super) fn flatten(args: &[Value], _: &FunctionEnv) -> Result<Value, String> {
    fn walk(items: &[Value], out: &mut Vec<Value>) -> Result<(), Value> {
        for item in items {
            match item {
                Value::List(inner) => walk(inner, out)?,
                Value::Unknown(_) => return Err(item.clone()),
                other => out.push(other.clone()),
            }
        }
        Ok(())
    }
    let [items] = fixed(args)?;
    let items = list(items, "list")?;
    let mut out = Vec::new();
    match walk(items, &mut out) {
        Ok(()) => Ok(Value::List(out)),
        Err(unknown) => Ok(unknown),
    }
}

pub(super) fn index(args: &[Value], _: &FunctionEnv) -> Result<Value, String> {
    let [items, value] = fixed(args)?;
    list(items, "list")?
        .iter()
        .position(|item| same(item, value))
        .map(|i| Value::Number(i as f64))
        .ok_or_else(|| "item not found".to_owned())
}

pub(super) fn keys(args: &[Value], _: &FunctionEnv) -> Result<Value, String> {
    let [m] = fixed(args)?;
    let m = map(m, "inputMap")?;
    Ok(Value::List(
        m.keys().map(|k| Value::from(k.as_str())).collect(),
    ))
}

pub(super) fn values(args: &[Value], _: &FunctionEnv) -> Result<Value, String> {
    let [m] = fixed(args)?;
    Ok(Value::List(map(m, "mapping")?.values().cloned().collect()))
}

/// `length(value)`: elements of a collection, or characters (grapheme clusters) of a string.
pub(super) fn length(args: &[Value], _: &FunctionEnv) -> Result<Value, String> {
    use unicode_segmentation::UnicodeSegmentation;
    let [value] = fixed(args)?;
    let n = match value {
        Value::List(items) => items.len(),
        Value::Map(map) => map.len(),
        Value::String(s) => s.graphemes(true).count(),
        Value::Null => return Err(invalid("value", "argument must not be null")),
        _ => {
            return Err(invalid(
                "value",
                "argument must be a string, a collection type, or a structural type",
            ))
        }
    };
    Ok(Value::Number(n as f64))
}

/// `lookup(map, key, default)`.
pub(super) fn lookup(args: &[Value], _: &FunctionEnv) -> Result<Value, String> {
    between(args, 2, 3)?;
    let m = map(&args[0], "inputMap")?;
    if args[1].is_unknown() {
        return Ok(args[1].clone());
    }
    let key = string(&args[1], "key")?;
    match (m.get(&key), args.get(2)) {
        (Some(value), _) => Ok(value.clone()),
        (None, Some(default)) => Ok(default.clone()),
        (None, None) => Err(format!("lookup failed to find key {key:?}")),
    }
}

pub(super) fn matchkeys(args: &[Value], _: &FunctionEnv) -> Result<Value, String> {
    let [values, keys, searchset] = fixed(args)?;
    let (values, keys) = (list(values, "values")?, list(keys, "keys")?);
    let searchset = list(searchset, "searchset")?;
    if values.len() != keys.len() {
        return Err("length of keys and values should be equal".into());
    }
    Ok(Value::List(
        values
            .iter()
            .zip(keys)
            .filter(|(_, key)| searchset.iter().any(|s| same(s, key)))
            .map(|(value, _)| value.clone())
            .collect(),
    ))
}

/// `merge(maps...)`: later arguments win; null arguments are skipped.
pub(super) fn merge(args: &[Value], _: &FunctionEnv) -> Result<Value, String> {
    let mut out = BTreeMap::new();
    for arg in args {
        match arg {
            Value::Null => {}
            Value::Map(m) => out.extend(m.iter().map(|(k, v)| (k.clone(), v.clone()))),
            other => {
                return Err(format!(
                    "arguments must be maps or objects, got {:?}",
                    other.type_name()
                ))
            }
        }
    }
    Ok(Value::Map(out))
}

pub(super) fn one(args: &[Value], _: &FunctionEnv) -> Result<Value, String> {
    let [items] = fixed(args)?;
    let wrong = || {
        invalid(
            "list",
            "must be a list, set, or tuple value with either 0 or 1 elements",
        )
    };
    match items {
        Value::List(items) if items.is_empty() => Ok(Value::Null),
        Value::List(items) if items.len() == 1 => Ok(items[0].clone()),
        Value::Null => Err(invalid("list", "argument must not be null")),
        _ => Err(wrong()),
    }
}

/// `range(limit)`, `range(start, limit)`, `range(start, limit, step)`: at most 1024 numbers.
pub(super) fn range(args: &[Value], _: &FunctionEnv) -> Result<Value, String> {
    between(args, 1, 3).map_err(|_| "must have one, two, or three arguments".to_owned())?;
    let (start, limit) = match args.len() {
        1 => (0.0, number(&args[0], "limit")?),
        _ => (number(&args[0], "start")?, number(&args[1], "limit")?),
    };
    let step = match args.get(2) {
        Some(step) => number(step, "step")?,
        None if start > limit => -1.0,
        None => 1.0,
    };
    if step == 0.0 {
        return Err("step must not be zero".into());
    }
    if start < limit && step < 0.0 {
        return Err("step must be positive when start is less than limit".into());
    }
    if start > limit && step > 0.0 {
        return Err("step must be negative when start is greater than limit".into());
    }
    let mut out = Vec::new();
    let mut i = 0.0;
    loop {
        let n = start + step * i;
        if (step > 0.0 && n >= limit) || (step < 0.0 && n <= limit) {
            break;
        }
        if out.len() == 1024 {
            return Err(
                "more than 1024 values were generated; either decrease the difference \
                        between start and end or use a smaller step"
                    .into(),
            );
        }
        out.push(Value::Number(n));
        i += 1.0;
    }
    Ok(Value::List(out))
}

pub(super) fn reverse(args: &[Value], _: &FunctionEnv) -> Result<Value, String> {
    let [items] = fixed(args)?;
    Ok(Value::List(
        list(items, "list")?.iter().rev().cloned().collect(),
    ))
}

fn sets(args: &[Value], min: usize) -> Result<Vec<Vec<Value>>, String> {
    at_least(args, min)?;
    args.iter()
        .map(|arg| list(arg, "sets").map(<[Value]>::to_vec))
        .collect()
}

fn set_result(items: Vec<Value>) -> Value {
    to_set(items).map_or_else(|unknown| unknown, Value::List)
}

pub(super) fn setunion(args: &[Value], _: &FunctionEnv) -> Result<Value, String> {
    Ok(set_result(sets(args, 1)?.concat()))
}

pub(super) fn setintersection(args: &[Value], _: &FunctionEnv) -> Result<Value, String> {
    let all = sets(args, 1)?;
    let unified = unify(all.concat());
    let mut offset = 0;
    let all: Vec<Vec<Value>> = all
        .iter()
        .map(|set| {
            let part = unified[offset..offset + set.len()].to_vec();
            offset += set.len();
            part
        })
        .collect();
    let first = all[0].clone();
    Ok(set_result(
        first
            .into_iter()
            .filter(|item| all[1..].iter().all(|set| set.contains(item)))
            .collect(),
    ))
}

pub(super) fn setsubtract(args: &[Value], _: &FunctionEnv) -> Result<Value, String> {
    let [a, b] = fixed(args)?;
    let (a, b) = (list(a, "a")?, list(b, "b")?);
    let unified = unify([a, b].concat());
    let (a, b) = unified.split_at(a.len());
    Ok(set_result(
        a.iter().filter(|item| !b.contains(item)).cloned().collect(),
    ))
}

/// `setproduct(sets...)`: every combination, the first argument varying slowest.
pub(super) fn setproduct(args: &[Value], _: &FunctionEnv) -> Result<Value, String> {
    let all = sets(args, 2).map_err(|_| "at least two arguments are required".to_owned())?;
    let mut product: Vec<Vec<Value>> = vec![Vec::new()];
    for set in &all {
        product = product
            .iter()
            .flat_map(|prefix| {
                set.iter().map(move |item| {
                    let mut next = prefix.clone();
                    next.push(item.clone());
                    next
                })
            })
            .collect();
    }
    Ok(Value::List(product.into_iter().map(Value::List).collect()))
}

/// `slice(list, start_index, end_index)`: end exclusive.
pub(super) fn slice(args: &[Value], _: &FunctionEnv) -> Result<Value, String> {
    let [items, start, end] = fixed(args)?;
    let items = list(items, "list")?;
    let (start, end) = (integer(start, "start_index")?, integer(end, "end_index")?);
    if start < 0 {
        return Err(invalid(
            "start_index",
            "start index must not be less than zero",
        ));
    }
    if end > items.len() as i64 {
        return Err(invalid(
            "end_index",
            "end index must not be greater than the length of the list",
        ));
    }
    if start > end {
        return Err(invalid(
            "start_index",
            "start index must not be greater than end index",
        ));
    }
    Ok(Value::List(items[start as usize..end as usize].to_vec()))
}

/// `sort(list)`: strings in lexical order (numbers are converted to strings first).
pub(super) fn sort(args: &[Value], _: &FunctionEnv) -> Result<Value, String> {
    let [items] = fixed(args)?;
    let mut strings = list(items, "list")?
        .iter()
        .map(|item| {
            if item.is_null() {
                return Err("given list element is null".to_owned());
            }
            item.to_tf_string()
                .ok_or_else(|| invalid("list", "list of string required"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    strings.sort();
    Ok(Value::List(
        strings.into_iter().map(Value::String).collect(),
    ))
}

pub(super) fn sum(args: &[Value], _: &FunctionEnv) -> Result<Value, String> {
    let [items] = fixed(args)?;
    let items = list(items, "list")?;
    if items.is_empty() {
        return Err("cannot sum an empty list".into());
    }
    let mut total = 0.0;
    for item in items {
        if item.is_null() {
            return Err("argument must be list, set, or tuple of number values".into());
        }
        total += number(item, "list")
            .map_err(|_| "argument must be list, set, or tuple of number values".to_owned())?;
    }
    Ok(Value::Number(total))
}

/// `transpose(map of lists)`: `{a = ["1", "2"], b = ["2"]}` is `{"1" = ["a"], "2" = ["a", "b"]}`.
pub(super) fn transpose(args: &[Value], _: &FunctionEnv) -> Result<Value, String> {
    let [m] = fixed(args)?;
    let mut out: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for (key, items) in map(m, "values")? {
        for item in list(items, "values")? {
            let value = string(item, "values")
                .map_err(|_| invalid("values", "map of list of string required"))?;
            out.entry(value)
                .or_default()
                .push(Value::from(key.as_str()));
        }
    }
    Ok(Value::Map(
        out.into_iter().map(|(k, v)| (k, Value::List(v))).collect(),
    ))
}

pub(super) fn zipmap(args: &[Value], _: &FunctionEnv) -> Result<Value, String> {
    let [keys, values] = fixed(args)?;
    let (keys, values) = (list(keys, "keys")?, list(values, "values")?);
    if keys.len() != values.len() {
        return Err(format!(
            "number of keys ({}) does not match number of values ({})",
            keys.len(),
            values.len()
        ));
    }
    if let Some(unknown) = unknown_among(keys) {
        return Ok(unknown);
    }
    let mut out = BTreeMap::new();
    for (key, value) in keys.iter().zip(values) {
        out.insert(string(key, "keys")?, value.clone());
    }
    Ok(Value::Map(out))
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use crate::tf::value::Value;
    use serde_json::json;

    #[test]
    fn documented_examples() {
        check_ok(&[
            ("alltrue", json!([["true", true]]), json!(true)),
            ("alltrue", json!([[true, false]]), json!(false)),
            ("alltrue", json!([[]]), json!(true)),
            ("anytrue", json!([["true"]]), json!(true)),
            ("anytrue", json!([[true]]), json!(true)),
            ("anytrue", json!([[true, false]]), json!(true)),
            ("anytrue", json!([[]]), json!(false)),
            (
                "chunklist",
                json!([["a", "b", "c", "d", "e"], 2]),
                json!([["a", "b"], ["c", "d"], ["e"]]),
            ),
            (
                "chunklist",
                json!([["a", "b", "c", "d", "e"], 1]),
                json!([["a"], ["b"], ["c"], ["d"], ["e"]]),
            ),
            ("chunklist", json!([["a", "b"], 0]), json!([["a", "b"]])),
            ("coalesce", json!(["a", "b"]), json!("a")),
            ("coalesce", json!(["", "b"]), json!("b")),
            ("coalesce", json!([1, 2]), json!(1)),
            ("coalesce", json!([null, 1, "hello"]), json!("1")),
            (
                "coalescelist",
                json!([["a", "b"], ["c", "d"]]),
                json!(["a", "b"]),
            ),
            ("coalescelist", json!([[], ["c", "d"]]), json!(["c", "d"])),
            (
                "compact",
                json!([["a", "", "b", null, "c"]]),
                json!(["a", "b", "c"]),
            ),
            (
                "concat",
                json!([["a", ""], ["b", "c"]]),
                json!(["a", "", "b", "c"]),
            ),
            ("contains", json!([["a", "b", "c"], "a"]), json!(true)),
            ("contains", json!([["a", "b", "c"], "d"]), json!(false)),
            (
                "distinct",
                json!([["a", "b", "a", "c", "d", "b"]]),
                json!(["a", "b", "c", "d"]),
            ),
            ("element", json!([["a", "b", "c"], 1]), json!("b")),
            ("element", json!([["a", "b", "c"], 3]), json!("a")),
            (
                "flatten",
                json!([[["a", "b"], [], ["c"]]]),
                json!(["a", "b", "c"]),
            ),
            (
                "flatten",
                json!([[[["a", []], "b"], "c"]]),
                json!(["a", "b", "c"]),
            ),
            ("index", json!([["a", "b", "c"], "b"]), json!(1)),
            (
                "keys",
                json!([{"a": 1, "c": 2, "d": 3}]),
                json!(["a", "c", "d"]),
            ),
            ("keys", json!([{"b": 1, "a": 2}]), json!(["a", "b"])),
            ("length", json!([[]]), json!(0)),
            ("length", json!([["a", "b"]]), json!(2)),
            ("length", json!([{"a": "b"}]), json!(1)),
            ("length", json!(["hello"]), json!(5)),
            ("length", json!(["👾🕹️"]), json!(2)),
            (
                "lookup",
                json!([{"a": "ay", "b": "bee"}, "a", "what?"]),
                json!("ay"),
            ),
            (
                "lookup",
                json!([{"a": "ay", "b": "bee"}, "c", "what?"]),
                json!("what?"),
            ),
            (
                "matchkeys",
                json!([
                    ["i-123", "i-abc", "i-def"],
                    ["us-west", "us-east", "us-east"],
                    ["us-east"]
                ]),
                json!(["i-abc", "i-def"]),
            ),
            (
                "merge",
                json!([{"a": "b", "c": "d"}, {"e": "f", "c": "z"}]),
                json!({"a": "b", "c": "z", "e": "f"}),
            ),
            (
                "merge",
                json!([{"a": "b"}, {"e": "f"}]),
                json!({"a": "b", "e": "f"}),
            ),
            ("merge", json!([{"a": 1}, null]), json!({"a": 1})),
            ("one", json!([[]]), json!(null)),
            ("one", json!([["hello"]]), json!("hello")),
            ("range", json!([3]), json!([0, 1, 2])),
            ("range", json!([1, 4]), json!([1, 2, 3])),
            ("range", json!([1, 8, 2]), json!([1, 3, 5, 7])),
            ("range", json!([1, 4, 0.5]), json!([1, 1.5, 2, 2.5, 3, 3.5])),
            ("range", json!([4, 1]), json!([4, 3, 2])),
            ("range", json!([10, 5, -2]), json!([10, 8, 6])),
            ("range", json!([0]), json!([])),
            ("reverse", json!([[1, 2, 3]]), json!([3, 2, 1])),
            (
                "setintersection",
                json!([["a", "b"], ["b", "c"], ["b", "d"]]),
                json!(["b"]),
            ),
            (
                "setproduct",
                json!([["development", "staging", "production"], ["app1", "app2"]]),
                json!([
                    ["development", "app1"],
                    ["development", "app2"],
                    ["staging", "app1"],
                    ["staging", "app2"],
                    ["production", "app1"],
                    ["production", "app2"]
                ]),
            ),
            ("setproduct", json!([["a"], []]), json!([])),
            (
                "setsubtract",
                json!([["a", "b", "c"], ["a", "c"]]),
                json!(["b"]),
            ),
            (
                "setunion",
                json!([["a", "b"], ["b", "c"], ["d"]]),
                json!(["a", "b", "c", "d"]),
            ),
            ("setunion", json!([[3, 10], [2]]), json!([2, 3, 10])),
            (
                "slice",
                json!([["a", "b", "c", "d"], 1, 3]),
                json!(["b", "c"]),
            ),
            (
                "sort",
                json!([["e", "d", "a", "x"]]),
                json!(["a", "d", "e", "x"]),
            ),
            ("sort", json!([[10, 9]]), json!(["10", "9"])),
            ("sum", json!([[10, 13, 6, 4.5]]), json!(33.5)),
            (
                "transpose",
                json!([{"a": ["1", "2"], "b": ["2", "3"]}]),
                json!({"1": ["a"], "2": ["a", "b"], "3": ["b"]}),
            ),
            (
                "values",
                json!([{"a": 3, "c": 2, "d": 1}]),
                json!([3, 2, 1]),
            ),
            (
                "zipmap",
                json!([["a", "b"], [1, 2]]),
                json!({"a": 1, "b": 2}),
            ),
            (
                "zipmap",
                json!([["a", "b"], [1, 2]]),
                json!({"a": 1, "b": 2}),
            ),
        ]);
    }

    #[test]
    fn errors() {
        check_err(&[
            (
                "element",
                json!([[], 0]),
                "cannot use element function with an empty list",
            ),
            ("element", json!([["a"], -1]), "negative index"),
            (
                "one",
                json!([["a", "b"]]),
                "must be a list, set, or tuple value with either 0 or 1 elements",
            ),
            (
                "lookup",
                json!([{"a": 1}, "c"]),
                "lookup failed to find key \"c\"",
            ),
            (
                "coalesce",
                json!([null, ""]),
                "no non-null, non-empty-string arguments",
            ),
            ("coalescelist", json!([null]), "no non-null arguments"),
            ("index", json!([["a"], "z"]), "item not found"),
            ("chunklist", json!([["a"], -1]), "must be positive"),
            (
                "length",
                json!([5]),
                "argument must be a string, a collection type",
            ),
            (
                "merge",
                json!([{"a": 1}, "x"]),
                "arguments must be maps or objects",
            ),
            (
                "range",
                json!([0, 2000]),
                "more than 1024 values were generated",
            ),
            ("range", json!([1, 4, -1]), "step must be positive"),
            ("range", json!([1, 4, 0]), "step must not be zero"),
            ("range", json!([]), "one, two, or three arguments"),
            (
                "slice",
                json!([["a"], 0, 2]),
                "end index must not be greater",
            ),
            (
                "slice",
                json!([["a", "b"], 2, 1]),
                "start index must not be greater",
            ),
            ("sum", json!([[]]), "cannot sum an empty list"),
            (
                "matchkeys",
                json!([["a"], [], []]),
                "length of keys and values should be equal",
            ),
            (
                "zipmap",
                json!([["a"], []]),
                "number of keys (1) does not match number of values (0)",
            ),
            (
                "setproduct",
                json!([["a"]]),
                "at least two arguments are required",
            ),
            ("keys", json!([["a"]]), "map or object required"),
        ]);
    }

    #[test]
    fn unknowns_pass_through_structure() {
        let list_with_unknown = Value::List(vec![v(json!("a")), unknown()]);
        assert_eq!(
            call_v("length", vec![list_with_unknown.clone()]),
            Ok(v(json!(2)))
        );
        assert!(call_v("length", vec![unknown()]).unwrap().is_unknown());
        let got = call_v("concat", vec![list_with_unknown.clone(), v(json!(["b"]))]).unwrap();
        assert_eq!(got.as_list().unwrap().len(), 3);
        assert!(got.as_list().unwrap()[1].is_unknown());
        assert!(
            call_v("element", vec![list_with_unknown.clone(), v(json!(1))])
                .unwrap()
                .is_unknown()
        );
        assert_eq!(
            call_v("element", vec![list_with_unknown.clone(), v(json!(0))]),
            Ok(v(json!("a")))
        );
        let m = Value::Map([("a".to_owned(), unknown())].into_iter().collect());
        assert_eq!(call_v("keys", vec![m.clone()]), Ok(v(json!(["a"]))));
        assert!(call_v("lookup", vec![m.clone(), v(json!("a"))])
            .unwrap()
            .is_unknown());
        assert!(call_v("flatten", vec![list_with_unknown.clone()])
            .unwrap()
            .is_unknown());
        assert!(call_v("compact", vec![list_with_unknown.clone()])
            .unwrap()
            .is_unknown());
        assert!(
            call_v("contains", vec![list_with_unknown.clone(), v(json!("a"))])
                .unwrap()
                .is_unknown()
        );
        assert!(call_v("setunion", vec![list_with_unknown.clone()])
            .unwrap()
            .is_unknown());
        assert!(
            call_v("coalesce", vec![v(json!(null)), unknown(), v(json!("x"))])
                .unwrap()
                .is_unknown()
        );
        // Terraform would return "x" here; the dispatcher answers unknown for any unknown
        // argument of a TopLevel function, which is less precise but never wrong.
        assert!(call_v("coalesce", vec![v(json!("x")), unknown()])
            .unwrap()
            .is_unknown());
        assert!(call_v(
            "alltrue",
            vec![Value::List(vec![v(json!(true)), unknown()])]
        )
        .unwrap()
        .is_unknown());
        assert_eq!(
            call_v(
                "alltrue",
                vec![Value::List(vec![v(json!(false)), unknown()])]
            ),
            Ok(v(json!(false)))
        );
        let merged = call_v("merge", vec![m, v(json!({"b": 1}))]).unwrap();
        assert!(merged.as_map().unwrap()["a"].is_unknown());
        assert!(call_v("one", vec![Value::List(vec![unknown()])])
            .unwrap()
            .is_unknown());
    }

    #[test]
    fn sensitive_results() {
        let got = call_v("length", vec![secret(v(json!(["a", "b"])))]);
        assert_eq!(got, Ok(secret(v(json!(2)))));
        let got = call_v("concat", vec![Value::List(vec![secret(v(json!("a")))])]);
        assert_eq!(got, Ok(secret(v(json!(["a"])))));
    }
}
