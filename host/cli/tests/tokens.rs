//! `symflow tokens issue | list | revoke` as an operator runs them: the token is printed once,
//! listed without its secret, revoked by name, and only its hash is on disk.

use std::path::Path;
use std::process::{Command, Output};

fn symflow(args: &[&str], data_dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_symflow"))
        .args(args)
        .arg("--data-dir")
        .arg(data_dir)
        .env_remove("SYMFLOW_DATABASE_URL")
        .output()
        .expect("run symflow")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).to_string()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).to_string()
}

#[test]
fn issue_list_revoke() {
    let dir = tempfile::tempdir().unwrap();
    let issued = symflow(
        &["tokens", "issue", "--name", "ci", "--expires-in", "90d"],
        dir.path(),
    );
    assert!(issued.status.success(), "{}", stderr(&issued));
    let token = stdout(&issued).trim().to_string();
    assert!(token.starts_with("symflow_") && token.len() > 60, "{token}");
    assert!(
        stderr(&issued).contains("shown only now"),
        "{}",
        stderr(&issued)
    );
    assert!(stderr(&issued).contains("expires"), "{}", stderr(&issued));

    let listed = symflow(&["tokens", "list"], dir.path());
    assert!(listed.status.success(), "{}", stderr(&listed));
    let list = stdout(&listed);
    assert!(
        list.contains(" ci ") && list.contains("active, expires"),
        "{list}"
    );
    assert!(!list.contains(&token), "the list never shows the token");

    let db = std::fs::read(dir.path().join("symflow.db")).unwrap();
    let wal = std::fs::read(dir.path().join("symflow.db-wal")).unwrap_or_default();
    for bytes in [db, wal] {
        assert!(!bytes.windows(token.len()).any(|w| w == token.as_bytes()));
    }

    let revoked = symflow(&["tokens", "revoke", "ci"], dir.path());
    assert!(revoked.status.success(), "{}", stderr(&revoked));
    assert!(
        stdout(&revoked).contains("Revoked token"),
        "{}",
        stdout(&revoked)
    );
    let listed = stdout(&symflow(&["tokens", "list"], dir.path()));
    assert!(listed.contains("revoked"), "{listed}");

    let again = symflow(&["tokens", "revoke", "ci"], dir.path());
    assert!(!again.status.success());
    assert!(
        stderr(&again).contains("no token \"ci\""),
        "{}",
        stderr(&again)
    );
}

#[test]
fn a_bad_name_or_duration_is_refused_with_an_example() {
    let dir = tempfile::tempdir().unwrap();
    let bad_name = symflow(&["tokens", "issue", "--name", "my token"], dir.path());
    assert!(!bad_name.status.success());
    assert!(
        stderr(&bad_name).contains("letters, digits"),
        "{}",
        stderr(&bad_name)
    );
    let bad_duration = symflow(
        &["tokens", "issue", "--name", "ci", "--expires-in", "soon"],
        dir.path(),
    );
    assert!(!bad_duration.status.success());
    assert!(
        stderr(&bad_duration).contains("e.g. 30m"),
        "{}",
        stderr(&bad_duration)
    );
}
