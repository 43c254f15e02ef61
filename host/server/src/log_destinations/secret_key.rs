//! The key a Segment or Datadog log destination sends with: a `sym_secret` named by its
//! integration's settings, read through the server's secret sources when first needed, and
//! kept for the next events. A key the service refuses is forgotten, so the next attempt
//! reads the secret again and a rotated key is picked up without a restart.

use std::sync::{Arc, Mutex};

use symflow_config::secrets::SecretValue;
use symflow_integrations::{SecretRef, SecretResolver};

/// Which secret holds a destination's key, and which setting names it (for messages).
#[derive(Debug, Clone)]
pub struct KeyRef {
    pub secret: SecretRef,
    /// E.g. `settings.api_token_secret of sym_integration.segment`.
    pub named_by: String,
}

/// A destination's key, read on first use.
pub struct SecretKey {
    key: KeyRef,
    resolver: Arc<dyn SecretResolver>,
    value: Mutex<Option<SecretValue>>,
}

impl SecretKey {
    pub fn new(key: KeyRef, resolver: Arc<dyn SecretResolver>) -> Self {
        SecretKey {
            key,
            resolver,
            value: Mutex::new(None),
        }
    }

    /// The key's value: the one read before, else the secret's value now.
    pub async fn value(&self) -> anyhow::Result<SecretValue> {
        if let Some(value) = self.lock().clone() {
            return Ok(value);
        }
        let value = self
            .resolver
            .resolve(&self.key.secret)
            .await
            .map_err(|err| anyhow::anyhow!("cannot read {}: {err}", self.describe()))?;
        *self.lock() = Some(value.clone());
        Ok(value)
    }

    /// Drops the value read, after the service refused it.
    pub fn forget(&self) {
        *self.lock() = None;
    }

    /// `the sym_secret "segment_write_key" (settings.api_token_secret of sym_integration.segment)`.
    pub fn describe(&self) -> String {
        format!(
            "the sym_secret {:?} ({})",
            self.key.secret.id, self.key.named_by
        )
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<SecretValue>> {
        self.value.lock().unwrap_or_else(|e| e.into_inner())
    }
}
