//! symflow's state in Spin's key-value store (the `default` store), laid out to fit the
//! hosted platforms' limits (Fermyon Cloud: one store, 1 MB per value, 1024 keys):
//!
//! | key | value |
//! |---|---|
//! | `<tenant>/run/<id>` | one run: its engine state, where its Slack conversation is, its audit trail |
//! | `<tenant>/timers` | every pending timer of the tenant (access expiry, notification timeouts) |
//! | `<tenant>/pruned_at` | when finished runs were last pruned ([`crate::retention`]) |
//! | `<tenant>/user/<team>/<slack user>` | who a Slack user is to symflow |
//! | `<tenant>/identity/<email>` | the user's identities in other services (written by the capabilities component's `persist_user_identity`, [`crate::identities`]) |
//!
//! Spin's key-value interface (`fermyon:spin/key-value`, the one every Spin host and hosted
//! platform provides to a P2 component) has no transactions and no compare-and-swap. Two
//! requests about one run (two approvers clicking the same card at once, two requests firing
//! the same timer) are kept from both acting on it by a claim on the run's own key, Fischer's
//! timed mutual exclusion over plain reads and writes ([`State::claim_run`]):
//!
//! 1. read the stored run: its `version` must be the one this request read, else conflict;
//! 2. write the run with `version + 1` and this request's id added to its `lineage`;
//! 3. wait [`SETTLE`]; read it again: this request's write must be in the stored run's
//!    `lineage` (the writers of its last versions), i.e. later writes were made on top of it.
//!
//! A request whose read (1) came before another's write (2) writes within `SETTLE` of that
//! read, over the other's write, so the other request does not find itself in the lineage at
//! (3) and backs off; of requests that read the same version at most one gets past (3). The assumption is that one request's read and
//! write (two key-value calls with nothing in between) are less than `SETTLE` apart.
//! The driver claims a run before its first flow or Slack call; a conflict there re-reads
//! the run and feeds the input again (the engine then sees the other request's decision).
//!
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use serde_json::Value;
use spin_sdk::key_value::Store;
use symflow_engine::{Run, Timer};

/// Where the Slack side of a run is: the modal or command it came from.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Origin {
    pub team_id: Option<String>,
    pub user_id: Option<String>,
    pub channel_id: Option<String>,
    pub trigger_id: Option<String>,
    pub view_id: Option<String>,
}

/// One run as stored.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunRecord {
    pub flow: String,
    pub run: Run,
    #[serde(default)]
    pub origin: Origin,
    /// The run's audit events (spec's event log), oldest first.
    #[serde(default)]
    pub audit: Vec<Value>,
    /// Bumped on every write; a write must start from the version stored (see above).
    #[serde(default)]
    pub version: u64,
    /// Who wrote its last versions (a random id per request, newest last), for the claim.
    #[serde(default)]
    pub lineage: Vec<String>,
}

/// Writers kept in a run's lineage.
const LINEAGE: usize = 16;

/// How long a claim waits before checking it still holds (see the module doc).
pub const SETTLE: std::time::Duration = std::time::Duration::from_millis(250);

/// Why a run was not written.
#[derive(Debug)]
pub enum SaveError {
    /// Another request wrote the run since this one read it.
    Conflict {
        stored: u64,
        read: u64,
    },
    Failed(String),
}

impl From<String> for SaveError {
    fn from(e: String) -> Self {
        SaveError::Failed(e)
    }
}

impl std::fmt::Display for SaveError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SaveError::Conflict { stored, read } => write!(
                f,
                "another request changed the run at the same moment (stored version {stored}, this request read {read})"
            ),
            SaveError::Failed(e) => f.write_str(e),
        }
    }
}

/// Only the version and lineage of a stored run (the rest is skipped, not parsed).
#[derive(Deserialize)]
struct StoredVersion {
    #[serde(default)]
    version: u64,
    #[serde(default)]
    lineage: Vec<String>,
}

pub struct State {
    store: Store,
}

impl State {
    pub fn open() -> Result<State, String> {
        Store::open_default()
            .map(|store| State { store })
            .map_err(|e| format!("symflow cannot open Spin's default key-value store ({e}). Add `key_value_stores = [\"default\"]` to the component in spin.toml."))
    }

    pub fn get<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, String> {
        match self.store.get(key) {
            Ok(Some(bytes)) => serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|e| format!("the stored value {key} is unreadable: {e}")),
            Ok(None) => Ok(None),
            Err(e) => Err(format!("reading {key} from the key-value store: {e}")),
        }
    }

    fn set<T: Serialize>(&self, key: &str, value: &T) -> Result<(), String> {
        let bytes = serde_json::to_vec(value).map_err(|e| e.to_string())?;
        self.store
            .set(key, &bytes)
            .map_err(|e| format!("writing {key} to the key-value store: {e}"))
    }

    pub fn run(&self, tenant: &str, id: &str) -> Result<Option<RunRecord>, String> {
        self.get(&format!("{tenant}/run/{id}"))
    }

    /// Writes `record` if the stored run is still the version it was read at, and bumps its
    /// version.
    pub fn save_run(&self, tenant: &str, record: &mut RunRecord) -> Result<(), SaveError> {
        self.write_checked(tenant, record).map(drop)
    }

    /// [`State::save_run`], then makes sure no other request wrote the run meanwhile (steps
    /// 1-3 of the module doc). Only the request that gets past this acts on the run.
    pub fn claim_run(&self, tenant: &str, record: &mut RunRecord) -> Result<(), SaveError> {
        let existed = self.write_checked(tenant, record)?;
        if !existed {
            // A new run's id is random: no other request can hold it.
            return Ok(());
        }
        std::thread::sleep(SETTLE);
        let key = format!("{tenant}/run/{}", record.run.id);
        match self.get::<StoredVersion>(&key)? {
            Some(stored) if stored.lineage.contains(&crate::users::request_id()) => Ok(()),
            Some(stored) => Err(SaveError::Conflict {
                stored: stored.version,
                read: record.version - 1,
            }),
            None => Err(SaveError::Failed(format!(
                "{key} vanished while it was written"
            ))),
        }
    }

    /// Writes `record` if the stored version is the one it was read at; whether it existed.
    fn write_checked(&self, tenant: &str, record: &mut RunRecord) -> Result<bool, SaveError> {
        let key = format!("{tenant}/run/{}", record.run.id);
        let stored = self.get::<StoredVersion>(&key)?;
        let version = stored.as_ref().map(|v| v.version).unwrap_or(0);
        if version != record.version {
            return Err(SaveError::Conflict {
                stored: version,
                read: record.version,
            });
        }
        record.version += 1;
        let me = crate::users::request_id();
        if record.lineage.last() != Some(&me) {
            record.lineage.push(me);
            let extra = record.lineage.len().saturating_sub(LINEAGE);
            record.lineage.drain(..extra);
        }
        self.set(&key, record).map_err(SaveError::Failed)?;
        Ok(stored.is_some())
    }

    /// Writes `record` over whatever is stored (after a conflict this request cannot redo:
    /// it already called the flow or Slack, and what it did must not be forgotten).
    pub fn overwrite_run(&self, tenant: &str, record: &mut RunRecord) -> Result<(), String> {
        let key = format!("{tenant}/run/{}", record.run.id);
        let stored = self
            .get::<StoredVersion>(&key)?
            .map(|v| v.version)
            .unwrap_or(0);
        record.version = stored.max(record.version) + 1;
        let me = crate::users::request_id();
        if record.lineage.last() != Some(&me) {
            record.lineage.push(me);
            let extra = record.lineage.len().saturating_sub(LINEAGE);
            record.lineage.drain(..extra);
        }
        self.set(&key, record)
    }

    /// The ids of every stored run of `tenant`.
    pub fn run_ids(&self, tenant: &str) -> Result<Vec<String>, String> {
        let prefix = format!("{tenant}/run/");
        let keys = self
            .store
            .get_keys()
            .map_err(|e| format!("listing the key-value store: {e}"))?;
        Ok(keys
            .into_iter()
            .filter_map(|key| key.strip_prefix(&prefix).map(str::to_string))
            .collect())
    }

    /// When runs were last pruned (ms since the epoch; [`crate::retention`]).
    pub fn pruned_at(&self, tenant: &str) -> Result<Option<u64>, String> {
        self.get(&format!("{tenant}/pruned_at"))
    }

    pub fn set_pruned_at(&self, tenant: &str, at_ms: u64) -> Result<(), String> {
        self.set(&format!("{tenant}/pruned_at"), &at_ms)
    }

    /// Deletes a run's key ([`crate::retention`]).
    pub fn delete_run(&self, tenant: &str, id: &str) -> Result<(), String> {
        let key = format!("{tenant}/run/{id}");
        self.store
            .delete(&key)
            .map_err(|e| format!("deleting {key}: {e}"))
    }

    pub fn timers(&self, tenant: &str) -> Result<Vec<Timer>, String> {
        Ok(self.get(&format!("{tenant}/timers"))?.unwrap_or_default())
    }

    pub fn save_timers(&self, tenant: &str, timers: &[Timer]) -> Result<(), String> {
        self.set(&format!("{tenant}/timers"), &timers)
    }

    pub fn user<T: DeserializeOwned>(&self, tenant: &str, team: &str, user: &str) -> Option<T> {
        self.get(&format!("{tenant}/user/{team}/{user}"))
            .ok()
            .flatten()
    }

    pub fn save_user<T: Serialize>(&self, tenant: &str, team: &str, user: &str, value: &T) {
        let _ = self.set(&format!("{tenant}/user/{team}/{user}"), value);
    }
}
