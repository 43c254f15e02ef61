//! The `google_group` strategy: Sym's Google Group grant (`sym_target` of type
//! `google_group`, settings `group_email` and `role`: `MEMBER` by default, or `MANAGER` /
//! `OWNER`). It exists so that approving a Google Group request inserts the requester into
//! the group and expiry or revocation deletes them, as in Sym, through [`crate::google`].
//! The member is the requester's `google` identity when one is persisted, else their email.

use async_trait::async_trait;
use serde_json::{json, Value};

use super::okta_github::output_str;
use super::{identity_of, AccessRequest, BuiltinStrategy};
use crate::error::{IntegrationError, Service};
use crate::google::{Google, ROLES};

/// `google_group`: inserts the requester into the target's Google Group.
#[derive(Debug)]
pub(crate) struct GoogleGroupStrategy {
    google: Google,
    domain: String,
}

impl GoogleGroupStrategy {
    pub fn new(google: Google) -> Self {
        let domain = google.domain().to_string();
        GoogleGroupStrategy { google, domain }
    }
}

/// The target's role, upper-cased, `MEMBER` when not set.
fn role_of(request: &AccessRequest) -> Result<String, IntegrationError> {
    let role = request
        .target
        .setting("role")
        .map(|r| r.trim().to_ascii_uppercase())
        .filter(|r| !r.is_empty())
        .unwrap_or_else(|| "MEMBER".to_string());
    if !ROLES.contains(&role.as_str()) {
        return Err(IntegrationError::config(
            Service::Google,
            format!(
                "the target {:?} has role {role:?}: a Google Group role is MEMBER, MANAGER or OWNER",
                request.target.name
            ),
        ));
    }
    Ok(role)
}

#[async_trait]
impl BuiltinStrategy for GoogleGroupStrategy {
    fn strategy_type(&self) -> &'static str {
        "google_group"
    }

    fn identity_service(&self) -> Option<(&str, &str)> {
        Some(("google", &self.domain))
    }

    /// Google's member key is the email itself.
    async fn fetch_identity(&self, email: &str) -> Result<Option<String>, IntegrationError> {
        Ok(Some(email.to_string()).filter(|e| !e.trim().is_empty()))
    }

    async fn escalate(&self, request: &AccessRequest) -> Result<Value, IntegrationError> {
        let group = request.target.required(Service::Google, "group_email")?;
        let role = role_of(request)?;
        let member = identity_of(self, Service::Google, request).await?;
        self.google.add_member(group, &member, &role).await?;
        Ok(json!({ "group_email": group, "member_email": member, "role": role }))
    }

    async fn deescalate(&self, request: &AccessRequest) -> Result<Value, IntegrationError> {
        let group = match output_str(request, "group_email") {
            Some(group) => group,
            None => request
                .target
                .required(Service::Google, "group_email")?
                .to_string(),
        };
        let member = match output_str(request, "member_email") {
            Some(member) => member,
            None => identity_of(self, Service::Google, request).await?,
        };
        let removed = self.google.remove_member(&group, &member).await?;
        let mut output =
            json!({ "group_email": group, "member_email": member, "removed": removed });
        if let Some(role) = output_str(request, "role") {
            output["role"] = json!(role);
        }
        Ok(output)
    }
}
