//! Terraform's built-in functions (every function of Terraform 1.x's function reference that a
//! configuration can call), over symflow's [`Value`].
//!
//! Each group of Terraform's reference has its own module. This module holds the table of
//! functions and the rules every call follows, so the functions themselves only deal with
//! known, unmarked values:
//!
//! - **sensitive values**: the marks are taken off the arguments before the call and put on
//!   the result when any argument had one (`sensitive`, `nonsensitive` and `issensitive` are
//!   the exceptions: they are about the marks);
//! - **unknown values**: a function whose [`Unknowns`] is `Propagate` returns an unknown as soon
//!   as any argument holds one anywhere; `TopLevel` functions only need their arguments
//!   themselves known and pass unknown elements through (`length`, `concat`, `keys`, ...);
//! - `try` and `can` are not here: they catch errors of expressions not yet evaluated, so the
//!   evaluator implements them.

mod collection;
mod conversion;
mod crypto;
mod datetime;
mod encoding;
mod filesystem;
mod ipnet;
mod numeric;
mod string;
#[cfg(test)]
mod testing;

use std::collections::BTreeMap;
use std::path::Path;

use super::value::Value;

/// What a function may use beyond its arguments.
pub(crate) struct FunctionEnv<'a> {
    /// Terraform's working directory (the root module's directory): relative paths given to the
    /// file functions resolve against it, as Terraform resolves them against its cwd.
    pub cwd: &'a Path,
    /// Renders template text (`templatefile`, `templatestring`) with the given variables.
    pub render_template: &'a RenderTemplate<'a>,
}

/// Renders template text with variables: `templatefile`'s and `templatestring`'s renderer.
pub(crate) type RenderTemplate<'a> =
    dyn Fn(&str, &BTreeMap<String, Value>) -> Result<Value, String> + 'a;

/// How a function treats unknown arguments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unknowns {
    /// Any unknown anywhere in the arguments makes the result unknown.
    Propagate,
    /// Only an argument that is itself unknown makes the result unknown; unknown elements
    /// inside known collections are passed through.
    TopLevel,
}

/// One built-in function.
pub(crate) struct Function {
    /// Its name in Terraform.
    pub name: &'static str,
    /// How it treats unknown arguments.
    pub unknowns: Unknowns,
    /// The implementation: known, unmarked arguments in, a value or an error message out.
    pub call: fn(&[Value], &FunctionEnv) -> Result<Value, String>,
}

/// Every function, by name.
pub(crate) fn lookup(name: &str) -> Option<&'static Function> {
    FUNCTIONS.iter().find(|f| f.name == name)
}

/// The names of every function, for error messages ("did you mean ...").
pub(crate) fn names() -> impl Iterator<Item = &'static str> {
    FUNCTIONS.iter().map(|f| f.name).chain([
        "try",
        "can",
        "sensitive",
        "nonsensitive",
        "issensitive",
    ])
}

/// Calls `name` with `args`, applying the rules for marks and unknowns.
pub(crate) fn call(name: &str, args: Vec<Value>, env: &FunctionEnv) -> Result<Value, String> {
    match name {
        "sensitive" => {
            let [value] = exactly::<1>(args)?;
            return Ok(value.mark_if(true));
        }
        "nonsensitive" => {
            let [value] = exactly::<1>(args)?;
            return Ok(value.unmark_deep().0);
        }
        "issensitive" => {
            let [value] = exactly::<1>(args)?;
            if value.is_unknown() && !matches!(value, Value::Sensitive(_)) {
                return Ok(value);
            }
            return Ok(Value::Bool(value.is_sensitive()));
        }
        _ => {}
    }
    let function = lookup(name).ok_or_else(|| format!("there is no function named {name:?}"))?;
    let mut marked = false;
    let args: Vec<Value> = args
        .into_iter()
        .map(|arg| {
            let (arg, m) = arg.strip_open().unmark_deep();
            marked |= m;
            arg
        })
        .collect();
    let unknown = match function.unknowns {
        Unknowns::Propagate => args.iter().find_map(Value::first_unknown),
        Unknowns::TopLevel => args.iter().find_map(|arg| match arg {
            Value::Unknown(unknown) => Some(unknown),
            _ => None,
        }),
    };
    if let Some(unknown) = unknown {
        return Ok(Value::Unknown(unknown.clone()).mark_if(marked));
    }
    (function.call)(&args, env).map(|value| value.mark_if(marked))
}

/// Exactly `N` arguments, or Terraform's arity error.
pub(crate) fn exactly<const N: usize>(args: Vec<Value>) -> Result<[Value; N], String> {
    let count = args.len();
    args.try_into().map_err(|_| {
        format!(
            "takes {N} argument{}, got {count}",
            if N == 1 { "" } else { "s" }
        )
    })
}

// ---- argument helpers shared by the groups -------------------------------------------------
//
// Terraform checks each argument against its parameter's type, converting where its automatic
// conversions allow (`"5"` for a number, `5` for a string). These helpers do the same and word
// their errors as Terraform does (`Invalid value for "str" parameter: string required.`).

/// Exactly `N` arguments, borrowed.
pub(super) fn fixed<const N: usize>(args: &[Value]) -> Result<&[Value; N], String> {
    args.try_into().map_err(|_| arity(N, N, args.len()))
}

/// Between `min` and `max` arguments.
pub(super) fn between(args: &[Value], min: usize, max: usize) -> Result<(), String> {
    if args.len() < min || args.len() > max {
        return Err(arity(min, max, args.len()));
    }
    Ok(())
}

/// At least `min` arguments.
pub(super) fn at_least(args: &[Value], min: usize) -> Result<(), String> {
    if args.len() < min {
        return Err(arity(min, usize::MAX, args.len()));
    }
    Ok(())
}

fn arity(min: usize, max: usize, got: usize) -> String {
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    if min == max {
        format!("takes {min} argument{}, got {got}", plural(min))
    } else if max == usize::MAX {
        format!("takes at least {min} argument{}, got {got}", plural(min))
    } else {
        format!("takes {min} to {max} arguments, got {got}")
    }
}

/// Terraform's message for an argument of the wrong type.
pub(super) fn invalid(param: &str, why: impl std::fmt::Display) -> String {
    format!("Invalid value for \"{param}\" parameter: {why}.")
}

fn not_null(value: &Value, param: &str) -> Result<(), String> {
    if value.is_null() {
        return Err(invalid(param, "argument must not be null"));
    }
    Ok(())
}

/// A string argument (numbers and bools convert, as Terraform converts them).
pub(super) fn string(value: &Value, param: &str) -> Result<String, String> {
    not_null(value, param)?;
    value
        .to_tf_string()
        .ok_or_else(|| invalid(param, "string required"))
}

/// Terraform's conversion of a string to a number: decimal notation only (`"1.5"`, `"-2"`,
/// `"1e3"`), no spaces, no `inf`/`nan`.
pub(super) fn parse_number(s: &str) -> Option<f64> {
    let plain = !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+' | b'e' | b'E'))
        && s.bytes().any(|b| b.is_ascii_digit());
    if !plain {
        return None;
    }
    s.parse::<f64>().ok().filter(|n| n.is_finite())
}

/// A number argument (strings holding a number convert).
pub(super) fn number(value: &Value, param: &str) -> Result<f64, String> {
    not_null(value, param)?;
    match value {
        Value::Number(n) => Ok(*n),
        Value::String(s) => parse_number(s).ok_or_else(|| invalid(param, "a number is required")),
        _ => Err(invalid(param, "number required")),
    }
}

/// A whole-number argument.
pub(super) fn integer(value: &Value, param: &str) -> Result<i64, String> {
    let n = number(value, param)?;
    if n.fract() != 0.0 || n.abs() > 9.007_199_254_740_992e15 {
        return Err(invalid(param, "value must be a whole number"));
    }
    Ok(n as i64)
}

/// A bool argument (`"true"` and `"false"` convert).
pub(super) fn boolean(value: &Value, param: &str) -> Result<bool, String> {
    not_null(value, param)?;
    match value {
        Value::Bool(b) => Ok(*b),
        Value::String(s) if s == "true" => Ok(true),
        Value::String(s) if s == "false" => Ok(false),
        _ => Err(invalid(param, "bool required")),
    }
}

/// A list, tuple or set argument.
pub(super) fn list<'a>(value: &'a Value, param: &str) -> Result<&'a [Value], String> {
    not_null(value, param)?;
    value
        .as_list()
        .ok_or_else(|| invalid(param, "list of any single type required"))
}

/// A map or object argument.
pub(super) fn map<'a>(
    value: &'a Value,
    param: &str,
) -> Result<&'a BTreeMap<String, Value>, String> {
    not_null(value, param)?;
    value
        .as_map()
        .ok_or_else(|| invalid(param, "map or object required"))
}

/// The first element of `items` that is unknown itself, as the value to return when a
/// `TopLevel` function cannot see past it.
pub(super) fn unknown_among<'a>(items: impl IntoIterator<Item = &'a Value>) -> Option<Value> {
    items.into_iter().find(|item| item.is_unknown()).cloned()
}

/// The first unknown anywhere inside `items`, as a value.
pub(super) fn unknown_within<'a>(items: impl IntoIterator<Item = &'a Value>) -> Option<Value> {
    items
        .into_iter()
        .find_map(Value::first_unknown)
        .map(|unknown| Value::Unknown(unknown.clone()))
}

const fn f(
    name: &'static str,
    unknowns: Unknowns,
    call: fn(&[Value], &FunctionEnv) -> Result<Value, String>,
) -> Function {
    Function {
        name,
        unknowns,
        call,
    }
}

use Unknowns::{Propagate as P, TopLevel as T};

/// The table. Groups follow Terraform's function reference.
static FUNCTIONS: &[Function] = &[
    // Numeric
    f("abs", P, numeric::abs),
    f("ceil", P, numeric::ceil),
    f("floor", P, numeric::floor),
    f("log", P, numeric::log),
    f("max", P, numeric::max),
    f("min", P, numeric::min),
    f("parseint", P, numeric::parseint),
    f("pow", P, numeric::pow),
    f("signum", P, numeric::signum),
    // String
    f("chomp", P, string::chomp),
    f("endswith", P, string::endswith),
    f("format", P, string::format),
    f("formatlist", T, string::formatlist),
    f("indent", P, string::indent),
    f("join", P, string::join),
    f("lower", P, string::lower),
    f("regex", P, string::regex),
    f("regexall", P, string::regexall),
    f("replace", P, string::replace),
    f("split", P, string::split),
    f("startswith", P, string::startswith),
    f("strcontains", P, string::strcontains),
    f("strrev", P, string::strrev),
    f("substr", P, string::substr),
    f("templatestring", P, string::templatestring),
    f("title", P, string::title),
    f("trim", P, string::trim),
    f("trimprefix", P, string::trimprefix),
    f("trimsuffix", P, string::trimsuffix),
    f("trimspace", P, string::trimspace),
    f("upper", P, string::upper),
    // Collection
    f("alltrue", T, collection::alltrue),
    f("anytrue", T, collection::anytrue),
    f("chunklist", T, collection::chunklist),
    f("coalesce", T, collection::coalesce),
    f("coalescelist", T, collection::coalescelist),
    f("compact", T, collection::compact),
    f("concat", T, collection::concat),
    f("contains", P, collection::contains),
    f("distinct", P, collection::distinct),
    f("element", T, collection::element),
    f("flatten", T, collection::flatten),
    f("index", P, collection::index),
    f("keys", T, collection::keys),
    f("length", T, collection::length),
    f("lookup", T, collection::lookup),
    f("matchkeys", P, collection::matchkeys),
    f("merge", T, collection::merge),
    f("one", T, collection::one),
    f("range", P, collection::range),
    f("reverse", T, collection::reverse),
    f("setintersection", P, collection::setintersection),
    f("setproduct", T, collection::setproduct),
    f("setsubtract", P, collection::setsubtract),
    f("setunion", P, collection::setunion),
    f("slice", T, collection::slice),
    f("sort", P, collection::sort),
    f("sum", P, collection::sum),
    f("transpose", P, collection::transpose),
    f("values", T, collection::values),
    f("zipmap", T, collection::zipmap),
    // Encoding
    f("base64decode", P, encoding::base64decode),
    f("base64encode", P, encoding::base64encode),
    f("base64gzip", P, encoding::base64gzip),
    f("csvdecode", P, encoding::csvdecode),
    f("jsondecode", P, encoding::jsondecode),
    f("jsonencode", P, encoding::jsonencode),
    f("textdecodebase64", P, encoding::textdecodebase64),
    f("textencodebase64", P, encoding::textencodebase64),
    f("urlencode", P, encoding::urlencode),
    f("yamldecode", P, encoding::yamldecode),
    f("yamlencode", P, encoding::yamlencode),
    // Filesystem
    f("abspath", P, filesystem::abspath),
    f("basename", P, filesystem::basename),
    f("dirname", P, filesystem::dirname),
    f("file", P, filesystem::file),
    f("filebase64", P, filesystem::filebase64),
    f("fileexists", P, filesystem::fileexists),
    f("fileset", P, filesystem::fileset),
    f("pathexpand", P, filesystem::pathexpand),
    f("templatefile", P, filesystem::templatefile),
    // Date and time
    f("formatdate", P, datetime::formatdate),
    f("plantimestamp", P, datetime::plantimestamp),
    f("timeadd", P, datetime::timeadd),
    f("timecmp", P, datetime::timecmp),
    f("timestamp", P, datetime::timestamp),
    // Hash and crypto
    f("base64sha256", P, crypto::base64sha256),
    f("base64sha512", P, crypto::base64sha512),
    f("bcrypt", P, crypto::bcrypt),
    f("filebase64sha256", P, crypto::filebase64sha256),
    f("filebase64sha512", P, crypto::filebase64sha512),
    f("filemd5", P, crypto::filemd5),
    f("filesha1", P, crypto::filesha1),
    f("filesha256", P, crypto::filesha256),
    f("filesha512", P, crypto::filesha512),
    f("md5", P, crypto::md5),
    f("rsadecrypt", P, crypto::rsadecrypt),
    f("sha1", P, crypto::sha1),
    f("sha256", P, crypto::sha256),
    f("sha512", P, crypto::sha512),
    f("uuid", P, crypto::uuid),
    f("uuidv5", P, crypto::uuidv5),
    // IP network
    f("cidrhost", P, ipnet::cidrhost),
    f("cidrnetmask", P, ipnet::cidrnetmask),
    f("cidrsubnet", P, ipnet::cidrsubnet),
    f("cidrsubnets", P, ipnet::cidrsubnets),
    // Type conversion
    f("ephemeralasnull", T, conversion::ephemeralasnull),
    f("tobool", P, conversion::tobool),
    f("tolist", T, conversion::tolist),
    f("tomap", T, conversion::tomap),
    f("tonumber", P, conversion::tonumber),
    f("toset", T, conversion::toset),
    f("tostring", P, conversion::tostring),
    // Terraform's built-in provider functions
    f(
        "provider::terraform::encode_tfvars",
        P,
        conversion::encode_tfvars,
    ),
    f(
        "provider::terraform::decode_tfvars",
        P,
        conversion::decode_tfvars,
    ),
    f(
        "provider::terraform::encode_expr",
        P,
        conversion::encode_expr,
    ),
];

#[cfg(test)]
mod table_tests {
    /// Every function of Terraform 1.x's function reference (developer.hashicorp.com/terraform/
    /// language/functions), group by group. `type` is left out: Terraform only has it in
    /// `terraform console`.
    const TERRAFORM_FUNCTIONS: &[&str] = &[
        // Numeric
        "abs",
        "ceil",
        "floor",
        "log",
        "max",
        "min",
        "parseint",
        "pow",
        "signum",
        // String
        "chomp",
        "endswith",
        "format",
        "formatlist",
        "indent",
        "join",
        "lower",
        "regex",
        "regexall",
        "replace",
        "split",
        "startswith",
        "strcontains",
        "strrev",
        "substr",
        "templatestring",
        "title",
        "trim",
        "trimprefix",
        "trimspace",
        "trimsuffix",
        "upper",
        // Collection
        "alltrue",
        "anytrue",
        "chunklist",
        "coalesce",
        "coalescelist",
        "compact",
        "concat",
        "contains",
        "distinct",
        "element",
        "flatten",
        "index",
        "keys",
        "length",
        "lookup",
        "matchkeys",
        "merge",
        "one",
        "range",
        "reverse",
        "setintersection",
        "setproduct",
        "setsubtract",
        "setunion",
        "slice",
        "sort",
        "sum",
        "transpose",
        "values",
        "zipmap",
        // Encoding
        "base64decode",
        "base64encode",
        "base64gzip",
        "csvdecode",
        "jsondecode",
        "jsonencode",
        "textdecodebase64",
        "textencodebase64",
        "urlencode",
        "yamldecode",
        "yamlencode",
        // Filesystem
        "abspath",
        "dirname",
        "pathexpand",
        "basename",
        "file",
        "fileexists",
        "fileset",
        "filebase64",
        "templatefile",
        // Date and time
        "formatdate",
        "plantimestamp",
        "timeadd",
        "timecmp",
        "timestamp",
        // Hash and crypto
        "base64sha256",
        "base64sha512",
        "bcrypt",
        "filebase64sha256",
        "filebase64sha512",
        "filemd5",
        "filesha1",
        "filesha256",
        "filesha512",
        "md5",
        "rsadecrypt",
        "sha1",
        "sha256",
        "sha512",
        "uuid",
        "uuidv5",
        // IP network
        "cidrhost",
        "cidrnetmask",
        "cidrsubnet",
        "cidrsubnets",
        // Type conversion (try and can are the evaluator's)
        "ephemeralasnull",
        "issensitive",
        "nonsensitive",
        "sensitive",
        "tobool",
        "tolist",
        "tomap",
        "tonumber",
        "toset",
        "tostring",
        // Terraform-specific
        "provider::terraform::encode_tfvars",
        "provider::terraform::decode_tfvars",
        "provider::terraform::encode_expr",
    ];

    #[test]
    fn every_terraform_function_is_in_the_table() {
        let names: Vec<&str> = super::names().collect();
        let missing: Vec<&&str> = TERRAFORM_FUNCTIONS
            .iter()
            .filter(|name| !names.contains(name))
            .collect();
        assert!(missing.is_empty(), "missing functions: {missing:?}");
    }
}
