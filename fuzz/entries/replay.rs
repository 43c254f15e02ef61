//! Replays a committed cargo-fuzz corpus (`fuzz/corpus/<target>`, and any crash inputs kept in
//! `fuzz/regressions/<target>`) through a fuzz entry function. Shared by the `fuzz_corpus`
//! tests of host/slack, host/engine and host/config (included with `#[path]`), so every input
//! the fuzzers found interesting stays checked on stable, without cargo-fuzz.

use std::path::PathBuf;

/// Every input of `target`'s corpus and regressions, by file name.
pub fn inputs(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let fuzz = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fuzz");
    let mut inputs = Vec::new();
    for dir in ["corpus", "regressions"] {
        let Ok(entries) = std::fs::read_dir(fuzz.join(dir).join(target)) else {
            continue;
        };
        for entry in entries {
            let path = entry.expect("directory entry").path();
            if path.is_file() {
                let data = std::fs::read(&path).expect("corpus file");
                inputs.push((path, data));
            }
        }
    }
    inputs.sort();
    inputs
}

/// Runs `entry` on every input of `target`, naming each input that panicked.
pub fn replay(target: &str, entry: fn(&[u8])) {
    let inputs = inputs(target);
    assert!(
        inputs.len() >= 5,
        "fuzz/corpus/{target} has {} inputs; the committed corpus is missing",
        inputs.len()
    );
    let failed: Vec<String> = inputs
        .iter()
        .filter(|(_, data)| std::panic::catch_unwind(|| entry(data)).is_err())
        .map(|(path, _)| path.display().to_string())
        .collect();
    assert!(failed.is_empty(), "inputs that panic: {failed:#?}");
}
