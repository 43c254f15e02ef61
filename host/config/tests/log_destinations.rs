//! `sym_log_destination`: the types symflow streams to (`http`, `file`) need their settings,
//! Sym's cloud types load with a warning, and anything else is an error naming the types.

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

#[test]
fn a_cloud_type_loads_with_a_warning_that_nothing_is_sent() {
    let (_dir, diagnostics) = diagnostics_for(
        r#"resource "sym_log_destination" "audit" {
  type     = "datadog"
  settings = { api_key = "x" }
}
"#,
    );
    let d = only(&diagnostics);
    assert_eq!(d.severity, Severity::Warning);
    assert!(d.message.contains("does not stream to \"datadog\""), "{d}");
}
