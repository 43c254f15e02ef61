//! Loads `fixtures/sym_repo`, a configuration shaped like a real Sym repository (several files,
//! variables with tfvars and auto.tfvars, locals, modules, data sources and aws_* resources
//! beside the sym_* ones), and checks the model in detail.

use std::path::{Path, PathBuf};

use symflow_config::{
    load_dir, Address, FieldType, LinkTarget, LoadOptions, RequestSource, ResourceType,
    SettingValue, Unknown,
};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sym_repo")
}

fn address(resource_type: ResourceType, name: &str) -> LinkTarget {
    LinkTarget::Resource(Address::root(resource_type, name))
}

#[test]
fn provider_environment_and_integrations() {
    let loaded = load_dir(&fixture(), &LoadOptions::default()).unwrap();
    let config = &loaded.config;

    let provider = config.provider.as_ref().unwrap();
    assert_eq!(provider.org, "S-VJ2IYOCQ74");
    assert_eq!(provider.jwt_env_var, None);
    assert_eq!(provider.location.line, 7);

    let env = &config.environments["this"];
    // default "sandbox" < terraform.tfvars "staging" < prod.auto.tfvars "prod"
    assert_eq!(env.name, "prod");
    assert_eq!(env.label.as_deref(), Some("Production"));
    assert_eq!(env.meta.address.to_string(), "sym_environment.this");
    assert_eq!(env.meta.location.file, fixture().join("environment.tf"));
    assert_eq!(env.meta.location.line, 11);
    assert_eq!(
        env.runtime.as_ref().unwrap().external(),
        Some("module.runtime_connector.sym_runtime.id")
    );
    assert_eq!(
        env.error_logger.as_ref().unwrap().target(),
        &address(ResourceType::ErrorLogger, "slack")
    );
    assert_eq!(env.log_destinations.len(), 1);
    let keys: Vec<&str> = env.integrations.keys().map(String::as_str).collect();
    assert_eq!(keys, ["okta", "pagerduty", "slack"]);

    let slack = config.get(&env.integrations["slack"]).unwrap();
    assert_eq!(slack.integration_type, "slack");
    assert_eq!(slack.name, "prod-slack");
    assert_eq!(slack.external_id.as_deref(), Ok("T0123ABCD"));

    let okta = config.get(&env.integrations["okta"]).unwrap();
    assert_eq!(okta.external_id.as_deref(), Ok("dev-12345.okta.com"));
    match &okta.settings["api_token_secret"] {
        SettingValue::Secret(link) => {
            let secret = config.get(link).unwrap();
            // path = aws_secretsmanager_secret.okta_api_key.name, a literal in an aws_* block
            assert_eq!(secret.path, "sym/prod/okta-api-key");
            assert_eq!(
                secret.source.target(),
                &address(ResourceType::SecretSource, "this")
            );
        }
        other => panic!("api_token_secret should be a secret link, got {other:?}"),
    }

    let runtime_context = &config.integrations["runtime_context"];
    assert_eq!(
        runtime_context.external_id,
        Err(Unknown {
            reference: "data.aws_caller_identity.current.account_id".into()
        })
    );
    assert_eq!(
        runtime_context.settings["cloud"],
        SettingValue::Text("aws".into())
    );
    assert_eq!(
        runtime_context.settings["role_arn"],
        SettingValue::Unknown(Unknown {
            reference: "module.runtime_connector.settings.role_arn".into()
        })
    );

    let logger = &config.error_loggers["slack"];
    assert_eq!(logger.destination, "#sym-errors");
    assert_eq!(logger.slug(), "sym-errors");
    assert_eq!(config.get(&logger.integration).unwrap().name, "prod-slack");
}

#[test]
fn strategy_backed_flow_with_targets_and_vars() {
    let loaded = load_dir(&fixture(), &LoadOptions::default()).unwrap();
    let config = &loaded.config;
    let flow = &config.flows["okta_access"];
    assert_eq!(flow.name, "okta-access");
    assert_eq!(flow.label.as_deref(), Some("Okta Group Access"));
    assert_eq!(flow.meta.location.file, fixture().join("okta.tf"));
    assert_eq!(flow.meta.location.line, 45);
    assert!(flow
        .implementation
        .source
        .contains("def get_request_notifications(event):"));
    assert_eq!(
        flow.implementation.path.as_deref(),
        Some(fixture().join("impls/okta_access_impl.py").as_path())
    );
    // merge(var.flow_vars, {...}): numbers become strings
    assert_eq!(flow.vars["approvers_channel"], "#sym-requests");
    assert_eq!(flow.vars["max_requests"], "5");
    assert_eq!(flow.vars["auto_approve"], "false");

    let params = &flow.params;
    assert!(params.allow_revoke && params.schedule_deescalation);
    assert!(!params.allow_guest_interaction && !params.include_decision_message);
    assert_eq!(
        params.allowed_sources,
        Some(vec![RequestSource::Slack, RequestSource::Api])
    );
    let names: Vec<&str> = params
        .prompt_fields
        .iter()
        .map(|f| f.name.as_str())
        .collect();
    assert_eq!(names, ["reason", "duration"]);
    let duration = params.prompt_field("duration").unwrap();
    assert_eq!(duration.field_type, FieldType::Duration);
    assert_eq!(
        duration.allowed_values.as_deref(),
        Some(&["30m".to_owned(), "1h".to_owned(), "1d".to_owned()][..])
    );
    assert_eq!(duration.location.line, 67);

    let resolved = config.resolve_flow(flow);
    assert_eq!(resolved.environment.unwrap().name, "prod");
    assert_eq!(resolved.error_logger.unwrap().destination, "#sym-errors");
    assert_eq!(
        resolved.integrations.keys().copied().collect::<Vec<_>>(),
        ["okta", "pagerduty", "slack"]
    );
    let strategy = resolved.strategy.unwrap();
    assert_eq!(strategy.strategy.strategy_type, "okta");
    assert_eq!(strategy.strategy.name, "prod-okta-strategy");
    assert_eq!(strategy.integration.unwrap().name, "prod-okta");
    let targets: Vec<(&str, &str)> = strategy
        .targets
        .iter()
        .map(|t| (t.name.as_str(), t.settings["group_id"].as_text().unwrap()))
        .collect();
    assert_eq!(
        targets,
        [
            ("prod-okta-admins", "00g1abcdAdmins"),
            ("prod-okta-engineers", "00g2abcdEngineers")
        ]
    );
}

#[test]
fn approval_only_flow_with_every_prompt_field_type() {
    let loaded = load_dir(&fixture(), &LoadOptions::default()).unwrap();
    let flow = &loaded.config.flows["approval"];
    assert_eq!(flow.name, "approval-prod");
    assert!(flow.is_approval_only());
    // file("impls/...") without path.module resolves against the directory too
    assert_eq!(
        flow.implementation.path.as_deref(),
        Some(fixture().join("impls/approval_impl.py").as_path())
    );
    let params = &flow.params;
    assert!(!params.allow_revoke);
    assert!(params.schedule_deescalation);
    assert_eq!(params.allowed_sources, Some(vec![]));
    assert!(!params.allows_source(RequestSource::Slack));
    assert_eq!(
        params.additional_header_text.as_deref(),
        Some("Requests are reviewed by *#sym-requests*.")
    );
    assert!(params.allow_guest_interaction && params.include_decision_message);

    let types: Vec<FieldType> = params.prompt_fields.iter().map(|f| f.field_type).collect();
    assert_eq!(
        types,
        [
            FieldType::String,
            FieldType::Int,
            FieldType::Bool,
            FieldType::SlackUser,
            FieldType::SlackUserList,
            FieldType::StrList,
            FieldType::IntList
        ]
    );
    let resource = params.prompt_field("resource").unwrap();
    assert_eq!(
        resource.label.as_deref(),
        Some("What do you need access to?")
    );
    assert!(resource.required && resource.visible && !resource.prefetch);
    assert_eq!(resource.default.as_deref(), Some("staging-db"));
    let on_change = resource.on_change.as_ref().unwrap();
    assert!(on_change.source.starts_with("def on_change_resource("));
    assert_eq!(
        on_change.path.as_deref(),
        Some(fixture().join("impls/on_change_resource.py").as_path())
    );
    let ticket_count = params.prompt_field("ticket_count").unwrap();
    assert!(!ticket_count.required);
    assert_eq!(ticket_count.default.as_deref(), Some("1"));
    let urgent = params.prompt_field("urgent").unwrap();
    assert!(!urgent.visible);
    assert_eq!(urgent.default.as_deref(), Some("false"));
    assert!(params.prompt_field("repos").unwrap().prefetch);
    assert!(params.prompt_field("approver").unwrap().required);
}

#[test]
fn custom_strategy_secrets_runtime_log_destination_and_flows_filter() {
    let loaded = load_dir(&fixture(), &LoadOptions::default()).unwrap();
    let config = &loaded.config;

    let strategy = &config.strategies["internal"];
    assert_eq!(strategy.strategy_type, "custom");
    let implementation = strategy.implementation.as_ref().unwrap();
    assert!(implementation
        .source
        .contains("class InternalStrategy(AccessStrategy):"));
    assert_eq!(
        implementation.path.as_deref(),
        Some(fixture().join("custom_strategy.py").as_path())
    );
    let integration = config.get(strategy.integration.as_ref().unwrap()).unwrap();
    match &integration.settings["secret_ids_json"] {
        SettingValue::SecretList(links) => {
            let paths: Vec<&str> = links
                .iter()
                .map(|l| config.get(l).unwrap().path.as_str())
                .collect();
            assert_eq!(paths, ["sym/prod/internal-api"]);
        }
        other => panic!("secret_ids_json should be a secret list, got {other:?}"),
    }
    let target = &config.targets["internal_admin"];
    assert_eq!(target.field_bindings, ["repo_name"]);
    assert_eq!(target.settings["identifier"].as_text(), Some("admin"));
    let internal_flow = &config.flows["internal_access"];
    assert!(!internal_flow.params.schedule_deescalation);
    assert!(internal_flow.params.allow_revoke);

    let pagerduty_secret = &config.secrets["pagerduty"];
    assert_eq!(pagerduty_secret.json_key(), Some("api_token"));
    assert_eq!(pagerduty_secret.label.as_deref(), Some("PagerDuty token"));

    let source = &config.secret_sources["this"];
    assert_eq!(source.source_type, "aws_secrets_manager");
    assert_eq!(source.name, "prod-sym-secrets");
    assert_eq!(
        source.settings["context_id"],
        SettingValue::Resource(Address::root(ResourceType::Integration, "runtime_context"))
    );

    let runtime = &config.runtimes["this"];
    assert_eq!(runtime.name, "prod-runtime");
    assert_eq!(
        runtime.context.as_ref().unwrap().target(),
        &address(ResourceType::Integration, "runtime_context")
    );
    let firehose = &config.log_destinations["firehose"];
    assert_eq!(firehose.destination_type, "kinesis_firehose");
    assert_eq!(
        firehose.settings["stream_name"].as_text(),
        Some("sym-audit-prod")
    );

    let filter = &config.flows_filters["this"];
    assert!(filter.implementation.source.contains("def get_flows("));
    assert_eq!(filter.vars["hidden_flow"], "internal-access");
    assert_eq!(
        filter.integrations["okta"].target(),
        &address(ResourceType::Integration, "okta")
    );
}

#[test]
fn warnings_are_reported_without_failing_the_load() {
    let loaded = load_dir(&fixture(), &LoadOptions::default()).unwrap();
    // Values from module outputs are said to be unknown (tested elsewhere); the others:
    let all: Vec<String> = loaded
        .diagnostics
        .iter()
        .map(|d| d.to_string())
        .filter(|d| !d.contains("only known after terraform apply"))
        .collect();
    // The Firehose log destination is delivered to (no warning); the vars warnings remain.
    let messages = all;
    assert_eq!(messages.len(), 2, "{messages:#?}");
    let okta_tf = fixture().join("okta.tf").display().to_string();
    assert!(messages
        .iter()
        .all(|m| m.starts_with(&format!("{okta_tf}:51: warning: vars."))));
    assert!(messages[0].contains("auto_approve = \"false\" looks like a bool"));
    assert!(messages[1].contains("max_requests = \"5\" looks like an int"));
}

#[test]
fn cli_vars_override_tfvars_and_parse_typed_variables() {
    let opts = LoadOptions {
        vars: vec![
            LoadOptions::parse_var("environment_name=dev").unwrap(),
            LoadOptions::parse_var(r#"request_sources=["api"]"#).unwrap(),
            LoadOptions::parse_var("okta_domain=acme.okta.com").unwrap(),
        ],
        ..Default::default()
    };
    let config = load_dir(&fixture(), &opts).unwrap().config;
    assert_eq!(config.environments["this"].name, "dev");
    assert_eq!(config.integrations["slack"].name, "dev-slack");
    assert_eq!(config.secrets["okta_api_key"].path, "sym/dev/okta-api-key");
    assert_eq!(
        config.integrations["okta"].external_id.as_deref(),
        Ok("acme.okta.com")
    );
    // concat(var.request_sources, ["api"]) with the list given on the command line
    assert_eq!(
        config.flows["okta_access"].params.allowed_sources,
        Some(vec![RequestSource::Api, RequestSource::Api])
    );
}

#[test]
fn flow_lookup_by_slug_is_case_insensitive() {
    let config = load_dir(&fixture(), &LoadOptions::default())
        .unwrap()
        .config;
    assert_eq!(
        config
            .flow_by_slug("OKTA-Access")
            .unwrap()
            .meta
            .address
            .name,
        "okta_access"
    );
    assert!(config.flow_by_slug("nope").is_none());
}

/// `fixtures/aws_sso_repo`: one file per concern is not required; variables come from
/// `terraform.tfvars.json` and `*.auto.tfvars.json`, the connector modules feed the strategy,
/// and expressions use `for`, conditionals, `terraform.workspace` and functions.
#[test]
fn aws_sso_repository_with_json_tfvars_and_module_outputs() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/aws_sso_repo");
    let loaded = load_dir(&dir, &LoadOptions::default()).unwrap();
    // What comes from the sso-connector module is known only after apply: one warning each
    // for the integration's external_id and settings and the strategy's instance_arn.
    let messages: Vec<&str> = loaded
        .diagnostics
        .iter()
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(messages.len(), 3, "{messages:?}");
    assert!(
        messages
            .iter()
            .all(|m| m.contains("module.sso_connector.settings")
                && m.contains("only known after terraform apply")),
        "{messages:?}"
    );
    let config = &loaded.config;

    let provider = config.provider.as_ref().unwrap();
    assert_eq!(provider.org, "healthy-health");
    assert_eq!(provider.jwt_env_var.as_deref(), Some("SYM_CI_JWT"));

    let flow = &config.flows["sso_access"];
    assert_eq!(flow.label.as_deref(), Some("AWS SSO (2 permission sets)"));
    // A `for` over a map visits its keys in lexical order, as Terraform does.
    assert_eq!(flow.vars["permission_sets"], "admin,read-only");
    // z.auto.tfvars.json turns guests on; the conditional follows.
    assert!(flow.params.allow_guest_interaction);
    assert_eq!(
        flow.params.additional_header_text.as_deref(),
        Some("Guests may approve.")
    );
    let target_field = flow.params.prompt_field("target_id").unwrap();
    assert_eq!(target_field.label.as_deref(), Some("Permission set"));
    assert!(flow
        .implementation
        .source
        .contains("def get_approvers(event):"));

    let resolved = config.resolve_flow(flow);
    assert_eq!(resolved.environment.unwrap().name, "sso-default");
    assert!(resolved.error_logger.is_none());
    let strategy = resolved.strategy.unwrap();
    assert_eq!(strategy.strategy.strategy_type, "aws_sso");
    assert_eq!(
        strategy.strategy.settings["instance_arn"],
        SettingValue::Unknown(Unknown {
            reference: "module.sso_connector.settings.instance_arn".into()
        })
    );
    let context = strategy.integration.unwrap();
    assert_eq!(
        context.external_id,
        Err(Unknown {
            reference: "module.sso_connector.settings.instance_arn".into()
        })
    );
    // `settings = module.sso_connector.settings`: every key is unknown until apply.
    assert_eq!(
        symflow_config::setting(&context.settings, "instance_arn"),
        Some(&SettingValue::Unknown(Unknown {
            reference: "module.sso_connector.settings".into()
        }))
    );
    let targets: Vec<(&str, &str, &str)> = strategy
        .targets
        .iter()
        .map(|t| {
            (
                t.label.as_deref().unwrap(),
                t.settings["permission_set_arn"].as_text().unwrap(),
                t.settings["account_id"].as_text().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        targets,
        [
            (
                "Read only",
                "arn:aws:sso:::permissionSet/ssoins-1/ps-readonly",
                "123456789012"
            ),
            (
                "ADMIN",
                "arn:aws:sso:::permissionSet/ssoins-1/ps-admin",
                "123456789012"
            )
        ]
    );
}
