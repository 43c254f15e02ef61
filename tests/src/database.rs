//! Which database an end-to-end test's server keeps its state in: PostgreSQL when
//! `SYMFLOW_TEST_DATABASE_URL` names a server (as CI does), each test in a fresh schema of its
//! own, dropped afterwards; else a SQLite file in the test's temporary data directory.
//!
//! `SYMFLOW_E2E_BACKEND=sqlite` forces SQLite even when the variable is set, so one machine can
//! run the suite on both backends.

use uuid::Uuid;

/// The variable that names the PostgreSQL server the tests may use.
pub const DATABASE_URL_VARIABLE: &str = "SYMFLOW_TEST_DATABASE_URL";
/// `sqlite` or `postgres`: overrides the choice made from [`DATABASE_URL_VARIABLE`].
pub const BACKEND_VARIABLE: &str = "SYMFLOW_E2E_BACKEND";

/// A test's database.
pub enum TestDatabase {
    /// The SQLite file in the server's data directory.
    Sqlite,
    /// A schema of its own on the PostgreSQL server.
    Postgres {
        /// The server's URL (no schema).
        server_url: String,
        schema: String,
    },
}

impl TestDatabase {
    /// The backend the environment asks for; PostgreSQL gets a fresh schema.
    pub fn from_env() -> TestDatabase {
        let url = std::env::var(DATABASE_URL_VARIABLE)
            .ok()
            .filter(|u| !u.trim().is_empty());
        let forced = std::env::var(BACKEND_VARIABLE).ok();
        match (forced.as_deref(), url) {
            (Some("sqlite"), _) | (None | Some(""), None) => TestDatabase::Sqlite,
            (Some("postgres") | None | Some(""), Some(url)) => TestDatabase::postgres(&url),
            (Some("postgres"), None) => {
                panic!("{BACKEND_VARIABLE}=postgres needs {DATABASE_URL_VARIABLE}")
            }
            (Some(other), _) => {
                panic!("{BACKEND_VARIABLE}={other:?}: expected sqlite or postgres")
            }
        }
    }

    /// A fresh schema on the PostgreSQL server at `server_url`.
    pub fn postgres(server_url: &str) -> TestDatabase {
        let schema = format!("symflow_e2e_{}", Uuid::new_v4().simple());
        run_sql(server_url, &format!("CREATE SCHEMA {schema}"))
            .unwrap_or_else(|e| panic!("cannot create a schema at {DATABASE_URL_VARIABLE}: {e}"));
        TestDatabase::Postgres {
            server_url: server_url.to_string(),
            schema,
        }
    }

    /// What the server is given as `--database-url`: `None` for the SQLite file.
    pub fn url(&self) -> Option<String> {
        match self {
            TestDatabase::Sqlite => None,
            TestDatabase::Postgres { server_url, schema } => {
                let separator = if server_url.contains('?') { '&' } else { '?' };
                Some(format!(
                    "{server_url}{separator}options=-csearch_path%3D{schema}"
                ))
            }
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, TestDatabase::Postgres { .. })
    }

    /// `sqlite` or `postgres`, for messages.
    pub fn name(&self) -> &'static str {
        match self {
            TestDatabase::Sqlite => "sqlite",
            TestDatabase::Postgres { .. } => "postgres",
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let TestDatabase::Postgres { server_url, schema } = self {
            // Best effort: a leftover schema only costs space in the test database.
            let _ = run_sql(
                server_url,
                &format!("DROP SCHEMA IF EXISTS {schema} CASCADE"),
            );
        }
    }
}

/// Runs `sql` on a connection of its own, on a thread of its own: the sync client cannot run
/// on an async test's runtime thread.
fn run_sql(url: &str, sql: &str) -> Result<(), String> {
    let (url, sql) = (url.to_string(), sql.to_string());
    std::thread::spawn(move || {
        let mut client =
            postgres::Client::connect(&url, postgres::NoTls).map_err(|e| e.to_string())?;
        client.batch_execute(&sql).map_err(|e| e.to_string())
    })
    .join()
    .unwrap_or_else(|_| Err("the SQL thread panicked".to_string()))
}
