//! AWS IAM group membership through the IAM query API (form-encoded `Action=...`, XML
//! replies): `GetUser`, `AddUserToGroup`, `RemoveUserFromGroup`. Backs the `aws_iam`
//! strategy (target `aws_iam_group`, setting `iam_group`), where a Sym user's IAM identity is
//! the IAM user named by their email unless an identity was stored for them.

use super::{xml_text, AwsCallError, AwsClient, IAM};
use crate::error::{ErrorKind, IntegrationError, Service};

const VERSION: &str = "2010-05-08";

/// The IAM client.
#[derive(Debug, Clone)]
pub struct Iam {
    aws: AwsClient,
}

impl Iam {
    /// IAM through `aws`.
    pub fn new(aws: AwsClient) -> Self {
        Iam { aws }
    }

    /// The user name if an IAM user named `user_name` exists.
    pub async fn get_user(&self, user_name: &str) -> Result<Option<String>, IntegrationError> {
        match self
            .aws
            .query_call(IAM, VERSION, "GetUser", &[("UserName", user_name)])
            .await
        {
            Ok(xml) => {
                let doc = roxmltree::Document::parse(&xml).map_err(|err| {
                    IntegrationError::new(
                        Service::AwsIam,
                        ErrorKind::BadResponse,
                        format!("AWS IAM GetUser replied with invalid XML: {err}"),
                    )
                })?;
                Ok(Some(
                    xml_text(&doc, "UserName").unwrap_or_else(|| user_name.to_string()),
                ))
            }
            Err(err) if err.error_type() == Some("NoSuchEntity") => Ok(None),
            Err(err) => Err(err.into_error()),
        }
    }

    /// Adds `user_name` to `group` (IAM accepts a user who is already a member).
    pub async fn add_user_to_group(
        &self,
        group: &str,
        user_name: &str,
    ) -> Result<(), IntegrationError> {
        self.aws
            .query_call(
                IAM,
                VERSION,
                "AddUserToGroup",
                &[("GroupName", group), ("UserName", user_name)],
            )
            .await
            .map(drop)
            .map_err(|err| with_group_hint(err, group))
    }

    /// Removes `user_name` from `group`; false when they were not in it.
    pub async fn remove_user_from_group(
        &self,
        group: &str,
        user_name: &str,
    ) -> Result<bool, IntegrationError> {
        match self
            .aws
            .query_call(
                IAM,
                VERSION,
                "RemoveUserFromGroup",
                &[("GroupName", group), ("UserName", user_name)],
            )
            .await
        {
            Ok(_) => Ok(true),
            // IAM answers NoSuchEntity for a user that is not a member (or no longer exists).
            Err(err) if err.error_type() == Some("NoSuchEntity") => Ok(false),
            Err(err) => Err(with_group_hint(err, group)),
        }
    }
}

fn with_group_hint(err: AwsCallError, group: &str) -> IntegrationError {
    let mut err = err.into_error();
    if err.kind == ErrorKind::NotFound {
        err.hint = Some(format!(
            "check that the IAM group {group:?} (target setting iam_group) and the IAM user exist"
        ));
    }
    err
}
