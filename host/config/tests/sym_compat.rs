//! Sym configurations shaped the way Sym users write them (`tests/envs/sym_compat/*`), one
//! per kind of real-world Terraform: local modules with two environments, registry modules
//! and values from Terraform state, provider 2.x paths, Terraform's functions, variables from
//! every source, custom integrations' secrets, a request's context and a flow calling a host
//! that is not allowed. Each is loaded and its model checked in detail; the CLI tests build
//! and run them.

use std::path::{Path, PathBuf};

use symflow_config::{
    load_dir, setting, validate, Diagnostic, LinkTarget, LoadOptions, SettingValue, Severity,
    Unknown,
};

fn env(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/envs/sym_compat")
        .join(name)
}

fn render(diagnostics: &[Diagnostic]) -> String {
    diagnostics
        .iter()
        .map(|d| d.to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

/// No TF_VAR_ from the environment running the tests.
fn opts() -> LoadOptions {
    LoadOptions {
        env_vars: Some(Vec::new()),
        ..Default::default()
    }
}

fn text(value: &SettingValue) -> &str {
    value
        .as_text()
        .unwrap_or_else(|| panic!("expected text, got {value:?}"))
}

fn unknown(reference: &str) -> SettingValue {
    SettingValue::Unknown(Unknown {
        reference: reference.into(),
    })
}

#[test]
fn two_environments_from_one_local_module() {
    let dir = env("multiple_environments/live");
    let validation = validate(&dir, &opts());
    assert!(
        validation.diagnostics.is_empty(),
        "{}",
        render(&validation.diagnostics)
    );
    let config = load_dir(&dir, &opts()).unwrap().config;

    let mut environments: Vec<(String, String)> = config
        .environments
        .values()
        .map(|e| (e.meta.address.to_string(), e.name.clone()))
        .collect();
    environments.sort();
    assert_eq!(
        environments,
        [
            ("module.main.sym_environment.this".into(), "main".into()),
            (
                "module.sandbox.sym_environment.this".into(),
                "sandbox".into()
            ),
        ]
    );
    let modules: Vec<&str> = config.modules.iter().map(|m| m.address.as_str()).collect();
    assert_eq!(modules, ["", "module.main", "module.sandbox"]);

    // Flows of both environments, `count` on the approval flow (off in sandbox), and a flow
    // of the root module in the main environment through a module output.
    let mut flows: Vec<(String, String, String)> = config
        .flows
        .values()
        .map(|flow| {
            let environment = config.get(&flow.environment).expect("a known environment");
            (
                flow.meta.address.to_string(),
                flow.name.clone(),
                environment.name.clone(),
            )
        })
        .collect();
    flows.sort();
    assert_eq!(
        flows,
        [
            (
                "module.main.sym_flow.approval[0]".into(),
                "main-approval".into(),
                "main".into()
            ),
            (
                "module.main.sym_flow.okta".into(),
                "main-okta".into(),
                "main".into()
            ),
            (
                "module.sandbox.sym_flow.okta".into(),
                "sandbox-okta".into(),
                "sandbox".into()
            ),
            (
                "sym_flow.break_glass".into(),
                "break-glass".into(),
                "main".into()
            ),
        ]
    );

    // for_each targets, with optional() defaults and coalesce for the label.
    let main_okta = config.flow_by_slug("main-okta").unwrap();
    let resolved = config.resolve_flow(main_okta);
    let strategy = resolved.strategy.expect("the okta strategy");
    let mut targets: Vec<(&str, &str, &str)> = strategy
        .targets
        .iter()
        .map(|t| {
            (
                t.name.as_str(),
                t.label.as_deref().unwrap(),
                text(&t.settings["group_id"]),
            )
        })
        .collect();
    targets.sort();
    assert_eq!(
        targets,
        [
            ("main-prod-admin", "Prod (admin)", "00g1admin"),
            ("main-prod-readonly", "Prod (read only)", "00g1readonly")
        ]
    );
    assert_eq!(
        resolved.integrations["okta"].meta.address.to_string(),
        "module.main.sym_integration.okta"
    );
    // Each environment its own secret, keyed by module.
    let secret = &config.secrets["module.sandbox.okta_api_key"];
    assert_eq!(secret.path, "sym/sandbox/okta-api-key");
    assert_eq!(main_okta.vars["approvers_channel"], "#sym-requests");
    assert_eq!(main_okta.vars["approvers"], "alice@acme.io,bob@acme.io");
    // path.module of the module: its file was read.
    assert!(main_okta
        .implementation
        .source
        .contains("def get_permissions"));
    assert!(main_okta
        .implementation
        .path
        .as_ref()
        .unwrap()
        .ends_with("modules/sym_environment/impls/okta_impl.py"));

    // dynamic "prompt_field" from a list variable, then a literal block.
    let sandbox = config.flow_by_slug("sandbox-okta").unwrap();
    let fields: Vec<(&str, bool)> = sandbox
        .params
        .prompt_fields
        .iter()
        .map(|f| (f.name.as_str(), f.required))
        .collect();
    assert_eq!(
        fields,
        [("reason", true), ("ticket", false), ("duration", true)]
    );
    let sandbox_targets = config.resolve_flow(sandbox).strategy.unwrap().targets;
    assert_eq!(sandbox_targets.len(), 1);
    assert_eq!(sandbox_targets[0].label.as_deref(), Some("Staging (admin)"));

    let break_glass = config.flow_by_slug("break-glass").unwrap();
    assert_eq!(
        break_glass.vars["okta_targets"],
        "main-prod-admin,main-prod-readonly"
    );
}

#[test]
fn a_module_variable_failing_its_validation_names_the_module_call() {
    let work = tempfile::tempdir().unwrap();
    copy_dir(&env("multiple_environments"), work.path());
    let main_tf = work.path().join("live/main.tf");
    let text = std::fs::read_to_string(&main_tf).unwrap().replace(
        "environment_name     = \"sandbox\"",
        "environment_name     = \"Sandbox!\"",
    );
    std::fs::write(&main_tf, text).unwrap();
    let diagnostics = validate(&work.path().join("live"), &opts()).diagnostics;
    let errors: Vec<&Diagnostic> = diagnostics.iter().filter(|d| d.is_error()).collect();
    assert!(
        errors.iter().any(|d| d
            .message
            .contains("invalid value for variable `environment_name` (in module.sandbox)")
            && d.message.contains("lower-case letters")
            && d.location.as_ref().unwrap().file.ends_with("variables.tf")),
        "{}",
        render(&diagnostics)
    );
}

#[test]
fn values_known_after_apply_are_unknown_without_state_and_taken_from_it() {
    let dir = env("terraform_state");
    // Without state, as `terraform validate`: nothing to say, and the values are unknown.
    let validation = validate(&dir, &opts());
    assert!(
        validation.diagnostics.is_empty(),
        "{}",
        render(&validation.diagnostics)
    );
    let config = validation.config.unwrap();
    assert_eq!(
        config.targets["okta[\"prod-admins\"]"].settings["group_id"],
        unknown("module.okta_groups.okta_group.this[\"prod-admins\"].id")
    );
    let flow = config.flow_by_slug("okta-access").unwrap();
    assert_eq!(
        flow.unknown_vars["audit_function_arn"],
        Unknown {
            reference: "aws_lambda_function.audit.arn".into()
        }
    );
    assert!(config.integrations["runtime_context"].external_id.is_err());

    // The commands that run flows load it too, and warn about what will fail.
    let loaded = load_dir(&dir, &opts()).unwrap();
    assert!(loaded
        .diagnostics
        .iter()
        .all(|d| d.severity == Severity::Warning
            && d.message.contains("only known after terraform apply")));
    assert!(loaded
        .diagnostics
        .iter()
        .any(|d| d.message.contains("aws_lambda_function.audit.arn")));

    // With the state in each of its three forms.
    for file in ["terraform.tfstate", "show.json"] {
        let opts = LoadOptions {
            tf_state: Some(dir.join("state").join(file)),
            ..opts()
        };
        let loaded = load_dir(&dir, &opts).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert!(
            loaded.diagnostics.is_empty(),
            "{file}: {}",
            render(&loaded.diagnostics)
        );
        let config = loaded.config;
        let state = config.state.as_ref().unwrap();
        assert!(state.path.ends_with(file));
        assert_eq!(
            text(&config.targets["okta[\"prod-admins\"]"].settings["group_id"]),
            "00g-prodadmins",
            "{file}"
        );
        assert_eq!(
            config.targets["okta[\"prod-readonly\"]"].label.as_deref(),
            Some("Production read-only")
        );
        let flow = config.flow_by_slug("okta-access").unwrap();
        assert_eq!(
            flow.vars["audit_function_arn"],
            "arn:aws:lambda:us-east-1:123456789012:function:sym-audit-prod"
        );
        // The runtime connector is not downloaded: its settings come from the root output
        // `runtime_settings = module.runtime_connector.settings`.
        let runtime = &config.integrations["runtime_context"];
        assert_eq!(runtime.external_id.as_deref(), Ok("123456789012"));
        assert_eq!(
            text(&runtime.settings["role_arn"]),
            "arn:aws:iam::123456789012:role/sym/SymRuntimeProd"
        );
        // The sso-connector module was downloaded: read from .terraform/modules, its data
        // sources and resources from the state.
        let sso = &config.integrations["sso_context"];
        assert_eq!(
            sso.external_id.as_deref(),
            Ok("arn:aws:sso:::instance/ssoins-7223a1b2c3d4e5f6")
        );
        assert_eq!(text(&sso.settings["identity_store_id"]), "d-9067c1a2b3");
        assert_eq!(
            text(&sso.settings["role_arn"]),
            "arn:aws:iam::123456789012:role/sym/SymSSOProd"
        );
    }

    // `terraform output -json` holds only root outputs: what a root output names is known,
    // what only resources hold stays unknown.
    let opts = LoadOptions {
        tf_state: Some(dir.join("state/outputs.json")),
        ..opts()
    };
    let config = load_dir(&dir, &opts).unwrap().config;
    assert_eq!(
        config.integrations["runtime_context"]
            .external_id
            .as_deref(),
        Ok("123456789012")
    );
    assert!(matches!(
        config.targets["okta[\"prod-admins\"]"].settings["group_id"],
        SettingValue::Unknown(_)
    ));
}

#[test]
fn terraform_tfstate_next_to_the_configuration_is_read_and_a_bad_state_file_is_an_error() {
    let work = tempfile::tempdir().unwrap();
    copy_dir(&env("terraform_state"), work.path());
    std::fs::copy(
        work.path().join("state/terraform.tfstate"),
        work.path().join("terraform.tfstate"),
    )
    .unwrap();
    let config = load_dir(work.path(), &opts()).unwrap().config;
    assert!(config
        .state
        .as_ref()
        .unwrap()
        .path
        .ends_with("terraform.tfstate"));
    assert_eq!(
        text(&config.targets["okta[\"prod-admins\"]"].settings["group_id"]),
        "00g-prodadmins"
    );

    std::fs::write(work.path().join("broken.json"), "{\"not\": \"state\"}").unwrap();
    let opts = LoadOptions {
        tf_state: Some(work.path().join("broken.json")),
        ..opts()
    };
    let err = load_dir(work.path(), &opts).unwrap_err();
    assert!(err.to_string().contains("--tf-state"), "{err}");
    assert!(err.to_string().contains("terraform show -json"), "{err}");
}

#[test]
fn provider_2_reads_implementation_paths_and_accepts_underscored_names() {
    let dir = env("provider_v2");
    let validation = validate(&dir, &opts());
    assert!(
        validation.diagnostics.is_empty(),
        "{}",
        render(&validation.diagnostics)
    );
    let config = load_dir(&dir, &opts()).unwrap().config;
    let version = config.provider_version.as_ref().unwrap();
    assert_eq!(version.major, 2);
    assert!(
        version.describe().contains("2.3.1"),
        "{}",
        version.describe()
    );
    let approval = config.flow_by_slug("approval").unwrap();
    assert!(approval
        .implementation
        .source
        .contains("slack.channel(\"#sym-requests\", allow_self=True)"));
    assert!(approval
        .implementation
        .path
        .as_ref()
        .unwrap()
        .ends_with("impl.py"));
    let sso = config.flow_by_slug("aws_sso").unwrap();
    assert!(sso.implementation.source.contains("break-glass"));
    let strategy = config.resolve_flow(sso).strategy.unwrap();
    assert!(strategy
        .strategy
        .implementation
        .as_ref()
        .unwrap()
        .source
        .contains("class SsoToolStrategy"));
}

#[test]
fn provider_versions_decide_what_implementation_means() {
    let work = tempfile::tempdir().unwrap();
    copy_dir(&env("provider_v2"), work.path());
    // Without the lock file, the constraint decides (~> 2.0: still a path).
    std::fs::remove_file(work.path().join(".terraform.lock.hcl")).unwrap();
    let config = load_dir(work.path(), &opts()).unwrap().config;
    let version = config.provider_version.unwrap();
    assert_eq!(version.major, 2);
    assert!(
        version.describe().contains("~> 2.0"),
        "{}",
        version.describe()
    );

    // 2.x given file contents: the message says what 2.x expects.
    let flows_tf = work.path().join("flows.tf");
    let text = std::fs::read_to_string(&flows_tf).unwrap().replace(
        "implementation = \"${path.module}/impl.py\"",
        "implementation = file(\"${path.module}/impl.py\")",
    );
    std::fs::write(&flows_tf, &text).unwrap();
    let diagnostics = validate(work.path(), &opts()).diagnostics;
    let error = diagnostics
        .iter()
        .find(|d| d.is_error())
        .unwrap_or_else(|| panic!("{}", render(&diagnostics)));
    assert!(
        error.message.contains("holds file contents") && error.message.contains("2.x"),
        "{error}"
    );
    assert_eq!(error.location.as_ref().unwrap().line, 6);

    // The same configuration moved to ~> 3.0 takes contents, and refuses a path.
    let versions = work.path().join("versions.tf");
    let v3 = std::fs::read_to_string(&versions)
        .unwrap()
        .replace("\"~> 2.0\"", "\"~> 3.0\"");
    std::fs::write(&versions, v3).unwrap();
    let diagnostics = validate(work.path(), &opts()).diagnostics;
    let errors: Vec<&Diagnostic> = diagnostics.iter().filter(|d| d.is_error()).collect();
    assert_eq!(errors.len(), 1, "{}", render(&diagnostics));
    assert!(
        errors[0].message.contains("looks like a Python file name"),
        "{}",
        errors[0]
    );
}

#[test]
fn terraform_functions_build_flows_from_data() {
    let dir = env("terraform_functions");
    let validation = validate(&dir, &opts());
    assert!(
        validation.diagnostics.is_empty(),
        "{}",
        render(&validation.diagnostics)
    );
    let config = load_dir(&dir, &opts()).unwrap().config;
    assert_eq!(config.environments["this"].name, "prod-main");
    assert_eq!(
        config.integrations["slack"].external_id.as_deref(),
        Ok("T0FUNCTNS")
    );
    let mut names: Vec<&str> = config.flows.values().map(|f| f.name.as_str()).collect();
    names.sort();
    assert_eq!(
        names,
        ["data-access", "payments-access", "search-infra-access"]
    );
    let search = config.flow_by_slug("search-infra-access").unwrap();
    assert_eq!(search.label.as_deref(), Some("Search Infra access"));
    assert!(search.params.allow_guest_interaction);
    assert_eq!(
        search.params.additional_header_text.as_deref(),
        Some("Access to *Search Infra* is granted for at most 4h. Guests may approve.")
    );
    assert_eq!(
        search
            .params
            .prompt_field("duration")
            .unwrap()
            .allowed_values,
        Some(vec!["1h".to_string(), "4h".to_string()])
    );
    assert_eq!(search.vars["approvers"], "#sym-requests");
    assert_eq!(search.vars["team_b64"], "c2VhcmNoLWluZnJh");
    assert_eq!(search.vars["durations"], "[\"1h\",\"4h\"]");
    assert_eq!(search.vars["all_durations"], "30m,1h,4h");
    assert_eq!(search.vars["on_call_schedule"], "platform-primary");
    let payments = config.flow_by_slug("payments-access").unwrap();
    assert_eq!(payments.vars["approvers"], "#payments-approvals");
    assert!(!payments.params.allow_guest_interaction);
    let strategy = config.resolve_flow(payments).strategy.unwrap();
    assert_eq!(
        strategy.integration.unwrap().external_id.as_deref(),
        Ok("acme.okta.com")
    );
    assert_eq!(
        text(&strategy.targets[0].settings["group_id"]),
        "00gpayments1"
    );
    // fileexists() was false: the implementation is the team impl alone.
    assert!(payments.implementation.source.contains("def team_of"));
}

#[test]
fn variables_come_from_every_place_terraform_reads() {
    let dir = env("variables");
    let given = |extra: &[(&str, &str)]| LoadOptions {
        env_vars: Some(
            [
                ("pagerduty_schedule", "platform-primary"),
                ("pagerduty_api_key_path", "sym/prod/pagerduty-api-key"),
            ]
            .iter()
            .chain(extra)
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        ),
        ..Default::default()
    };
    let loaded = load_dir(&dir, &given(&[])).unwrap_or_else(|e| panic!("{e}"));
    let config = &loaded.config;
    assert_eq!(
        config.provider.as_ref().unwrap().org,
        "S-VARIABLES1",
        "from terraform.tfvars.json"
    );
    let flow = config.flow_by_slug("oncall-access").unwrap();
    assert_eq!(flow.vars["schedule_name"], "platform-primary", "TF_VAR_");
    assert_eq!(
        flow.vars["request_channel"], "#prod-requests",
        "prod.auto.tfvars"
    );
    // "8" in a later *.auto.tfvars.json, converted to the declared number type, then to a
    // var string (with Sym's warning that it looks like an int).
    assert_eq!(flow.vars["max_duration_hours"], "8");
    assert!(loaded.diagnostics.iter().any(|d| d
        .message
        .contains("vars.max_duration_hours = \"8\" looks like an int")));
    // optional() default in an object type.
    assert_eq!(flow.label.as_deref(), Some("On-call access"));
    // null for a `nullable = false` variable takes its default.
    assert_eq!(config.error_loggers["slack"].destination, "#sym-errors");
    // A sensitive value is used, never printed.
    assert_eq!(
        config.secrets["pagerduty_api_key"].path,
        "sym/prod/pagerduty-api-key"
    );
    assert!(loaded
        .diagnostics
        .iter()
        .all(|d| !d.to_string().contains("pagerduty-api-key")));

    // --var wins over TF_VAR_, and a validation block refuses a bad value.
    let mut opts = given(&[]);
    opts.vars = vec![("environment_name".into(), "qa".into())];
    let err = load_dir(&dir, &opts).unwrap_err();
    let error = err
        .errors()
        .find(|d| {
            d.message
                .contains("invalid value for variable `environment_name`")
        })
        .unwrap_or_else(|| panic!("{err}"));
    assert!(
        error.message.contains("prod, staging or sandbox"),
        "{error}"
    );
    assert!(error
        .location
        .as_ref()
        .unwrap()
        .file
        .ends_with("variables.tf"));

    // A type conversion that cannot work names the variable and where the value came from.
    // (--var, which wins over the auto.tfvars file that sets it.)
    let mut bad_number = given(&[]);
    bad_number.vars = vec![("max_duration_hours".into(), "eight".into())];
    let err = load_dir(&dir, &bad_number).unwrap_err();
    assert!(err.to_string().contains("var.max_duration_hours"), "{err}");

    // Without a value for pagerduty_schedule: a warning for validate, an error naming the
    // three ways to set it for the commands that need it.
    let without = LoadOptions {
        env_vars: Some(vec![(
            "pagerduty_api_key_path".into(),
            "sym/prod/pagerduty-api-key".into(),
        )]),
        ..Default::default()
    };
    let validation = validate(&dir, &without);
    let warning = validation
        .diagnostics
        .iter()
        .find(|d| {
            d.message
                .contains("variable `pagerduty_schedule` has no value")
        })
        .unwrap_or_else(|| panic!("{}", render(&validation.diagnostics)));
    assert_eq!(warning.severity, Severity::Warning);
    assert!(
        !validation.diagnostics.iter().any(Diagnostic::is_error),
        "{}",
        render(&validation.diagnostics)
    );
    let err = load_dir(&dir, &without).unwrap_err();
    let errors: Vec<&Diagnostic> = err.errors().collect();
    assert_eq!(errors.len(), 1, "{err}");
    let fix = errors[0].fix.as_deref().unwrap();
    for way in [
        "TF_VAR_pagerduty_schedule",
        "terraform.tfvars",
        "--var pagerduty_schedule=",
    ] {
        assert!(fix.contains(way), "{fix}");
    }
}

#[test]
fn a_custom_integration_grants_its_secrets() {
    let dir = env("custom_integration");
    let validation = validate(&dir, &opts());
    assert!(
        validation.diagnostics.is_empty(),
        "{}",
        render(&validation.diagnostics)
    );
    let config = load_dir(&dir, &opts()).unwrap().config;
    let flow = config.flow_by_slug("approval").unwrap();
    let rota = config.resolve_flow(flow).integrations["rota"];
    assert_eq!(rota.integration_type, "custom");
    match &rota.settings["secret_ids_json"] {
        SettingValue::SecretList(links) => {
            let paths: Vec<&str> = links
                .iter()
                .map(|l| config.get(l).unwrap().path.as_str())
                .collect();
            assert_eq!(paths, ["main/rota-api-key", "main/rota-webhook"]);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(text(&rota.settings["allowed_hosts"]), "api.rota.example");
}

#[test]
fn a_literal_url_no_allowed_hosts_allows_is_a_warning_at_its_line() {
    let dir = env("allowed_hosts");
    let diagnostics = validate(&dir, &opts()).diagnostics;
    assert_eq!(diagnostics.len(), 1, "{}", render(&diagnostics));
    let warning = &diagnostics[0];
    assert_eq!(warning.severity, Severity::Warning);
    let location = warning.location.as_ref().unwrap();
    assert!(location.file.ends_with("allowed_hosts/impl.py"));
    assert_eq!(location.line, 25);
    assert!(
        warning.message.contains("hooks.partner.example"),
        "{warning}"
    );
    let fix = warning.fix.as_deref().unwrap();
    assert!(fix.contains("allowed_hosts"), "{fix}");
    assert!(fix.contains("sym_integration.partner"), "{fix}");
    assert!(fix.contains("main.tf:29"), "{fix}");
}

#[test]
fn a_request_context_flow_loads() {
    let dir = env("request_context");
    let validation = validate(&dir, &opts());
    assert!(
        validation.diagnostics.is_empty(),
        "{}",
        render(&validation.diagnostics)
    );
    let config = validation.config.unwrap();
    let flow = config.flow_by_slug("approve-deploy").unwrap();
    assert!(flow
        .params
        .allows_source(symflow_config::RequestSource::Api));
    assert!(matches!(flow.environment.target(), LinkTarget::Resource(_)));
}

#[test]
fn every_compat_environment_has_flows() {
    for name in [
        "multiple_environments/live",
        "terraform_state",
        "provider_v2",
        "terraform_functions",
        "custom_integration",
        "allowed_hosts",
        "request_context",
    ] {
        let config = validate(&env(name), &opts()).config.unwrap();
        assert!(!config.flows.is_empty(), "{name}");
        assert!(setting(&Default::default(), "x").is_none());
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}
