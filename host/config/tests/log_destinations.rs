//! `sym_log_destination`: every type symflow streams to needs what it delivers with (`http`
//! a URL, `file` a path, Kinesis a stream name, Segment and Datadog an integration naming the
//! key's `sym_secret`), and anything else is an error naming the types.

use symflow_config::{load_dir, validate_dir, Diagnostic, LoadOptions, Severity};

const BASE: &str = r#"provider "sym" {
  org = "S-TEST"
}

resource "sym_environment" "this" {
  name                = "prod"
  log_destination_ids = [sym_log_destination.audit.id]
}
"#;

fn diagnostics_for(destination: &str) -> (tempfile::TempDir, Vec<Diagnostic>) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("environment.tf"), BASE).unwrap();
    std::fs::write(dir.path().join("audit.tf"), destination).unwrap();
    // These configurations have no flows on purpose; that warning is not what is tested.
    let diagnostics = validate_dir(dir.path(), &LoadOptions::default())
        .into_iter()
        .filter(|d| !d.message.contains("no flows") && !d.message.contains("declare no sym_flow"))
        .collect();
    (dir, diagnostics)
}

fn only(diagnostics: &[Diagnostic]) -> &Diagnostic {
    assert_eq!(diagnostics.len(), 1, "{diagnostics:#?}");
    &diagnostics[0]
}

#[test]
fn an_http_destination_with_a_url_and_a_file_destination_with_a_path_are_clean() {
    let (dir, diagnostics) = diagnostics_for(
        r#"resource "sym_log_destination" "audit" {
  type     = "http"
  settings = { url = "https://logs.example.com/sym" }
}
resource "sym_log_destination" "local" {
  type     = "file"
  settings = { path = "audit/events.jsonl" }
}
"#,
    );
    assert!(diagnostics.is_empty(), "{diagnostics:#?}");
    let config = load_dir(dir.path(), &LoadOptions::default())
        .unwrap()
        .config;
    assert_eq!(config.log_destinations["local"].destination_type, "file");
}

#[test]
fn an_http_destination_without_a_url_is_an_error_with_an_example() {
    let (_dir, diagnostics) = diagnostics_for(
        r#"resource "sym_log_destination" "audit" {
  type = "http"
}
"#,
    );
    let d = only(&diagnostics);
    assert_eq!(d.severity, Severity::Error);
    assert!(d.message.contains("has no `settings.url`"), "{d}");
    assert!(d.fix.as_deref().unwrap().contains("https://"), "{d}");
}

#[test]
fn an_http_destination_whose_url_is_not_http_is_an_error() {
    let (_dir, diagnostics) = diagnostics_for(
        r#"resource "sym_log_destination" "audit" {
  type     = "http"
  settings = { url = "logs.example.com/sym" }
}
"#,
    );
    let d = only(&diagnostics);
    assert_eq!(d.severity, Severity::Error);
    assert!(d.message.contains("not an http:// or https:// URL"), "{d}");
    assert_eq!(d.location.as_ref().unwrap().line, 3, "{d}");
}

#[test]
fn a_file_destination_without_a_path_is_an_error() {
    let (_dir, diagnostics) = diagnostics_for(
        r#"resource "sym_log_destination" "audit" {
  type     = "file"
  settings = { file = "events.jsonl" }
}
"#,
    );
    let d = only(&diagnostics);
    assert_eq!(d.severity, Severity::Error);
    assert!(d.message.contains("has no `settings.path`"), "{d}");
}

#[test]
fn an_unknown_type_lists_the_known_ones() {
    let (_dir, diagnostics) = diagnostics_for(
        r#"resource "sym_log_destination" "audit" {
  type = "splunk"
}
"#,
    );
    let d = only(&diagnostics);
    assert_eq!(d.severity, Severity::Error);
    assert!(d.message.contains("\"splunk\""), "{d}");
    let fix = d.fix.as_deref().unwrap();
    assert!(
        fix.contains("http") && fix.contains("file") && fix.contains("kinesis_firehose"),
        "{fix}"
    );
}

const SECRETS: &str = r#"resource "sym_secrets" "aws" {
  type = "aws_secrets_manager"
  name = "sym-secrets"
}

resource "sym_secret" "segment_write_key" {
  path      = "sym/prod/segment-write-key"
  source_id = sym_secrets.aws.id
}
"#;

#[test]
fn kinesis_destinations_with_a_stream_name_are_clean_even_one_known_after_apply() {
    let (dir, diagnostics) = diagnostics_for(
        r#"resource "sym_log_destination" "audit" {
  type           = "kinesis_firehose"
  integration_id = sym_integration.context.id
  settings       = { stream_name = aws_kinesis_firehose_delivery_stream.sym.name }
}
resource "sym_log_destination" "stream" {
  type     = "kinesis_data_stream"
  settings = { stream_name = "sym-audit" }
}
resource "sym_log_destination" "by_arn" {
  type     = "kinesis_data_stream"
  settings = { stream_name = aws_kinesis_stream.sym.arn }
}
resource "aws_kinesis_stream" "sym" {
  name = "sym-audit"
}
resource "sym_integration" "context" {
  type        = "permission_context"
  name        = "prod-context"
  external_id = "123456789012"
  settings    = { cloud = "aws", region = "eu-west-1", role_arn = "arn:aws:iam::123456789012:role/sym" }
}
resource "aws_kinesis_firehose_delivery_stream" "sym" {
  name        = "sym-audit-firehose"
  destination = "extended_s3"
}
"#,
    );
    assert!(diagnostics.is_empty(), "{diagnostics:#?}");
    let config = load_dir(dir.path(), &LoadOptions::default())
        .unwrap()
        .config;
    let stream_name = |name: &str| config.log_destinations[name].settings["stream_name"].clone();
    assert_eq!(stream_name("stream").as_text(), Some("sym-audit"));
    assert_eq!(
        stream_name("audit").as_text(),
        Some("sym-audit-firehose"),
        "a name written in the configuration is known"
    );
    assert!(
        stream_name("by_arn").known_text().is_err(),
        "an ARN is known only after apply: {:?}",
        stream_name("by_arn")
    );
}

#[test]
fn a_kinesis_destination_without_a_stream_name_is_an_error_at_its_settings_with_an_example() {
    for ty in ["kinesis_firehose", "kinesis_data_stream"] {
        let (_dir, diagnostics) = diagnostics_for(&format!(
            r#"resource "sym_log_destination" "audit" {{
  type     = "{ty}"
  settings = {{ region = "eu-west-1" }}
}}
"#
        ));
        let d = only(&diagnostics);
        assert_eq!(d.severity, Severity::Error);
        assert!(d.message.contains("has no `settings.stream_name`"), "{d}");
        let location = d.location.as_ref().unwrap();
        assert!(location.file.ends_with("audit.tf"), "{d}");
        assert_eq!(location.line, 3, "{d}");
        assert!(
            d.fix
                .as_deref()
                .unwrap()
                .contains("stream_name = aws_kinesis"),
            "{d}"
        );
    }
}

#[test]
fn a_segment_destination_with_a_write_key_secret_is_clean() {
    let (_dir, diagnostics) = diagnostics_for(&format!(
        r#"resource "sym_log_destination" "audit" {{
  type           = "segment"
  integration_id = sym_integration.segment.id
}}
resource "sym_integration" "segment" {{
  type        = "segment"
  name        = "acme-workspace"
  external_id = "acme-workspace"
  settings    = {{ api_token_secret = sym_secret.segment_write_key.id }}
}}
{SECRETS}"#
    ));
    assert!(diagnostics.is_empty(), "{diagnostics:#?}");
}

#[test]
fn a_segment_destination_without_an_integration_is_an_error_saying_what_to_add() {
    let (_dir, diagnostics) = diagnostics_for(
        r#"resource "sym_log_destination" "audit" {
  type = "segment"
}
"#,
    );
    let d = only(&diagnostics);
    assert_eq!(d.severity, Severity::Error);
    assert!(d.message.contains("has no `integration_id`"), "{d}");
    assert!(d.message.contains("no Segment key"), "{d}");
    assert_eq!(d.location.as_ref().unwrap().line, 1, "{d}");
    let fix = d.fix.as_deref().unwrap();
    assert!(fix.contains("api_token_secret = sym_secret."), "{fix}");
}

#[test]
fn a_segment_integration_without_a_secret_is_an_error_at_the_integration() {
    let (_dir, diagnostics) = diagnostics_for(
        r#"resource "sym_log_destination" "audit" {
  type           = "segment"
  integration_id = sym_integration.segment.id
}

resource "sym_integration" "segment" {
  type        = "segment"
  name        = "acme-workspace"
  external_id = "acme-workspace"
}
"#,
    );
    let d = only(&diagnostics);
    assert_eq!(d.severity, Severity::Error);
    assert!(
        d.message.contains(
            "sym_integration.segment has no settings.api_token_secret or settings.write_key_secret"
        ),
        "{d}"
    );
    assert!(d.message.contains("sym_log_destination.audit"), "{d}");
    assert_eq!(d.location.as_ref().unwrap().line, 6, "{d}");
}

#[test]
fn a_literal_write_key_instead_of_a_secret_is_an_error() {
    let (_dir, diagnostics) = diagnostics_for(
        r#"resource "sym_log_destination" "audit" {
  type           = "segment"
  integration_id = sym_integration.segment.id
}
resource "sym_integration" "segment" {
  type        = "segment"
  name        = "acme-workspace"
  external_id = "acme-workspace"
  settings    = { write_key_secret = "wk-plaintext" }
}
"#,
    );
    let d = only(&diagnostics);
    assert_eq!(d.severity, Severity::Error);
    assert!(
        d.message.contains(
            "settings.write_key_secret of sym_integration.segment is not a sym_secret id"
        ),
        "{d}"
    );
}

#[test]
fn a_datadog_destination_needs_an_api_key_secret_and_is_never_silently_ignored() {
    let (_dir, diagnostics) = diagnostics_for(
        r#"resource "sym_log_destination" "audit" {
  type           = "datadog"
  integration_id = sym_integration.datadog.id
}
resource "sym_integration" "datadog" {
  type        = "datadog"
  name        = "acme-datadog"
  external_id = "acme"
  settings    = { api_key = "x" }
}
"#,
    );
    let d = only(&diagnostics);
    assert_eq!(d.severity, Severity::Error);
    assert!(d.message.contains("has no settings.api_key_secret"), "{d}");
    assert!(d.message.contains("no Datadog key"), "{d}");

    let (_dir, diagnostics) = diagnostics_for(&format!(
        r#"resource "sym_log_destination" "audit" {{
  type           = "datadog"
  integration_id = sym_integration.datadog.id
}}
resource "sym_integration" "datadog" {{
  type        = "datadog"
  name        = "acme-datadog"
  external_id = "acme"
  settings    = {{ api_key_secret = sym_secret.segment_write_key.id }}
}}
{SECRETS}"#
    ));
    assert!(diagnostics.is_empty(), "{diagnostics:#?}");
}
