//! Problems found while loading a configuration, in the shape an on-call engineer can act on.
//!
//! Every problem is a [`Diagnostic`]: a severity, the `file:line` it points at, a message saying
//! what is wrong and, when there is one, a fix saying what to write instead. Loading collects all
//! of them instead of stopping at the first, so one `symflow validate` run shows everything.

use std::fmt;
use std::path::PathBuf;

/// A place in a `.tf` (or `.tfvars`) file.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SourceLocation {
    /// The file, as the configuration directory path joined with the file name
    /// (so it prints the way the user named the directory).
    pub file: PathBuf,
    /// 1-based line number.
    pub line: usize,
}

impl fmt::Display for SourceLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file.display(), self.line)
    }
}

/// How bad a problem is: errors stop the configuration from loading, warnings do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// The configuration cannot be used until this is fixed.
    Error,
    /// The configuration loads, but probably does not do what its author meant.
    Warning,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        })
    }
}

/// One problem in a configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// Where the problem is; `None` only for problems with no place (e.g. an unreadable directory).
    pub location: Option<SourceLocation>,
    /// What is wrong, in one sentence.
    pub message: String,
    /// What to do about it.
    pub fix: Option<String>,
}

impl Diagnostic {
    /// An error at `location`.
    pub fn error(location: Option<SourceLocation>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            location,
            message: message.into(),
            fix: None,
        }
    }

    /// A warning at `location`.
    pub fn warning(location: Option<SourceLocation>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            location,
            message: message.into(),
            fix: None,
        }
    }

    /// Adds the suggested fix.
    pub fn with_fix(mut self, fix: impl Into<String>) -> Self {
        self.fix = Some(fix.into());
        self
    }

    /// True for [`Severity::Error`].
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Prints `file:line: error: message` and, on the next line, `  fix: ...`.
impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(location) = &self.location {
            write!(f, "{location}: ")?;
        }
        write!(f, "{}: {}", self.severity, self.message)?;
        if let Some(fix) = &self.fix {
            write!(f, "\n  fix: {fix}")?;
        }
        Ok(())
    }
}

/// Loading failed: every error found (and the warnings found beside them), in file order.
#[derive(Debug, Clone, thiserror::Error)]
pub struct ConfigError {
    /// All diagnostics, errors and warnings, sorted by file and line.
    pub diagnostics: Vec<Diagnostic>,
}

impl ConfigError {
    /// Only the errors.
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().filter(|d| d.is_error())
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = self.errors().count();
        writeln!(
            f,
            "the configuration has {count} error{}:",
            if count == 1 { "" } else { "s" }
        )?;
        for diagnostic in &self.diagnostics {
            writeln!(f, "{diagnostic}")?;
        }
        Ok(())
    }
}

/// Sorts diagnostics by file, then line, errors before warnings on the same line.
pub(crate) fn sort_diagnostics(diagnostics: &mut [Diagnostic]) {
    diagnostics
        .sort_by(|a, b| (a.location.as_ref(), a.severity).cmp(&(b.location.as_ref(), b.severity)));
}
