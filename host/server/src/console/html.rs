//! The console's HTML: escaping, the page layout and its stylesheet, and a few small pieces
//! (a time, a status badge). Pages are plain server-rendered strings; nothing here knows about
//! runs or users.

use std::fmt::Write as _;

use axum::http::header;
use axum::response::{Html, IntoResponse, Response};

/// `text` safe inside HTML text and attribute values.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Who is signed in, for the page header.
pub struct Header<'a> {
    pub email: &'a str,
    pub role: &'a str,
    pub csrf: &'a str,
}

/// A whole page: `<head>`, the top bar (with sign-out when someone is signed in), `body`.
pub fn page(title: &str, header: Option<&Header<'_>>, body: &str) -> Response {
    let mut html = String::with_capacity(body.len() + 4096);
    let _ = write!(
        html,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{} · symflow</title><style>{STYLE}</style></head><body>\
         <nav class=\"top\"><a class=\"brand\" href=\"/console/runs\">symflow</a>",
        esc(title)
    );
    if let Some(h) = header {
        let _ = write!(
            html,
            "<a href=\"/console/runs\">Runs</a><a href=\"/preview\">Slack preview</a>\
             <span class=\"who\" id=\"who\">{} <span class=\"role\">{}</span></span>\
             <form method=\"post\" action=\"/console/sign-out\" class=\"inline\">\
             <input type=\"hidden\" name=\"csrf\" value=\"{}\">\
             <button class=\"link\" id=\"sign-out\">Sign out</button></form>",
            esc(h.email),
            esc(h.role),
            esc(h.csrf)
        );
    }
    html.push_str("</nav><main>");
    html.push_str(body);
    html.push_str("</main></body></html>");
    (
        [
            (header::CACHE_CONTROL, "no-store"),
            (header::X_FRAME_OPTIONS, "DENY"),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'self'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'",
            ),
        ],
        Html(html),
    )
        .into_response()
}

/// Unix milliseconds as `2026-11-28 09:14:05 UTC`.
pub fn time_ms(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rest = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02} UTC",
        rest / 3600,
        (rest % 3600) / 60,
        rest % 60
    )
}

/// `YYYY-MM-DD` (UTC) as the unix milliseconds of its midnight.
pub fn date_ms(date: &str) -> Option<i64> {
    let mut parts = date.trim().splitn(3, '-');
    let y: i64 = parts.next()?.parse().ok()?;
    let m: i64 = parts.next()?.parse().ok()?;
    let d: i64 = parts.next()?.parse().ok()?;
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    Some(days_from_civil(y, m, d) * 86_400_000)
}

// Howard Hinnant's civil-date algorithms (public domain), days since 1970-01-01.
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// A run status as a coloured badge.
pub fn status_badge(status: &str) -> String {
    format!(
        "<span class=\"badge s-{0}\" data-status=\"{0}\">{0}</span>",
        esc(status)
    )
}

const STYLE: &str = r#"
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 -apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:#1d1c1d;background:#f6f6f7}
nav.top{display:flex;gap:18px;align-items:center;background:#1f2937;color:#fff;padding:10px 24px}
nav.top a{color:#e5e7eb;text-decoration:none}nav.top a.brand{font-weight:700;color:#fff;margin-right:12px}
nav.top .who{margin-left:auto;color:#d1d5db}.role{font-size:12px;background:#374151;border-radius:8px;padding:1px 7px;margin-left:4px}
form.inline{display:inline;margin:0}button.link{background:none;border:0;color:#93c5fd;cursor:pointer;font:inherit;padding:0}
main{max-width:1180px;margin:24px auto;padding:0 24px}
h1{font-size:22px;margin:0 0 16px}h2{font-size:17px;margin:28px 0 10px}
table{width:100%;border-collapse:collapse;background:#fff;border:1px solid #e5e7eb;border-radius:6px}
th,td{text-align:left;padding:8px 10px;border-bottom:1px solid #eef0f2;vertical-align:top}th{background:#fafafa;font-weight:600;font-size:13px;color:#4b5563}
tr:last-child td{border-bottom:0}a{color:#1d4ed8}
.badge{display:inline-block;border-radius:10px;padding:1px 9px;font-size:12px;font-weight:600;background:#e5e7eb}
.s-pending,.s-prompting{background:#fef3c7;color:#92400e}.s-escalated,.s-approved{background:#d1fae5;color:#065f46}
.s-denied,.s-errored,.s-error{background:#fee2e2;color:#991b1b}.s-deescalated,.s-expired,.s-ignored{background:#e0e7ff;color:#3730a3}
form.filters{display:flex;flex-wrap:wrap;gap:10px;align-items:end;background:#fff;border:1px solid #e5e7eb;border-radius:6px;padding:12px;margin-bottom:16px}
label{display:flex;flex-direction:column;font-size:12px;color:#4b5563;gap:3px}
input,select,textarea{font:inherit;padding:5px 8px;border:1px solid #d1d5db;border-radius:4px;background:#fff}
button,.button{font:inherit;border:1px solid #d1d5db;background:#fff;border-radius:4px;padding:6px 14px;cursor:pointer;text-decoration:none;color:#1d1c1d}
button.primary{background:#007a5a;border-color:#007a5a;color:#fff}button.danger{background:#fff;border-color:#e01e5a;color:#e01e5a}
.card{background:#fff;border:1px solid #e5e7eb;border-radius:6px;padding:14px 16px;margin-bottom:14px}
dl.facts{display:grid;grid-template-columns:170px 1fr;gap:4px 12px;margin:0}dt{color:#6b7280}dd{margin:0}
.actions{display:flex;gap:10px;align-items:end;flex-wrap:wrap}.muted{color:#6b7280}.notice{background:#eff6ff;border:1px solid #bfdbfe;padding:10px 14px;border-radius:6px;margin-bottom:14px}
.error{background:#fef2f2;border:1px solid #fecaca;padding:10px 14px;border-radius:6px;margin-bottom:14px;color:#991b1b}
pre{background:#f3f4f6;padding:8px;border-radius:4px;overflow:auto;font-size:12px;margin:4px 0;white-space:pre-wrap}
code{font-size:12px;background:#f3f4f6;padding:1px 4px;border-radius:3px}
.signin{max-width:420px;margin:60px auto}.signin form{display:flex;flex-direction:column;gap:12px}
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            esc(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }

    #[test]
    fn dates_round_trip_through_unix_milliseconds() {
        let ms = date_ms("2026-11-28").unwrap();
        assert_eq!(ms, 1_795_824_000_000);
        assert_eq!(time_ms(ms + 3_723_000), "2026-11-28 01:02:03 UTC");
        assert_eq!(time_ms(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(
            date_ms("2024-02-30").map(time_ms).as_deref(),
            Some("2024-03-01 00:00:00 UTC")
        );
        assert_eq!(date_ms("yesterday"), None);
        assert_eq!(date_ms("2024-13-01"), None);
    }
}
