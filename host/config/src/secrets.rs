//! Local secret values for the embedded (single-machine) deployment, where there is no AWS
//! Secrets Manager: a `sym_secret` is resolved from an environment variable or a local file.
//!
//! # The mapping
//!
//! For a `sym_secret` with `path = "sym/demo/okta-api-key"`:
//!
//! 1. **Environment variable** `SYMFLOW_SECRET_<PATH>`, where `<PATH>` is the path upper-cased
//!    with every character that is not an ASCII letter or digit replaced by `_`:
//!    `SYMFLOW_SECRET_SYM_DEMO_OKTA_API_KEY`.
//! 2. Otherwise the **secrets file**: a JSON object whose keys are secret paths, by default
//!    `secrets.local.json` in the configuration directory, or the file given with
//!    `--secrets-file`:
//!    ```json
//!    { "sym/demo/okta-api-key": "00aBcD...",
//!      "sym/prod/db": { "username": "app", "password": "..." } }
//!    ```
//! 3. Otherwise the secret is missing: [`SecretError::NotFound`] names both places.
//!
//! When the secret has `settings = { json_key = "password" }`, its value is a JSON document and
//! only that key is returned: a JSON object in the secrets file is used as is, a string (from
//! the file or the environment variable) is parsed as JSON first.
//!
//! A resolved value is a [`SecretValue`]: its `Debug` and `Display` print `[redacted]`; only
//! [`SecretValue::expose`] gives the text, so a secret cannot end up in a log by accident.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use crate::model::Secret;

/// Prefix of the environment variables holding secrets.
pub const SECRET_ENV_PREFIX: &str = "SYMFLOW_SECRET_";

/// Name of the default secrets file, looked up in the configuration directory.
pub const DEFAULT_SECRETS_FILE: &str = "secrets.local.json";

/// A secret's value. Never printed: `Debug` and `Display` show `[redacted]`.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretValue(String);

impl SecretValue {
    /// Wraps a value.
    pub fn new(value: impl Into<String>) -> Self {
        SecretValue(value.into())
    }

    /// The value itself. Call this only where the value is handed to the service that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretValue([redacted])")
    }
}

impl fmt::Display for SecretValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// Why a secret could not be resolved. Messages name the secret's path, never a value.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    /// Neither the environment variable nor the secrets file has it.
    #[error("secret {path:?} is not set: set the environment variable {env_var} or add {path:?} to {file}")]
    NotFound {
        /// The secret's path.
        path: String,
        /// The environment variable that was looked up.
        env_var: String,
        /// The secrets file that was looked up.
        file: String,
    },
    /// The secrets file exists but is not a JSON object.
    #[error("cannot read the secrets file {file}: {reason}")]
    BadFile {
        /// The file.
        file: String,
        /// What is wrong with it.
        reason: String,
    },
    /// `json_key` is set but the value is not a JSON object with that key.
    #[error(
        "secret {path:?} has json_key {key:?}, but its value is not a JSON object with that key"
    )]
    MissingJsonKey {
        /// The secret's path.
        path: String,
        /// The key.
        key: String,
    },
}

/// The environment variable for a secret path: `sym/demo/okta-api-key` →
/// `SYMFLOW_SECRET_SYM_DEMO_OKTA_API_KEY`.
pub fn env_var_name(path: &str) -> String {
    let mut name = String::from(SECRET_ENV_PREFIX);
    name.extend(path.chars().map(|c| {
        if c.is_ascii_alphanumeric() {
            c.to_ascii_uppercase()
        } else {
            '_'
        }
    }));
    name
}

/// Looks up an environment variable by name.
type EnvLookup = Box<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// Resolves `sym_secret`s from the environment and a local JSON file (see the module docs).
pub struct LocalSecretStore {
    file: PathBuf,
    file_values: serde_json::Map<String, serde_json::Value>,
    env: EnvLookup,
}

impl fmt::Debug for LocalSecretStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalSecretStore")
            .field("file", &self.file)
            .field(
                "paths_in_file",
                &self.file_values.keys().collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

impl LocalSecretStore {
    /// A store reading the process environment and `secrets_file`, or
    /// `<config_dir>/secrets.local.json` when `None`. A missing file is fine (no secrets in it);
    /// a file that is not a JSON object is an error.
    pub fn open(config_dir: &Path, secrets_file: Option<&Path>) -> Result<Self, SecretError> {
        let file = secrets_file
            .map(Path::to_path_buf)
            .unwrap_or_else(|| config_dir.join(DEFAULT_SECRETS_FILE));
        let file_values = read_secrets_file(&file, secrets_file.is_some())?;
        Ok(LocalSecretStore {
            file,
            file_values,
            env: Box::new(|name| std::env::var(name).ok()),
        })
    }

    /// Replaces the environment lookup (tests, or hosts with their own variable source).
    pub fn with_env(
        mut self,
        env: impl Fn(&str) -> Option<String> + Send + Sync + 'static,
    ) -> Self {
        self.env = Box::new(env);
        self
    }

    /// A store with only these environment values and file values (for tests and embedding).
    pub fn from_values(
        env: HashMap<String, String>,
        file_values: serde_json::Map<String, serde_json::Value>,
    ) -> Self {
        LocalSecretStore {
            file: PathBuf::from(DEFAULT_SECRETS_FILE),
            file_values,
            env: Box::new(move |name| env.get(name).cloned()),
        }
    }

    /// The value of `secret`, honouring `settings.json_key`.
    pub fn resolve(&self, secret: &Secret) -> Result<SecretValue, SecretError> {
        self.resolve_path(&secret.path, secret.json_key())
    }

    /// The value stored under `path`, optionally one key of a JSON value.
    pub fn resolve_path(
        &self,
        path: &str,
        json_key: Option<&str>,
    ) -> Result<SecretValue, SecretError> {
        let env_var = env_var_name(path);
        let raw = match (self.env)(&env_var) {
            Some(value) => serde_json::Value::String(value),
            None => self
                .file_values
                .get(path)
                .cloned()
                .ok_or_else(|| SecretError::NotFound {
                    path: path.to_owned(),
                    env_var: env_var.clone(),
                    file: self.file.display().to_string(),
                })?,
        };
        let Some(key) = json_key else {
            return match raw {
                serde_json::Value::String(s) => Ok(SecretValue(s)),
                other => Ok(SecretValue(other.to_string())),
            };
        };
        let document = match raw {
            serde_json::Value::String(s) => serde_json::from_str(&s).ok(),
            other => Some(other),
        };
        let missing = || SecretError::MissingJsonKey {
            path: path.to_owned(),
            key: key.to_owned(),
        };
        match document
            .as_ref()
            .and_then(|doc| doc.get(key))
            .ok_or_else(missing)?
        {
            serde_json::Value::String(s) => Ok(SecretValue(s.clone())),
            other => Ok(SecretValue(other.to_string())),
        }
    }
}

fn read_secrets_file(
    file: &Path,
    must_exist: bool,
) -> Result<serde_json::Map<String, serde_json::Value>, SecretError> {
    let bad = |reason: String| SecretError::BadFile {
        file: file.display().to_string(),
        reason,
    };
    let text = match std::fs::read_to_string(file) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound && !must_exist => {
            return Ok(serde_json::Map::new())
        }
        Err(err) => return Err(bad(err.to_string())),
    };
    match serde_json::from_str::<serde_json::Value>(&text) {
        Ok(serde_json::Value::Object(map)) => Ok(map),
        // serde_json's message has a line and column, never the content.
        Ok(_) => Err(bad(
            "it must be a JSON object mapping secret paths to values".into(),
        )),
        Err(err) => Err(bad(format!(
            "invalid JSON at line {} column {}",
            err.line(),
            err.column()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_var_name_uppercases_and_replaces_punctuation() {
        assert_eq!(
            env_var_name("sym/demo/okta-api-key"),
            "SYMFLOW_SECRET_SYM_DEMO_OKTA_API_KEY"
        );
    }
}
