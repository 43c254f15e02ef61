//! Request signatures: Slack's documented example verifies, and every kind of tampering,
//! staleness or missing header is refused with the right error.

use http::{HeaderMap, HeaderName, HeaderValue};
use symflow_slack::verify::{
    retry_num, sign, signed_headers, SignatureVerifier, VerifyError, SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
};

const SECRET: &str = "8f742231b10e8888abcd99yyyzzz85a5";
const TIMESTAMP: i64 = 1531420618;
const EXPECTED: &str = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";

fn body() -> Vec<u8> {
    std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/requests/slash_command.signing_example.txt"
    ))
    .unwrap()
}

fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in pairs {
        map.insert(
            HeaderName::from_bytes(name.as_bytes()).unwrap(),
            HeaderValue::from_str(value).unwrap(),
        );
    }
    map
}

fn verifier_at(now: i64) -> SignatureVerifier {
    SignatureVerifier::new(SECRET).with_fixed_time(now)
}

#[test]
fn the_fixture_headers_match_the_constants_used_here() {
    let raw = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/requests/slash_command.signing_example.headers.json"
    ))
    .unwrap();
    let doc: serde_json::Value = serde_json::from_str(&raw).unwrap();
    assert_eq!(doc["signing_secret"], SECRET);
    assert_eq!(doc["X-Slack-Request-Timestamp"], TIMESTAMP.to_string());
    assert_eq!(doc["X-Slack-Signature"], EXPECTED);
    assert_eq!(doc["mock_clock_now"], TIMESTAMP);
}

#[test]
fn sign_reproduces_slacks_documented_signature() {
    assert_eq!(sign(SECRET, TIMESTAMP, &body()), EXPECTED);
}

#[test]
fn slacks_documented_request_verifies() {
    let map = headers(&[
        ("X-Slack-Request-Timestamp", "1531420618"),
        ("X-Slack-Signature", EXPECTED),
    ]);
    assert_eq!(verifier_at(TIMESTAMP).verify(&map, &body()), Ok(()));
}

#[test]
fn header_names_are_case_insensitive_in_every_entry_point() {
    let map = headers(&[
        ("X-SLACK-REQUEST-TIMESTAMP", "1531420618"),
        ("X-SLACK-SIGNATURE", EXPECTED),
    ]);
    assert_eq!(verifier_at(TIMESTAMP).verify(&map, &body()), Ok(()));

    let pairs = [
        ("X-SLACK-REQUEST-TIMESTAMP", "1531420618"),
        ("x-SlAcK-sIgNaTuRe", EXPECTED),
        ("Content-Type", "application/x-www-form-urlencoded"),
    ];
    assert_eq!(
        verifier_at(TIMESTAMP).verify_header_pairs(pairs, &body()),
        Ok(())
    );
}

#[test]
fn one_flipped_bit_in_the_body_is_refused() {
    let mut tampered = body();
    tampered[10] ^= 0x01;
    let result = verifier_at(TIMESTAMP).verify_parts(Some("1531420618"), Some(EXPECTED), &tampered);
    assert_eq!(result, Err(VerifyError::SignatureMismatch));
}

#[test]
fn one_flipped_bit_in_the_signature_is_refused() {
    // Last hex digit 3 -> 2 flips the lowest bit of the digest.
    let mut signature = EXPECTED.to_owned();
    signature.pop();
    signature.push('2');
    let result = verifier_at(TIMESTAMP).verify_parts(Some("1531420618"), Some(&signature), &body());
    assert_eq!(result, Err(VerifyError::SignatureMismatch));
}

#[test]
fn another_secret_is_refused() {
    let result = SignatureVerifier::new("not-the-secret")
        .with_fixed_time(TIMESTAMP)
        .verify_parts(Some("1531420618"), Some(EXPECTED), &body());
    assert_eq!(result, Err(VerifyError::SignatureMismatch));
}

#[test]
fn a_timestamp_changed_after_signing_is_refused() {
    let result = verifier_at(TIMESTAMP).verify_parts(Some("1531420619"), Some(EXPECTED), &body());
    assert_eq!(result, Err(VerifyError::SignatureMismatch));
}

#[test]
fn exactly_300_seconds_either_way_is_accepted() {
    for now in [TIMESTAMP + 300, TIMESTAMP - 300] {
        let result = verifier_at(now).verify_parts(Some("1531420618"), Some(EXPECTED), &body());
        assert_eq!(result, Ok(()), "clock at {now}");
    }
}

#[test]
fn requests_301_seconds_old_or_early_are_stale() {
    for (now, skew) in [(TIMESTAMP + 301, 301), (TIMESTAMP - 301, 301)] {
        let result = verifier_at(now).verify_parts(Some("1531420618"), Some(EXPECTED), &body());
        assert_eq!(
            result,
            Err(VerifyError::StaleTimestamp {
                timestamp: TIMESTAMP,
                now,
                skew_secs: skew,
                max_skew_secs: 300,
            }),
            "clock at {now}"
        );
    }
}

#[test]
fn the_system_clock_refuses_the_2018_example() {
    let result =
        SignatureVerifier::new(SECRET).verify_parts(Some("1531420618"), Some(EXPECTED), &body());
    assert!(
        matches!(result, Err(VerifyError::StaleTimestamp { .. })),
        "{result:?}"
    );
}

#[test]
fn missing_headers_are_named() {
    let verifier = verifier_at(TIMESTAMP);
    assert_eq!(
        verifier.verify(&headers(&[("X-Slack-Signature", EXPECTED)]), &body()),
        Err(VerifyError::MissingTimestamp)
    );
    assert_eq!(
        verifier.verify(
            &headers(&[("X-Slack-Request-Timestamp", "1531420618")]),
            &body()
        ),
        Err(VerifyError::MissingSignature)
    );
    assert_eq!(
        verifier.verify(&HeaderMap::new(), &body()),
        Err(VerifyError::MissingTimestamp)
    );
}

#[test]
fn malformed_headers_are_refused_as_malformed() {
    let verifier = verifier_at(TIMESTAMP);
    assert_eq!(
        verifier.verify_parts(Some("yesterday"), Some(EXPECTED), &body()),
        Err(VerifyError::MalformedTimestamp {
            value: "yesterday".to_owned()
        })
    );
    let no_prefix = EXPECTED.trim_start_matches("v0=");
    assert!(matches!(
        verifier.verify_parts(Some("1531420618"), Some(no_prefix), &body()),
        Err(VerifyError::MalformedSignature { .. })
    ));
    assert!(matches!(
        verifier.verify_parts(Some("1531420618"), Some("v0=zz"), &body()),
        Err(VerifyError::MalformedSignature { .. })
    ));
    assert!(matches!(
        verifier.verify_parts(Some("1531420618"), Some("v0=abcd"), &body()),
        Err(VerifyError::MalformedSignature { .. })
    ));
}

#[test]
fn signed_headers_verify_with_the_same_secret_and_clock() {
    let body = b"payload=%7B%22type%22%3A%22block_actions%22%7D";
    let now = 1_700_000_000;
    let [(ts_name, ts), (sig_name, sig)] = signed_headers("s3cret", now, body);
    assert_eq!((ts_name, sig_name), (TIMESTAMP_HEADER, SIGNATURE_HEADER));
    let result = SignatureVerifier::new("s3cret")
        .with_fixed_time(now + 10)
        .verify_parts(Some(&ts), Some(&sig), body);
    assert_eq!(result, Ok(()));
}

#[test]
fn error_messages_tell_on_call_what_to_check() {
    let mismatch = VerifyError::SignatureMismatch.to_string();
    assert!(mismatch.contains("SLACK_SIGNING_SECRET"), "{mismatch}");
    let stale = VerifyError::StaleTimestamp {
        timestamp: 1,
        now: 400,
        skew_secs: 399,
        max_skew_secs: 300,
    }
    .to_string();
    assert!(
        stale.contains("399 s") && stale.contains("clock"),
        "{stale}"
    );
}

#[test]
fn retry_num_reads_slacks_redelivery_header() {
    assert_eq!(retry_num(&headers(&[("X-Slack-Retry-Num", "2")])), Some(2));
    assert_eq!(retry_num(&HeaderMap::new()), None);
}

#[test]
fn debug_output_never_shows_the_secret() {
    let text = format!("{:?}", SignatureVerifier::new(SECRET));
    assert!(!text.contains(SECRET), "{text}");
}
