//! Terraform's date and time functions (`formatdate`, `timeadd`, `timecmp`, `timestamp`,
//! `plantimestamp`) over RFC 3339 timestamps, parsed as strictly as Terraform (Go's
//! `time.Parse` with `time.RFC3339`) parses them.

use std::sync::OnceLock;

use time::{Date, Month, OffsetDateTime, Time, UtcOffset};

use super::{fixed, string, FunctionEnv};
use crate::tf::value::Value;

fn bad(why: impl std::fmt::Display) -> String {
    format!("not a valid RFC3339 timestamp: {why}")
}

/// Parses `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`.
pub(super) fn parse_timestamp(s: &str) -> Result<OffsetDateTime, String> {
    let b = s.as_bytes();
    let field = |at: usize, n: usize, what: &str| -> Result<i32, String> {
        match s
            .get(at..at + n)
            .filter(|p| p.bytes().all(|c| c.is_ascii_digit()))
        {
            Some(p) => Ok(p.parse().unwrap_or(0)),
            None if at >= s.len() => Err(bad(format!("end of string before {what}"))),
            None => Err(bad(format!(
                "cannot use {:?} as {what}",
                s.get(at..).unwrap_or_default()
            ))),
        }
    };
    let sep = |at: usize, c: u8| -> Result<(), String> {
        match b.get(at) {
            Some(&x) if x == c => Ok(()),
            Some(_) if c == b'T' => Err(bad("missing required time introducer 'T'")),
            Some(&x) => Err(bad(format!(
                "found {:?} where {:?} is expected",
                (x as char).to_string(),
                (c as char).to_string()
            ))),
            None => Err(bad(format!(
                "end of string where {:?} is expected",
                (c as char).to_string()
            ))),
        }
    };
    let year = field(0, 4, "year")?;
    sep(4, b'-')?;
    let month = field(5, 2, "month")?;
    sep(7, b'-')?;
    let day = field(8, 2, "day of month")?;
    sep(10, b'T')?;
    let hour = field(11, 2, "hour")?;
    sep(13, b':')?;
    let minute = field(14, 2, "minute")?;
    sep(16, b':')?;
    let second = field(17, 2, "second")?;
    let mut at = 19;
    let mut nanos = 0u32;
    if b.get(at) == Some(&b'.') {
        let start = at + 1;
        let end = start + b[start..].iter().take_while(|c| c.is_ascii_digit()).count();
        if end == start {
            return Err(bad("cannot use \".\" as second"));
        }
        let frac = &s[start..end.min(start + 9)];
        nanos = format!("{frac:0<9}").parse().unwrap_or(0);
        at = end;
    }
    let offset = match b.get(at) {
        Some(b'Z') if at + 1 == b.len() => UtcOffset::UTC,
        Some(&sign @ (b'+' | b'-')) if b.len() == at + 6 && b[at + 3] == b':' => {
            let h = field(at + 1, 2, "UTC offset")?;
            let m = field(at + 4, 2, "UTC offset")?;
            let sign = if sign == b'-' { -1 } else { 1 };
            UtcOffset::from_hms((sign * h) as i8, (sign * m) as i8, 0)
                .map_err(|_| bad("UTC offset out of range"))?
        }
        None => return Err(bad("end of string before UTC offset")),
        _ => return Err(bad(format!("cannot use {:?} as UTC offset", &s[at..]))),
    };
    let month = Month::try_from(month as u8).map_err(|_| bad("month out of range"))?;
    let date =
        Date::from_calendar_date(year, month, day as u8).map_err(|_| bad("day out of range"))?;
    let time = Time::from_hms_nano(hour as u8, minute as u8, second as u8, nanos)
        .map_err(|_| bad("time out of range"))?;
    Ok(date.with_time(time).assume_offset(offset))
}

/// A timestamp in RFC 3339 with whole seconds, as Go's `time.RFC3339` layout writes it.
pub(super) fn format_timestamp(t: OffsetDateTime) -> String {
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        offset_text(t.offset(), true, true)
    )
}

fn offset_text(offset: UtcOffset, colon: bool, z: bool) -> String {
    if z && offset.is_utc() {
        return "Z".into();
    }
    let total = offset.whole_seconds();
    let sign = if total < 0 { '-' } else { '+' };
    let (h, m) = (total.abs() / 3600, total.abs() / 60 % 60);
    if colon {
        format!("{sign}{h:02}:{m:02}")
    } else {
        format!("{sign}{h:02}{m:02}")
    }
}

pub(super) fn formatdate(args: &[Value], _: &FunctionEnv) -> Result<Value, String> {
    let [spec, timestamp] = fixed(args)?;
    let spec = string(spec, "format")?;
    let t = parse_timestamp(&string(timestamp, "time")?)?;
    let chars: Vec<char> = spec.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\'' {
            if chars.get(i + 1) == Some(&'\'') {
                out.push('\'');
                i += 2;
                continue;
            }
            let mut j = i + 1;
            loop {
                match chars.get(j) {
                    None => return Err("unterminated literal '".into()),
                    Some('\'') if chars.get(j + 1) == Some(&'\'') => {
                        out.push('\'');
                        j += 2;
                    }
                    Some('\'') => break,
                    Some(&other) => {
                        out.push(other);
                        j += 1;
                    }
                }
            }
            i = j + 1;
            continue;
        }
        if !c.is_ascii_alphabetic() {
            out.push(c);
            i += 1;
            continue;
        }
        let n = chars[i..].iter().take_while(|&&x| x == c).count();
        let token: String = chars[i..i + n].iter().collect();
        i += n;
        let verb = |why: &str| format!("invalid date format verb {token:?}: {why}");
        let hour12 = match t.hour() % 12 {
            0 => 12,
            h => h,
        };
        let piece = match (c, n) {
            ('Y', 2) => format!("{:02}", t.year().rem_euclid(100)),
            ('Y', 4) => format!("{:04}", t.year()),
            ('Y', _) => return Err(verb("year must either be \"YY\" or \"YYYY\"")),
            ('M', 1) => u8::from(t.month()).to_string(),
            ('M', 2) => format!("{:02}", u8::from(t.month())),
            ('M', 3) => t.month().to_string()[..3].to_owned(),
            ('M', 4) => t.month().to_string(),
            ('M', _) => return Err(verb("month must be \"M\", \"MM\", \"MMM\", or \"MMMM\"")),
            ('D', 1) => t.day().to_string(),
            ('D', 2) => format!("{:02}", t.day()),
            ('D', _) => return Err(verb("day of month must either be \"D\" or \"DD\"")),
            ('E', 3) => t.weekday().to_string()[..3].to_owned(),
            ('E', 4) => t.weekday().to_string(),
            ('E', _) => return Err(verb("day of week must either be \"EEE\" or \"EEEE\"")),
            ('h', 1) => t.hour().to_string(),
            ('h', 2) => format!("{:02}", t.hour()),
            ('h', _) => return Err(verb("24-hour must either be \"h\" or \"hh\"")),
            ('H', 1) => hour12.to_string(),
            ('H', 2) => format!("{hour12:02}"),
            ('H', _) => return Err(verb("12-hour must either be \"H\" or \"HH\"")),
            ('A' | 'a', 2) => {
                let marker = if t.hour() < 12 { "AM" } else { "PM" };
                if c == 'a' {
                    marker.to_ascii_lowercase()
                } else {
                    marker.to_owned()
                }
            }
            ('A' | 'a', _) => return Err(verb(&format!("must be \"{c}{c}\""))),
            ('m', 1) => t.minute().to_string(),
            ('m', 2) => format!("{:02}", t.minute()),
            ('m', _) => return Err(verb("minute must either be \"m\" or \"mm\"")),
            ('s', 1) => t.second().to_string(),
            ('s', 2) => format!("{:02}", t.second()),
            ('s', _) => return Err(verb("second must either be \"s\" or \"ss\"")),
            ('Z', 1) => offset_text(t.offset(), true, true),
            ('Z', 3) if t.offset().is_utc() => "UTC".to_owned(),
            ('Z', 3 | 4) => offset_text(t.offset(), false, false),
            ('Z', 5) => offset_text(t.offset(), true, false),
            ('Z', _) => return Err(verb("timezone must be Z, ZZZZ, or ZZZZZ")),
            _ => return Err(format!("invalid date format verb {token:?}")),
        };
        out.push_str(&piece);
    }
    Ok(Value::String(out))
}

/// Go's `time.ParseDuration`: `"1h30m"`, `"-1.5h"`, `"10s"`, `"300ms"`.
fn parse_duration(s: &str) -> Result<i128, String> {
    let invalid = || format!("time: invalid duration {s:?}");
    let (negative, mut rest) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if rest == "0" {
        return Ok(0);
    }
    if rest.is_empty() {
        return Err(invalid());
    }
    let mut total: f64 = 0.0;
    while !rest.is_empty() {
        let number_len = rest
            .bytes()
            .take_while(|b| b.is_ascii_digit() || *b == b'.')
            .count();
        let number = &rest[..number_len];
        if number.is_empty() || number == "." {
            return Err(invalid());
        }
        let value: f64 = number.parse().map_err(|_| invalid())?;
        rest = &rest[number_len..];
        let unit_len = rest
            .char_indices()
            .find(|(_, c)| c.is_ascii_digit() || *c == '.')
            .map_or(rest.len(), |(i, _)| i);
        let unit = &rest[..unit_len];
        rest = &rest[unit_len..];
        let nanos_per = match unit {
            "ns" => 1.0,
            "us" | "µs" | "μs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            "" => return Err(format!("time: missing unit in duration {s:?}")),
            other => return Err(format!("time: unknown unit {other:?} in duration {s:?}")),
        };
        total += value * nanos_per;
    }
    if total > i64::MAX as f64 {
        return Err(invalid());
    }
    let total = total.round() as i128;
    Ok(if negative { -total } else { total })
}

pub(super) fn timeadd(args: &[Value], _: &FunctionEnv) -> Result<Value, String> {
    let [timestamp, duration] = fixed(args)?;
    let t = parse_timestamp(&string(timestamp, "timestamp")?)?;
    let nanos = parse_duration(&string(duration, "duration")?)?;
    let added = t
        .checked_add(time::Duration::nanoseconds(nanos as i64))
        .ok_or("the resulting timestamp is out of range")?;
    Ok(Value::String(format_timestamp(added)))
}

pub(super) fn timecmp(args: &[Value], _: &FunctionEnv) -> Result<Value, String> {
    let [a, b] = fixed(args)?;
    let a = parse_timestamp(&string(a, "timestamp_a")?)?;
    let b = parse_timestamp(&string(b, "timestamp_b")?)?;
    Ok(Value::Number(match a.cmp(&b) {
        std::cmp::Ordering::Less => -1.0,
        std::cmp::Ordering::Equal => 0.0,
        std::cmp::Ordering::Greater => 1.0,
    }))
}

pub(super) fn timestamp(args: &[Value], _: &FunctionEnv) -> Result<Value, String> {
    fixed::<0>(args)?;
    Ok(Value::String(format_timestamp(OffsetDateTime::now_utc())))
}

/// The time of the plan: symflow has no plan phase, so this is the time of the first call in
/// this process, the same for every call after it (as Terraform's is for one run).
pub(super) fn plantimestamp(args: &[Value], _: &FunctionEnv) -> Result<Value, String> {
    static PLAN_TIME: OnceLock<OffsetDateTime> = OnceLock::new();
    fixed::<0>(args)?;
    Ok(Value::String(format_timestamp(
        *PLAN_TIME.get_or_init(OffsetDateTime::now_utc),
    )))
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use serde_json::json;

    #[test]
    fn documented_examples() {
        check_ok(&[
            (
                "formatdate",
                json!(["DD MMM YYYY hh:mm ZZZ", "2018-01-02T23:12:01Z"]),
                json!("02 Jan 2018 23:12 UTC"),
            ),
            (
                "formatdate",
                json!(["EEEE, DD-MMM-YY hh:mm:ss ZZZ", "2018-01-02T23:12:01Z"]),
                json!("Tuesday, 02-Jan-18 23:12:01 UTC"),
            ),
            (
                "formatdate",
                json!(["EEE, DD MMM YYYY hh:mm:ss ZZZ", "2018-01-02T23:12:01-08:00"]),
                json!("Tue, 02 Jan 2018 23:12:01 -0800"),
            ),
            (
                "formatdate",
                json!(["MMM DD, YYYY", "2018-01-02T23:12:01Z"]),
                json!("Jan 02, 2018"),
            ),
            (
                "formatdate",
                json!(["HH:mmaa", "2018-01-02T23:12:01Z"]),
                json!("11:12pm"),
            ),
            (
                "formatdate",
                json!(["h'h'mm", "2018-01-02T23:12:01-08:00"]),
                json!("23h12"),
            ),
            (
                "formatdate",
                json!(["H 'o''clock'", "2018-01-02T23:12:01-08:00"]),
                json!("11 o'clock"),
            ),
            (
                "formatdate",
                json!(["YYYY-MM-DD'T'hh:mm:ssZ", "2018-01-02T23:12:01Z"]),
                json!("2018-01-02T23:12:01Z"),
            ),
            (
                "formatdate",
                json!(["M/D h:m:s AA ZZZZZ Z ZZZZ", "2018-03-04T05:06:07.5+05:30"]),
                json!("3/4 5:6:7 AM +05:30 +05:30 +0530"),
            ),
            (
                "formatdate",
                json!(["MMMM EEEE ''", "2020-09-16T00:00:00Z"]),
                json!("September Wednesday '"),
            ),
            (
                "formatdate",
                json!(["HH aa", "2020-09-16T00:30:00Z"]),
                json!("12 am"),
            ),
            (
                "timeadd",
                json!(["2017-11-22T00:00:00Z", "10m"]),
                json!("2017-11-22T00:10:00Z"),
            ),
            (
                "timeadd",
                json!(["2017-11-22T00:00:00Z", "-1h30m"]),
                json!("2017-11-21T22:30:00Z"),
            ),
            (
                "timeadd",
                json!(["2017-11-22T00:00:00-08:00", "1.5h"]),
                json!("2017-11-22T01:30:00-08:00"),
            ),
            (
                "timeadd",
                json!(["2017-11-22T00:00:00.9Z", "100ms"]),
                json!("2017-11-22T00:00:01Z"),
            ),
            (
                "timecmp",
                json!(["2017-11-22T00:00:00Z", "2017-11-22T00:00:00Z"]),
                json!(0),
            ),
            (
                "timecmp",
                json!(["2017-11-22T00:00:00Z", "2017-11-22T01:00:00Z"]),
                json!(-1),
            ),
            (
                "timecmp",
                json!(["2017-11-22T01:00:00Z", "2017-11-22T00:00:00Z"]),
                json!(1),
            ),
            (
                "timecmp",
                json!(["2017-11-22T01:00:00+01:00", "2017-11-22T00:00:00Z"]),
                json!(0),
            ),
        ]);
    }

    #[test]
    fn errors() {
        check_err(&[
            (
                "formatdate",
                json!(["YYY", "2018-01-02T23:12:01Z"]),
                "year must either be",
            ),
            (
                "formatdate",
                json!(["'abc", "2018-01-02T23:12:01Z"]),
                "unterminated literal",
            ),
            (
                "formatdate",
                json!(["q", "2018-01-02T23:12:01Z"]),
                "invalid date format verb \"q\"",
            ),
            (
                "formatdate",
                json!(["ZZ", "2018-01-02T23:12:01Z"]),
                "timezone must be",
            ),
            (
                "formatdate",
                json!(["YYYY", "2018-01-02 23:12:01Z"]),
                "missing required time introducer 'T'",
            ),
            (
                "formatdate",
                json!(["YYYY", "2018-01-02"]),
                "end of string where \"T\" is expected",
            ),
            (
                "formatdate",
                json!(["YYYY", "2018-13-02T23:12:01Z"]),
                "not a valid RFC3339 timestamp",
            ),
            (
                "formatdate",
                json!(["YYYY", "2018-01-02T23:12:01"]),
                "end of string before UTC offset",
            ),
            (
                "formatdate",
                json!(["YYYY", "x"]),
                "cannot use \"x\" as year",
            ),
            (
                "timeadd",
                json!(["2017-11-22T00:00:00Z", "1d"]),
                "unknown unit \"d\"",
            ),
            (
                "timeadd",
                json!(["2017-11-22T00:00:00Z", "1"]),
                "missing unit",
            ),
            (
                "timeadd",
                json!(["2017-11-22T00:00:00Z", ""]),
                "invalid duration",
            ),
        ]);
    }

    #[test]
    fn clocks() {
        let now = call_v("timestamp", vec![]).unwrap();
        assert!(super::parse_timestamp(now.as_str().unwrap()).is_ok());
        let plan = call_v("plantimestamp", vec![]).unwrap();
        assert_eq!(call_v("plantimestamp", vec![]).unwrap(), plan);
    }
}
