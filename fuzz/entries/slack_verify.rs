//! Fuzz entry: Slack request signatures (host/slack `verify`).
//!
//! Two properties, on inputs built by `arbitrary` from the fuzzer's bytes:
//!
//! 1. Any headers and body — arbitrary header bytes through `http::HeaderMap`, arbitrary
//!    strings through `verify_parts` and `verify_header_pairs`, any clock — give `Ok` or a
//!    [`VerifyError`], never a panic; and `Ok` only when the signature really is Slack's.
//! 2. Differential: a body signed with the secret at a fresh timestamp verifies, and changing
//!    any single byte of the body, the signature or the timestamp header makes it fail.
//!
//! Shared by the cargo-fuzz target `slack_verify` and the corpus replay test of host/slack.

use arbitrary::{Arbitrary, Unstructured};
use symflow_slack::verify::{sign, SignatureVerifier, SIGNATURE_HEADER, TIMESTAMP_HEADER};
use symflow_slack::VerifyError;

#[derive(Debug, Arbitrary)]
struct Input {
    secret: Vec<u8>,
    now: i64,
    /// Raw header values, possibly not UTF-8 or not even valid header bytes.
    timestamp_header: Vec<u8>,
    signature_header: Vec<u8>,
    body: Vec<u8>,
    /// Where to change one byte, and the byte to xor in (0 is turned into 1).
    tamper_at: usize,
    tamper_with: u8,
    /// Seconds between the request's timestamp and the verifier's clock.
    skew: i16,
}

pub fn run(data: &[u8]) {
    let Ok(input) = Input::arbitrary_take_rest(Unstructured::new(data)) else {
        return;
    };
    arbitrary_headers_never_panic(&input);
    signed_bodies_verify_and_tampering_fails(&input);
}

fn arbitrary_headers_never_panic(input: &Input) {
    let verifier = SignatureVerifier::new(&input.secret).with_fixed_time(input.now);
    let mut headers = http::HeaderMap::new();
    for (name, value) in [
        (TIMESTAMP_HEADER, &input.timestamp_header),
        (SIGNATURE_HEADER, &input.signature_header),
    ] {
        if let Ok(value) = http::HeaderValue::from_bytes(value) {
            headers.insert(name, value);
        }
    }
    let via_map = verifier.verify(&headers, &input.body);
    let timestamp = String::from_utf8_lossy(&input.timestamp_header);
    let signature = String::from_utf8_lossy(&input.signature_header);
    let via_parts = verifier.verify_parts(Some(&timestamp), Some(&signature), &input.body);
    let via_pairs = verifier.verify_header_pairs(
        [
            ("X-Slack-Request-Timestamp", timestamp.as_ref()),
            ("X-SLACK-SIGNATURE", signature.as_ref()),
        ],
        &input.body,
    );
    assert_eq!(via_parts, via_pairs, "header name case must not matter");
    for result in [via_map, via_parts] {
        if result.is_ok() {
            // Accepted: then it must be exactly what Slack would have sent.
            let ts: i64 = timestamp.trim().parse().expect("accepted timestamps parse");
            assert_eq!(
                sign(&input.secret, ts, &input.body),
                signature.trim().to_ascii_lowercase()
            );
            assert!(ts.abs_diff(input.now) <= 300);
        }
    }
    // Missing headers are named as missing.
    assert_eq!(
        verifier.verify_parts(None, Some(&signature), &input.body),
        Err(VerifyError::MissingTimestamp)
    );
    assert_eq!(
        verifier.verify_parts(Some(&timestamp), None, &input.body),
        Err(VerifyError::MissingSignature)
    );
}

fn signed_bodies_verify_and_tampering_fails(input: &Input) {
    let timestamp = input.now.saturating_sub(i64::from(input.skew));
    let verifier = SignatureVerifier::new(&input.secret).with_fixed_time(input.now);
    let ts_text = timestamp.to_string();
    let signature = sign(&input.secret, timestamp, &input.body);
    let fresh = timestamp.abs_diff(input.now) <= 300;

    let result = verifier.verify_parts(Some(&ts_text), Some(&signature), &input.body);
    if fresh {
        assert_eq!(
            result,
            Ok(()),
            "a correctly signed fresh request must verify"
        );
    } else {
        assert!(
            matches!(result, Err(VerifyError::StaleTimestamp { .. })),
            "{result:?}"
        );
        return;
    }
    let flip = if input.tamper_with == 0 {
        1
    } else {
        input.tamper_with
    };

    // One byte of the body changed.
    if !input.body.is_empty() {
        let mut body = input.body.clone();
        let at = input.tamper_at % body.len();
        body[at] ^= flip;
        assert_eq!(
            verifier.verify_parts(Some(&ts_text), Some(&signature), &body),
            Err(VerifyError::SignatureMismatch)
        );
    }

    // One byte of the signature changed: refused, as a mismatch or as malformed.
    let mut tampered = signature.clone().into_bytes();
    let at = input.tamper_at % tampered.len();
    tampered[at] ^= flip;
    let tampered = String::from_utf8_lossy(&tampered).into_owned();
    let result = verifier.verify_parts(Some(&ts_text), Some(&tampered), &input.body);
    // Changing the case of a hex letter is the only edit that may still verify (hex decoding
    // accepts both cases); anything else must be refused.
    let same_digest = tampered.to_ascii_lowercase() == signature && tampered.starts_with("v0=");
    assert_eq!(result.is_ok(), same_digest, "{tampered:?}: {result:?}");

    // One byte of the timestamp header changed: refused unless it is only surrounding
    // whitespace, which both sides trim... which a byte change inside the digits cannot be.
    let mut ts_bytes = ts_text.clone().into_bytes();
    let at = input.tamper_at % ts_bytes.len();
    ts_bytes[at] ^= flip;
    let changed_ts = String::from_utf8_lossy(&ts_bytes).into_owned();
    if changed_ts.trim() != ts_text {
        assert!(
            verifier
                .verify_parts(Some(&changed_ts), Some(&signature), &input.body)
                .is_err(),
            "{changed_ts:?} verified with the signature of {ts_text:?}"
        );
    }
}
