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
        let parent = root;
        let root = parent.join(&guest_hash()[..16]);
        let marker = root.join(".complete");
        if marker.exists() {
            return Ok(GuestTree { root });
        }
        // Written in a directory of its own and renamed into place, so a build running at the
        // same time (another thread or process) never reads a file while it is rewritten.
        std::fs::create_dir_all(parent)?;
        let staging = tempfile::Builder::new()
            .prefix("guest-")
            .tempdir_in(parent)?;
        for (relative, contents) in GUEST_FILES {
            let path = staging.path().join(relative);
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)?;
            }
            std::fs::write(&path, contents)?;
        }
        std::fs::write(staging.path().join(".complete"), b"")?;
        if root.exists() && !marker.exists() {
            // Left half-written by an older symflow that wrote in place.
            let _ = std::fs::remove_dir_all(&root);
        }
        let staged = staging.keep();
        if let Err(e) = std::fs::rename(&staged, &root) {
            let _ = std::fs::remove_dir_all(&staged);
            // Another build put the same tree in place first.
            if !marker.exists() {
                return Err(e);
            }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_at_the_same_time_share_one_complete_tree() {
        let dir = tempfile::tempdir().unwrap();
        let roots: Vec<PathBuf> = std::thread::scope(|scope| {
            let workers: Vec<_> = (0..6)
                .map(|_| scope.spawn(|| GuestTree::materialize(dir.path()).unwrap().root))
                .collect();
            workers.into_iter().map(|w| w.join().unwrap()).collect()
        });
        assert!(roots.windows(2).all(|pair| pair[0] == pair[1]));
        for (relative, contents) in GUEST_FILES {
            let written = std::fs::read(roots[0].join(relative)).unwrap();
            assert_eq!(&written[..], *contents, "{relative}");
        }
        // Only the tree is left: every staging directory was renamed or removed.
        let entries: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(entries.len(), 1, "{entries:?}");
    }

    #[test]
    fn a_half_written_tree_from_before_is_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join(&guest_hash()[..16]);
        std::fs::create_dir_all(root.join("wit")).unwrap();
        std::fs::write(root.join("wit/stale.wit"), "half").unwrap();
        let tree = GuestTree::materialize(dir.path()).unwrap();
        assert!(tree.root.join(".complete").exists());
        assert!(!tree.root.join("wit/stale.wit").exists());
    }
}
