//! Every validation rule, each with a configuration that breaks it: the message, its severity,
//! its `file:line` and the presence of a fix are checked.

use std::path::{Path, PathBuf};

use symflow_config::{load_dir, validate_dir, Diagnostic, LoadOptions, Severity};

/// An environment, a Slack integration and an impl file: the valid base of every case.
const ENVIRONMENT_TF: &str = r#"provider "sym" {
  org = "S-TEST"
}

resource "sym_environment" "this" {
  name         = "prod"
  integrations = { slack_id = sym_integration.slack.id }
}

resource "sym_integration" "slack" {
  type        = "slack"
  name        = "prod-slack"
  external_id = "T0123ABCD"
}

resource "sym_integration" "okta" {
  type        = "okta"
  name        = "prod-okta"
  external_id = "acme.okta.com"
}

resource "sym_target" "admins" {
  type     = "okta_group"
  name     = "admins"
  settings = { group_id = "00g1" }
}

resource "sym_strategy" "okta" {
  type           = "okta"
  name           = "okta"
  integration_id = sym_integration.okta.id
  targets        = [sym_target.admins.id]
}
"#;

struct Case {
    _dir: tempfile::TempDir,
    root: PathBuf,
}

impl Case {
    /// A directory with the base environment plus `flow.tf` holding `flow_tf`.
    fn new(flow_tf: &str) -> Case {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_path_buf();
        std::fs::write(root.join("environment.tf"), ENVIRONMENT_TF).unwrap();
        std::fs::create_dir(root.join("impls")).unwrap();
        std::fs::write(root.join("impls/demo_impl.py"), "# impl\n").unwrap();
        std::fs::write(root.join("flow.tf"), flow_tf).unwrap();
        Case { _dir: dir, root }
    }

    fn diagnostics(&self) -> Vec<Diagnostic> {
        validate_dir(&self.root, &LoadOptions::default())
    }

    /// The single diagnostic containing `needle`; asserts its severity, file, line and fix.
    fn expect(&self, severity: Severity, file: &str, line: usize, needle: &str) -> Diagnostic {
        let diagnostics = self.diagnostics();
        let matching: Vec<&Diagnostic> = diagnostics
            .iter()
            .filter(|d| d.message.contains(needle))
            .collect();
        assert_eq!(
            matching.len(),
            1,
            "expected one diagnostic containing {needle:?}, got:\n{}",
            render(&diagnostics)
        );
        let diagnostic = matching[0].clone();
        assert_eq!(diagnostic.severity, severity, "{diagnostic}");
        let location = diagnostic.location.clone().expect("a location");
        assert_eq!(location.file, self.root.join(file), "{diagnostic}");
        assert_eq!(location.line, line, "{diagnostic}");
        assert!(diagnostic.fix.is_some(), "no fix in {diagnostic}");
        let printed = diagnostic.to_string();
        let prefix = format!("{}:{line}: {severity}: ", self.root.join(file).display());
        assert!(printed.starts_with(&prefix), "{printed}");
        assert!(printed.contains("\n  fix: "), "{printed}");
        diagnostic
    }

    fn error_count(&self) -> usize {
        self.diagnostics().iter().filter(|d| d.is_error()).count()
    }
}

fn render(diagnostics: &[Diagnostic]) -> String {
    diagnostics
        .iter()
        .map(|d| d.to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

/// A flow with `params_body` inside `params { }`, starting at line 1 of flow.tf:
/// params body starts on line 6.
fn flow(name: &str, params_body: &str) -> String {
    format!(
        r#"resource "sym_flow" "demo" {{
  name           = "{name}"
  implementation = file("${{path.module}}/impls/demo_impl.py")
  environment_id = sym_environment.this.id
  params {{
{params_body}
  }}
}}
"#
    )
}

#[test]
fn the_base_configuration_is_clean() {
    let case = Case::new(&flow("demo", ""));
    assert!(
        case.diagnostics().is_empty(),
        "{}",
        render(&case.diagnostics())
    );
}

#[test]
fn implementation_given_as_a_python_file_name() {
    let case = Case::new(
        r#"resource "sym_flow" "demo" {
  name           = "demo"
  environment_id = sym_environment.this.id
  implementation = "impls/demo_impl.py"
}
"#,
    );
    let diagnostic = case.expect(
        Severity::Error,
        "flow.tf",
        4,
        "looks like a Python file name. Please use 'file(...)'",
    );
    assert!(diagnostic
        .fix
        .unwrap()
        .contains(r#"file("${path.module}/impls/demo_impl.py")"#));
    assert_eq!(case.error_count(), 1, "{}", render(&case.diagnostics()));
}

#[test]
fn unknown_prompt_field_type_lists_the_valid_ones() {
    let case = Case::new(&flow(
        "demo",
        r#"    prompt_field {
      name = "env"
      type = "list"
    }"#,
    ));
    let diagnostic = case.expect(Severity::Error, "flow.tf", 8, "has unknown type \"list\"");
    let fix = diagnostic.fix.unwrap();
    for valid in [
        "string",
        "int",
        "bool",
        "duration",
        "slack_user",
        "slack_user_list",
        "str_list",
        "int_list",
    ] {
        assert!(fix.contains(valid), "{fix}");
    }
}

#[test]
fn duration_without_allowed_values() {
    let case = Case::new(&flow(
        "demo",
        r#"    strategy_id = sym_strategy.okta.id
    prompt_field {
      name = "duration"
      type = "duration"
    }"#,
    ));
    case.expect(
        Severity::Error,
        "flow.tf",
        7,
        "duration prompt field has no allowed_values",
    );
}

#[test]
fn duration_not_required() {
    let case = Case::new(&flow(
        "demo",
        r#"    strategy_id = sym_strategy.okta.id
    prompt_field {
      name           = "duration"
      type           = "duration"
      allowed_values = ["30m", "1h"]
      required       = false
    }"#,
    ));
    case.expect(
        Severity::Error,
        "flow.tf",
        11,
        "duration prompt field must be required",
    );
}

#[test]
fn approval_only_flow_defining_duration() {
    let case = Case::new(&flow(
        "demo",
        r#"    prompt_field {
      name           = "duration"
      type           = "duration"
      allowed_values = ["30m", "1h"]
    }"#,
    ));
    case.expect(
        Severity::Error,
        "flow.tf",
        6,
        "but this is an approval-only flow",
    );
}

#[test]
fn bad_allowed_sources_value() {
    let case = Case::new(&flow(
        "demo",
        r#"    allowed_sources = [
      "slack",
      "email",
    ]"#,
    ));
    let diagnostic = case.expect(
        Severity::Error,
        "flow.tf",
        6,
        "\"email\" is not a valid allowed_sources value",
    );
    assert!(diagnostic.fix.unwrap().contains("\"slack\" and/or \"api\""));
}

#[test]
fn flow_name_breaking_sym_name_rule() {
    let case = Case::new(&flow("my flow", ""));
    let diagnostic = case.expect(
        Severity::Error,
        "flow.tf",
        2,
        "flow name \"my flow\" is not a valid Sym name",
    );
    assert!(diagnostic.fix.unwrap().contains("\"my-flow\""));
}

/// Sym accepts underscores (`aws_sso`, `aws_iam`) and names longer than the 32 characters
/// `symflow generate` proposes.
#[test]
fn underscores_and_long_names_are_sym_names() {
    let case = Case::new(&flow("aws_sso", ""));
    let long = format!("prod_{}", "a".repeat(40));
    let environment = ENVIRONMENT_TF.replace("\"prod\"", &format!("\"{long}\""));
    std::fs::write(case.root.join("environment.tf"), environment).unwrap();
    let errors: Vec<Diagnostic> = case
        .diagnostics()
        .into_iter()
        .filter(|d| d.is_error())
        .collect();
    assert!(errors.is_empty(), "{}", render(&errors));
    let config = load_dir(&case.root, &LoadOptions::default())
        .unwrap()
        .config;
    assert_eq!(config.flows["demo"].name, "aws_sso");
    assert_eq!(config.environments["this"].name, long);
}

#[test]
fn revoke_and_deescalation_both_false() {
    let case = Case::new(&flow(
        "demo",
        r#"    strategy_id           = sym_strategy.okta.id
    allow_revoke          = false
    schedule_deescalation = false"#,
    ));
    case.expect(
        Severity::Error,
        "flow.tf",
        8,
        "allow_revoke and schedule_deescalation are both false",
    );
}

#[test]
fn reference_to_an_undefined_resource() {
    let case = Case::new(
        r#"resource "sym_flow" "demo" {
  name           = "demo"
  implementation = file("${path.module}/impls/demo_impl.py")
  environment_id = sym_environment.prod.id
}
"#,
    );
    let diagnostic = case.expect(
        Severity::Error,
        "flow.tf",
        4,
        "reference to undefined resource sym_environment.prod",
    );
    assert!(diagnostic.fix.unwrap().contains("defined here: this"));
    assert_eq!(case.error_count(), 1, "{}", render(&case.diagnostics()));
}

#[test]
fn reference_to_an_undefined_resource_type_inside_a_list() {
    let case = Case::new(
        r#"resource "sym_strategy" "more" {
  type           = "okta"
  name           = "more"
  integration_id = sym_integration.okta.id
  targets        = [sym_target.admins.id, sym_target.missing.id]
}
"#,
    );
    case.expect(
        Severity::Error,
        "flow.tf",
        5,
        "reference to undefined resource sym_target.missing",
    );
}

#[test]
fn hcl_syntax_error_names_the_line() {
    let case = Case::new(
        "resource \"sym_flow\" \"demo\" {\n  name = \"demo\"\n  label = \"unterminated\n}\n",
    );
    let diagnostic = case.expect(Severity::Error, "flow.tf", 3, "HCL syntax error");
    assert!(
        load_dir(&case.root, &LoadOptions::default()).is_err(),
        "{diagnostic}"
    );
}

#[test]
fn allowed_values_on_target_id_is_a_warning() {
    let case = Case::new(&flow(
        "demo",
        r#"    strategy_id = sym_strategy.okta.id
    prompt_field {
      name           = "target_id"
      type           = "string"
      allowed_values = ["a", "b"]
    }"#,
    ));
    case.expect(
        Severity::Warning,
        "flow.tf",
        10,
        "allowed_values is ignored for target_id",
    );
    assert!(load_dir(&case.root, &LoadOptions::default()).is_ok());
}

#[test]
fn vars_that_look_like_int_or_bool_are_warnings() {
    let case = Case::new(
        r##"resource "sym_flow" "demo" {
  name           = "demo"
  implementation = file("${path.module}/impls/demo_impl.py")
  environment_id = sym_environment.this.id
  vars = {
    channel  = "#ops"
    max_hours = 4
    dry_run  = "true"
  }
}
"##,
    );
    case.expect(
        Severity::Warning,
        "flow.tf",
        5,
        "vars.max_hours = \"4\" looks like an int",
    );
    case.expect(
        Severity::Warning,
        "flow.tf",
        5,
        "vars.dry_run = \"true\" looks like a bool",
    );
    let loaded = load_dir(&case.root, &LoadOptions::default()).unwrap();
    assert_eq!(loaded.diagnostics.len(), 2);
    assert_eq!(loaded.config.flows["demo"].vars["max_hours"], "4");
}

#[test]
fn missing_required_attribute() {
    let case = Case::new(
        r#"resource "sym_flow" "demo" {
  name           = "demo"
  implementation = file("${path.module}/impls/demo_impl.py")
}
"#,
    );
    case.expect(
        Severity::Error,
        "flow.tf",
        1,
        "missing the required attribute `environment_id`",
    );
}

#[test]
fn missing_implementation_file() {
    let case = Case::new(
        r#"resource "sym_flow" "demo" {
  name           = "demo"
  environment_id = sym_environment.this.id
  implementation = file("${path.module}/impls/nope.py")
}
"#,
    );
    let diagnostic = case.expect(
        Severity::Error,
        "flow.tf",
        4,
        "file(...) failed: no file exists at",
    );
    assert!(diagnostic.message.contains("nope.py"));
    assert!(diagnostic.fix.unwrap().contains("${path.module}"));
    assert_eq!(case.error_count(), 1, "{}", render(&case.diagnostics()));
}

#[test]
fn strategy_implementation_must_be_a_path() {
    let case = Case::new(
        r#"resource "sym_strategy" "custom" {
  type           = "custom"
  name           = "custom"
  integration_id = sym_integration.okta.id
  targets        = [sym_target.admins.id]
  implementation = file("${path.module}/impls/demo_impl.py")
}
"#,
    );
    case.expect(
        Severity::Error,
        "flow.tf",
        6,
        "must be a file path, but it holds file contents",
    );
}

#[test]
fn link_to_the_wrong_resource_type() {
    let case = Case::new(
        r#"resource "sym_flow" "demo" {
  name           = "demo"
  implementation = file("${path.module}/impls/demo_impl.py")
  environment_id = sym_integration.slack.id
}
"#,
    );
    case.expect(
        Severity::Error,
        "flow.tf",
        4,
        "must reference a sym_environment, not sym_integration.slack",
    );
}

#[test]
fn undefined_local_and_variable_without_value() {
    let case = Case::new(
        r#"variable "team" {}

resource "sym_flow" "demo" {
  name           = "${var.team}-${local.suffix}"
  implementation = file("${path.module}/impls/demo_impl.py")
  environment_id = sym_environment.this.id
}
"#,
    );
    // validate needs no value (a warning naming the three ways to set it); load does.
    let warning = case.expect(
        Severity::Warning,
        "flow.tf",
        1,
        "variable `team` has no value",
    );
    let fix = warning.fix.unwrap();
    for way in ["TF_VAR_team", "terraform.tfvars", "--var team="] {
        assert!(fix.contains(way), "{fix}");
    }
    let err = load_dir(&case.root, &LoadOptions::default()).unwrap_err();
    let error = err
        .errors()
        .find(|d| d.message.contains("variable `team` has no value"))
        .unwrap_or_else(|| panic!("{err}"));
    assert_eq!(error.location.as_ref().unwrap().line, 1);
    assert!(error.fix.as_ref().unwrap().contains("TF_VAR_team"));
    case.expect(
        Severity::Error,
        "flow.tf",
        4,
        "local.suffix is used but not defined",
    );
    // With the variable given and the local defined, the same flow is clean.
    std::fs::write(
        case.root.join("locals.tf"),
        "locals {\n  suffix = \"access\"\n}\n",
    )
    .unwrap();
    let opts = LoadOptions {
        vars: vec![("team".into(), "ops".into())],
        ..Default::default()
    };
    let config = load_dir(&case.root, &opts).unwrap().config;
    assert_eq!(config.flows["demo"].name, "ops-access");
}

#[test]
fn duplicate_prompt_field_names() {
    let case = Case::new(&flow(
        "demo",
        r#"    prompt_field {
      name = "reason"
      type = "string"
    }
    prompt_field {
      name = "reason"
      type = "string"
    }"#,
    ));
    case.expect(
        Severity::Error,
        "flow.tf",
        10,
        "two prompt fields named \"reason\"",
    );
}

#[test]
fn reference_cycle_between_locals() {
    let case = Case::new(
        r#"locals {
  a = "${local.b}-x"
  b = "${local.a}-y"
}
"#,
    );
    let diagnostics = case.diagnostics();
    let cycles: Vec<&Diagnostic> = diagnostics
        .iter()
        .filter(|d| d.message.contains("reference cycle"))
        .collect();
    assert_eq!(cycles.len(), 2, "{}", render(&diagnostics));
    assert_eq!(cycles[0].location.as_ref().unwrap().line, 2);
    assert_eq!(cycles[1].location.as_ref().unwrap().line, 3);
}

#[test]
fn load_error_lists_every_error() {
    let case = Case::new(&flow(
        "my flow",
        "    allow_revoke = false\n    schedule_deescalation = false",
    ));
    let err = load_dir(&case.root, &LoadOptions::default()).unwrap_err();
    assert_eq!(err.errors().count(), 2, "{err}");
    assert!(err
        .to_string()
        .starts_with("the configuration has 2 errors:"));
}

#[test]
fn missing_directory() {
    let diagnostics = validate_dir(Path::new("/definitely/not/here"), &LoadOptions::default());
    assert_eq!(diagnostics.len(), 1);
    assert!(diagnostics[0].message.contains("cannot read the directory"));
}

#[test]
fn params_written_as_a_v1_map() {
    let case = Case::new(
        r#"resource "sym_flow" "demo" {
  name           = "demo"
  implementation = file("${path.module}/impls/demo_impl.py")
  environment_id = sym_environment.this.id
  params = {
    strategy_id = ""
  }
}
"#,
    );
    let diagnostic = case.expect(Severity::Error, "flow.tf", 5, "is the provider 1.x syntax");
    assert!(diagnostic.fix.unwrap().contains("prompt_field block"));
}

#[test]
fn environment_from_a_data_source_is_a_warning() {
    let case = Case::new(
        r#"data "sym_environment" "shared" {
  name = "shared"
}

resource "sym_flow" "demo" {
  name           = "demo"
  implementation = file("${path.module}/impls/demo_impl.py")
  environment_id = data.sym_environment.shared.id
}
"#,
    );
    case.expect(
        Severity::Warning,
        "flow.tf",
        8,
        "environment_id comes from outside this directory",
    );
    let config = load_dir(&case.root, &LoadOptions::default())
        .unwrap()
        .config;
    let flow = &config.flows["demo"];
    assert_eq!(
        flow.environment.external(),
        Some("data.sym_environment.shared.id")
    );
    assert!(config.resolve_flow(flow).environment.is_none());
}

#[test]
fn settings_from_a_whole_module_output_is_a_warning() {
    let case = Case::new(
        r#"module "connector" {
  source = "symopsio/runtime-connector/aws"
}

resource "sym_integration" "context" {
  type        = "permission_context"
  name        = "context"
  external_id = "123456789012"
  settings    = module.connector.settings
}
"#,
    );
    // validate says nothing, as `terraform validate`; the commands that run flows warn.
    assert!(
        !case
            .diagnostics()
            .iter()
            .any(|d| d.message.contains("connector")),
        "{}",
        render(&case.diagnostics())
    );
    let loaded = load_dir(&case.root, &LoadOptions::default()).unwrap();
    let warning = loaded
        .diagnostics
        .iter()
        .find(|d| d.message.contains("module.connector.settings"))
        .expect("a warning about the module output");
    assert_eq!(warning.severity, Severity::Warning);
    assert!(
        warning.message.contains("only known after terraform apply"),
        "{warning}"
    );
    assert_eq!(warning.location.as_ref().unwrap().line, 9);
    let settings = &loaded.config.integrations["context"].settings;
    assert_eq!(
        symflow_config::setting(settings, "role_arn"),
        Some(&symflow_config::SettingValue::Unknown(
            symflow_config::Unknown {
                reference: "module.connector.settings".into()
            }
        ))
    );
}

/// Sym's Tailscale strategy, written as Sym's documentation writes it. symflow does not
/// carry it out, so it must be an error at the strategy's `type`, never a flow that validates
/// and grants nothing at approval.
const TAILSCALE_FLOW_TF: &str = r#"resource "sym_integration" "tailscale" {
  type        = "tailscale"
  name        = "prod-tailscale"
  external_id = "example.com"
}

resource "sym_target" "engineering" {
  type  = "tailscale_group"
  name  = "engineering"
  label = "Engineering"
  settings = {
    # The Tailscale ACL group the requester joins.
    group_name = "group:engineering"
  }
}

resource "sym_strategy" "tailscale" {
  type           = "tailscale"
  name           = "tailscale-groups"
  integration_id = sym_integration.tailscale.id
  targets        = [sym_target.engineering.id]
}

resource "sym_flow" "tailscale" {
  name           = "tailscale_groups"
  label          = "Tailscale Group Access"
  implementation = file("${path.module}/impls/demo_impl.py")
  environment_id = sym_environment.this.id
  params {
    strategy_id = sym_strategy.tailscale.id
    prompt_field {
      name     = "reason"
      type     = "string"
      required = true
    }
    prompt_field {
      name           = "duration"
      type           = "duration"
      required       = true
      allowed_values = ["30m", "1h"]
    }
  }
}
"#;

#[test]
fn a_strategy_type_symflow_does_not_carry_out_is_refused() {
    let case = Case::new(TAILSCALE_FLOW_TF);
    let diagnostic = case.expect(
        Severity::Error,
        "flow.tf",
        18,
        "cannot grant or remove access with a `tailscale` strategy",
    );
    assert!(
        diagnostic.message.contains(
            "okta, github, aws_sso, aws_iam, aws_lambda, onelogin, google_group, http and custom"
        ),
        "{diagnostic}"
    );
    assert!(diagnostic.fix.unwrap().contains("type = \"custom\""));
    // `symflow up` loads with load_dir: the same sentence refuses the whole configuration.
    let err = load_dir(&case.root, &LoadOptions::default()).unwrap_err();
    assert!(
        err.to_string()
            .contains("`tailscale` strategy (Tailscale groups)"),
        "{err}"
    );
}

#[test]
fn a_target_its_strategy_cannot_grant_is_refused() {
    let tf = TAILSCALE_FLOW_TF
        .replace(
            "type           = \"tailscale\"",
            "type           = \"okta\"",
        )
        .replace("sym_integration.tailscale.id", "sym_integration.okta.id");
    let case = Case::new(&tf);
    let diagnostic = case.expect(
        Severity::Error,
        "flow.tf",
        7,
        "sym_target.engineering is a target of sym_strategy.tailscale",
    );
    assert!(
        diagnostic
            .message
            .contains("grants Okta targets of type `okta_group`, not `tailscale_group`"),
        "{diagnostic}"
    );
    assert_eq!(case.error_count(), 1);
}

#[test]
fn a_call_of_an_sdk_integration_symflow_does_not_carry_out_is_named_at_its_line() {
    let case = Case::new(&flow("demo", ""));
    std::fs::write(
        case.root.join("impls/demo_impl.py"),
        "from sym.sdk.annotations import hook\nfrom sym.sdk.integrations import jira\n\n\n@hook\ndef after_approve(event):\n    jira.create_issue(title=\"access\", project_key=\"OPS\")\n",
    )
    .unwrap();
    let diagnostic = case.expect(
        Severity::Warning,
        "impls/demo_impl.py",
        7,
        "jira.create_issue is not carried out by symflow yet",
    );
    assert!(
        diagnostic.message.contains("JiraError (NOT_AVAILABLE)"),
        "{diagnostic}"
    );
    assert_eq!(case.error_count(), 0);
}
