//! Builds the two Rust components (`host/spin-wasm`) for `wasm32-wasip2` with cargo, in their
//! own target directory so the native build's lock is never held twice.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context};

use crate::repo_root;

pub struct RustComponents {
    pub app: PathBuf,
    pub caps: PathBuf,
}

pub fn build_components(target_dir: &Path) -> anyhow::Result<RustComponents> {
    let manifest = repo_root().join("host/spin-wasm/Cargo.toml");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .args([
            "build",
            "--release",
            "--target",
            "wasm32-wasip2",
            "--manifest-path",
        ])
        .arg(&manifest)
        .env("CARGO_TARGET_DIR", target_dir)
        // Not the outer cargo's settings (when run from `cargo test`).
        .env_remove("CARGO_MAKEFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .status()
        .context("running cargo to build the Spin components")?;
    if !status.success() {
        bail!("building the Spin components failed (cargo build --target wasm32-wasip2 --manifest-path {}); is the target installed? `rustup target add wasm32-wasip2`", manifest.display());
    }
    let out = target_dir.join("wasm32-wasip2/release");
    Ok(RustComponents {
        app: out.join("symflow_spin_app.wasm"),
        caps: out.join("symflow_spin_caps.wasm"),
    })
}
