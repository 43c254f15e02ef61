//! The guest side of every flow build: the WIT contract and the Python SDK,
//! embedded in the binary and written out to a directory when a build needs
//! them.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use sha2::{Digest, Sha256};

include!(concat!(env!("OUT_DIR"), "/guest_files.rs"));

/// The hash of the embedded contract and SDK; part of every flow's cache key,
/// so changing the SDK rebuilds every flow.
pub fn guest_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| {
        let mut hasher = Sha256::new();
        for (path, contents) in GUEST_FILES {
            hasher.update(path.as_bytes());
            hasher.update([0]);
            hasher.update((contents.len() as u64).to_le_bytes());
            hasher.update(contents);
        }
        hex::encode(hasher.finalize())
    })
}

/// The contract and SDK written out under one directory.
pub struct GuestTree {
    pub root: PathBuf,
}

impl GuestTree {
    /// Write the embedded files under `root` (once per content hash).
    pub fn materialize(root: &Path) -> std::io::Result<GuestTree> {
        let root = root.join(&guest_hash()[..16]);
        let marker = root.join(".complete");
        if !marker.exists() {
            for (relative, contents) in GUEST_FILES {
                let path = root.join(relative);
                if let Some(parent) = path.parent() {
                    std::fs::create_dir_all(parent)?;
                }
                std::fs::write(&path, contents)?;
            }
            std::fs::write(&marker, b"")?;
        }
        Ok(GuestTree { root })
    }

    pub fn wit_dir(&self) -> PathBuf {
        self.root.join("wit")
    }

    pub fn python_dir(&self) -> PathBuf {
        self.root.join("python")
    }
}
