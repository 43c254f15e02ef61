//! What a built-in strategy would do, said without doing it: `symflow run --event escalate`
//! prints this, so a flow author can check a grant before any service is called.
//!
//! It reads the same settings the strategies read (with the same errors for a setting that is
//! missing or only known after `terraform apply`), and calls nothing: no credentials needed.

use std::collections::BTreeMap;

use super::TargetSpec;
use crate::error::{IntegrationError, Service};

/// Which way the grant goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// `escalate`: grant.
    Escalate,
    /// `deescalate`: remove.
    Deescalate,
}

/// One sentence: "would add alice@example.com to Okta group 00g1 (target prod-admins)".
///
/// `strategy_settings` and `integration_settings` are the text settings of the `sym_strategy`
/// and its `sym_integration`; `None` for a type with no host strategy (`custom`, unknown).
pub fn describe(
    strategy_type: &str,
    strategy_settings: &BTreeMap<String, String>,
    integration_settings: &BTreeMap<String, String>,
    target: &TargetSpec,
    requester_email: &str,
    direction: Direction,
) -> Result<Option<String>, IntegrationError> {
    let grant = direction == Direction::Escalate;
    let of_target = format!("(target {})", target.name);
    let sentence = match strategy_type {
        "okta" => {
            let group = target.required(Service::Okta, "group_id")?;
            if grant {
                format!("would add {requester_email} to Okta group {group} {of_target}")
            } else {
                format!("would remove {requester_email} from Okta group {group} {of_target}")
            }
        }
        "github" => {
            let repo = target.required(Service::GitHub, "repo_name")?;
            let permission = target
                .setting("permission")
                .or(strategy_settings.get("permission").map(String::as_str))
                .unwrap_or("push");
            if grant {
                format!("would add the GitHub user of {requester_email} to repository {repo} with permission {permission} {of_target}")
            } else {
                format!("would remove the GitHub user of {requester_email} from repository {repo} {of_target}")
            }
        }
        "aws_sso" => {
            let instance = strategy_settings
                .get("instance_arn")
                .or_else(|| integration_settings.get("instance_arn"))
                .map(|arn| format!(" of instance {arn}"))
                .unwrap_or_default();
            if target.setting("group_id").is_some()
                && target.setting("permission_set_arn").is_none()
            {
                let group = target.required(Service::AwsSso, "group_id")?;
                if grant {
                    format!("would add {requester_email} to IAM Identity Center group {group}{instance} {of_target}")
                } else {
                    format!("would remove {requester_email} from IAM Identity Center group {group}{instance} {of_target}")
                }
            } else {
                let permission_set = target.required(Service::AwsSso, "permission_set_arn")?;
                let account = target.required(Service::AwsSso, "account_id")?;
                if grant {
                    format!("would assign permission set {permission_set} in AWS account {account} to {requester_email}{instance} {of_target}")
                } else {
                    format!("would remove the assignment of permission set {permission_set} in AWS account {account} from {requester_email}{instance} {of_target}")
                }
            }
        }
        "aws_iam" => {
            let group = target.required(Service::AwsIam, "iam_group")?;
            if grant {
                format!(
                    "would add the IAM user of {requester_email} to IAM group {group} {of_target}"
                )
            } else {
                format!("would remove the IAM user of {requester_email} from IAM group {group} {of_target}")
            }
        }
        "onelogin" => {
            let role = target.required(Service::OneLogin, "role_id")?;
            if grant {
                format!("would add {requester_email} to OneLogin role {role} {of_target}")
            } else {
                format!("would remove {requester_email} from OneLogin role {role} {of_target}")
            }
        }
        "google_group" => {
            let group = target.required(Service::Google, "group_email")?;
            let role = target
                .setting("role")
                .map(str::to_ascii_uppercase)
                .unwrap_or_else(|| "MEMBER".into());
            if grant {
                format!("would add {requester_email} to Google Group {group} as {role} {of_target}")
            } else {
                format!("would remove {requester_email} from Google Group {group} {of_target}")
            }
        }
        "aws_lambda" => {
            let arn = target.required(Service::AwsLambda, "arn")?;
            let event = if grant { "escalate" } else { "deescalate" };
            format!("would invoke Lambda function {arn} with the {event} event for {requester_email} {of_target}")
        }
        "http" => {
            let key = if grant {
                "escalate_url"
            } else {
                "deescalate_url"
            };
            let url = strategy_settings
                .get(key)
                .or_else(|| strategy_settings.get("url"))
                .filter(|url| !url.is_empty())
                .ok_or_else(|| {
                    IntegrationError::config(
                        Service::Webhook,
                        "the http strategy has no `url` setting".to_string(),
                    )
                    .with_hint("set settings = { url = \"https://...\" } on the sym_strategy")
                })?;
            let event = if grant { "escalate" } else { "deescalate" };
            format!(
                "would POST the signed {event} event for {requester_email} to {url} {of_target}"
            )
        }
        _ => return Ok(None),
    };
    Ok(Some(sentence))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(target_type: &str, settings: &[(&str, &str)]) -> TargetSpec {
        TargetSpec {
            name: "prod-admins".into(),
            target_type: target_type.into(),
            label: "Prod admins".into(),
            settings: settings
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            unknown: BTreeMap::new(),
        }
    }

    #[test]
    fn okta_names_the_group_and_the_target() {
        let said = describe(
            "okta",
            &BTreeMap::new(),
            &BTreeMap::new(),
            &target("okta_group", &[("group_id", "00g123")]),
            "alice@example.com",
            Direction::Escalate,
        )
        .unwrap();
        assert_eq!(
            said.as_deref(),
            Some("would add alice@example.com to Okta group 00g123 (target prod-admins)")
        );
    }

    #[test]
    fn onelogin_names_the_role_and_the_target() {
        let said = describe(
            "onelogin",
            &BTreeMap::new(),
            &BTreeMap::new(),
            &target("onelogin_role", &[("role_id", "271828")]),
            "alice@example.com",
            Direction::Deescalate,
        )
        .unwrap();
        assert_eq!(
            said.as_deref(),
            Some("would remove alice@example.com from OneLogin role 271828 (target prod-admins)")
        );
    }

    #[test]
    fn google_group_names_the_group_the_role_and_the_target() {
        let said = describe(
            "google_group",
            &BTreeMap::new(),
            &BTreeMap::new(),
            &target("google_group", &[("group_email", "eng@example.com")]),
            "alice@example.com",
            Direction::Escalate,
        )
        .unwrap();
        assert_eq!(
            said.as_deref(),
            Some("would add alice@example.com to Google Group eng@example.com as MEMBER (target prod-admins)")
        );
    }

    #[test]
    fn a_missing_setting_is_the_strategies_own_error() {
        let err = describe(
            "aws_iam",
            &BTreeMap::new(),
            &BTreeMap::new(),
            &target("aws_iam_group", &[]),
            "alice@example.com",
            Direction::Deescalate,
        )
        .unwrap_err();
        assert!(err.message.contains("iam_group"), "{}", err.message);
    }

    #[test]
    fn custom_is_not_described_here() {
        let said = describe(
            "custom",
            &BTreeMap::new(),
            &BTreeMap::new(),
            &target("custom", &[]),
            "alice@example.com",
            Direction::Escalate,
        )
        .unwrap();
        assert_eq!(said, None);
    }
}
