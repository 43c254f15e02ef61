//! symflow's server as a separate process (the `e2e-server` binary of this package), so a
//! test can SIGKILL it the way a machine loses power and start it again on the same data
//! directory. The harness then talks to it over HTTP and reads its SQLite store from the
//! test process (WAL mode lets both open it).

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};

use symflow_store::Store;

use crate::{Harness, Setup};

/// A running `e2e-server` process, or a server this harness did not start.
pub struct ServerProcess {
    child: Option<Child>,
    pub addr: SocketAddr,
    pub store: Store,
}

impl ServerProcess {
    /// Starts `binary` on environment `env` with data in `data_dir`, and waits until it
    /// listens.
    pub fn spawn(binary: &Path, env: &str, data_dir: &Path, slack_api: &str) -> ServerProcess {
        let mut child = Command::new(binary)
            .args(["--env", env, "--slack-api", slack_api, "--data-dir"])
            .arg(data_dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display()));
        let stdout = child.stdout.take().expect("stdout is piped");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("the server prints its address");
        let addr = line
            .trim()
            .strip_prefix("listening ")
            .and_then(|a| a.parse().ok())
            .unwrap_or_else(|| panic!("the server did not start; it printed {line:?}"));
        let store = Store::open(data_dir).expect("the server's store opens");
        ServerProcess {
            child: Some(child),
            addr,
            store,
        }
    }

    /// SIGKILL, and wait until the process is gone.
    pub fn kill(mut self) {
        let mut child = self.child.take().expect("a process this harness started");
        child.kill().expect("SIGKILL is delivered");
        child.wait().expect("the killed server is reaped");
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        if let Some(child) = &mut self.child {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Harness {
    /// Like [`Harness::start`], with the server in a process of its own started from
    /// `binary` (pass `env!("CARGO_BIN_EXE_e2e-server")`).
    pub async fn start_process(binary: &str, env_name: &str, setup: Setup) -> Harness {
        let mut harness = Harness::without_server(env_name, setup).await;
        harness.spawn_process(binary);
        harness
    }

    /// A harness (fake Slack of workspace `team_id`, people, environment) for a server
    /// started by the test itself; [`Harness::attach`] it once that server listens.
    pub async fn unattached(env_name: &str, setup: Setup, team_id: &str) -> Harness {
        let mut harness = Harness::without_server(env_name, setup).await;
        harness.slack.set_team(team_id, team_id);
        harness.team = team_id.to_string();
        harness
    }

    /// Sends this harness's requests to `addr` and reads `store`.
    pub fn attach(&mut self, addr: SocketAddr, store: Store) {
        self.process = Some(ServerProcess {
            child: None,
            addr,
            store,
        });
    }

    fn spawn_process(&mut self, binary: &str) {
        let process = ServerProcess::spawn(
            Path::new(binary),
            &self.env.name,
            self.data_dir.path(),
            &self.slack.base_url(),
        );
        self.process = Some(process);
    }

    /// Kills the server process with SIGKILL.
    pub fn kill(&mut self) {
        self.process
            .take()
            .expect("the server runs in a process")
            .kill();
    }

    /// Starts the server process again on the same data directory.
    pub fn restart_process(&mut self, binary: &str) {
        assert!(self.process.is_none(), "kill the server first");
        self.spawn_process(binary);
    }
}
