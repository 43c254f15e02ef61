//! Embeds the guest contract (`guest-wit/wit`) and the Python SDK
//! (`guest-wit/python`, without its tests) into the crate, so the `symflow`
//! binary builds flows with no checkout and no Python install around it.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap());
    let guest = manifest
        .join("../../guest-wit")
        .canonicalize()
        .expect("guest-wit next to host/");
    println!("cargo:rerun-if-changed={}", guest.join("wit").display());
    println!("cargo:rerun-if-changed={}", guest.join("python").display());

    let mut files = Vec::new();
    collect(&guest, &guest.join("wit"), &mut files);
    collect(&guest, &guest.join("python"), &mut files);
    files.sort();

    let mut out = String::from(
        "/// Files of `guest-wit/` embedded at build time: (relative path, contents).\n",
    );
    out.push_str("pub static GUEST_FILES: &[(&str, &[u8])] = &[\n");
    for (relative, absolute) in &files {
        writeln!(out, "    ({relative:?}, include_bytes!({absolute:?})),").unwrap();
    }
    out.push_str("];\n");
    let dest = PathBuf::from(std::env::var_os("OUT_DIR").unwrap()).join("guest_files.rs");
    std::fs::write(dest, out).unwrap();
}

fn collect(root: &Path, dir: &Path, files: &mut Vec<(String, String)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') || name == "__pycache__" || name == "tests" {
            continue;
        }
        if path.is_dir() {
            collect(root, &path, files);
        } else if name.ends_with(".py") || name.ends_with(".wit") || name.ends_with(".toml") {
            let relative = path
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            files.push((relative, path.to_string_lossy().into_owned()));
        }
    }
}
