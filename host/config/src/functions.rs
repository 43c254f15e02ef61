//! The Terraform built-in functions that Sym configurations use, registered into hcl-rs's
//! evaluation [`Context`].
//!
//! hcl-rs evaluates expressions but ships no functions; Terraform's are reimplemented here only as
//! far as Sym repositories need them (`file`, `jsonencode`, string and collection helpers).
//! hcl-rs functions are plain `fn` pointers, so `file` finds the configuration directory through a
//! thread-local set for the duration of one load ([`BaseDirGuard`]).

use std::cell::RefCell;
use std::path::{Path, PathBuf};

use hcl::eval::{Context, FuncArgs, FuncDef, ParamType};
use hcl::{Map, Value};

thread_local! {
    static BASE_DIR: RefCell<Option<PathBuf>> = const { RefCell::new(None) };
}

/// Makes relative paths given to `file(...)` resolve against `dir` until dropped.
pub(crate) struct BaseDirGuard {
    previous: Option<PathBuf>,
}

impl BaseDirGuard {
    pub fn set(dir: &Path) -> Self {
        let previous = BASE_DIR.with(|cell| cell.replace(Some(dir.to_path_buf())));
        BaseDirGuard { previous }
    }
}

impl Drop for BaseDirGuard {
    fn drop(&mut self) {
        let previous = self.previous.take();
        BASE_DIR.with(|cell| *cell.borrow_mut() = previous);
    }
}

/// Resolves a path written in the configuration (relative to the configuration directory).
pub(crate) fn resolve_path(dir: &Path, written: &str) -> PathBuf {
    let written = Path::new(written);
    if written.is_absolute() {
        return written.to_path_buf();
    }
    let mut resolved = dir.to_path_buf();
    for component in written.components() {
        match component {
            std::path::Component::CurDir => {}
            other => resolved.push(other),
        }
    }
    resolved
}

/// Largest file `file(...)` / `templatefile(...)` reads: 16 MiB, far above any flow's `impl.py`.
pub(crate) const MAX_FILE_BYTES: u64 = 16 << 20;

fn read_relative(written: &str) -> Result<String, String> {
    use std::io::Read;

    let path = BASE_DIR.with(|cell| match &*cell.borrow() {
        Some(dir) => resolve_path(dir, written),
        None => PathBuf::from(written),
    });
    let cannot = |err: std::io::Error| format!("cannot read {}: {err}", path.display());
    // Only regular files: `/dev/zero` would never end and a FIFO or `/dev/stdin` would block
    // the load forever (found by fuzzing the loader).
    let metadata = std::fs::metadata(&path).map_err(cannot)?;
    if !metadata.is_file() {
        return Err(format!(
            "cannot read {}: it is not a regular file (a directory, device or pipe); point \
             file() at a file in the configuration directory",
            path.display()
        ));
    }
    let mut bytes = Vec::new();
    std::fs::File::open(&path)
        .and_then(|f| f.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes))
        .map_err(cannot)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(format!(
            "cannot read {}: it is larger than {} MiB",
            path.display(),
            MAX_FILE_BYTES >> 20
        ));
    }
    String::from_utf8(bytes).map_err(|_| {
        format!(
            "cannot read {}: stream did not contain valid UTF-8",
            path.display()
        )
    })
}

/// Registers every supported function into `ctx`.
pub(crate) fn register(ctx: &mut Context) {
    use ParamType::{Any, String as Str};
    let def = |params: Vec<ParamType>, func: hcl::eval::Func| {
        FuncDef::builder().params(params).build(func)
    };
    let variadic = |param: ParamType, func: hcl::eval::Func| {
        FuncDef::builder().variadic_param(param).build(func)
    };
    ctx.declare_func("file", def(vec![Str], file));
    ctx.declare_func("templatefile", def(vec![Str, Any], templatefile));
    ctx.declare_func("jsonencode", def(vec![Any], jsonencode));
    ctx.declare_func("jsondecode", def(vec![Str], jsondecode));
    ctx.declare_func("lower", def(vec![Str], lower));
    ctx.declare_func("upper", def(vec![Str], upper));
    ctx.declare_func("trimspace", def(vec![Str], trimspace));
    ctx.declare_func("trimprefix", def(vec![Str, Str], trimprefix));
    ctx.declare_func("trimsuffix", def(vec![Str, Str], trimsuffix));
    ctx.declare_func("replace", def(vec![Str, Str, Str], replace));
    ctx.declare_func("split", def(vec![Str, Str], split));
    ctx.declare_func(
        "join",
        FuncDef::builder()
            .param(Str)
            .variadic_param(ParamType::array_of(Any))
            .build(join),
    );
    ctx.declare_func("format", {
        FuncDef::builder()
            .param(Str)
            .variadic_param(Any)
            .build(format)
    });
    ctx.declare_func("tostring", def(vec![Any], tostring));
    ctx.declare_func("tonumber", def(vec![Any], tonumber));
    ctx.declare_func("tobool", def(vec![Any], tobool));
    ctx.declare_func("tolist", def(vec![Any], identity));
    ctx.declare_func("toset", def(vec![Any], toset));
    ctx.declare_func("tomap", def(vec![Any], identity));
    ctx.declare_func("length", def(vec![Any], length));
    ctx.declare_func("concat", variadic(ParamType::array_of(Any), concat));
    ctx.declare_func("merge", variadic(Any, merge));
    ctx.declare_func("flatten", def(vec![Any], flatten));
    ctx.declare_func("distinct", def(vec![Any], distinct));
    ctx.declare_func("contains", def(vec![Any, Any], contains));
    ctx.declare_func("keys", def(vec![Any], keys));
    ctx.declare_func("values", def(vec![Any], values));
    ctx.declare_func(
        "lookup",
        FuncDef::builder()
            .params([Any, Str])
            .variadic_param(Any)
            .build(lookup),
    );
    ctx.declare_func("coalesce", variadic(Any, coalesce));
    ctx.declare_func("basename", def(vec![Str], basename));
    ctx.declare_func("abspath", def(vec![Str], identity));
}

fn str_arg(args: &FuncArgs, index: usize) -> &str {
    // Parameter types were checked by hcl-rs before the call.
    args[index].as_str().unwrap_or_default()
}

fn file(args: FuncArgs) -> Result<Value, String> {
    read_relative(str_arg(&args, 0)).map(Value::String)
}

fn templatefile(args: FuncArgs) -> Result<Value, String> {
    let text = read_relative(str_arg(&args, 0))?;
    let template: hcl::Template = text.parse().map_err(|err| format!("{err}"))?;
    let mut ctx = Context::new();
    register(&mut ctx);
    if let Value::Object(vars) = &args[1] {
        for (name, value) in vars {
            ctx.declare_var(name.as_str(), value.clone());
        }
    }
    use hcl::eval::Evaluate;
    template
        .evaluate(&ctx)
        .map(Value::String)
        .map_err(|err| err.to_string())
}

/// Terraform's `jsonencode`: compact JSON, keys in the order written.
fn jsonencode(args: FuncArgs) -> Result<Value, String> {
    serde_json::to_string(&args[0])
        .map(Value::String)
        .map_err(|err| err.to_string())
}

fn jsondecode(args: FuncArgs) -> Result<Value, String> {
    serde_json::from_str::<Value>(str_arg(&args, 0)).map_err(|err| format!("invalid JSON: {err}"))
}

fn lower(args: FuncArgs) -> Result<Value, String> {
    Ok(Value::from(str_arg(&args, 0).to_lowercase()))
}

fn upper(args: FuncArgs) -> Result<Value, String> {
    Ok(Value::from(str_arg(&args, 0).to_uppercase()))
}

fn trimspace(args: FuncArgs) -> Result<Value, String> {
    Ok(Value::from(str_arg(&args, 0).trim()))
}

fn trimprefix(args: FuncArgs) -> Result<Value, String> {
    let (s, prefix) = (str_arg(&args, 0), str_arg(&args, 1));
    Ok(Value::from(s.strip_prefix(prefix).unwrap_or(s)))
}

fn trimsuffix(args: FuncArgs) -> Result<Value, String> {
    let (s, suffix) = (str_arg(&args, 0), str_arg(&args, 1));
    Ok(Value::from(s.strip_suffix(suffix).unwrap_or(s)))
}

fn replace(args: FuncArgs) -> Result<Value, String> {
    Ok(Value::from(
        str_arg(&args, 0).replace(str_arg(&args, 1), str_arg(&args, 2)),
    ))
}

fn split(args: FuncArgs) -> Result<Value, String> {
    let (separator, s) = (str_arg(&args, 0), str_arg(&args, 1));
    Ok(Value::Array(s.split(separator).map(Value::from).collect()))
}

fn join(args: FuncArgs) -> Result<Value, String> {
    let separator = str_arg(&args, 0).to_owned();
    let mut parts = Vec::new();
    for list in args.iter().skip(1) {
        for item in list.as_array().into_iter().flatten() {
            parts.push(value_to_string(item)?);
        }
    }
    Ok(Value::from(parts.join(&separator)))
}

/// `format` with the verbs Terraform configurations use: `%s`, `%d`, `%v` and `%%`.
fn format(args: FuncArgs) -> Result<Value, String> {
    let spec = str_arg(&args, 0).to_owned();
    let mut rest = args.iter().skip(1);
    let mut out = String::new();
    let mut chars = spec.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('%') => out.push('%'),
            Some('s' | 'd' | 'v') => {
                let value = rest.next().ok_or("not enough arguments for format")?;
                out.push_str(&value_to_string(value)?);
            }
            Some(other) => return Err(format!("unsupported format verb %{other}")),
            None => return Err("format string ends with %".into()),
        }
    }
    Ok(Value::from(out))
}

/// Converts a primitive to its string form the way Terraform does for `map(string)`.
pub(crate) fn value_to_string(value: &Value) -> Result<String, String> {
    match value {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        Value::Null => Err("null cannot be converted to a string".into()),
        Value::Array(_) => Err("a list cannot be converted to a string".into()),
        Value::Object(_) => Err("an object cannot be converted to a string".into()),
    }
}

fn tostring(args: FuncArgs) -> Result<Value, String> {
    value_to_string(&args[0]).map(Value::String)
}

fn tonumber(args: FuncArgs) -> Result<Value, String> {
    match &args[0] {
        Value::Number(n) => Ok(Value::Number(*n)),
        Value::String(s) => {
            if let Ok(int) = s.trim().parse::<i64>() {
                Ok(Value::from(int))
            } else {
                s.trim()
                    .parse::<f64>()
                    .ok()
                    .and_then(hcl::Number::from_f64)
                    .map(Value::Number)
                    .ok_or_else(|| format!("cannot convert {s:?} to a number"))
            }
        }
        other => Err(format!("cannot convert {other} to a number")),
    }
}

fn tobool(args: FuncArgs) -> Result<Value, String> {
    match &args[0] {
        Value::Bool(b) => Ok(Value::Bool(*b)),
        Value::String(s) if s == "true" => Ok(Value::Bool(true)),
        Value::String(s) if s == "false" => Ok(Value::Bool(false)),
        other => Err(format!("cannot convert {other} to a bool")),
    }
}

fn identity(args: FuncArgs) -> Result<Value, String> {
    Ok(args[0].clone())
}

fn toset(args: FuncArgs) -> Result<Value, String> {
    distinct(args)
}

fn length(args: FuncArgs) -> Result<Value, String> {
    match &args[0] {
        Value::String(s) => Ok(Value::from(s.chars().count())),
        Value::Array(a) => Ok(Value::from(a.len())),
        Value::Object(o) => Ok(Value::from(o.len())),
        other => Err(format!("length of {other} is undefined")),
    }
}

fn concat(args: FuncArgs) -> Result<Value, String> {
    Ok(Value::Array(
        args.iter()
            .flat_map(|list| list.as_array().cloned().unwrap_or_default())
            .collect(),
    ))
}

fn merge(args: FuncArgs) -> Result<Value, String> {
    let mut merged = Map::new();
    for value in args.iter() {
        match value {
            Value::Object(object) => merged.extend(object.clone()),
            Value::Null => {}
            other => return Err(format!("merge takes maps, got {other}")),
        }
    }
    Ok(Value::Object(merged))
}

fn flatten(args: FuncArgs) -> Result<Value, String> {
    fn push_all(value: &Value, out: &mut Vec<Value>) {
        match value {
            Value::Array(items) => items.iter().for_each(|item| push_all(item, out)),
            other => out.push(other.clone()),
        }
    }
    let mut out = Vec::new();
    push_all(&args[0], &mut out);
    Ok(Value::Array(out))
}

fn distinct(args: FuncArgs) -> Result<Value, String> {
    let items = args[0].as_array().ok_or("expected a list")?;
    let mut out: Vec<Value> = Vec::new();
    for item in items {
        if !out.contains(item) {
            out.push(item.clone());
        }
    }
    Ok(Value::Array(out))
}

fn contains(args: FuncArgs) -> Result<Value, String> {
    let items = args[0].as_array().ok_or("expected a list")?;
    Ok(Value::Bool(items.contains(&args[1])))
}

fn keys(args: FuncArgs) -> Result<Value, String> {
    let object = args[0].as_object().ok_or("expected a map")?;
    Ok(Value::Array(
        object.keys().cloned().map(Value::from).collect(),
    ))
}

fn values(args: FuncArgs) -> Result<Value, String> {
    let object = args[0].as_object().ok_or("expected a map")?;
    Ok(Value::Array(object.values().cloned().collect()))
}

fn lookup(args: FuncArgs) -> Result<Value, String> {
    let object = args[0].as_object().ok_or("expected a map")?;
    let key = str_arg(&args, 1);
    match (object.get(key), args.get(2)) {
        (Some(value), _) => Ok(value.clone()),
        (None, Some(default)) => Ok(default.clone()),
        (None, None) => Err(format!("key {key:?} not found and no default given")),
    }
}

fn coalesce(args: FuncArgs) -> Result<Value, String> {
    args.iter()
        .find(|value| !matches!(value, Value::Null) && value.as_str() != Some(""))
        .cloned()
        .ok_or_else(|| "no non-null, non-empty argument".to_string())
}

fn basename(args: FuncArgs) -> Result<Value, String> {
    let path = Path::new(str_arg(&args, 0));
    Ok(Value::from(
        path.file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use hcl::eval::Evaluate;

    fn eval(expr: &str) -> Value {
        let mut ctx = Context::new();
        register(&mut ctx);
        let expr: hcl::Expression = expr.parse().unwrap();
        expr.evaluate(&ctx).unwrap()
    }

    #[test]
    fn jsonencode_is_compact_and_keeps_order() {
        assert_eq!(
            eval(r#"jsonencode({ b = 1, a = ["x", true] })"#),
            Value::from(r#"{"b":1,"a":["x",true]}"#)
        );
    }

    #[test]
    fn string_helpers() {
        assert_eq!(eval(r#"format("%s-%d", "a", 3)"#), Value::from("a-3"));
        assert_eq!(eval(r#"join(",", ["a", "b"])"#), Value::from("a,b"));
        assert_eq!(
            eval(r#"merge({ a = 1 }, { b = 2 })"#),
            eval(r#"{ a = 1, b = 2 }"#)
        );
        assert_eq!(eval(r#"lookup({ a = 1 }, "b", 7)"#), Value::from(7));
    }

    #[test]
    fn file_reads_relative_to_the_configuration_directory() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("impls")).unwrap();
        std::fs::write(dir.path().join("impls/a.py"), "x = 1\n").unwrap();
        let _guard = BaseDirGuard::set(dir.path());
        assert_eq!(eval(r#"file("./impls/a.py")"#), Value::from("x = 1\n"));
    }

    fn eval_err(expr: &str) -> String {
        let mut ctx = Context::new();
        register(&mut ctx);
        let expr: hcl::Expression = expr.parse().unwrap();
        expr.evaluate(&ctx).unwrap_err().to_string()
    }

    /// Regression (fuzzing the loader): `file("/dev/zero")` read forever and a directory or
    /// pipe could block; only regular files are read now, and at most 16 MiB of them.
    #[test]
    fn file_refuses_devices_directories_and_huge_files() {
        let error = eval_err(r#"file("/dev/zero")"#);
        assert!(error.contains("not a regular file"), "{error}");
        let dir = tempfile::tempdir().unwrap();
        let _guard = BaseDirGuard::set(dir.path());
        let error = eval_err(r#"file(".")"#);
        assert!(error.contains("not a regular file"), "{error}");
        let big = std::fs::File::create(dir.path().join("big.py")).unwrap();
        big.set_len(MAX_FILE_BYTES + 1).unwrap();
        let error = eval_err(r#"templatefile("big.py", {})"#);
        assert!(error.contains("larger than 16 MiB"), "{error}");
    }
}
