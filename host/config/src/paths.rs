//! Resolving paths written in a configuration.
//!
//! Terraform resolves relative paths (in `file(...)`, a 2.x `implementation`, a custom
//! strategy's `implementation`) against its working directory, which for symflow is the
//! configuration directory; `path.module` of a module is relative to it too.

use std::path::{Path, PathBuf};

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
