//! Terraform's filesystem functions (`file`, `fileset`, `templatefile`, `abspath`, ...).
//! Relative paths resolve against the configuration's working directory
//! ([`FunctionEnv::cwd`]), as Terraform resolves them against its own; files are read with
//! care: regular files only (a device or FIFO would never end or block the load) and at most
//! [`MAX_FILE_BYTES`].

use std::io::Read;
use std::path::{Component, Path, PathBuf};

use super::{fixed, invalid, map, string, FunctionEnv};
use crate::tf::value::Value;

/// Largest file the file functions read: 16 MiB, far above any flow's source file.
pub(super) const MAX_FILE_BYTES: u64 = 16 << 20;

/// Expands a leading `~` to the home directory, as Terraform does for file paths.
fn expand_home(written: &str) -> Result<String, String> {
    if written == "~" || written.starts_with("~/") {
        let home = std::env::var("HOME").map_err(|_| "cannot expand ~: HOME is not set")?;
        return Ok(format!("{home}{}", &written[1..]));
    }
    if written.starts_with('~') {
        return Err("cannot expand user-specific home dir".into());
    }
    Ok(written.to_owned())
}

/// The path `written` names, relative paths against `env.cwd`.
pub(super) fn resolve(env: &FunctionEnv, written: &str) -> Result<PathBuf, String> {
    let expanded = expand_home(written)?;
    let path = Path::new(&expanded);
    if path.is_absolute() {
        return Ok(path.to_path_buf());
    }
    let mut resolved = env.cwd.to_path_buf();
    for component in path.components() {
        if component != Component::CurDir {
            resolved.push(component);
        }
    }
    Ok(resolved)
}

/// The bytes of the regular file at `written`.
pub(super) fn read_bytes(env: &FunctionEnv, written: &str) -> Result<Vec<u8>, String> {
    let path = resolve(env, written)?;
    let metadata = std::fs::metadata(&path).map_err(|err| {
        if err.kind() == std::io::ErrorKind::NotFound {
            format!(
                "no file exists at {written:?}; this function works only with files that are \
                 distributed as part of the configuration source code, so if this file will be \
                 created by a resource in this configuration you must instead obtain this \
                 result from an attribute of that resource"
            )
        } else {
            format!("cannot read {}: {err}", path.display())
        }
    })?;
    if !metadata.is_file() {
        return Err(format!(
            "cannot read {}: it is not a regular file (a directory, device or pipe)",
            path.display()
        ));
    }
    let mut bytes = Vec::new();
    std::fs::File::open(&path)
        .and_then(|f| f.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes))
        .map_err(|err| format!("cannot read {}: {err}", path.display()))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(format!(
            "cannot read {}: it is larger than {} MiB",
            path.display(),
            MAX_FILE_BYTES >> 20
        ));
    }
    Ok(bytes)
}

/// The UTF-8 text of the regular file at `written`.
pub(super) fn read_text(env: &FunctionEnv, written: &str) -> Result<String, String> {
    String::from_utf8(read_bytes(env, written)?).map_err(|_| {
        format!(
            "contents of {written:?} are not valid UTF-8; use the filebase64 function to \
             obtain the Base64 encoded contents or the other file functions (e.g. filemd5, \
             filesha256) to obtain file hashing results instead"
        )
    })
}

/// Go's `filepath.Clean` on a `/`-separated path.
fn clean(path: &str) -> String {
    if path.is_empty() {
        return ".".into();
    }
    let rooted = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => match parts.last() {
                Some(&last) if last != ".." => {
                    parts.pop();
                }
                _ if rooted => {}
                _ => parts.push(".."),
            },
            other => parts.push(other),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".into(),
        (false, false) => joined,
    }
}

pub(super) fn abspath(args: &[Value], env: &FunctionEnv) -> Result<Value, String> {
    let [path] = fixed(args)?;
    let path = string(path, "path")?;
    let absolute = if path.starts_with('/') {
        path
    } else {
        format!("{}/{path}", env.cwd.to_string_lossy().replace('\\', "/"))
    };
    Ok(Value::String(clean(&absolute)))
}

/// Go's `filepath.Base`.
pub(super) fn basename(args: &[Value], _: &FunctionEnv) -> Result<Value, String> {
    let [path] = fixed(args)?;
    let path = string(path, "path")?;
    if path.is_empty() {
        return Ok(Value::from("."));
    }
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        return Ok(Value::from("/"));
    }
    Ok(Value::from(trimmed.rsplit('/').next().unwrap_or(trimmed)))
}

/// Go's `filepath.Dir`.
pub(super) fn dirname(args: &[Value], _: &FunctionEnv) -> Result<Value, String> {
    let [path] = fixed(args)?;
    let path = string(path, "path")?;
    let dir = match path.rfind('/') {
        Some(i) => &path[..=i],
        None => "",
    };
    Ok(Value::String(clean(dir)))
}

pub(super) fn pathexpand(args: &[Value], _: &FunctionEnv) -> Result<Value, String> {
    let [path] = fixed(args)?;
    expand_home(&string(path, "path")?).map(Value::String)
}

pub(super) fn file(args: &[Value], env: &FunctionEnv) -> Result<Value, String> {
    let [path] = fixed(args)?;
    read_text(env, &string(path, "path")?).map(Value::String)
}

pub(super) fn filebase64(args: &[Value], env: &FunctionEnv) -> Result<Value, String> {
    let [path] = fixed(args)?;
    let bytes = read_bytes(env, &string(path, "path")?)?;
    Ok(Value::String(super::encoding::encode_base64(&bytes)))
}

pub(super) fn fileexists(args: &[Value], env: &FunctionEnv) -> Result<Value, String> {
    let [path] = fixed(args)?;
    let written = string(path, "path")?;
    let path = resolve(env, &written)?;
    match std::fs::metadata(&path) {
        Ok(metadata) if metadata.is_file() => Ok(Value::Bool(true)),
        Ok(_) => Err(format!("{written:?} is not a regular file")),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(Value::Bool(false)),
        Err(err) => Err(format!("failed to stat {written:?}: {err}")),
    }
}

/// Most entries `fileset` looks at, so a pattern over a huge tree fails instead of hanging.
const MAX_FILESET_ENTRIES: usize = 100_000;

/// `fileset(path, pattern)`: the regular files under `path` matching `pattern` (`*`, `**`,
/// `?`, `{a,b}`, `[class]`), relative to `path`, in lexical order.
pub(super) fn fileset(args: &[Value], env: &FunctionEnv) -> Result<Value, String> {
    let [base, pattern] = fixed(args)?;
    let (base, pattern) = (string(base, "path")?, string(pattern, "pattern")?);
    let glob = globset::GlobBuilder::new(&clean(&pattern.replace("[^", "[!")))
        .literal_separator(true)
        .backslash_escape(true)
        .build()
        .map_err(|err| {
            invalid(
                "pattern",
                format!("failed to glob pattern {pattern:?}: {err}"),
            )
        })?
        .compile_matcher();
    let root = resolve(env, &base)?;
    let mut found = Vec::new();
    let mut pending = vec![(root.clone(), String::new())];
    let mut seen = 0usize;
    while let Some((dir, relative)) = pending.pop() {
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(_) if relative.is_empty() => return Ok(Value::List(Vec::new())),
            Err(_) => continue,
        };
        for entry in entries.flatten() {
            seen += 1;
            if seen > MAX_FILESET_ENTRIES {
                return Err(format!(
                    "more than {MAX_FILESET_ENTRIES} files under {base:?}; narrow the path"
                ));
            }
            let name = entry.file_name().to_string_lossy().into_owned();
            let path_here = if relative.is_empty() {
                name
            } else {
                format!("{relative}/{name}")
            };
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_dir() {
                // Symbolic links to directories are not followed (they could loop).
                pending.push((entry.path(), path_here));
            } else if std::fs::metadata(entry.path()).is_ok_and(|m| m.is_file())
                && glob.is_match(&path_here)
            {
                found.push(path_here);
            }
        }
    }
    found.sort();
    Ok(Value::List(found.into_iter().map(Value::String).collect()))
}

pub(super) fn templatefile(args: &[Value], env: &FunctionEnv) -> Result<Value, String> {
    let [path, vars] = fixed(args)?;
    let text = read_text(env, &string(path, "path")?)?;
    let vars = map(vars, "vars").map_err(|_| "invalid vars value: must be a map".to_owned())?;
    (env.render_template)(&text, vars)
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use crate::tf::value::Value;
    use serde_json::json;

    fn dir() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("files/sub")).unwrap();
        std::fs::write(root.join("hello.txt"), "Hello World").unwrap();
        std::fs::write(root.join("files/a.txt"), "a").unwrap();
        std::fs::write(root.join("files/b.md"), "b").unwrap();
        std::fs::write(root.join("files/sub/c.txt"), "c").unwrap();
        std::fs::write(root.join("bin.dat"), [0xff, 0x00]).unwrap();
        std::fs::write(root.join("greet.tftpl"), "Hello, ${name}!").unwrap();
        dir
    }

    fn s(text: &str) -> Value {
        Value::from(text)
    }

    #[test]
    fn path_functions() {
        check_ok(&[
            ("basename", json!(["foo/bar/baz.txt"]), json!("baz.txt")),
            ("basename", json!(["foo/bar/"]), json!("bar")),
            ("basename", json!([""]), json!(".")),
            ("basename", json!(["/"]), json!("/")),
            ("dirname", json!(["foo/bar/baz.txt"]), json!("foo/bar")),
            ("dirname", json!(["foo"]), json!(".")),
            ("dirname", json!(["/foo"]), json!("/")),
            ("dirname", json!(["a//b/../c/x"]), json!("a/c")),
            ("abspath", json!(["/a/./b/../c"]), json!("/a/c")),
        ]);
        let cwd = std::path::Path::new("/work/config");
        assert_eq!(
            call_in(cwd, "abspath", vec![s("modules/../x.tf")]),
            Ok(s("/work/config/x.tf"))
        );
        let home = std::env::var("HOME").unwrap();
        assert_eq!(
            call_v("pathexpand", vec![s("~/.ssh/id_rsa")]),
            Ok(Value::String(format!("{home}/.ssh/id_rsa")))
        );
        assert_eq!(
            call_v("pathexpand", vec![s("/etc/resolv.conf")]),
            Ok(s("/etc/resolv.conf"))
        );
    }

    #[test]
    fn reading_files() {
        let dir = dir();
        let at = |name: &str, args: Vec<Value>| call_in(dir.path(), name, args);
        assert_eq!(at("file", vec![s("hello.txt")]), Ok(s("Hello World")));
        assert_eq!(at("file", vec![s("./hello.txt")]), Ok(s("Hello World")));
        assert_eq!(
            at("filebase64", vec![s("hello.txt")]),
            Ok(s("SGVsbG8gV29ybGQ="))
        );
        assert_eq!(at("filebase64", vec![s("bin.dat")]), Ok(s("/wA=")));
        assert_eq!(
            at("fileexists", vec![s("hello.txt")]),
            Ok(Value::Bool(true))
        );
        assert_eq!(
            at("fileexists", vec![s("nope.txt")]),
            Ok(Value::Bool(false))
        );
        assert!(at("fileexists", vec![s("files")])
            .unwrap_err()
            .contains("not a regular file"));
        assert!(at("file", vec![s("bin.dat")])
            .unwrap_err()
            .contains("not valid UTF-8"));
        assert!(at("file", vec![s("nope.txt")])
            .unwrap_err()
            .contains("no file exists"));
        assert!(at("file", vec![s("files")])
            .unwrap_err()
            .contains("not a regular file"));
        assert!(call_v("file", vec![s("/dev/zero")])
            .unwrap_err()
            .contains("not a regular file"));
        assert_eq!(
            at(
                "templatefile",
                vec![s("greet.tftpl"), v(json!({"name": "Ann"}))]
            ),
            Ok(s("Hello, Ann!"))
        );
        assert!(at("templatefile", vec![s("greet.tftpl"), v(json!(["x"]))])
            .unwrap_err()
            .contains("must be a map"));
    }

    #[test]
    fn large_files_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let big = std::fs::File::create(dir.path().join("big")).unwrap();
        big.set_len(super::MAX_FILE_BYTES + 1).unwrap();
        let err = call_in(dir.path(), "filebase64", vec![s("big")]).unwrap_err();
        assert!(err.contains("larger than 16 MiB"), "{err}");
    }

    #[test]
    fn fileset_matches_like_terraform() {
        let dir = dir();
        let set = |base: &str, pattern: &str| {
            call_in(dir.path(), "fileset", vec![s(base), s(pattern)]).unwrap()
        };
        assert_eq!(set(".", "files/*.txt"), v(json!(["files/a.txt"])));
        assert_eq!(
            set(".", "files/**"),
            v(json!(["files/a.txt", "files/b.md", "files/sub/c.txt"]))
        );
        assert_eq!(
            set(".", "**/*.txt"),
            v(json!(["files/a.txt", "files/sub/c.txt", "hello.txt"]))
        );
        assert_eq!(set("files", "*.{txt,md}"), v(json!(["a.txt", "b.md"])));
        assert_eq!(set("files", "?.txt"), v(json!(["a.txt"])));
        assert_eq!(set("files", "[^a].*"), v(json!(["b.md"])));
        assert_eq!(set("missing", "*"), v(json!([])));
    }

    #[test]
    fn unknown_paths() {
        assert!(call_v("file", vec![unknown()]).unwrap().is_unknown());
    }
}
