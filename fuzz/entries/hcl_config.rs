//! Fuzz entry: the HCL loader (host/config `load_dir`) on arbitrary `.tf` text.
//!
//! The input is written as `main.tf` of a scratch directory (and, after the first NUL byte,
//! as `terraform.tfvars`), then loaded the way `symflow validate` / `symflow up` load a
//! configuration. Whatever the text, loading gives a model or diagnostics, never a panic or a
//! hang (the fuzzer's `-timeout` catches hangs); a failed load names at least one error, and
//! every `file:line` a diagnostic points at is one of the written files, at a line they have.
//!
//! Shared by the cargo-fuzz target `hcl_config` and the corpus replay test of host/config
//! (`host/config/tests/fuzz_corpus.rs`).

use std::cell::RefCell;
use std::path::{Path, PathBuf};

use symflow_config::{load_dir, LoadOptions};

thread_local! {
    static SCRATCH: RefCell<Option<PathBuf>> = const { RefCell::new(None) };
}

/// A directory of this thread's own, created once.
fn scratch_dir() -> PathBuf {
    SCRATCH.with(|cell| {
        cell.borrow_mut()
            .get_or_insert_with(|| {
                let id = format!("{:?}", std::thread::current().id());
                let id: String = id.chars().filter(char::is_ascii_digit).collect();
                let dir = std::env::temp_dir()
                    .join(format!("symflow-fuzz-hcl-{}-{id}", std::process::id()));
                std::fs::create_dir_all(&dir).expect("scratch directory");
                dir
            })
            .clone()
    })
}

pub fn run(data: &[u8]) {
    let dir = scratch_dir();
    let (tf, tfvars) = match data.iter().position(|&b| b == 0) {
        Some(at) => (&data[..at], Some(&data[at + 1..])),
        None => (data, None),
    };
    let tf_path = dir.join("main.tf");
    let tfvars_path = dir.join("terraform.tfvars");
    std::fs::write(&tf_path, tf).expect("write main.tf");
    match tfvars {
        Some(text) => std::fs::write(&tfvars_path, text).expect("write terraform.tfvars"),
        None => {
            let _ = std::fs::remove_file(&tfvars_path);
        }
    }
    let files: Vec<(PathBuf, usize)> = [(tf_path, Some(tf)), (tfvars_path, tfvars)]
        .into_iter()
        .filter_map(|(path, text)| Some((path, line_count(text?))))
        .collect();

    let diagnostics = match load_dir(&dir, &LoadOptions::default()) {
        Ok(loaded) => {
            // A model: resolving every flow must not panic either.
            for flow in loaded.config.flows.values() {
                let _ = loaded.config.resolve_flow(flow);
            }
            assert!(loaded.diagnostics.iter().all(|d| !d.is_error()));
            loaded.diagnostics
        }
        Err(error) => {
            assert!(
                error.errors().next().is_some(),
                "a failed load names no error"
            );
            let _ = error.to_string();
            error.diagnostics
        }
    };
    for diagnostic in &diagnostics {
        let Some(location) = &diagnostic.location else {
            continue;
        };
        let lines = lines_of(&files, &location.file).unwrap_or_else(|| {
            panic!("{diagnostic} points outside the configuration");
        });
        assert!(
            location.line <= lines + 1,
            "{diagnostic}: the file has {lines} lines"
        );
        let _ = diagnostic.to_string();
    }
}

fn line_count(text: &[u8]) -> usize {
    text.iter().filter(|&&b| b == b'\n').count() + 1
}

fn lines_of(files: &[(PathBuf, usize)], file: &Path) -> Option<usize> {
    files.iter().find(|(path, _)| path == file).map(|(_, n)| *n)
}
