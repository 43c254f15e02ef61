//! Terraform's encoding functions: base64 (of UTF-8 text and of other character encodings),
//! gzip, CSV, JSON, YAML and URL query encoding.
//!
//! `jsonencode` and `yamlencode` reproduce Terraform's exact output, since configurations
//! compare and hash it: JSON with `<`, `>`, `&` escaped and keys sorted; YAML as Terraform's
//! emitter writes it (every string double-quoted, sequences in mappings not indented, long
//! strings folded past column 80).

use std::collections::BTreeMap;
use std::io::Write;

use base64::Engine;

use super::{fixed, invalid, string, FunctionEnv};
use crate::tf::value::{format_number, Value};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// Decodes standard base64 as Go does (line breaks in the input are ignored).
pub(super) fn decode_base64(s: &str) -> Result<Vec<u8>, base64::DecodeError> {
    let cleaned: String = s.chars().filter(|c| !matches!(c, '\r' | '\n')).collect();
    B64.decode(cleaned)
}

pub(super) fn encode_base64(bytes: &[u8]) -> String {
    B64.encode(bytes)
}

pub(super) fn base64encode(args: &[Value], _: &FunctionEnv) -> Result<Value, String> {
    let [s] = fixed(args)?;
    Ok(Value::String(encode_base64(string(s, "str")?.as_bytes())))
}

pub(super) fn base64decode(args: &[Value], _: &FunctionEnv) -> Result<Value, String> {
    let [s] = fixed(args)?;
    let bytes = decode_base64(&string(s, "str")?)
        .map_err(|err| format!("failed to decode base64 data: {err}"))?;
    String::from_utf8(bytes)
        .map(Value::String)
        .map_err(|_| "the result of decoding the provided string is not valid UTF-8".into())
}

pub(super) fn base64gzip(args: &[Value], _: &FunctionEnv) -> Result<Value, String> {
    let [s] = fixed(args)?;
    let s = string(s, "str")?;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder
        .write_all(s.as_bytes())
        .and_then(|()| encoder.finish())
        .map(|bytes| Value::String(encode_base64(&bytes)))
        .map_err(|err| format!("failed to compress: {err}"))
}

/// `csvdecode(string)`: a list of maps keyed by the header line's fields.
pub(super) fn csvdecode(args: &[Value], _: &FunctionEnv) -> Result<Value, String> {
    let [s] = fixed(args)?;
    let s = string(s, "str")?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(s.as_bytes());
    let mut records = reader.records();
    let header = match records.next() {
        Some(record) => record.map_err(|err| format!("failed to parse CSV: {err}"))?,
        None => return Err("missing header line".into()),
    };
    let mut rows = Vec::new();
    for record in records {
        let record = record.map_err(|err| match err.kind() {
            csv::ErrorKind::UnequalLengths { pos, .. } => format!(
                "record on line {}: wrong number of fields",
                pos.as_ref().map_or(0, csv::Position::line)
            ),
            _ => format!("failed to parse CSV: {err}"),
        })?;
        let row: BTreeMap<String, Value> = header
            .iter()
            .zip(record.iter())
            .map(|(k, v)| (k.to_owned(), Value::from(v)))
            .collect();
        rows.push(Value::Map(row));
    }
    Ok(Value::List(rows))
}

pub(super) fn jsondecode(args: &[Value], _: &FunctionEnv) -> Result<Value, String> {
    let [s] = fixed(args)?;
    let s = string(s, "str")?;
    serde_json::from_str::<serde_json::Value>(&s)
        .map(|json| Value::from_json(&json))
        .map_err(|err| invalid("str", format!("invalid JSON: {err}")))
}

pub(super) fn jsonencode(args: &[Value], _: &FunctionEnv) -> Result<Value, String> {
    let [value] = fixed(args)?;
    Ok(Value::String(json_text(value)))
}

/// A value as Terraform's `jsonencode` writes it: compact, keys sorted, numbers without
/// exponent, strings escaped as Go's `encoding/json` escapes them.
pub(super) fn json_text(value: &Value) -> String {
    let mut out = String::new();
    write_json(value, &mut out);
    out
}

fn write_json(value: &Value, out: &mut String) {
    match value {
        Value::Null | Value::Unknown(_) => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&number_text(*n)),
        Value::String(s) => write_json_string(s, out),
        Value::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json(item, out);
            }
            out.push(']');
        }
        Value::Map(map) => {
            out.push('{');
            for (i, (key, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json_string(key, out);
                out.push(':');
                write_json(item, out);
            }
            out.push('}');
        }
        Value::Sensitive(inner) => write_json(inner, out),
    }
}

/// A number in plain decimal notation (`1.5`, `1000000000000000000000`), as Terraform writes
/// numbers into JSON and YAML.
fn number_text(n: f64) -> String {
    if n.is_finite() && n.fract() == 0.0 && n.abs() < 1e21 {
        format_number(n)
    } else {
        format!("{n}")
    }
}

fn write_json_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' | '\0'..='\u{1f}' => {
                out.push_str(&format!("\\u{:04x}", c as u32))
            }
            other => out.push(other),
        }
    }
    out.push('"');
}

// ---- text encodings --------------------------------------------------------------------

/// A character encoding named as IANA names it (case-insensitive).
enum TextEncoding {
    Utf16 { big_endian: bool, bom: bool },
    Latin1,
    Ascii,
    Other(&'static encoding_rs::Encoding),
}

fn text_encoding(name: &str) -> Result<TextEncoding, String> {
    let lower = name.to_ascii_lowercase();
    let encoding = match lower.as_str() {
        "utf-16" | "csutf16" => TextEncoding::Utf16 {
            big_endian: true,
            bom: true,
        },
        "utf-16be" | "csutf16be" => TextEncoding::Utf16 {
            big_endian: true,
            bom: false,
        },
        "utf-16le" | "csutf16le" => TextEncoding::Utf16 {
            big_endian: false,
            bom: false,
        },
        // The WHATWG labels encoding_rs knows read these as windows-1252; IANA does not.
        "iso-8859-1" | "iso_8859-1" | "iso_8859-1:1987" | "latin1" | "l1" | "iso-ir-100"
        | "ibm819" | "cp819" | "csisolatin1" => TextEncoding::Latin1,
        "us-ascii" | "ascii" | "iso646-us" | "us" | "ibm367" | "cp367" | "csascii"
        | "ansi_x3.4-1968" | "iso-ir-6" => TextEncoding::Ascii,
        _ => match encoding_rs::Encoding::for_label(lower.as_bytes()) {
            Some(e) if e != encoding_rs::REPLACEMENT && e != encoding_rs::X_USER_DEFINED => {
                TextEncoding::Other(e)
            }
            _ => {
                return Err(invalid(
                    "encoding",
                    format!("{name:?} is not a supported IANA encoding name or alias"),
                ))
            }
        },
    };
    Ok(encoding)
}

fn encode_text(s: &str, encoding: &TextEncoding) -> Option<Vec<u8>> {
    match encoding {
        TextEncoding::Utf16 { big_endian, bom } => {
            let mut out = Vec::with_capacity(s.len() * 2 + 2);
            let units = bom.then_some(0xFEFF).into_iter().chain(s.encode_utf16());
            for unit in units {
                out.extend_from_slice(&if *big_endian {
                    unit.to_be_bytes()
                } else {
                    unit.to_le_bytes()
                });
            }
            Some(out)
        }
        TextEncoding::Latin1 => s.chars().map(|c| u8::try_from(c as u32).ok()).collect(),
        TextEncoding::Ascii => s.is_ascii().then(|| s.as_bytes().to_vec()),
        TextEncoding::Other(e) if *e == encoding_rs::UTF_8 => Some(s.as_bytes().to_vec()),
        TextEncoding::Other(e) => {
            let (bytes, _, unmappable) = e.encode(s);
            (!unmappable).then(|| bytes.into_owned())
        }
    }
}

fn decode_text(bytes: &[u8], encoding: &TextEncoding) -> Option<String> {
    match encoding {
        TextEncoding::Utf16 { big_endian, bom } => {
            if !bytes.len().is_multiple_of(2) {
                return None;
            }
            let mut big_endian = *big_endian;
            let mut bytes = bytes;
            if *bom && bytes.len() >= 2 {
                match (bytes[0], bytes[1]) {
                    (0xFE, 0xFF) => bytes = &bytes[2..],
                    (0xFF, 0xFE) => {
                        big_endian = false;
                        bytes = &bytes[2..];
                    }
                    _ => {}
                }
            }
            let units: Vec<u16> = bytes
                .chunks(2)
                .map(|pair| {
                    let pair = [pair[0], pair[1]];
                    if big_endian {
                        u16::from_be_bytes(pair)
                    } else {
                        u16::from_le_bytes(pair)
                    }
                })
                .collect();
            String::from_utf16(&units).ok()
        }
        TextEncoding::Latin1 => Some(bytes.iter().map(|&b| b as char).collect()),
        TextEncoding::Ascii => bytes
            .is_ascii()
            .then(|| String::from_utf8_lossy(bytes).into_owned()),
        TextEncoding::Other(e) => e
            .decode_without_bom_handling_and_without_replacement(bytes)
            .map(|s| s.into_owned()),
    }
}

pub(super) fn textencodebase64(args: &[Value], _: &FunctionEnv) -> Result<Value, String> {
    let [s, name] = fixed(args)?;
    let (s, name) = (string(s, "string")?, string(name, "encoding")?);
    let encoding = text_encoding(&name)?;
    let bytes = encode_text(&s, &encoding).ok_or_else(|| {
        invalid(
            "string",
            format!("the given string contains characters that cannot be represented in {name}"),
        )
    })?;
    Ok(Value::String(encode_base64(&bytes)))
}

pub(super) fn textdecodebase64(args: &[Value], _: &FunctionEnv) -> Result<Value, String> {
    let [s, name] = fixed(args)?;
    let (s, name) = (string(s, "source")?, string(name, "encoding")?);
    let encoding = text_encoding(&name)?;
    let bytes = decode_base64(&s).map_err(|err| match err {
        base64::DecodeError::InvalidByte(offset, _) => invalid(
            "source",
            format!("the given value is has an invalid base64 symbol at offset {offset}"),
        ),
        _ => invalid("source", "the given value is an invalid base64 string"),
    })?;
    decode_text(&bytes, &encoding)
        .map(Value::String)
        .ok_or_else(|| {
            invalid(
                "source",
                format!("the given string contains symbols that are not defined for {name}"),
            )
        })
}

/// Go's `url.QueryEscape`: letters, digits and `-_.~` kept, space as `+`, the rest `%XX`.
pub(super) fn urlencode(args: &[Value], _: &FunctionEnv) -> Result<Value, String> {
    let [s] = fixed(args)?;
    let s = string(s, "str")?;
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    Ok(Value::String(out))
}

// ---- YAML --------------------------------------------------------------------------------

pub(super) fn yamldecode(args: &[Value], _: &FunctionEnv) -> Result<Value, String> {
    use yaml_rust2::YamlLoader;
    let [s] = fixed(args)?;
    let s = string(s, "src")?;
    let docs = YamlLoader::load_from_str(&s).map_err(|err| {
        format!(
            "on line {}, column {}: {}",
            err.marker().line(),
            err.marker().col() + 1,
            err.info()
        )
    })?;
    match docs.as_slice() {
        [] => Ok(Value::Null),
        [doc] => from_yaml(doc),
        _ => Err("unexpected extra content after value".into()),
    }
}

fn yaml_key(key: &yaml_rust2::Yaml) -> Result<String, String> {
    use yaml_rust2::Yaml;
    match key {
        Yaml::String(s) | Yaml::Real(s) => Ok(s.clone()),
        Yaml::Integer(i) => Ok(i.to_string()),
        Yaml::Boolean(b) => Ok(b.to_string()),
        Yaml::Null => Ok("null".into()),
        _ => Err("only strings, numbers and bools can be mapping keys".into()),
    }
}

fn from_yaml(yaml: &yaml_rust2::Yaml) -> Result<Value, String> {
    use yaml_rust2::Yaml;
    Ok(match yaml {
        Yaml::Null => Value::Null,
        Yaml::Boolean(b) => Value::Bool(*b),
        Yaml::Integer(i) => Value::Number(*i as f64),
        Yaml::Real(text) => Value::Number(
            yaml.as_f64()
                .filter(|n| n.is_finite())
                .ok_or_else(|| format!("cannot represent {text:?} as a number"))?,
        ),
        Yaml::String(s) => Value::String(s.clone()),
        Yaml::Array(items) => Value::List(items.iter().map(from_yaml).collect::<Result<_, _>>()?),
        Yaml::Hash(hash) => {
            let mut map = BTreeMap::new();
            let mut merged = BTreeMap::new();
            for (key, value) in hash {
                if key.as_str() == Some("<<") {
                    // A merge key: the entries of the mapping (or mappings) it names, under
                    // the mapping's own entries.
                    let sources = match value {
                        Yaml::Array(items) => items.iter().collect(),
                        other => vec![other],
                    };
                    for source in sources.into_iter().rev() {
                        if let Value::Map(entries) = from_yaml(source)? {
                            merged.extend(entries);
                        } else {
                            return Err("a merge key must name a mapping".into());
                        }
                    }
                    continue;
                }
                map.insert(yaml_key(key)?, from_yaml(value)?);
            }
            for (key, value) in merged {
                map.entry(key).or_insert(value);
            }
            Value::Map(map)
        }
        Yaml::Alias(_) | Yaml::BadValue => return Err("invalid YAML value".into()),
    })
}

pub(super) fn yamlencode(args: &[Value], _: &FunctionEnv) -> Result<Value, String> {
    let [value] = fixed(args)?;
    let mut out = YamlOut::default();
    match value {
        Value::Map(map) if !map.is_empty() => out.map(map, 0),
        Value::List(items) if !items.is_empty() => out.seq(items, 0),
        other => out.scalar(other, 2),
    }
    out.newline();
    Ok(Value::String(out.text))
}

/// Writes YAML block style as Terraform's emitter (go-yaml's) does, tracking the column for
/// its folding of long double-quoted strings.
#[derive(Default)]
struct YamlOut {
    text: String,
    column: usize,
}

const YAML_BEST_WIDTH: usize = 80;

impl YamlOut {
    fn push(&mut self, s: &str) {
        self.text.push_str(s);
        self.column += s.chars().count();
    }

    fn newline(&mut self) {
        self.text.push('\n');
        self.column = 0;
    }

    fn indent_to(&mut self, indent: usize) {
        self.newline();
        self.push(&" ".repeat(indent));
    }

    /// Entries of a non-empty map, the first at the current position, the others at
    /// `indent`.
    fn map(&mut self, map: &BTreeMap<String, Value>, indent: usize) {
        for (i, (key, value)) in map.iter().enumerate() {
            if i > 0 {
                self.indent_to(indent);
            }
            self.double_quoted(key, indent + 2, false);
            self.push(":");
            match value {
                Value::Map(inner) if !inner.is_empty() => {
                    self.indent_to(indent + 2);
                    self.map(inner, indent + 2);
                }
                Value::List(items) if !items.is_empty() => {
                    // Sequences in mappings are not indented.
                    self.indent_to(indent);
                    self.seq(items, indent);
                }
                other => {
                    self.push(" ");
                    self.scalar(other, indent + 2);
                }
            }
        }
    }

    /// Items of a non-empty sequence, the first at the current position, the others at
    /// `indent`.
    fn seq(&mut self, items: &[Value], indent: usize) {
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                self.indent_to(indent);
            }
            self.push("- ");
            match item {
                Value::Map(inner) if !inner.is_empty() => self.map(inner, indent + 2),
                Value::List(inner) if !inner.is_empty() => self.seq(inner, indent + 2),
                other => self.scalar(other, indent + 2),
            }
        }
    }

    /// A scalar (or an empty collection, in flow style); `indent` is where a folded string
    /// continues.
    fn scalar(&mut self, value: &Value, indent: usize) {
        match value {
            Value::Null | Value::Unknown(_) => self.push("null"),
            Value::Bool(b) => self.push(if *b { "true" } else { "false" }),
            Value::Number(n) => self.push(&number_text(*n)),
            Value::String(s) => self.double_quoted(s, indent, true),
            Value::List(_) => self.push("[]"),
            Value::Map(_) => self.push("{}"),
            Value::Sensitive(inner) => self.scalar(inner, indent),
        }
    }

    fn double_quoted(&mut self, s: &str, indent: usize, allow_breaks: bool) {
        fn printable(c: char) -> bool {
            matches!(c, '\n' | '\u{20}'..='\u{7e}' | '\u{a0}'..='\u{d7ff}')
                || (('\u{e000}'..='\u{fffd}').contains(&c) && c != '\u{feff}')
        }
        self.push("\"");
        let chars: Vec<char> = s.chars().collect();
        let mut spaces = false;
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            let is_break = matches!(c, '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}');
            if !printable(c) || c == '\u{feff}' || is_break || c == '"' || c == '\\' {
                let escape = match c {
                    '\0' => "\\0".to_owned(),
                    '\u{7}' => "\\a".to_owned(),
                    '\u{8}' => "\\b".to_owned(),
                    '\t' => "\\t".to_owned(),
                    '\n' => "\\n".to_owned(),
                    '\u{b}' => "\\v".to_owned(),
                    '\u{c}' => "\\f".to_owned(),
                    '\r' => "\\r".to_owned(),
                    '\u{1b}' => "\\e".to_owned(),
                    '"' => "\\\"".to_owned(),
                    '\\' => "\\\\".to_owned(),
                    '\u{85}' => "\\N".to_owned(),
                    '\u{a0}' => "\\_".to_owned(),
                    '\u{2028}' => "\\L".to_owned(),
                    '\u{2029}' => "\\P".to_owned(),
                    c if (c as u32) <= 0xff => format!("\\x{:02X}", c as u32),
                    c if (c as u32) <= 0xffff => format!("\\u{:04X}", c as u32),
                    c => format!("\\U{:08X}", c as u32),
                };
                self.push(&escape);
                spaces = false;
            } else if c == ' ' {
                if allow_breaks
                    && !spaces
                    && self.column > YAML_BEST_WIDTH
                    && i > 0
                    && i < chars.len() - 1
                {
                    self.indent_to(indent);
                    if chars[i + 1] == ' ' {
                        self.push("\\");
                    }
                } else {
                    self.push(" ");
                }
                spaces = true;
            } else {
                let mut buf = [0; 4];
                self.push(c.encode_utf8(&mut buf));
                spaces = false;
            }
            i += 1;
        }
        self.push("\"");
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use serde_json::json;

    #[test]
    fn documented_examples() {
        check_ok(&[
            ("base64encode", json!(["Hello World"]), json!("SGVsbG8gV29ybGQ=")),
            ("base64decode", json!(["SGVsbG8gV29ybGQ="]), json!("Hello World")),
            ("base64decode", json!(["SGVsbG8g\nV29ybGQ="]), json!("Hello World")),
            (
                "csvdecode",
                json!(["a,b,c\n1,2,3\n4,5,6"]),
                json!([{"a": "1", "b": "2", "c": "3"}, {"a": "4", "b": "5", "c": "6"}]),
            ),
            ("csvdecode", json!(["a,b\n\"x,y\",2\n"]), json!([{"a": "x,y", "b": "2"}])),
            ("csvdecode", json!(["a,b"]), json!([])),
            ("jsondecode", json!(["{\"hello\": \"world\"}"]), json!({"hello": "world"})),
            ("jsondecode", json!(["true"]), json!(true)),
            ("jsonencode", json!([{"hello": "world"}]), json!("{\"hello\":\"world\"}")),
            ("jsonencode", json!([{"b": [1, 2.5], "a": null}]), json!("{\"a\":null,\"b\":[1,2.5]}")),
            ("jsonencode", json!(["<a & b>"]), json!("\"\\u003ca \\u0026 b\\u003e\"")),
            ("jsonencode", json!(["tab\there\n\u{1}"]), json!("\"tab\\there\\n\\u0001\"")),
            ("jsonencode", json!([1e21]), json!("1000000000000000000000")),
            (
                "textencodebase64",
                json!(["Hello World", "UTF-16LE"]),
                json!("SABlAGwAbABvACAAVwBvAHIAbABkAA=="),
            ),
            (
                "textdecodebase64",
                json!(["SABlAGwAbABvACAAVwBvAHIAbABkAA==", "UTF-16LE"]),
                json!("Hello World"),
            ),
            ("textencodebase64", json!(["Hi", "UTF-16BE"]), json!("AEgAaQ==")),
            ("textencodebase64", json!(["Hi", "utf-16"]), json!("/v8ASABp")),
            ("textdecodebase64", json!(["/v8ASABp", "UTF-16"]), json!("Hi")),
            ("textencodebase64", json!(["é", "ISO-8859-1"]), json!("6Q==")),
            ("textencodebase64", json!(["€", "windows-1252"]), json!("gA==")),
            ("textdecodebase64", json!(["gA==", "windows-1252"]), json!("€")),
            ("textencodebase64", json!(["Hello", "UTF-8"]), json!("SGVsbG8=")),
            ("textencodebase64", json!(["日本", "Shift_JIS"]), json!("k/qWew==")),
            ("urlencode", json!(["Hello World!"]), json!("Hello+World%21")),
            ("urlencode", json!(["☃"]), json!("%E2%98%83")),
            (
                "urlencode",
                json!(["foo:bar@localhost?foo=bar&bar=baz"]),
                json!("foo%3Abar%40localhost%3Ffoo%3Dbar%26bar%3Dbaz"),
            ),
            ("yamldecode", json!(["hello: world"]), json!({"hello": "world"})),
            ("yamldecode", json!(["true"]), json!(true)),
            (
                "yamldecode",
                json!(["{a: &foo [1, 2, 3], b: *foo}"]),
                json!({"a": [1, 2, 3], "b": [1, 2, 3]}),
            ),
            (
                "yamldecode",
                json!(["{a: &foo [1, \"foo\"], b: *foo}"]),
                json!({"a": [1, "foo"], "b": [1, "foo"]}),
            ),
            (
                "yamldecode",
                json!(["base: &b {x: 1, y: 2}\nderived:\n  <<: *b\n  y: 3\n"]),
                json!({"base": {"x": 1, "y": 2}, "derived": {"x": 1, "y": 3}}),
            ),
            ("yamldecode", json!([""]), json!(null)),
            ("yamldecode", json!(["- 1.5\n- ~\n- \"7\""]), json!([1.5, null, "7"])),
            ("yamlencode", json!([{"a": "b", "c": "d"}]), json!("\"a\": \"b\"\n\"c\": \"d\"\n")),
            (
                "yamlencode",
                json!([{"foo": [1, 2, 3], "bar": "baz"}]),
                json!("\"bar\": \"baz\"\n\"foo\":\n- 1\n- 2\n- 3\n"),
            ),
            (
                "yamlencode",
                json!([{"foo": [1, {"a": "b", "c": "d"}, 3], "bar": "baz"}]),
                json!("\"bar\": \"baz\"\n\"foo\":\n- 1\n- \"a\": \"b\"\n  \"c\": \"d\"\n- 3\n"),
            ),
            ("yamlencode", json!(["hi"]), json!("\"hi\"\n")),
            ("yamlencode", json!([{}]), json!("{}\n")),
            ("yamlencode", json!([[]]), json!("[]\n")),
            (
                "yamlencode",
                json!([{"a": {"b": {"c": 1}}, "e": [], "l": [[1, 2], true, null]}]),
                json!("\"a\":\n  \"b\":\n    \"c\": 1\n\"e\": []\n\"l\":\n- - 1\n  - 2\n- true\n- null\n"),
            ),
            (
                "yamlencode",
                json!([{"s": "line\nbreak\t\"q\" 🤔 ü"}]),
                json!("\"s\": \"line\\nbreak\\t\\\"q\\\" \\U0001F914 ü\"\n"),
            ),
        ]);
    }

    #[test]
    fn yamlencode_folds_long_strings_like_terraform() {
        let long = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore";
        let got = run("yamlencode", json!([{"description": long}])).unwrap();
        assert_eq!(
            got,
            v(json!(
                "\"description\": \"Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod\n  tempor incididunt ut labore\"\n"
            ))
        );
        let back = run("yamldecode", json!([got.as_str().unwrap()])).unwrap();
        assert_eq!(back, v(json!({ "description": long })));
    }

    #[test]
    fn base64gzip_round_trips() {
        use std::io::Read;
        let got = run("base64gzip", json!(["hello world"])).unwrap();
        let bytes = super::decode_base64(got.as_str().unwrap()).unwrap();
        let mut text = String::new();
        flate2::read::GzDecoder::new(&bytes[..])
            .read_to_string(&mut text)
            .unwrap();
        assert_eq!(text, "hello world");
    }

    #[test]
    fn errors() {
        check_err(&[
            (
                "base64decode",
                json!(["%%%"]),
                "failed to decode base64 data",
            ),
            ("base64decode", json!(["/w=="]), "not valid UTF-8"),
            (
                "csvdecode",
                json!(["a,b\n1"]),
                "record on line 2: wrong number of fields",
            ),
            ("csvdecode", json!([""]), "missing header line"),
            ("jsondecode", json!(["{"]), "invalid JSON"),
            (
                "textencodebase64",
                json!(["x", "NOPE-1"]),
                "is not a supported IANA encoding name",
            ),
            (
                "textencodebase64",
                json!(["€", "ISO-8859-1"]),
                "cannot be represented in ISO-8859-1",
            ),
            (
                "textencodebase64",
                json!(["日", "windows-1252"]),
                "cannot be represented",
            ),
            (
                "textdecodebase64",
                json!(["@@", "UTF-8"]),
                "invalid base64 symbol at offset 0",
            ),
            (
                "textdecodebase64",
                json!(["/w==", "UTF-8"]),
                "not defined for UTF-8",
            ),
            (
                "yamldecode",
                json!(["a: b\n---\nc: d"]),
                "unexpected extra content",
            ),
            ("yamldecode", json!(["a: [1"]), "line"),
        ]);
    }

    #[test]
    fn unknown_and_sensitive() {
        use crate::tf::value::Value;
        assert!(call_v("jsonencode", vec![Value::List(vec![unknown()])])
            .unwrap()
            .is_unknown());
        assert_eq!(
            call_v("base64encode", vec![secret(v(json!("a")))]),
            Ok(secret(v(json!("YQ=="))))
        );
    }
}
