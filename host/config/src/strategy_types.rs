//! Which `sym_strategy` and `sym_target` types symflow carries out.
//!
//! An access tool that answers "approved" and grants nothing is the worst failure it can have.
//! So a strategy type symflow cannot run is an error when the configuration is read (in
//! `symflow validate`, `symflow up` and the Spin build alike), never a flow that validates and
//! then does nothing at approval. This table is that one list: the loader refuses what is not
//! in it, and the integrations crate tests that every type listed here builds a strategy.

/// One strategy type symflow runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StrategyKind {
    /// `sym_strategy.type`.
    pub strategy_type: &'static str,
    /// The service that grants access, as a person would name it.
    pub service: &'static str,
    /// The `sym_target.type`s it can grant; `None` when any is taken (`http` and `custom`
    /// hand the target to code that decides).
    pub target_types: Option<&'static [&'static str]>,
}

/// Every strategy type symflow carries out, in the order the documentation lists them.
pub const STRATEGY_KINDS: &[StrategyKind] = &[
    StrategyKind {
        strategy_type: "okta",
        service: "Okta",
        target_types: Some(&["okta_group"]),
    },
    StrategyKind {
        strategy_type: "github",
        service: "GitHub",
        target_types: Some(&["github_repo"]),
    },
    StrategyKind {
        strategy_type: "aws_sso",
        service: "AWS IAM Identity Center",
        target_types: Some(&["aws_sso_permission_set", "aws_sso_group"]),
    },
    StrategyKind {
        strategy_type: "aws_iam",
        service: "AWS IAM",
        target_types: Some(&["aws_iam_group"]),
    },
    StrategyKind {
        strategy_type: "aws_lambda",
        service: "AWS Lambda",
        target_types: Some(&["aws_lambda_function"]),
    },
    StrategyKind {
        strategy_type: "onelogin",
        service: "OneLogin",
        target_types: Some(&["onelogin_role"]),
    },
    StrategyKind {
        strategy_type: "google_group",
        service: "Google Workspace",
        target_types: Some(&["google_group"]),
    },
    StrategyKind {
        strategy_type: "http",
        service: "an HTTP endpoint",
        target_types: None,
    },
    StrategyKind {
        strategy_type: "custom",
        service: "a Python AccessStrategy",
        target_types: None,
    },
];

/// Sym's strategy types that symflow does not carry out yet, with the service each grants in.
/// They are refused like any unknown type; the list only makes the message name the service.
pub const NOT_CARRIED_OUT: &[(&str, &str)] = &[
    ("aptible", "Aptible roles"),
    ("aptible_role", "Aptible roles"),
    ("tailscale", "Tailscale groups"),
    ("tailscale_group", "Tailscale groups"),
];

/// The kind of `strategy_type`, when symflow runs it.
pub fn strategy_kind(strategy_type: &str) -> Option<&'static StrategyKind> {
    STRATEGY_KINDS
        .iter()
        .find(|kind| kind.strategy_type == strategy_type)
}

/// "okta, github, aws_sso, aws_iam, aws_lambda, onelogin, google_group, http and custom".
pub fn supported_strategy_types() -> String {
    let names: Vec<&str> = STRATEGY_KINDS.iter().map(|k| k.strategy_type).collect();
    match names.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => names.join(""),
    }
}

/// The sentence both `symflow validate` and a refusing server say for a strategy type symflow
/// does not carry out.
pub fn unsupported_strategy_message(strategy_type: &str) -> String {
    let what = NOT_CARRIED_OUT
        .iter()
        .find(|(name, _)| *name == strategy_type)
        .map(|(_, service)| format!(" ({service})"))
        .unwrap_or_default();
    format!(
        "symflow cannot grant or remove access with a `{strategy_type}` strategy{what}: it carries out {}. An approved request would grant nothing, so flows using it are refused",
        supported_strategy_types()
    )
}

/// The sentence for a target whose type its strategy cannot grant, or `None` when it can.
pub fn unsupported_target_message(strategy_type: &str, target_type: &str) -> Option<String> {
    let kind = strategy_kind(strategy_type)?;
    let accepted = kind.target_types?;
    if accepted.contains(&target_type) {
        return None;
    }
    Some(format!(
        "a `{strategy_type}` strategy grants {} targets of type {}, not `{target_type}`: approving it would grant nothing",
        kind.service,
        accepted
            .iter()
            .map(|t| format!("`{t}`"))
            .collect::<Vec<_>>()
            .join(" or ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_supported_list_reads_as_a_sentence() {
        assert_eq!(
            supported_strategy_types(),
            "okta, github, aws_sso, aws_iam, aws_lambda, onelogin, google_group, http and custom"
        );
    }

    #[test]
    fn sym_types_symflow_does_not_run_are_not_kinds() {
        for (name, _) in NOT_CARRIED_OUT {
            assert!(strategy_kind(name).is_none(), "{name}");
            assert!(unsupported_strategy_message(name).contains(name));
        }
        assert!(unsupported_strategy_message("tailscale").contains("Tailscale groups"));
    }

    #[test]
    fn onelogin_roles_are_carried_out() {
        let kind = strategy_kind("onelogin").expect("onelogin is a kind");
        assert_eq!(kind.service, "OneLogin");
        assert_eq!(
            unsupported_target_message("onelogin", "onelogin_role"),
            None
        );
        let message = unsupported_target_message("onelogin", "okta_group").unwrap();
        assert!(
            message.contains("grants OneLogin targets of type `onelogin_role`"),
            "{message}"
        );
        assert!(!NOT_CARRIED_OUT
            .iter()
            .any(|(name, _)| name.starts_with("onelogin")));
    }

    #[test]
    fn google_groups_are_carried_out() {
        let kind = strategy_kind("google_group").expect("google_group is a kind");
        assert_eq!(kind.service, "Google Workspace");
        assert_eq!(
            unsupported_target_message("google_group", "google_group"),
            None
        );
        let message = unsupported_target_message("google_group", "okta_group").unwrap();
        assert!(
            message.contains("grants Google Workspace targets of type `google_group`"),
            "{message}"
        );
        assert!(!NOT_CARRIED_OUT
            .iter()
            .any(|(name, _)| name.starts_with("google")));
    }

    #[test]
    fn a_target_outside_its_strategy_is_named() {
        assert_eq!(unsupported_target_message("okta", "okta_group"), None);
        assert_eq!(unsupported_target_message("custom", "anything"), None);
        let message = unsupported_target_message("aws_sso", "okta_group").unwrap();
        assert!(
            message.contains("`aws_sso_permission_set` or `aws_sso_group`"),
            "{message}"
        );
    }
}
