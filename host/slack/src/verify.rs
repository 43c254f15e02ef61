//! Proof that a request really comes from Slack, checked before anything else looks at it.
//!
//! Slack signs every request it sends (slash commands, interactivity, Events API) with the app's
//! signing secret: `X-Slack-Signature: v0=<hex HMAC-SHA256 of "v0:{timestamp}:{raw body}">`, with
//! the timestamp in `X-Slack-Request-Timestamp`. A request is accepted only when the signature
//! matches (compared in constant time) and the timestamp is within five minutes of this host's
//! clock, which stops an old request from being replayed. The clock is injectable so tests can
//! verify Slack's documented example request.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Header carrying the request's Unix timestamp in seconds.
pub const TIMESTAMP_HEADER: &str = "x-slack-request-timestamp";
/// Header carrying `v0=<hex signature>`.
pub const SIGNATURE_HEADER: &str = "x-slack-signature";
/// Header Slack adds when it redelivers an Events API request (`1`, `2`, `3`).
pub const RETRY_NUM_HEADER: &str = "x-slack-retry-num";
/// Header explaining a redelivery (`http_timeout`, `http_error`, ...).
pub const RETRY_REASON_HEADER: &str = "x-slack-retry-reason";

/// How far a request's timestamp may be from this host's clock, either way (Slack's five minutes).
pub const DEFAULT_MAX_CLOCK_SKEW_SECS: i64 = 300;

const SIGNATURE_VERSION: &str = "v0";

type HmacSha256 = Hmac<Sha256>;

/// Why a request was refused. Each message says what to check, for whoever reads the log.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error(
        "Slack request refused: the X-Slack-Request-Timestamp header is missing \
         (the request did not come from Slack, or a proxy dropped the header)"
    )]
    MissingTimestamp,
    #[error(
        "Slack request refused: the X-Slack-Signature header is missing \
         (the request did not come from Slack, or a proxy dropped the header)"
    )]
    MissingSignature,
    #[error(
        "Slack request refused: X-Slack-Request-Timestamp {value:?} is not a Unix time in seconds"
    )]
    MalformedTimestamp { value: String },
    #[error("Slack request refused: X-Slack-Signature is malformed ({reason}); expected \"v0=<64 hex digits>\"")]
    MalformedSignature { reason: &'static str },
    #[error(
        "Slack request refused: its timestamp {timestamp} is {skew_secs} s away from this host's clock \
         {now} (limit {max_skew_secs} s); either the request is a replay or this host's clock is wrong"
    )]
    StaleTimestamp {
        timestamp: i64,
        now: i64,
        skew_secs: i64,
        max_skew_secs: i64,
    },
    #[error(
        "Slack request refused: the signature does not match; check that SLACK_SIGNING_SECRET is the \
         app's Signing Secret (Basic Information page), not the bot token or the verification token, \
         and that nothing rewrote the body before it was checked"
    )]
    SignatureMismatch,
}

/// A source of Unix time in seconds.
pub type Clock = Arc<dyn Fn() -> i64 + Send + Sync>;

fn system_clock() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Checks Slack request signatures with one app's signing secret.
#[derive(Clone)]
pub struct SignatureVerifier {
    signing_secret: Vec<u8>,
    clock: Clock,
    max_clock_skew_secs: i64,
}

impl std::fmt::Debug for SignatureVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignatureVerifier")
            .field("signing_secret", &"<redacted>")
            .field("max_clock_skew_secs", &self.max_clock_skew_secs)
            .finish()
    }
}

impl SignatureVerifier {
    /// A verifier using the system clock and Slack's 300 s window.
    pub fn new(signing_secret: impl AsRef<[u8]>) -> Self {
        Self {
            signing_secret: signing_secret.as_ref().to_vec(),
            clock: Arc::new(system_clock),
            max_clock_skew_secs: DEFAULT_MAX_CLOCK_SKEW_SECS,
        }
    }

    /// Replaces the clock (Unix seconds), for tests and replays of recorded traffic.
    pub fn with_clock(mut self, clock: impl Fn() -> i64 + Send + Sync + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// A verifier whose clock always reads `now`.
    pub fn with_fixed_time(self, now: i64) -> Self {
        self.with_clock(move || now)
    }

    /// Checks a request given its headers (names are case-insensitive) and its raw body.
    pub fn verify(&self, headers: &http::HeaderMap, body: &[u8]) -> Result<(), VerifyError> {
        let header = |name: &str| {
            headers
                .get(name)
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        };
        self.verify_parts(
            header(TIMESTAMP_HEADER).as_deref(),
            header(SIGNATURE_HEADER).as_deref(),
            body,
        )
    }

    /// Checks a request given header `(name, value)` pairs from any HTTP library. Names are
    /// matched case-insensitively.
    pub fn verify_header_pairs<'a, I>(&self, headers: I, body: &[u8]) -> Result<(), VerifyError>
    where
        I: IntoIterator<Item = (&'a str, &'a str)>,
    {
        let mut timestamp = None;
        let mut signature = None;
        for (name, value) in headers {
            if name.eq_ignore_ascii_case(TIMESTAMP_HEADER) {
                timestamp = Some(value);
            } else if name.eq_ignore_ascii_case(SIGNATURE_HEADER) {
                signature = Some(value);
            }
        }
        self.verify_parts(timestamp, signature, body)
    }

    /// Checks a request given the two header values and the raw body.
    pub fn verify_parts(
        &self,
        timestamp: Option<&str>,
        signature: Option<&str>,
        body: &[u8],
    ) -> Result<(), VerifyError> {
        let timestamp_text = timestamp.ok_or(VerifyError::MissingTimestamp)?.trim();
        let signature_text = signature.ok_or(VerifyError::MissingSignature)?.trim();

        let timestamp: i64 =
            timestamp_text
                .parse()
                .map_err(|_| VerifyError::MalformedTimestamp {
                    value: timestamp_text.to_owned(),
                })?;

        let now = (self.clock)();
        let skew_secs = now.saturating_sub(timestamp).saturating_abs();
        if skew_secs > self.max_clock_skew_secs {
            return Err(VerifyError::StaleTimestamp {
                timestamp,
                now,
                skew_secs,
                max_skew_secs: self.max_clock_skew_secs,
            });
        }

        let hex_digest =
            signature_text
                .strip_prefix("v0=")
                .ok_or(VerifyError::MalformedSignature {
                    reason: "it does not start with \"v0=\"",
                })?;
        let provided = hex::decode(hex_digest).map_err(|_| VerifyError::MalformedSignature {
            reason: "the digest is not hexadecimal",
        })?;
        if provided.len() != 32 {
            return Err(VerifyError::MalformedSignature {
                reason: "the digest is not 32 bytes long",
            });
        }

        mac_over(&self.signing_secret, timestamp_text, body)
            .verify_slice(&provided)
            .map_err(|_| VerifyError::SignatureMismatch)
    }
}

fn mac_over(secret: &[u8], timestamp: &str, body: &[u8]) -> HmacSha256 {
    let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC accepts keys of any length");
    mac.update(SIGNATURE_VERSION.as_bytes());
    mac.update(b":");
    mac.update(timestamp.as_bytes());
    mac.update(b":");
    mac.update(body);
    mac
}

/// The `X-Slack-Signature` value Slack would send for `body` at `timestamp`: `v0=<hex>`.
/// For tests, the fake Slack and the load generator.
pub fn sign(signing_secret: impl AsRef<[u8]>, timestamp: i64, body: &[u8]) -> String {
    let digest = mac_over(signing_secret.as_ref(), &timestamp.to_string(), body)
        .finalize()
        .into_bytes();
    format!("{SIGNATURE_VERSION}={}", hex::encode(digest))
}

/// Both headers Slack would send for `body` at `timestamp`, as `(name, value)` pairs.
pub fn signed_headers(
    signing_secret: impl AsRef<[u8]>,
    timestamp: i64,
    body: &[u8],
) -> [(&'static str, String); 2] {
    [
        (TIMESTAMP_HEADER, timestamp.to_string()),
        (SIGNATURE_HEADER, sign(signing_secret, timestamp, body)),
    ]
}

/// The redelivery number of an Events API request (`X-Slack-Retry-Num`), if it is a redelivery.
pub fn retry_num(headers: &http::HeaderMap) -> Option<u32> {
    headers
        .get(RETRY_NUM_HEADER)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}
