//! Access durations as Sym writes them (spec §4.5): `30s`, `10m`, `1h`, `1d`, `1mo`
//! (a month is 30 days). Flows store durations in **seconds**; these strings only
//! appear in `allowed_values` and in what people read.

use thiserror::Error;

const MINUTE: u64 = 60;
const HOUR: u64 = 60 * MINUTE;
const DAY: u64 = 24 * HOUR;
/// Sym's `mo`: 30 days.
const MONTH: u64 = 30 * DAY;

/// The values Sym injects when a strategy flow with scheduled deescalation has no
/// `duration` field.
pub const DEFAULT_DURATION_VALUES: [&str; 3] = ["30s", "10m", "1h"];

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DurationError {
    #[error("duration is empty")]
    Empty,
    #[error("`{0}` is not a duration: write a number and a unit, like 30m, 1h, 1d or 1mo")]
    Invalid(String),
    #[error("duration `{0}` must be longer than zero")]
    Zero(String),
    #[error("duration `{0}` is too long")]
    TooLong(String),
}

/// Parse `30s`, `10m`, `1h`, `1d`, `1mo` (also `2h`, `10d`, ...) into seconds.
/// A bare number is taken as seconds (API callers send `3600`).
pub fn parse_duration(text: &str) -> Result<u64, DurationError> {
    let s = text.trim();
    if s.is_empty() {
        return Err(DurationError::Empty);
    }
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (digits, unit) = s.split_at(split);
    if digits.is_empty() {
        return Err(DurationError::Invalid(s.to_string()));
    }
    let n: u64 = digits
        .parse()
        .map_err(|_| DurationError::TooLong(s.to_string()))?;
    let scale = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "s" => 1,
        "m" => MINUTE,
        "h" => HOUR,
        "d" => DAY,
        "mo" => MONTH,
        _ => return Err(DurationError::Invalid(s.to_string())),
    };
    if n == 0 {
        return Err(DurationError::Zero(s.to_string()));
    }
    n.checked_mul(scale)
        .ok_or_else(|| DurationError::TooLong(s.to_string()))
}

/// Seconds back to the shortest exact Sym form: 3600 → `1h`, 2592000 → `1mo`, 90 → `90s`.
pub fn format_duration(secs: u64) -> String {
    for (unit, scale) in [("mo", MONTH), ("d", DAY), ("h", HOUR), ("m", MINUTE)] {
        if secs >= scale && secs.is_multiple_of(scale) {
            return format!("{}{unit}", secs / scale);
        }
    }
    format!("{secs}s")
}

/// Seconds as people say it: `30 seconds`, `1 hour`, `1 hour 30 minutes`, `2 days`.
pub fn humanize_duration(secs: u64) -> String {
    if secs == 0 {
        return "0 seconds".to_string();
    }
    let mut parts = Vec::new();
    let mut rest = secs;
    for (name, scale) in [
        ("month", MONTH),
        ("day", DAY),
        ("hour", HOUR),
        ("minute", MINUTE),
        ("second", 1),
    ] {
        let n = rest / scale;
        if n > 0 {
            parts.push(format!("{n} {name}{}", if n == 1 { "" } else { "s" }));
            rest %= scale;
        }
        if parts.len() == 2 {
            break;
        }
    }
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_table() {
        let ok = [
            ("30s", 30),
            ("10m", 600),
            ("1h", 3600),
            ("1d", 86_400),
            ("10d", 864_000),
            ("1mo", 2_592_000),
            ("3600", 3600),
            (" 2H ", 7200),
        ];
        for (text, secs) in ok {
            assert_eq!(parse_duration(text), Ok(secs), "{text}");
        }
        for bad in ["", "h", "1y", "1.5h", "-1h", "1 hour", "mo"] {
            assert!(parse_duration(bad).is_err(), "{bad} should fail");
        }
        assert_eq!(parse_duration("0m"), Err(DurationError::Zero("0m".into())));
        assert!(matches!(
            parse_duration("99999999999999999999h"),
            Err(DurationError::TooLong(_))
        ));
    }

    #[test]
    fn format_round_trips() {
        for text in ["30s", "10m", "1h", "1d", "10d", "1mo", "90s", "25h"] {
            assert_eq!(format_duration(parse_duration(text).unwrap()), text);
        }
        assert_eq!(format_duration(86_400 * 30), "1mo");
        assert_eq!(format_duration(86_400 * 31), "31d");
    }

    #[test]
    fn humanize() {
        assert_eq!(humanize_duration(30), "30 seconds");
        assert_eq!(humanize_duration(3600), "1 hour");
        assert_eq!(humanize_duration(5400), "1 hour 30 minutes");
        assert_eq!(humanize_duration(2 * 86_400), "2 days");
        assert_eq!(humanize_duration(2_592_000), "1 month");
    }
}
