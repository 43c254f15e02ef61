//! Terraform's string functions (`format`, `regex`, `replace`, `split`, `substr`, `title`,
//! `trim`, ...), following Terraform's own implementation (the go-cty standard library) where
//! it differs from the obvious: lengths and offsets count grapheme clusters, `format` has Go's
//! verbs and padding rules, and regular expressions have RE2's (ASCII) `\d`, `\w`, `\s`, `\b`.

use std::collections::BTreeMap;

use regex::Regex;
use unicode_segmentation::UnicodeSegmentation;

use super::{at_least, fixed, integer, invalid, list, map, number, string, FunctionEnv};
use crate::tf::value::Value;

fn str_fn(args: &[Value], op: fn(&str) -> String) -> Result<Value, String> {
    let [s] = fixed(args)?;
    Ok(Value::String(op(&string(s, "str")?)))
}

fn str_pred(args: &[Value], second: &str, op: fn(&str, &str) -> bool) -> Result<Value, String> {
    let [s, other] = fixed(args)?;
    Ok(Value::Bool(op(&string(s, "str")?, &string(other, second)?)))
}

pub(super) fn chomp(args: &[Value], _: &FunctionEnv) -> Result<Value, String> {
    str_fn(args, |s| s.trim_end_matches(['\r', '\n']).to_owned())
}

pub(super) fn lower(args: &[Value], _: &FunctionEnv) -> Result<Value, String> {
    str_fn(args, str::to_lowercase)
}

pub(super) fn upper(args: &[Value], _: &FunctionEnv) -> Result<Value, String> {
    str_fn(args, str::to_uppercase)
}

pub(super) fn trimspace(args: &[Value], _: &FunctionEnv) -> Result<Value, String> {
    str_fn(args, |s| s.trim().to_owned())
}

pub(super) fn strrev(args: &[Value], _: &FunctionEnv) -> Result<Value, String> {
    str_fn(args, |s| s.graphemes(true).rev().collect())
}

/// Go's `strings.Title`: the first letter of each word upper-cased; words are separated by
/// ASCII characters other than letters, digits and `_`, and by Unicode spaces.
pub(super) fn title(args: &[Value], _: &FunctionEnv) -> Result<Value, String> {
    fn separator(c: char) -> bool {
        if c.is_ascii() {
            !(c.is_ascii_alphanumeric() || c == '_')
        } else if c.is_alphanumeric() {
            false
        } else {
            c.is_whitespace()
        }
    }
    str_fn(args, |s| {
        let mut out = String::with_capacity(s.len());
        let mut previous = ' ';
        for c in s.chars() {
            if separator(previous) {
                out.extend(c.to_uppercase());
            } else {
                out.push(c);
            }
            previous = c;
        }
        out
    })
}

pub(super) fn startswith(args: &[Value], _: &FunctionEnv) -> Result<Value, String> {
    str_pred(args, "prefix", |s, prefix| s.starts_with(prefix))
}

pub(super) fn endswith(args: &[Value], _: &FunctionEnv) -> Result<Value, String> {
    str_pred(args, "suffix", |s, suffix| s.ends_with(suffix))
}

pub(super) fn strcontains(args: &[Value], _: &FunctionEnv) -> Result<Value, String> {
    str_pred(args, "substr", |s, substr| s.contains(substr))
}

pub(super) fn trim(args: &[Value], _: &FunctionEnv) -> Result<Value, String> {
    let [s, cutset] = fixed(args)?;
    let cutset = string(cutset, "cutset")?;
    let s = string(s, "str")?;
    Ok(Value::from(s.trim_matches(|c| cutset.contains(c))))
}

pub(super) fn trimprefix(args: &[Value], _: &FunctionEnv) -> Result<Value, String> {
    let [s, prefix] = fixed(args)?;
    let (s, prefix) = (string(s, "str")?, string(prefix, "prefix")?);
    Ok(Value::from(s.strip_prefix(prefix.as_str()).unwrap_or(&s)))
}

pub(super) fn trimsuffix(args: &[Value], _: &FunctionEnv) -> Result<Value, String> {
    let [s, suffix] = fixed(args)?;
    let (s, suffix) = (string(s, "str")?, string(suffix, "suffix")?);
    Ok(Value::from(s.strip_suffix(suffix.as_str()).unwrap_or(&s)))
}

/// `indent(spaces, str)`: every line but the first gets `spaces` spaces in front.
pub(super) fn indent(args: &[Value], _: &FunctionEnv) -> Result<Value, String> {
    let [spaces, s] = fixed(args)?;
    let spaces = integer(spaces, "spaces")?;
    let pad = " ".repeat(spaces.max(0) as usize);
    let s = string(s, "str")?;
    Ok(Value::String(s.replace('\n', &format!("\n{pad}"))))
}

/// `join(separator, lists...)`.
pub(super) fn join(args: &[Value], _: &FunctionEnv) -> Result<Value, String> {
    at_least(args, 2).map_err(|_| "at least one list is required".to_owned())?;
    let separator = string(&args[0], "separator")?;
    let mut parts = Vec::new();
    for (position, arg) in args[1..].iter().enumerate() {
        for (i, item) in list(arg, "lists")?.iter().enumerate() {
            if item.is_null() {
                return Err(format!(
                    "element {i} of list {} is null; cannot concatenate null values",
                    position + 1
                ));
            }
            parts.push(
                item.to_tf_string()
                    .ok_or_else(|| invalid("lists", "list of string required"))?,
            );
        }
    }
    Ok(Value::String(parts.join(&separator)))
}

/// `split(separator, str)`: an empty separator splits into characters.
pub(super) fn split(args: &[Value], _: &FunctionEnv) -> Result<Value, String> {
    let [separator, s] = fixed(args)?;
    let (separator, s) = (string(separator, "separator")?, string(s, "str")?);
    let parts: Vec<Value> = if separator.is_empty() {
        s.chars().map(|c| Value::String(c.to_string())).collect()
    } else {
        s.split(separator.as_str()).map(Value::from).collect()
    };
    Ok(Value::List(parts))
}

/// `substr(string, offset, length)`: in grapheme clusters; a negative offset counts from the
/// end, a negative length takes the rest.
pub(super) fn substr(args: &[Value], _: &FunctionEnv) -> Result<Value, String> {
    let [s, offset, length] = fixed(args)?;
    let s = string(s, "str")?;
    let offset = integer(offset, "offset")?;
    let length = integer(length, "length")?;
    let graphemes: Vec<&str> = s.graphemes(true).collect();
    let total = graphemes.len() as i64;
    let start = if offset < 0 { total + offset } else { offset }.max(0);
    if start >= total {
        return Ok(Value::from(""));
    }
    let end = if length < 0 {
        total
    } else {
        (start + length).min(total)
    };
    Ok(Value::String(
        graphemes[start as usize..end as usize].concat(),
    ))
}

/// `replace(string, substring, replacement)`; a substring in slashes is a regular expression
/// and the replacement may refer to its groups (`$1`, `${name}`).
pub(super) fn replace(args: &[Value], _: &FunctionEnv) -> Result<Value, String> {
    let [s, substring, replacement] = fixed(args)?;
    let s = string(s, "str")?;
    let substring = string(substring, "substr")?;
    let replacement = string(replacement, "replace")?;
    if substring.len() > 1 && substring.starts_with('/') && substring.ends_with('/') {
        let re = compile(&substring[1..substring.len() - 1])?;
        return Ok(Value::String(
            re.replace_all(&s, replacement.as_str()).into_owned(),
        ));
    }
    Ok(Value::String(s.replace(&substring, &replacement)))
}

/// Compiles an RE2 pattern with the `regex` crate. The syntaxes agree except that RE2's
/// `\d`, `\w`, `\s` and `\b` are ASCII-only, and that RE2 reads `[`, `&&`, `--` and `~~`
/// inside a character class literally; those are rewritten to keep RE2's meaning.
pub(super) fn compile(pattern: &str) -> Result<Regex, String> {
    let mut out = String::with_capacity(pattern.len() + 16);
    let mut chars = pattern.chars().peekable();
    let mut in_class = false;
    let mut class_start = false;
    while let Some(c) = chars.next() {
        let at_class_start = std::mem::take(&mut class_start);
        match c {
            '\\' => match chars.next() {
                Some(e @ ('d' | 'D' | 'w' | 'W' | 's' | 'S')) if in_class => {
                    out.push_str(match e {
                        'd' => "0-9",
                        'w' => "0-9A-Za-z_",
                        's' => "\\t\\n\\x0C\\r ",
                        'D' => "[^0-9]",
                        'W' => "[^0-9A-Za-z_]",
                        _ => "[^\\t\\n\\x0C\\r ]",
                    });
                }
                Some(e @ ('d' | 'D' | 'w' | 'W' | 's' | 'S' | 'b' | 'B')) => {
                    out.push_str("(?-u:\\");
                    out.push(e);
                    out.push(')');
                }
                Some(e) => {
                    out.push('\\');
                    out.push(e);
                }
                None => out.push('\\'),
            },
            '[' if !in_class => {
                in_class = true;
                out.push('[');
                if chars.peek() == Some(&'^') {
                    chars.next();
                    out.push('^');
                }
                class_start = true;
            }
            '[' if chars.peek() == Some(&':') => {
                // A POSIX class, `[:alpha:]`: copied as is.
                out.push('[');
                for c in chars.by_ref() {
                    out.push(c);
                    if c == ']' {
                        break;
                    }
                }
            }
            '[' | '&' | '~' if in_class => {
                out.push('\\');
                out.push(c);
            }
            '-' if in_class && chars.peek() == Some(&'-') => out.push_str("\\-"),
            ']' if in_class && !at_class_start => {
                in_class = false;
                out.push(']');
            }
            ']' if in_class => out.push_str("\\]"),
            other => out.push(other),
        }
    }
    Regex::new(&out).map_err(|err| invalid("pattern", format!("error parsing pattern: {err}")))
}

/// The value of one match: the whole match without groups, a map with named groups, a list
/// with unnamed ones (a group that did not take part is null).
fn match_value(re: &Regex, captures: &regex::Captures) -> Result<Value, String> {
    let names: Vec<Option<&str>> = re.capture_names().skip(1).collect();
    let group = |i: usize| {
        captures
            .get(i)
            .map(|m| Value::from(m.as_str()))
            .unwrap_or(Value::Null)
    };
    if names.is_empty() {
        return Ok(Value::from(captures.get(0).map_or("", |m| m.as_str())));
    }
    if names.iter().all(Option::is_some) {
        let map: BTreeMap<String, Value> = names
            .iter()
            .enumerate()
            .map(|(i, name)| (name.unwrap_or_default().to_owned(), group(i + 1)))
            .collect();
        return Ok(Value::Map(map));
    }
    if names.iter().any(Option::is_some) {
        return Err(invalid(
            "pattern",
            "invalid regexp pattern: can't mix both named and unnamed capture groups",
        ));
    }
    Ok(Value::List((1..=names.len()).map(group).collect()))
}

pub(super) fn regex(args: &[Value], _: &FunctionEnv) -> Result<Value, String> {
    let [pattern, s] = fixed(args)?;
    let re = compile(&string(pattern, "pattern")?)?;
    let s = string(s, "string")?;
    match re.captures(&s) {
        Some(captures) => match_value(&re, &captures),
        None => Err("pattern did not match any part of the given string".into()),
    }
}

pub(super) fn regexall(args: &[Value], _: &FunctionEnv) -> Result<Value, String> {
    let [pattern, s] = fixed(args)?;
    let re = compile(&string(pattern, "pattern")?)?;
    let s = string(s, "string")?;
    re.captures_iter(&s)
        .map(|captures| match_value(&re, &captures))
        .collect::<Result<Vec<_>, _>>()
        .map(Value::List)
}

pub(super) fn templatestring(args: &[Value], env: &FunctionEnv) -> Result<Value, String> {
    let [template, vars] = fixed(args)?;
    let template = string(template, "template")?;
    let vars = map(vars, "vars").map_err(|_| "invalid vars value: must be a map".to_owned())?;
    (env.render_template)(&template, vars)
}

// ---- format --------------------------------------------------------------------------------

pub(super) fn format(args: &[Value], _: &FunctionEnv) -> Result<Value, String> {
    at_least(args, 1)?;
    let spec = string(&args[0], "format")?;
    format_values(&spec, &args[1..]).map(Value::String)
}

/// `formatlist(spec, values...)`: list values are iterated together (all of one length),
/// other values repeat.
pub(super) fn formatlist(args: &[Value], _: &FunctionEnv) -> Result<Value, String> {
    at_least(args, 1)?;
    let spec = string(&args[0], "format")?;
    let values = &args[1..];
    let mut length: Option<(usize, usize)> = None;
    for (i, value) in values.iter().enumerate() {
        if let Value::List(items) = value {
            match length {
                None => length = Some((items.len(), i)),
                Some((len, first)) if len != items.len() => {
                    return Err(format!(
                        "argument {} has length {}, which is inconsistent with argument {} of \
                         length {len}",
                        i + 1,
                        items.len(),
                        first + 1
                    ))
                }
                Some(_) => {}
            }
        }
    }
    let count = length.map_or(1, |(len, _)| len);
    let mut results = Vec::with_capacity(count);
    for iteration in 0..count {
        let these: Vec<Value> = values
            .iter()
            .map(|value| match value {
                Value::List(items) => items[iteration].clone(),
                other => other.clone(),
            })
            .collect();
        if let Some(unknown) = super::unknown_within(&these) {
            results.push(unknown);
            continue;
        }
        let text = format_values(&spec, &these)
            .map_err(|err| format!("error on format iteration {iteration}: {err}"))?;
        results.push(Value::String(text));
    }
    Ok(Value::List(results))
}

#[derive(Default)]
struct Verb {
    raw: String,
    offset: usize,
    mode: char,
    zero: bool,
    sharp: bool,
    plus: bool,
    minus: bool,
    space: bool,
    width: Option<usize>,
    precision: Option<usize>,
}

/// Terraform's `format`: a printf-like specification over Terraform values.
pub(super) fn format_values(spec: &str, args: &[Value]) -> Result<String, String> {
    let bytes = spec.as_bytes();
    let mut out = String::with_capacity(spec.len());
    let mut next_arg = 1usize;
    let mut most_used = 0usize;
    let mut i = 0;
    let mut literal_start = 0;
    while i < bytes.len() {
        if bytes[i] != b'%' {
            i += 1;
            continue;
        }
        out.push_str(&spec[literal_start..i]);
        if bytes.get(i + 1) == Some(&b'%') {
            out.push('%');
            i += 2;
            literal_start = i;
            continue;
        }
        let start = i;
        i += 1;
        let mut verb = Verb {
            offset: start,
            ..Verb::default()
        };
        let unrecognized = |at: usize| match spec[at..].chars().next() {
            Some(c) => format!("unrecognized format character {c:?} at offset {at}"),
            None => format!("invalid format string starting at offset {at}"),
        };
        while let Some(&b) = bytes.get(i) {
            match b {
                b'0' => verb.zero = true,
                b'#' => verb.sharp = true,
                b'-' => verb.minus = true,
                b'+' => verb.plus = true,
                b' ' => verb.space = true,
                _ => break,
            }
            i += 1;
        }
        let mut arg_num = next_arg;
        if bytes.get(i) == Some(&b'[') {
            i += 1;
            if !matches!(bytes.get(i), Some(b'1'..=b'9')) {
                return Err(unrecognized(i));
            }
            let (n, after) = read_number(bytes, i);
            arg_num = n;
            i = after;
            if bytes.get(i) != Some(&b']') {
                return Err(unrecognized(i));
            }
            i += 1;
        }
        match bytes.get(i) {
            Some(b'1'..=b'9') => {
                let (n, after) = read_number(bytes, i);
                verb.width = Some(n);
                i = after;
            }
            Some(b'*') => return Err(format!("unsupported width \"*\" at offset {i}")),
            _ => {}
        }
        if bytes.get(i) == Some(&b'.') {
            i += 1;
            match bytes.get(i) {
                Some(b'*') => return Err(format!("unsupported precision \"*\" at offset {i}")),
                Some(b'0'..=b'9') => {
                    let (n, after) = read_number(bytes, i);
                    verb.precision = Some(n);
                    i = after;
                }
                _ => verb.precision = Some(0),
            }
        }
        match bytes.get(i) {
            Some(&b) if b.is_ascii_alphabetic() => {
                verb.mode = b as char;
                i += 1;
            }
            _ => return Err(unrecognized(i)),
        }
        verb.raw = spec[start..i].to_owned();
        let arg = args.get(arg_num - 1).ok_or_else(|| {
            format!(
                "not enough arguments for {:?} at {start}: need index {arg_num} but have {} total",
                verb.raw,
                args.len()
            )
        })?;
        out.push_str(&format_one(&verb, arg)?);
        next_arg = arg_num + 1;
        most_used = most_used.max(arg_num);
        literal_start = i;
    }
    out.push_str(&spec[literal_start..]);
    if most_used < args.len() {
        return Err(if most_used == 0 {
            "too many arguments; no verbs in format string".to_owned()
        } else {
            format!("too many arguments; only {most_used} used by format string")
        });
    }
    Ok(out)
}

fn read_number(bytes: &[u8], mut i: usize) -> (usize, usize) {
    let mut n = 0usize;
    while let Some(&b) = bytes.get(i).filter(|b| b.is_ascii_digit()) {
        n = n.saturating_mul(10).saturating_add((b - b'0') as usize);
        i += 1;
    }
    (n, i)
}

fn format_one(verb: &Verb, arg: &Value) -> Result<String, String> {
    let unsupported = |why: &str| {
        format!(
            "unsupported value for {:?} at {}: {why}",
            verb.raw, verb.offset
        )
    };
    if verb.mode != 'v' && arg.is_null() {
        return Err(unsupported("null value cannot be formatted"));
    }
    match verb.mode {
        'v' => {
            let text = match arg {
                Value::String(s) if !verb.sharp => s.clone(),
                Value::Number(n) if !verb.sharp => go_float(*n, 'g', None),
                other => super::encoding::json_text(other),
            };
            Ok(pad(verb, text))
        }
        't' => match super::boolean(arg, "") {
            Ok(b) => Ok(b.to_string()),
            Err(_) => Err(unsupported("bool required")),
        },
        'b' | 'd' | 'o' | 'x' | 'X' | 'e' | 'E' | 'f' | 'g' | 'G' => {
            let n = number(arg, "").map_err(|_| {
                unsupported(if matches!(arg, Value::String(_)) {
                    "a number is required"
                } else {
                    "number required"
                })
            })?;
            if matches!(verb.mode, 'b' | 'd' | 'o' | 'x' | 'X') {
                if n.fract() != 0.0 || !n.is_finite() {
                    return Err(unsupported("an integer is required"));
                }
                format_integer(verb, n).ok_or_else(|| unsupported("the integer is too large"))
            } else {
                Ok(format_float(verb, n))
            }
        }
        's' | 'q' => {
            let s = arg
                .to_tf_string()
                .ok_or_else(|| unsupported("string required"))?;
            let s = match verb.precision {
                Some(p) if p > 0 => s.graphemes(true).take(p).collect(),
                _ => s,
            };
            let text = if verb.mode == 'q' {
                super::encoding::json_text(&Value::String(s))
            } else {
                s
            };
            Ok(pad(verb, text))
        }
        other => Err(format!(
            "unsupported format verb {other:?} in {:?} at offset {}",
            verb.raw, verb.offset
        )),
    }
}

/// Pads to the verb's width, counted in grapheme clusters.
fn pad(verb: &Verb, text: String) -> String {
    let Some(width) = verb.width else {
        return text;
    };
    let len = text.graphemes(true).count();
    if len >= width {
        return text;
    }
    let fill = if verb.zero { "0" } else { " " }.repeat(width - len);
    if verb.minus {
        text + &fill
    } else {
        fill + &text
    }
}

/// Go's integer formatting (`big.Int.Format`): sign, `#` prefix, precision as minimum digits,
/// width padded with spaces (left or, with `-`, right) or zeros.
fn format_integer(verb: &Verb, n: f64) -> Option<String> {
    let abs = n.abs();
    let digits = match verb.mode {
        'd' => format!("{abs:.0}"),
        _ if abs >= 2f64.powi(127) => return None,
        'b' => format!("{:b}", abs as u128),
        'o' => format!("{:o}", abs as u128),
        'x' => format!("{:x}", abs as u128),
        _ => format!("{:X}", abs as u128),
    };
    let sign = sign(verb, n < 0.0);
    let prefix = match (verb.sharp, verb.mode) {
        (true, 'b') => "0b",
        (true, 'o') => "0",
        (true, 'x') => "0x",
        (true, 'X') => "0X",
        _ => "",
    };
    let mut zeros = 0;
    if let Some(precision) = verb.precision {
        if digits.len() < precision {
            zeros = precision - digits.len();
        } else if digits == "0" && precision == 0 {
            return Some(String::new());
        }
    }
    let (mut left, mut right) = (0, 0);
    let length = sign.len() + prefix.len() + zeros + digits.len();
    if let Some(width) = verb.width.filter(|&w| w > length) {
        let d = width - length;
        if verb.minus {
            right = d;
        } else if verb.zero && verb.precision.is_none() {
            zeros = d;
        } else {
            left = d;
        }
    }
    Some(format!(
        "{}{sign}{prefix}{}{digits}{}",
        " ".repeat(left),
        "0".repeat(zeros),
        " ".repeat(right)
    ))
}

fn sign(verb: &Verb, negative: bool) -> &'static str {
    if negative {
        "-"
    } else if verb.plus {
        "+"
    } else if verb.space {
        " "
    } else {
        ""
    }
}

/// Go's float formatting (`big.Float.Format`) with sign and padding.
fn format_float(verb: &Verb, n: f64) -> String {
    let body = go_float(n.abs(), verb.mode, verb.precision);
    let sign = sign(verb, n.is_sign_negative() && n != 0.0);
    let padding = verb
        .width
        .map_or(0, |w| w.saturating_sub(sign.len() + body.len()));
    if verb.zero && !verb.minus && n.is_finite() {
        format!("{sign}{}{body}", "0".repeat(padding))
    } else if verb.minus {
        format!("{sign}{body}{}", " ".repeat(padding))
    } else {
        format!("{}{sign}{body}", " ".repeat(padding))
    }
}

/// The decimal digits of `x` (no trailing zeros) and the decimal point's position
/// (`x = 0.digits × 10^point`), shortest or rounded to `significant` digits.
fn decimal_digits(x: f64, significant: Option<usize>) -> (Vec<u8>, i32) {
    if x == 0.0 {
        return (vec![b'0'], 1);
    }
    let text = match significant {
        None => format!("{x:e}"),
        Some(p) => format!("{x:.*e}", p.max(1) - 1),
    };
    let (mantissa, exponent) = text.split_once('e').unwrap_or((&text, "0"));
    let mut digits: Vec<u8> = mantissa.bytes().filter(u8::is_ascii_digit).collect();
    while digits.len() > 1 && digits.last() == Some(&b'0') {
        digits.pop();
    }
    (digits, exponent.parse::<i32>().unwrap_or(0) + 1)
}

fn fmt_e(digits: &[u8], point: i32, precision: usize, upper: bool) -> String {
    let mut out = String::new();
    out.push(digits[0] as char);
    if precision > 0 {
        out.push('.');
        for i in 1..=precision {
            out.push(*digits.get(i).unwrap_or(&b'0') as char);
        }
    }
    let exp = if digits == b"0" { 0 } else { point - 1 };
    out.push(if upper { 'E' } else { 'e' });
    out.push(if exp < 0 { '-' } else { '+' });
    out.push_str(&format!("{:02}", exp.abs()));
    out
}

fn fmt_f(digits: &[u8], point: i32, precision: usize) -> String {
    let digit = |i: i32| -> char {
        if i >= 0 && (i as usize) < digits.len() {
            digits[i as usize] as char
        } else {
            '0'
        }
    };
    let mut out = String::new();
    if point > 0 {
        (0..point).for_each(|i| out.push(digit(i)));
    } else {
        out.push('0');
    }
    if precision > 0 {
        out.push('.');
        (0..precision as i32).for_each(|i| out.push(digit(point + i)));
    }
    out
}

/// `x` (not negative) as Go formats a number with `%e`, `%f` or `%g` (and their upper-case
/// forms) at the given precision; `%g` without one is the shortest form that reads back.
fn go_float(x: f64, mode: char, precision: Option<usize>) -> String {
    if x.is_infinite() {
        return "+Inf".into();
    }
    let upper = mode.is_ascii_uppercase();
    match mode.to_ascii_lowercase() {
        'e' => {
            let p = precision.unwrap_or(6);
            let (digits, point) = decimal_digits(x, Some(p + 1));
            fmt_e(&digits, point, p, upper)
        }
        'f' => format!("{x:.*}", precision.unwrap_or(6)),
        _ => {
            let shortest = precision.is_none();
            let (digits, point) = decimal_digits(x, precision.map(|p| p.max(1)));
            let len = digits.len();
            let p = precision.map_or(len, |p| p.max(1));
            let mut eprec = p;
            if eprec > len && len as i32 >= point {
                eprec = len;
            }
            if shortest {
                eprec = 6;
            }
            let exp = point - 1;
            if exp < -4 || exp >= eprec as i32 {
                fmt_e(&digits, point, p.min(len) - 1, upper)
            } else {
                let p = if p as i32 > point { len } else { p };
                fmt_f(&digits, point, (p as i32 - point).max(0) as usize)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use serde_json::json;

    #[test]
    fn documented_examples() {
        check_ok(&[
            ("chomp", json!(["hello\n"]), json!("hello")),
            ("chomp", json!(["hello\r\n"]), json!("hello")),
            ("chomp", json!(["hello\n\n"]), json!("hello")),
            ("endswith", json!(["hello world", "world"]), json!(true)),
            ("endswith", json!(["hello world", "hello"]), json!(false)),
            ("startswith", json!(["hello world", "hello"]), json!(true)),
            ("startswith", json!(["hello world", "world"]), json!(false)),
            ("strcontains", json!(["hello world", "wor"]), json!(true)),
            ("strcontains", json!(["hello world", "wod"]), json!(false)),
            (
                "indent",
                json!([2, "[\n  foo,\n  bar,\n]\n"]),
                json!("[\n    foo,\n    bar,\n  ]\n  "),
            ),
            (
                "join",
                json!(["-", ["foo", "bar", "baz"]]),
                json!("foo-bar-baz"),
            ),
            (
                "join",
                json!([", ", ["foo", "bar", "baz"]]),
                json!("foo, bar, baz"),
            ),
            ("join", json!([", ", ["foo"]]), json!("foo")),
            ("join", json!([",", ["a"], [1, true]]), json!("a,1,true")),
            ("lower", json!(["HELLO"]), json!("hello")),
            ("lower", json!(["АЛЛО!"]), json!("алло!")),
            ("upper", json!(["hello"]), json!("HELLO")),
            ("upper", json!(["алло!"]), json!("АЛЛО!")),
            (
                "split",
                json!([",", "foo,bar,baz"]),
                json!(["foo", "bar", "baz"]),
            ),
            ("split", json!([",", "foo"]), json!(["foo"])),
            ("split", json!([",", ""]), json!([""])),
            ("split", json!(["", "abc"]), json!(["a", "b", "c"])),
            ("strrev", json!(["hello"]), json!("olleh")),
            ("strrev", json!(["a ☃"]), json!("☃ a")),
            ("substr", json!(["hello world", 1, 4]), json!("ello")),
            ("substr", json!(["🤔🤷", 0, 1]), json!("🤔")),
            ("substr", json!(["hello world", -5, -1]), json!("world")),
            ("substr", json!(["hello world", 6, 10]), json!("world")),
            ("substr", json!(["hello", 10, 1]), json!("")),
            ("substr", json!(["hello", -10, 2]), json!("he")),
            ("title", json!(["hello world"]), json!("Hello World")),
            (
                "title",
                json!(["hello-world_x 2nd"]),
                json!("Hello-World_x 2nd"),
            ),
            ("trim", json!(["?!hello?!", "!?"]), json!("hello")),
            ("trim", json!(["foobar", "far"]), json!("oob")),
            (
                "trim",
                json!(["   hello! world.!  ", "! "]),
                json!("hello! world."),
            ),
            ("trimprefix", json!(["helloworld", "hello"]), json!("world")),
            (
                "trimprefix",
                json!(["helloworld", "cat"]),
                json!("helloworld"),
            ),
            ("trimprefix", json!(["--hello", "-"]), json!("-hello")),
            ("trimsuffix", json!(["helloworld", "world"]), json!("hello")),
            (
                "trimsuffix",
                json!(["helloworld", "cat"]),
                json!("helloworld"),
            ),
            ("trimspace", json!(["  hello\n\n"]), json!("hello")),
            (
                "replace",
                json!(["1 + 2 + 3", "+", "-"]),
                json!("1 - 2 - 3"),
            ),
            (
                "replace",
                json!(["hello world", "/w.*d/", "everybody"]),
                json!("hello everybody"),
            ),
            (
                "replace",
                json!(["hello world", "/(w)(o)/", "$2$1"]),
                json!("hello owrld"),
            ),
            ("replace", json!(["a/b", "/", "-"]), json!("a-b")),
        ]);
    }

    #[test]
    fn regex_examples() {
        check_ok(&[
            (
                "regex",
                json!(["[a-z]+", "53453453.345345aaabbbccc23454"]),
                json!("aaabbbccc"),
            ),
            (
                "regex",
                json!(["(\\d\\d\\d\\d)-(\\d\\d)-(\\d\\d)", "2019-02-01"]),
                json!(["2019", "02", "01"]),
            ),
            (
                "regex",
                json!([
                    "^(?:(?P<scheme>[^:/?#]+):)?(?://(?P<authority>[^/?#]*))?",
                    "https://terraform.io/docs/"
                ]),
                json!({"authority": "terraform.io", "scheme": "https"}),
            ),
            ("regex", json!(["a(b)?c", "ac"]), json!([null])),
            (
                "regexall",
                json!(["[a-z]+", "1234abcd5678efgh9"]),
                json!(["abcd", "efgh"]),
            ),
            ("regexall", json!(["[a-z]+", "123456789"]), json!([])),
            (
                "regexall",
                json!(["(\\w)=(\\d)", "a=1 b=2"]),
                json!([["a", "1"], ["b", "2"]]),
            ),
            // RE2 reads \d as ASCII digits only, and `[` inside a class literally.
            ("regexall", json!(["\\d", "1٣2"]), json!(["1", "2"])),
            ("regex", json!(["[[]+", "a[[b"]), json!("[[")),
            ("regex", json!(["[\\d.]+", "v1.20x"]), json!("1.20")),
        ]);
        check_err(&[
            (
                "regex",
                json!(["[a-z]+", "53453453.34534523454"]),
                "pattern did not match any part of the given string",
            ),
            ("regex", json!(["(", "x"]), "error parsing pattern"),
            ("regex", json!(["(?P<a>x)(y)", "xy"]), "can't mix"),
        ]);
    }

    #[test]
    fn format_examples() {
        check_ok(&[
            (
                "format",
                json!(["Hello, %s!", "Ander"]),
                json!("Hello, Ander!"),
            ),
            (
                "format",
                json!(["There are %d lights", 4]),
                json!("There are 4 lights"),
            ),
            ("format", json!(["%#v", "hello"]), json!("\"hello\"")),
            ("format", json!(["%#v", true]), json!("true")),
            ("format", json!(["%#v", 1]), json!("1")),
            ("format", json!(["%#v", {"a": 1}]), json!("{\"a\":1}")),
            ("format", json!(["%#v", [true]]), json!("[true]")),
            ("format", json!(["%#v", null]), json!("null")),
            ("format", json!(["%v", null]), json!("null")),
            (
                "format",
                json!(["%v %v %v", "s", 1.5, false]),
                json!("s 1.5 false"),
            ),
            ("format", json!(["%v", 1234567]), json!("1.234567e+06")),
            ("format", json!(["%v", [1, "a"]]), json!("[1,\"a\"]")),
            ("format", json!(["%-5s|", "ab"]), json!("ab   |")),
            ("format", json!(["%5s|", "ab"]), json!("   ab|")),
            ("format", json!(["%.2s", "abcd"]), json!("ab")),
            ("format", json!(["%05d", 42]), json!("00042")),
            ("format", json!(["%05d", -42]), json!("-0042")),
            ("format", json!(["%+d % d", 5, 5]), json!("+5  5")),
            ("format", json!(["%-4d|", 7]), json!("7   |")),
            ("format", json!(["%.3d", 7]), json!("007")),
            ("format", json!(["%.2f", 1.23456]), json!("1.23")),
            ("format", json!(["%9.2f|", 1.23456]), json!("     1.23|")),
            ("format", json!(["%f", 1.5]), json!("1.500000")),
            ("format", json!(["%e", 123456.789]), json!("1.234568e+05")),
            ("format", json!(["%E", 0.000123]), json!("1.230000E-04")),
            ("format", json!(["%g", 0.00001]), json!("1e-05")),
            ("format", json!(["%g", 100000]), json!("100000")),
            ("format", json!(["%.3g", 1.23456]), json!("1.23")),
            ("format", json!(["%.3g", 1234.5]), json!("1.23e+03")),
            (
                "format",
                json!(["%x %X %o %b", 255, 255, 8, 5]),
                json!("ff FF 10 101"),
            ),
            ("format", json!(["%#x %#o", 255, 8]), json!("0xff 010")),
            ("format", json!(["%t", true]), json!("true")),
            ("format", json!(["%t", "false"]), json!("false")),
            ("format", json!(["%q", "a\"b<"]), json!("\"a\\\"b\\u003c\"")),
            ("format", json!(["%d", "12"]), json!("12")),
            ("format", json!(["%s", 12]), json!("12")),
            ("format", json!(["100%%"]), json!("100%")),
            ("format", json!(["%[2]s %[1]s", "a", "b"]), json!("b a")),
            ("format", json!(["%[2]d %d", 1, 2, 3]), json!("2 3")),
            ("format", json!(["%3s|", "🤔"]), json!("  🤔|")),
        ]);
        check_err(&[
            ("format", json!(["%d", 1.5]), "an integer is required"),
            ("format", json!(["%d", "x"]), "a number is required"),
            (
                "format",
                json!(["%s"]),
                "not enough arguments for \"%s\" at 0: need index 1 but have 0 total",
            ),
            (
                "format",
                json!(["%s", null]),
                "null value cannot be formatted",
            ),
            ("format", json!(["%s", [1]]), "string required"),
            ("format", json!(["%z", 1]), "unsupported format verb 'z'"),
            (
                "format",
                json!(["%", 1]),
                "invalid format string starting at offset 1",
            ),
            (
                "format",
                json!(["%s", "a", "b"]),
                "too many arguments; only 1 used",
            ),
            ("format", json!(["x", "a"]), "too many arguments; no verbs"),
        ]);
    }

    #[test]
    fn formatlist_examples() {
        check_ok(&[
            (
                "formatlist",
                json!(["Hello, %s!", ["Valentina", "Ander", "Olivia", "Sam"]]),
                json!([
                    "Hello, Valentina!",
                    "Hello, Ander!",
                    "Hello, Olivia!",
                    "Hello, Sam!"
                ]),
            ),
            (
                "formatlist",
                json!([
                    "%s, %s!",
                    "Salutations",
                    ["Valentina", "Ander", "Olivia", "Sam"]
                ]),
                json!([
                    "Salutations, Valentina!",
                    "Salutations, Ander!",
                    "Salutations, Olivia!",
                    "Salutations, Sam!"
                ]),
            ),
            (
                "formatlist",
                json!(["%s=%d", ["a", "b"], [1, 2]]),
                json!(["a=1", "b=2"]),
            ),
            ("formatlist", json!(["%s", []]), json!([])),
            ("formatlist", json!(["x%s", "y"]), json!(["xy"])),
        ]);
        check_err(&[(
            "formatlist",
            json!(["%s%s", ["a"], ["b", "c"]]),
            "argument 2 has length 2, which is inconsistent with argument 1 of length 1",
        )]);
    }

    #[test]
    fn unknown_and_sensitive() {
        assert!(call_v("upper", vec![unknown()]).unwrap().is_unknown());
        assert_eq!(
            call_v("upper", vec![secret(v(json!("a")))]),
            Ok(secret(v(json!("A"))))
        );
        assert!(call_v(
            "format",
            vec![
                v(json!("%v")),
                crate::tf::value::Value::List(vec![unknown()])
            ]
        )
        .unwrap()
        .is_unknown());
        let got = call_v(
            "formatlist",
            vec![
                v(json!("%s")),
                crate::tf::value::Value::List(vec![v(json!("a")), unknown()]),
            ],
        )
        .unwrap();
        assert_eq!(got.as_list().unwrap()[0], v(json!("a")));
        assert!(got.as_list().unwrap()[1].is_unknown());
        let rendered = call_v(
            "templatestring",
            vec![v(json!("Hi ${name}")), v(json!({"name": "Ann"}))],
        );
        assert_eq!(rendered, Ok(v(json!("Hi Ann"))));
        assert!(call_v("templatestring", vec![v(json!("x")), v(json!(1))])
            .unwrap_err()
            .contains("must be a map"));
    }
}
