//! AWS IAM Identity Center (SSO): account assignments through the `sso-admin` JSON 1.1 API
//! (`CreateAccountAssignment` / `DeleteAccountAssignment`, polled to completion) and group
//! memberships through `identitystore`; users are identity-store users looked up by email
//! (`GetUserId`). Backs the `aws_sso` strategy (targets `aws_sso_permission_set` and
//! `aws_sso_group`).

use std::time::Duration;

use serde_json::{json, Value};

use super::{AwsCallError, AwsClient, IDENTITY_STORE, SSO_ADMIN};
use crate::error::{ErrorKind, IntegrationError, Service};

const SSO_ADMIN_TARGET: &str = "SWBExternalService";
const IDENTITY_STORE_TARGET: &str = "AWSIdentityStore";

/// One account assignment: a permission set in an account for a user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    /// `arn:aws:sso:::instance/ssoins-...`.
    pub instance_arn: String,
    /// `arn:aws:sso:::permissionSet/ssoins-.../ps-...`.
    pub permission_set_arn: String,
    /// The 12-digit AWS account id.
    pub account_id: String,
    /// The identity-store user id.
    pub principal_id: String,
}

/// The IAM Identity Center client.
#[derive(Debug, Clone)]
pub struct Sso {
    aws: AwsClient,
    /// Time between polls of an assignment request, and how many polls at most.
    poll_interval: Duration,
    max_polls: u32,
}

impl Sso {
    /// IAM Identity Center through `aws`.
    pub fn new(aws: AwsClient) -> Self {
        Sso {
            aws,
            poll_interval: Duration::from_millis(500),
            max_polls: 20,
        }
    }

    /// Changes how assignment requests are polled.
    pub fn with_polling(mut self, interval: Duration, max_polls: u32) -> Self {
        self.poll_interval = interval;
        self.max_polls = max_polls.max(1);
        self
    }

    async fn admin(&self, operation: &str, input: Value) -> Result<Value, AwsCallError> {
        self.aws
            .json_call(SSO_ADMIN, SSO_ADMIN_TARGET, operation, &input)
            .await
    }

    async fn store(&self, operation: &str, input: Value) -> Result<Value, AwsCallError> {
        self.aws
            .json_call(IDENTITY_STORE, IDENTITY_STORE_TARGET, operation, &input)
            .await
    }

    /// The identity store of an instance (`DescribeInstance`).
    pub async fn identity_store_id(&self, instance_arn: &str) -> Result<String, IntegrationError> {
        let reply = self
            .admin("DescribeInstance", json!({ "InstanceArn": instance_arn }))
            .await
            .map_err(AwsCallError::into_error)?;
        str_field(&reply, "IdentityStoreId", "DescribeInstance")
    }

    /// The identity-store user id of `email` (by `emails.value`, then `userName`); `None`
    /// when there is no such user.
    pub async fn user_id(
        &self,
        identity_store_id: &str,
        email: &str,
    ) -> Result<Option<String>, IntegrationError> {
        for path in ["emails.value", "userName"] {
            let input = json!({
                "IdentityStoreId": identity_store_id,
                "AlternateIdentifier": {
                    "UniqueAttribute": { "AttributePath": path, "AttributeValue": email }
                }
            });
            match self.store("GetUserId", input).await {
                Ok(reply) => return str_field(&reply, "UserId", "GetUserId").map(Some),
                Err(err) if err.error_type() == Some("ResourceNotFoundException") => continue,
                Err(err) => return Err(err.into_error()),
            }
        }
        Ok(None)
    }

    /// Does the assignment exist (`ListAccountAssignments`)?
    pub async fn has_assignment(&self, assignment: &Assignment) -> Result<bool, IntegrationError> {
        let mut next_token: Option<String> = None;
        for _ in 0..100 {
            let mut input = json!({
                "InstanceArn": assignment.instance_arn,
                "AccountId": assignment.account_id,
                "PermissionSetArn": assignment.permission_set_arn,
                "MaxResults": 100,
            });
            if let Some(token) = &next_token {
                input["NextToken"] = json!(token);
            }
            let reply = self
                .admin("ListAccountAssignments", input)
                .await
                .map_err(AwsCallError::into_error)?;
            let found = reply
                .get("AccountAssignments")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .any(|a| {
                    a.get("PrincipalId").and_then(Value::as_str)
                        == Some(assignment.principal_id.as_str())
                        && a.get("PrincipalType")
                            .and_then(Value::as_str)
                            .unwrap_or("USER")
                            == "USER"
                });
            if found {
                return Ok(true);
            }
            next_token = reply
                .get("NextToken")
                .and_then(Value::as_str)
                .map(str::to_string);
            if next_token.is_none() {
                break;
            }
        }
        Ok(false)
    }

    fn assignment_input(assignment: &Assignment) -> Value {
        json!({
            "InstanceArn": assignment.instance_arn,
            "PermissionSetArn": assignment.permission_set_arn,
            "PrincipalId": assignment.principal_id,
            "PrincipalType": "USER",
            "TargetId": assignment.account_id,
            "TargetType": "AWS_ACCOUNT",
        })
    }

    /// Creates the assignment unless it exists, and waits until AWS reports it done.
    /// Returns false when it already existed.
    pub async fn create_assignment(
        &self,
        assignment: &Assignment,
    ) -> Result<bool, IntegrationError> {
        if self.has_assignment(assignment).await? {
            return Ok(false);
        }
        let reply = self
            .admin(
                "CreateAccountAssignment",
                Self::assignment_input(assignment),
            )
            .await
            .map_err(AwsCallError::into_error)?;
        let status = reply
            .get("AccountAssignmentCreationStatus")
            .cloned()
            .unwrap_or_default();
        self.wait(
            assignment,
            status,
            "DescribeAccountAssignmentCreationStatus",
            "AccountAssignmentCreationRequestId",
            "AccountAssignmentCreationStatus",
            "create",
        )
        .await?;
        Ok(true)
    }

    /// Deletes the assignment if it exists, and waits until AWS reports it done.
    /// Returns false when it was already gone.
    pub async fn delete_assignment(
        &self,
        assignment: &Assignment,
    ) -> Result<bool, IntegrationError> {
        if !self.has_assignment(assignment).await? {
            return Ok(false);
        }
        let reply = match self
            .admin(
                "DeleteAccountAssignment",
                Self::assignment_input(assignment),
            )
            .await
        {
            Ok(reply) => reply,
            // Removed between the check and the call: gone is what was asked.
            Err(err) if err.error_type() == Some("ResourceNotFoundException") => return Ok(false),
            Err(err) => return Err(err.into_error()),
        };
        let status = reply
            .get("AccountAssignmentDeletionStatus")
            .cloned()
            .unwrap_or_default();
        self.wait(
            assignment,
            status,
            "DescribeAccountAssignmentDeletionStatus",
            "AccountAssignmentDeletionRequestId",
            "AccountAssignmentDeletionStatus",
            "delete",
        )
        .await?;
        Ok(true)
    }

    async fn wait(
        &self,
        assignment: &Assignment,
        mut status: Value,
        describe: &str,
        request_key: &str,
        status_key: &str,
        verb: &str,
    ) -> Result<(), IntegrationError> {
        for poll in 0..=self.max_polls {
            match status.get("Status").and_then(Value::as_str) {
                Some("SUCCEEDED") => return Ok(()),
                Some("FAILED") => {
                    let reason = status
                        .get("FailureReason")
                        .and_then(Value::as_str)
                        .unwrap_or("no reason given");
                    return Err(IntegrationError::new(
                        Service::AwsSso,
                        ErrorKind::Api,
                        format!(
                            "AWS SSO could not {verb} the assignment of {} in account {} for user {}: {reason}",
                            assignment.permission_set_arn, assignment.account_id, assignment.principal_id
                        ),
                    )
                    .with_hint("check the permission set, the account id and the SSO instance ARN"));
                }
                _ if poll == self.max_polls => break,
                _ => {}
            }
            let request_id = status
                .get("RequestId")
                .and_then(Value::as_str)
                .ok_or_else(|| bad_reply(describe, "RequestId"))?
                .to_string();
            tokio::time::sleep(self.poll_interval).await;
            let reply = self
                .admin(
                    describe,
                    json!({ "InstanceArn": assignment.instance_arn, request_key: request_id }),
                )
                .await
                .map_err(AwsCallError::into_error)?;
            status = reply.get(status_key).cloned().unwrap_or_default();
        }
        Err(IntegrationError::new(
            Service::AwsSso,
            ErrorKind::Timeout,
            format!(
                "AWS SSO did not finish the {verb} of the assignment of {} in account {} after {} checks",
                assignment.permission_set_arn, assignment.account_id, self.max_polls
            ),
        )
        .with_hint("the request may still complete; check IAM Identity Center, then retry"))
    }

    /// Adds a user to an identity-store group; false when already a member.
    pub async fn add_to_group(
        &self,
        identity_store_id: &str,
        group_id: &str,
        user_id: &str,
    ) -> Result<bool, IntegrationError> {
        let input = json!({
            "IdentityStoreId": identity_store_id,
            "GroupId": group_id,
            "MemberId": { "UserId": user_id },
        });
        match self.store("CreateGroupMembership", input).await {
            Ok(_) => Ok(true),
            Err(err) if err.error_type() == Some("ConflictException") => Ok(false),
            Err(err) => Err(err.into_error()),
        }
    }

    /// Removes a user from an identity-store group; false when not a member.
    pub async fn remove_from_group(
        &self,
        identity_store_id: &str,
        group_id: &str,
        user_id: &str,
    ) -> Result<bool, IntegrationError> {
        let input = json!({
            "IdentityStoreId": identity_store_id,
            "GroupId": group_id,
            "MemberId": { "UserId": user_id },
        });
        let membership = match self.store("GetGroupMembershipId", input).await {
            Ok(reply) => str_field(&reply, "MembershipId", "GetGroupMembershipId")?,
            Err(err) if err.error_type() == Some("ResourceNotFoundException") => return Ok(false),
            Err(err) => return Err(err.into_error()),
        };
        let input = json!({ "IdentityStoreId": identity_store_id, "MembershipId": membership });
        match self.store("DeleteGroupMembership", input).await {
            Ok(_) => Ok(true),
            Err(err) if err.error_type() == Some("ResourceNotFoundException") => Ok(false),
            Err(err) => Err(err.into_error()),
        }
    }
}

fn bad_reply(operation: &str, field: &str) -> IntegrationError {
    IntegrationError::new(
        Service::AwsSso,
        ErrorKind::BadResponse,
        format!("AWS SSO {operation} replied without {field}"),
    )
}

fn str_field(reply: &Value, field: &str, operation: &str) -> Result<String, IntegrationError> {
    reply
        .get(field)
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| bad_reply(operation, field))
}
