//! Local secret resolution (environment variable, then secrets file, json_key honoured) and the
//! guarantee that a secret value never prints.

use std::collections::HashMap;
use std::path::Path;

use symflow_config::secrets::{env_var_name, LocalSecretStore, SecretError, SecretValue};
use symflow_config::{load_dir, LoadOptions};

fn fixture_config() -> symflow_config::Config {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sym_repo");
    load_dir(&dir, &LoadOptions::default()).unwrap().config
}

#[test]
fn secret_values_never_print() {
    let value = SecretValue::new("hunter2-very-secret");
    assert_eq!(format!("{value}"), "[redacted]");
    assert_eq!(format!("{value:?}"), "SecretValue([redacted])");
    assert_eq!(
        format!("{:?}", Some(&value)),
        "Some(SecretValue([redacted]))"
    );
    assert_eq!(value.expose(), "hunter2-very-secret");
}

#[test]
fn environment_variable_wins_over_the_file() {
    let config = fixture_config();
    let secret = &config.secrets["okta_api_key"];
    assert_eq!(
        env_var_name(&secret.path),
        "SYMFLOW_SECRET_SYM_PROD_OKTA_API_KEY"
    );
    let mut file = serde_json::Map::new();
    file.insert("sym/prod/okta-api-key".into(), "from-file".into());
    let store = LocalSecretStore::from_values(
        HashMap::from([(
            "SYMFLOW_SECRET_SYM_PROD_OKTA_API_KEY".to_owned(),
            "from-env".to_owned(),
        )]),
        file.clone(),
    );
    assert_eq!(store.resolve(secret).unwrap().expose(), "from-env");
    let store = LocalSecretStore::from_values(HashMap::new(), file);
    assert_eq!(store.resolve(secret).unwrap().expose(), "from-file");
}

#[test]
fn json_key_selects_one_key_from_the_file_or_the_environment() {
    let config = fixture_config();
    let secret = &config.secrets["pagerduty"];
    assert_eq!(secret.json_key(), Some("api_token"));
    let mut file = serde_json::Map::new();
    file.insert(
        "sym/prod/pagerduty".into(),
        serde_json::json!({ "api_token": "pd-token", "other": 1 }),
    );
    let store = LocalSecretStore::from_values(HashMap::new(), file);
    assert_eq!(store.resolve(secret).unwrap().expose(), "pd-token");

    let store = LocalSecretStore::from_values(
        HashMap::from([(
            "SYMFLOW_SECRET_SYM_PROD_PAGERDUTY".to_owned(),
            r#"{"api_token":"env-token"}"#.to_owned(),
        )]),
        serde_json::Map::new(),
    );
    assert_eq!(store.resolve(secret).unwrap().expose(), "env-token");

    let store = LocalSecretStore::from_values(
        HashMap::from([(
            "SYMFLOW_SECRET_SYM_PROD_PAGERDUTY".to_owned(),
            "not json".to_owned(),
        )]),
        serde_json::Map::new(),
    );
    assert!(matches!(
        store.resolve(secret),
        Err(SecretError::MissingJsonKey { .. })
    ));
}

#[test]
fn missing_secret_names_both_places_and_no_value() {
    let config = fixture_config();
    let store = LocalSecretStore::from_values(HashMap::new(), serde_json::Map::new());
    let err = store.resolve(&config.secrets["internal_api"]).unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("SYMFLOW_SECRET_SYM_PROD_INTERNAL_API"),
        "{message}"
    );
    assert!(message.contains("secrets.local.json"), "{message}");
}

#[test]
fn secrets_file_is_read_from_the_configuration_directory() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("secrets.local.json"),
        r#"{ "sym/prod/okta-api-key": "file-token" }"#,
    )
    .unwrap();
    let store = LocalSecretStore::open(dir.path(), None)
        .unwrap()
        .with_env(|_| None);
    assert_eq!(
        store
            .resolve_path("sym/prod/okta-api-key", None)
            .unwrap()
            .expose(),
        "file-token"
    );
    // The Debug form lists paths, never values.
    let debug = format!("{store:?}");
    assert!(
        debug.contains("sym/prod/okta-api-key") && !debug.contains("file-token"),
        "{debug}"
    );

    // No file is fine; an explicit --secrets-file that does not exist is not.
    let empty = tempfile::tempdir().unwrap();
    assert!(LocalSecretStore::open(empty.path(), None).is_ok());
    assert!(LocalSecretStore::open(empty.path(), Some(&empty.path().join("nope.json"))).is_err());

    std::fs::write(dir.path().join("bad.json"), "[1, 2]").unwrap();
    let err = LocalSecretStore::open(dir.path(), Some(&dir.path().join("bad.json"))).unwrap_err();
    assert!(err.to_string().contains("must be a JSON object"), "{err}");
}
