//! The `onelogin` strategy: Sym's OneLogin role grant (`sym_target` of type `onelogin_role`,
//! setting `role_id`). It exists so that approving a OneLogin request adds the requester to
//! the role and expiry or revocation removes them, as in Sym, through [`crate::onelogin`].

use async_trait::async_trait;
use serde_json::{json, Value};

use super::okta_github::output_str;
use super::{identity_of, AccessRequest, BuiltinStrategy};
use crate::error::{IntegrationError, Service};
use crate::onelogin::OneLogin;

/// `onelogin`: adds the requester to the target's OneLogin role.
#[derive(Debug)]
pub(crate) struct OneLoginStrategy {
    onelogin: OneLogin,
    account: String,
}

impl OneLoginStrategy {
    pub fn new(onelogin: OneLogin) -> Self {
        let account = onelogin.account().to_string();
        OneLoginStrategy { onelogin, account }
    }
}

#[async_trait]
impl BuiltinStrategy for OneLoginStrategy {
    fn strategy_type(&self) -> &'static str {
        "onelogin"
    }

    fn identity_service(&self) -> Option<(&str, &str)> {
        Some(("onelogin", &self.account))
    }

    async fn fetch_identity(&self, email: &str) -> Result<Option<String>, IntegrationError> {
        self.onelogin.user_id(email).await
    }

    async fn escalate(&self, request: &AccessRequest) -> Result<Value, IntegrationError> {
        let role = request.target.required(Service::OneLogin, "role_id")?;
        let user = identity_of(self, Service::OneLogin, request).await?;
        self.onelogin.add_to_role(role, &user).await?;
        let mut output = json!({ "role_id": role, "user_id": user });
        if let Some(level) = request.target.setting("privilege_level") {
            output["privilege_level"] = json!(level);
        }
        Ok(output)
    }

    async fn deescalate(&self, request: &AccessRequest) -> Result<Value, IntegrationError> {
        let role = match output_str(request, "role_id") {
            Some(role) => role,
            None => request
                .target
                .required(Service::OneLogin, "role_id")?
                .to_string(),
        };
        let user = match output_str(request, "user_id") {
            Some(user) => user,
            None => identity_of(self, Service::OneLogin, request).await?,
        };
        let removed = self.onelogin.remove_from_role(&role, &user).await?;
        Ok(json!({ "role_id": role, "user_id": user, "removed": removed }))
    }
}
