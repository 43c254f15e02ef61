//! De-duplication of Slack deliveries: Slack retries a request it thinks failed
//! (`X-Slack-Retry-Num`), and a retried delivery must never act twice. The server records a
//! key for each delivery (e.g. `team:trigger_id`, or a hash of the body) before acting on it.

use crate::Result;

/// The delivery log inside a transaction.
pub trait DeliveryLog {
    /// Records `key` as seen at `now_ms`, remembered until `now_ms + keep_for_ms`. Returns
    /// `true` the first time (act on it) and `false` for a repeat within that time (ignore it).
    /// A key whose time has passed counts as new again.
    fn record_delivery(&mut self, key: &str, now_ms: i64, keep_for_ms: i64) -> Result<bool>;

    /// Forgets keys whose time has passed at `now_ms`; returns how many.
    fn purge_expired_deliveries(&mut self, now_ms: i64) -> Result<u64>;
}
