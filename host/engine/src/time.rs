//! Instants as plain numbers. The engine never reads a clock: the adapter passes `now`
//! into every step, so tests and replays are deterministic and the crate builds for
//! `wasm32-wasip2` without a time dependency.

use serde::{Deserialize, Serialize};

/// Milliseconds since the Unix epoch (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Timestamp(pub u64);

impl Timestamp {
    /// From whole seconds since the epoch.
    pub fn from_secs(secs: u64) -> Self {
        Timestamp(secs.saturating_mul(1000))
    }

    /// Whole seconds since the epoch (for Slack's `<!date^...>` formatting).
    pub fn as_secs(self) -> u64 {
        self.0 / 1000
    }

    /// This instant plus `secs` seconds.
    pub fn plus_secs(self, secs: u64) -> Self {
        Timestamp(self.0.saturating_add(secs.saturating_mul(1000)))
    }

    /// ISO-8601 without a zone and with microseconds, the form of Sym's event payloads:
    /// `2022-05-10T14:47:29.442000`.
    pub fn to_sym_iso(self) -> String {
        let (date, time, millis) = self.parts();
        format!("{date}T{time}.{:06}", millis * 1000)
    }

    /// RFC 3339 in UTC, e.g. `2022-05-10T14:47:29.442Z`.
    pub fn to_rfc3339(self) -> String {
        let (date, time, millis) = self.parts();
        format!("{date}T{time}.{millis:03}Z")
    }

    /// A short human form for messages, e.g. `2022-05-10 14:47 UTC`.
    pub fn to_human(self) -> String {
        let (date, time, _) = self.parts();
        format!("{date} {} UTC", &time[..5])
    }

    fn parts(self) -> (String, String, u64) {
        let millis = self.0 % 1000;
        let secs = self.0 / 1000;
        let days = (secs / 86_400) as i64;
        let rem = secs % 86_400;
        let (y, m, d) = civil_from_days(days);
        (
            format!("{y:04}-{m:02}-{d:02}"),
            format!("{:02}:{:02}:{:02}", rem / 3600, (rem % 3600) / 60, rem % 60),
            millis,
        )
    }
}

/// Days since 1970-01-01 to (year, month, day), Howard Hinnant's algorithm.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_instants() {
        // 2022-05-10T14:47:29.442Z
        let t = Timestamp(1_652_194_049_442);
        assert_eq!(t.to_rfc3339(), "2022-05-10T14:47:29.442Z");
        assert_eq!(t.to_sym_iso(), "2022-05-10T14:47:29.442000");
        assert_eq!(t.to_human(), "2022-05-10 14:47 UTC");
        assert_eq!(Timestamp(0).to_rfc3339(), "1970-01-01T00:00:00.000Z");
        // Leap day.
        assert_eq!(
            Timestamp::from_secs(951_782_400).to_rfc3339(),
            "2000-02-29T00:00:00.000Z"
        );
    }

    #[test]
    fn arithmetic() {
        assert_eq!(Timestamp::from_secs(10).plus_secs(5).as_secs(), 15);
    }
}
