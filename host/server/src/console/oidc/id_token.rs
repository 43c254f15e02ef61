//! Checking an OpenID Connect ID token (OpenID Connect Core §3.1.3.7): a JWS compact
//! token signed RS256 by a key of the provider's JWKS, whose `iss` is the provider, whose
//! `aud` holds our client id (and `azp` is ours when there are several audiences), which has
//! not expired, and whose `nonce` is the one this sign-in sent. Only RS256 is accepted (the
//! algorithm every provider must support); `none` and HMAC algorithms are refused outright,
//! so a token cannot pick a weaker check for itself.
//!
//! Pure functions over the token text and the keys, so every refusal is unit-tested here;
//! fetching the keys is [`super::provider`]'s job.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ring::signature::{RsaPublicKeyComponents, RSA_PKCS1_2048_8192_SHA256};
use serde::Deserialize;
use serde_json::Value;

/// Seconds of clock difference tolerated between us and the provider.
pub const CLOCK_LEEWAY_SECS: u64 = 60;

/// One key of the provider's JWKS (RFC 7517), as much of it as RS256 needs.
#[derive(Debug, Clone, Deserialize)]
pub struct Jwk {
    pub kty: String,
    #[serde(default)]
    pub kid: Option<String>,
    #[serde(default, rename = "use")]
    pub use_: Option<String>,
    #[serde(default)]
    pub alg: Option<String>,
    #[serde(default)]
    pub n: Option<String>,
    #[serde(default)]
    pub e: Option<String>,
}

/// The provider's key set.
#[derive(Debug, Clone, Deserialize)]
pub struct Jwks {
    pub keys: Vec<Jwk>,
}

/// What the token must say.
pub struct Expected<'a> {
    pub issuer: &'a str,
    pub client_id: &'a str,
    pub nonce: &'a str,
    /// Seconds since the Unix epoch.
    pub now: u64,
}

/// The claims symflow uses from a checked token.
#[derive(Debug, Clone)]
pub struct IdClaims {
    pub subject: String,
    pub email: Option<String>,
    /// `None` when the provider did not send `email_verified`.
    pub email_verified: Option<bool>,
}

/// Why an ID token was refused. The text is for the log and the sign-in error page.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum IdTokenError {
    #[error("the ID token is not a signed JWT (three base64url parts)")]
    Malformed,
    #[error("the ID token is signed with {0:?}; only RS256 is accepted")]
    Algorithm(String),
    #[error("the ID token names signing key {0:?}, which is not in the provider's key set")]
    UnknownKey(String),
    #[error("the ID token's signature does not match the provider's key")]
    BadSignature,
    #[error("the ID token was issued by {found:?}, not by the configured provider {expected:?}")]
    WrongIssuer { found: String, expected: String },
    #[error("the ID token was issued for another application (audience {0}), not this symflow's client id")]
    WrongAudience(String),
    #[error("the ID token has expired (it was valid until {exp}, it is now {now})")]
    Expired { exp: u64, now: u64 },
    #[error(
        "the ID token's nonce is not the one this sign-in sent (a replayed or mixed-up sign-in)"
    )]
    WrongNonce,
    #[error("the ID token lacks the {0:?} claim")]
    Missing(&'static str),
}

fn decode_part(part: &str) -> Result<Vec<u8>, IdTokenError> {
    URL_SAFE_NO_PAD
        .decode(part.trim_end_matches('='))
        .map_err(|_| IdTokenError::Malformed)
}

fn json_part(part: &str) -> Result<Value, IdTokenError> {
    let bytes = decode_part(part)?;
    let value: Value = serde_json::from_slice(&bytes).map_err(|_| IdTokenError::Malformed)?;
    if value.is_object() {
        Ok(value)
    } else {
        Err(IdTokenError::Malformed)
    }
}

/// The RSA signing keys that may have signed a token with header key id `kid`.
fn candidate_keys<'a>(keys: &'a [Jwk], kid: Option<&str>) -> Vec<&'a Jwk> {
    keys.iter()
        .filter(|k| k.kty == "RSA")
        .filter(|k| k.use_.as_deref().is_none_or(|u| u == "sig"))
        .filter(|k| k.alg.as_deref().is_none_or(|a| a == "RS256"))
        .filter(|k| match kid {
            Some(kid) => k.kid.as_deref() == Some(kid),
            None => true,
        })
        .collect()
}

fn signed_by(key: &Jwk, message: &[u8], signature: &[u8]) -> bool {
    let (Some(n), Some(e)) = (&key.n, &key.e) else {
        return false;
    };
    let (Ok(n), Ok(e)) = (decode_part(n), decode_part(e)) else {
        return false;
    };
    RsaPublicKeyComponents { n, e }
        .verify(&RSA_PKCS1_2048_8192_SHA256, message, signature)
        .is_ok()
}

fn string_claim(claims: &Value, name: &'static str) -> Result<String, IdTokenError> {
    claims[name]
        .as_str()
        .map(str::to_string)
        .ok_or(IdTokenError::Missing(name))
}

/// Checks `token` against the provider's `keys` and what this sign-in expects.
pub fn verify(token: &str, keys: &[Jwk], expected: &Expected) -> Result<IdClaims, IdTokenError> {
    let mut parts = token.trim().split('.');
    let (Some(header), Some(payload), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(IdTokenError::Malformed);
    };
    let header_json = json_part(header)?;
    let alg = header_json["alg"].as_str().unwrap_or_default();
    if alg != "RS256" {
        return Err(IdTokenError::Algorithm(alg.to_string()));
    }
    let kid = header_json["kid"].as_str();
    let candidates = candidate_keys(keys, kid);
    if candidates.is_empty() {
        return Err(IdTokenError::UnknownKey(
            kid.unwrap_or("(none)").to_string(),
        ));
    }
    let signature = decode_part(signature)?;
    let message = format!("{header}.{payload}");
    if !candidates
        .iter()
        .any(|key| signed_by(key, message.as_bytes(), &signature))
    {
        return Err(IdTokenError::BadSignature);
    }

    let claims = json_part(payload)?;
    let issuer = string_claim(&claims, "iss")?;
    if issuer != expected.issuer {
        return Err(IdTokenError::WrongIssuer {
            found: issuer,
            expected: expected.issuer.to_string(),
        });
    }
    let audiences: Vec<&str> = match &claims["aud"] {
        Value::String(a) => vec![a.as_str()],
        Value::Array(list) => list.iter().filter_map(Value::as_str).collect(),
        _ => return Err(IdTokenError::Missing("aud")),
    };
    if !audiences.contains(&expected.client_id) {
        return Err(IdTokenError::WrongAudience(audiences.join(", ")));
    }
    if audiences.len() > 1 && claims["azp"].as_str() != Some(expected.client_id) {
        return Err(IdTokenError::WrongAudience(audiences.join(", ")));
    }
    let exp = claims["exp"].as_u64().ok_or(IdTokenError::Missing("exp"))?;
    if exp + CLOCK_LEEWAY_SECS <= expected.now {
        return Err(IdTokenError::Expired {
            exp,
            now: expected.now,
        });
    }
    claims["iat"].as_u64().ok_or(IdTokenError::Missing("iat"))?;
    let nonce = string_claim(&claims, "nonce")?;
    if !super::super::auth::same_secret(&nonce, expected.nonce) {
        return Err(IdTokenError::WrongNonce);
    }
    Ok(IdClaims {
        subject: string_claim(&claims, "sub")?,
        email: claims["email"].as_str().map(str::to_string),
        // Some providers send the flag as the string "true".
        email_verified: match &claims["email_verified"] {
            Value::Bool(b) => Some(*b),
            Value::String(s) => Some(s.eq_ignore_ascii_case("true")),
            _ => None,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ring::rand::SystemRandom;
    use ring::signature::{RsaKeyPair, RSA_PKCS1_SHA256};
    use serde_json::json;
    use symflow_service_fakes::oidc::{test_key, TEST_KEY_ID};

    fn b64(bytes: &[u8]) -> String {
        URL_SAFE_NO_PAD.encode(bytes)
    }

    fn jwk(key: &RsaKeyPair, kid: &str) -> Jwk {
        let public = RsaPublicKeyComponents::<Vec<u8>>::from(key.public());
        Jwk {
            kty: "RSA".into(),
            kid: Some(kid.into()),
            use_: Some("sig".into()),
            alg: Some("RS256".into()),
            n: Some(b64(&public.n)),
            e: Some(b64(&public.e)),
        }
    }

    fn sign(key: &RsaKeyPair, header: Value, claims: Value) -> String {
        let message = format!(
            "{}.{}",
            b64(header.to_string().as_bytes()),
            b64(claims.to_string().as_bytes())
        );
        let mut signature = vec![0; key.public().modulus_len()];
        key.sign(
            &RSA_PKCS1_SHA256,
            &SystemRandom::new(),
            message.as_bytes(),
            &mut signature,
        )
        .unwrap();
        format!("{message}.{}", b64(&signature))
    }

    const NOW: u64 = 1_800_000_000;

    fn claims() -> Value {
        json!({
            "iss": "https://idp.example.com",
            "sub": "u-1",
            "aud": "symflow",
            "exp": NOW + 300,
            "iat": NOW,
            "nonce": "n-123",
            "email": "alice@example.com",
            "email_verified": true,
        })
    }

    fn expected() -> Expected<'static> {
        Expected {
            issuer: "https://idp.example.com",
            client_id: "symflow",
            nonce: "n-123",
            now: NOW,
        }
    }

    fn header() -> Value {
        json!({"alg": "RS256", "typ": "JWT", "kid": TEST_KEY_ID})
    }

    #[test]
    fn a_good_token_gives_its_claims_and_every_flaw_is_refused() {
        let key = test_key();
        let keys = vec![jwk(&key, TEST_KEY_ID)];
        let ok = verify(&sign(&key, header(), claims()), &keys, &expected()).unwrap();
        assert_eq!(ok.subject, "u-1");
        assert_eq!(ok.email.as_deref(), Some("alice@example.com"));
        assert_eq!(ok.email_verified, Some(true));

        let with = |change: &dyn Fn(&mut Value)| {
            let mut c = claims();
            change(&mut c);
            verify(&sign(&key, header(), c), &keys, &expected())
        };
        assert!(matches!(
            with(&|c| c["iss"] = json!("https://evil.example.com")),
            Err(IdTokenError::WrongIssuer { .. })
        ));
        assert!(matches!(
            with(&|c| c["aud"] = json!("other-app")),
            Err(IdTokenError::WrongAudience(_))
        ));
        assert!(matches!(
            with(&|c| c["aud"] = json!(["symflow", "other-app"])),
            Err(IdTokenError::WrongAudience(_))
        ));
        assert!(with(&|c| {
            c["aud"] = json!(["symflow", "other-app"]);
            c["azp"] = json!("symflow");
        })
        .is_ok());
        assert!(matches!(
            with(&|c| c["exp"] = json!(NOW - CLOCK_LEEWAY_SECS - 1)),
            Err(IdTokenError::Expired { .. })
        ));
        assert!(
            with(&|c| c["exp"] = json!(NOW - 10)).is_ok(),
            "within leeway"
        );
        assert_eq!(
            with(&|c| c["nonce"] = json!("n-999")).unwrap_err(),
            IdTokenError::WrongNonce
        );
        assert_eq!(
            with(&|c| {
                c.as_object_mut().unwrap().remove("nonce");
            })
            .unwrap_err(),
            IdTokenError::Missing("nonce")
        );
        assert_eq!(
            with(&|c| c["email_verified"] = json!("true"))
                .unwrap()
                .email_verified,
            Some(true)
        );
    }

    #[test]
    fn signatures_algorithms_and_keys_are_checked() {
        let key = test_key();
        let keys = vec![jwk(&key, TEST_KEY_ID)];
        let good = sign(&key, header(), claims());

        // A changed payload under the old signature.
        let mut parts: Vec<&str> = good.split('.').collect();
        let mut forged = claims();
        forged["email"] = json!("admin@example.com");
        let forged_payload = b64(forged.to_string().as_bytes());
        parts[1] = &forged_payload;
        assert_eq!(
            verify(&parts.join("."), &keys, &expected()).unwrap_err(),
            IdTokenError::BadSignature
        );

        // `alg: none` and HS256 are refused whatever the signature.
        for alg in ["none", "HS256"] {
            let mut h = header();
            h["alg"] = json!(alg);
            let token = format!(
                "{}.{}.",
                b64(h.to_string().as_bytes()),
                b64(claims().to_string().as_bytes())
            );
            assert_eq!(
                verify(&token, &keys, &expected()).unwrap_err(),
                IdTokenError::Algorithm(alg.into())
            );
        }

        let mut h = header();
        h["kid"] = json!("rotated-away");
        assert_eq!(
            verify(&sign(&key, h, claims()), &keys, &expected()).unwrap_err(),
            IdTokenError::UnknownKey("rotated-away".into())
        );
        assert_eq!(
            verify("not-a-jwt", &keys, &expected()).unwrap_err(),
            IdTokenError::Malformed
        );
    }
}
