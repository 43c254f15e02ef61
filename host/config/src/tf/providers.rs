//! Which major version of the `symopsio/sym` provider a configuration is written for.
//!
//! The provider changed the meaning of an attribute between majors: in 2.x (and 1.x)
//! `sym_flow.implementation` is a *path* that the provider reads, in 3.x it is the file's
//! *contents* (`file("impl.py")`). A configuration means what the provider it installs says,
//! so the major is taken, in order, from:
//!
//! 1. `.terraform.lock.hcl`: the version `terraform init` actually selected;
//! 2. the `required_providers` constraints on `symopsio/sym` of every module: the newest major
//!    they allow, as `terraform init` would pick the newest version;
//! 3. otherwise the newest major symflow knows (3).

use std::path::{Path, PathBuf};

use crate::diagnostic::SourceLocation;

/// The newest major of the Sym provider symflow knows the behaviour of.
pub const NEWEST_KNOWN_MAJOR: u64 = 3;

/// Where the provider version came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersionSource {
    /// `.terraform.lock.hcl` selected this exact version.
    LockFile { path: PathBuf, version: String },
    /// A `required_providers` constraint.
    Constraint {
        location: SourceLocation,
        constraint: String,
    },
    /// Nothing says: the newest known.
    Default,
}

/// The Sym provider major a configuration is written for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderVersion {
    /// 1, 2, 3, ...
    pub major: u64,
    /// Why.
    pub source: VersionSource,
}

impl ProviderVersion {
    /// Whether `sym_flow.implementation` is a path (provider 1.x and 2.x) rather than contents.
    pub fn implementation_is_path(&self) -> bool {
        self.major < 3
    }

    /// Where the version was decided, for messages: "(provider 2.x, from versions.tf:4)".
    pub fn describe(&self) -> String {
        match &self.source {
            VersionSource::LockFile { path, version } => {
                format!(
                    "provider symopsio/sym {version}, selected in {}",
                    path.display()
                )
            }
            VersionSource::Constraint {
                location,
                constraint,
            } => format!(
                "provider symopsio/sym {}.x, from `version = \"{constraint}\"` at {location}",
                self.major
            ),
            VersionSource::Default => format!(
                "provider symopsio/sym {}.x (no version constraint given)",
                self.major
            ),
        }
    }
}

/// A semantic version.
type Version = (u64, u64, u64);

fn parse_version(text: &str) -> Option<(Version, usize)> {
    let text = text.trim().trim_start_matches('v');
    // Pre-release or build suffixes are ignored for the comparison.
    let core = text.split(['-', '+']).next()?;
    let parts: Vec<&str> = core.split('.').collect();
    if parts.is_empty() || parts.len() > 3 {
        return None;
    }
    let mut numbers = [0u64; 3];
    for (i, part) in parts.iter().enumerate() {
        numbers[i] = part.parse().ok()?;
    }
    Some(((numbers[0], numbers[1], numbers[2]), parts.len()))
}

/// One `op version` clause of a constraint.
#[derive(Debug, Clone)]
pub(crate) struct Clause {
    op: String,
    version: Version,
    precision: usize,
}

impl Clause {
    fn allows(&self, v: Version) -> bool {
        let c = self.version;
        match self.op.as_str() {
            "=" | "" => v == c,
            "!=" => v != c,
            ">" => v > c,
            ">=" => v >= c,
            "<" => v < c,
            "<=" => v <= c,
            // `~> 2.1` allows >= 2.1, < 3.0; `~> 2.1.3` allows >= 2.1.3, < 2.2.0.
            "~>" => {
                let upper = match self.precision {
                    1 | 2 => (c.0 + 1, 0, 0),
                    _ => (c.0, c.1 + 1, 0),
                };
                v >= c && v < upper
            }
            _ => false,
        }
    }
}

/// Parses a constraint string such as `"~> 2.0"` or `">= 2.0, < 3.0"`.
pub(crate) fn parse_constraint(text: &str) -> Result<Vec<Clause>, String> {
    text.split(',')
        .map(|clause| {
            let clause = clause.trim();
            let op_end = clause
                .find(|c: char| c.is_ascii_digit() || c == 'v')
                .unwrap_or(clause.len());
            let (op, version) = clause.split_at(op_end);
            let op = op.trim().to_owned();
            if !["", "=", "!=", ">", ">=", "<", "<=", "~>"].contains(&op.as_str()) {
                return Err(format!("{op:?} is not a version constraint operator"));
            }
            let (version, precision) = parse_version(version)
                .ok_or_else(|| format!("{version:?} is not a version number"))?;
            Ok(Clause {
                op,
                version,
                precision,
            })
        })
        .collect()
}

/// The newest major (up to 9) that some version allowed by every constraint has.
pub(crate) fn newest_major_allowed(constraints: &[Vec<Clause>]) -> Option<u64> {
    (1..=9).rev().find(|&major| {
        (0..=60).any(|minor| {
            [0, 1, 99].iter().any(|&patch| {
                let v = (major, minor, patch);
                constraints
                    .iter()
                    .all(|clauses| clauses.iter().all(|clause| clause.allows(v)))
            })
        })
    })
}

/// The version pinned in `.terraform.lock.hcl` for `registry.terraform.io/symopsio/sym`.
pub(crate) fn locked_version(root: &Path) -> Option<(PathBuf, String)> {
    let path = root.join(".terraform.lock.hcl");
    let text = std::fs::read_to_string(&path).ok()?;
    let body: hcl::Body = hcl::from_str(&text).ok()?;
    body.blocks()
        .filter(|block| block.identifier() == "provider")
        .find(|block| {
            block.labels().first().is_some_and(|label| {
                let label = label.as_str().to_ascii_lowercase();
                label.ends_with("symopsio/sym")
            })
        })
        .and_then(|block| {
            block
                .body()
                .attributes()
                .find_map(|a| match (a.key(), a.expr()) {
                    ("version", hcl::Expression::String(v)) => Some(v.clone()),
                    _ => None,
                })
        })
        .map(|version| (path, version))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn major(constraints: &[&str]) -> Option<u64> {
        let parsed: Vec<Vec<Clause>> = constraints
            .iter()
            .map(|c| parse_constraint(c).unwrap())
            .collect();
        newest_major_allowed(&parsed)
    }

    #[test]
    fn constraints_pick_the_newest_allowed_major() {
        assert_eq!(major(&["~> 2.0"]), Some(2));
        assert_eq!(major(&["~> 3.0"]), Some(3));
        assert_eq!(major(&["~> 1.14"]), Some(1));
        assert_eq!(major(&[">= 2.0, < 3.0"]), Some(2));
        assert_eq!(major(&["2.4.1"]), Some(2));
        assert_eq!(major(&["~> 2.1.3"]), Some(2));
        assert_eq!(major(&[">= 2.0"]), Some(9));
        assert_eq!(major(&["~> 2.0", ">= 2.3"]), Some(2));
        assert_eq!(major(&["~> 2.0", "~> 3.0"]), None);
        assert!(parse_constraint("=> 2").is_err());
    }

    #[test]
    fn the_lock_file_names_the_selected_version() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(".terraform.lock.hcl"),
            r#"
provider "registry.terraform.io/hashicorp/aws" {
  version = "5.1.0"
}
provider "registry.terraform.io/symopsio/sym" {
  version     = "2.4.1"
  constraints = "~> 2.0"
  hashes      = ["h1:abc="]
}
"#,
        )
        .unwrap();
        let (_, version) = locked_version(dir.path()).unwrap();
        assert_eq!(version, "2.4.1");
    }
}
