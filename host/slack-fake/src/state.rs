//! The fake's mutable state behind one lock: recorded calls, directory, channels, scripted
//! failures, and the messages and views created through it.

use std::collections::{BTreeMap, HashMap, VecDeque};

use crate::records::{CannedResponse, FakeMessage, FakeView, RecordedCall};
use crate::users::FakeUser;

#[derive(Default)]
pub(crate) struct FakeState {
    pub(crate) calls: Vec<RecordedCall>,
    pub(crate) users: BTreeMap<String, FakeUser>,
    pub(crate) channel_members: HashMap<String, Vec<String>>,
    /// User group id → member user ids, for `usergroups.users.list`.
    pub(crate) usergroups: HashMap<String, Vec<String>>,
    /// Channels that answer every call naming them with this error code.
    pub(crate) broken_channels: HashMap<String, String>,
    /// Scripted answers, per method, used first-in first-out.
    pub(crate) canned: HashMap<String, VecDeque<CannedResponse>>,
    /// Errors answered on every call of a method until cleared.
    pub(crate) failing_methods: HashMap<String, String>,
    pub(crate) messages: Vec<FakeMessage>,
    pub(crate) ephemeral: Vec<FakeMessage>,
    pub(crate) views: Vec<FakeView>,
    pub(crate) expected_token: Option<String>,
    pub(crate) team_id: String,
    pub(crate) team_name: String,
    pub(crate) next_id: u64,
    pub(crate) ts_base_secs: u64,
}

impl FakeState {
    pub(crate) fn next_number(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    /// Strictly increasing message timestamps, like Slack's `1503435956.000247`.
    pub(crate) fn next_ts(&mut self) -> String {
        let n = self.next_number();
        format!("{}.{:06}", self.ts_base_secs + n / 1_000_000, n % 1_000_000)
    }
}
