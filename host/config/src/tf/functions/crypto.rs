//! Terraform's hash and crypto functions: digests of strings and files (hex or base64),
//! `bcrypt`, `rsadecrypt` (PKCS #1 v1.5) and UUIDs (random v4, name-based v5).

use base64::Engine;
use md5::Md5;
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha512};

use super::filesystem::read_bytes;
use super::{between, fixed, integer, string, FunctionEnv};
use crate::tf::value::Value;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn digest<D: Digest>(bytes: &[u8]) -> Vec<u8> {
    D::digest(bytes).to_vec()
}

fn string_hash(args: &[Value], hash: fn(&[u8]) -> Vec<u8>, base64: bool) -> Result<Value, String> {
    let [s] = fixed(args)?;
    let bytes = hash(string(s, "str")?.as_bytes());
    Ok(Value::String(if base64 {
        super::encoding::encode_base64(&bytes)
    } else {
        hex(&bytes)
    }))
}

fn file_hash(
    args: &[Value],
    env: &FunctionEnv,
    hash: fn(&[u8]) -> Vec<u8>,
    base64: bool,
) -> Result<Value, String> {
    let [path] = fixed(args)?;
    let bytes = hash(&read_bytes(env, &string(path, "path")?)?);
    Ok(Value::String(if base64 {
        super::encoding::encode_base64(&bytes)
    } else {
        hex(&bytes)
    }))
}

pub(super) fn md5(args: &[Value], _: &FunctionEnv) -> Result<Value, String> {
    string_hash(args, digest::<Md5>, false)
}

pub(super) fn sha1(args: &[Value], _: &FunctionEnv) -> Result<Value, String> {
    string_hash(args, digest::<Sha1>, false)
}

pub(super) fn sha256(args: &[Value], _: &FunctionEnv) -> Result<Value, String> {
    string_hash(args, digest::<Sha256>, false)
}

pub(super) fn sha512(args: &[Value], _: &FunctionEnv) -> Result<Value, String> {
    string_hash(args, digest::<Sha512>, false)
}

pub(super) fn base64sha256(args: &[Value], _: &FunctionEnv) -> Result<Value, String> {
    string_hash(args, digest::<Sha256>, true)
}

pub(super) fn base64sha512(args: &[Value], _: &FunctionEnv) -> Result<Value, String> {
    string_hash(args, digest::<Sha512>, true)
}

pub(super) fn filemd5(args: &[Value], env: &FunctionEnv) -> Result<Value, String> {
    file_hash(args, env, digest::<Md5>, false)
}

pub(super) fn filesha1(args: &[Value], env: &FunctionEnv) -> Result<Value, String> {
    file_hash(args, env, digest::<Sha1>, false)
}

pub(super) fn filesha256(args: &[Value], env: &FunctionEnv) -> Result<Value, String> {
    file_hash(args, env, digest::<Sha256>, false)
}

pub(super) fn filesha512(args: &[Value], env: &FunctionEnv) -> Result<Value, String> {
    file_hash(args, env, digest::<Sha512>, false)
}

pub(super) fn filebase64sha256(args: &[Value], env: &FunctionEnv) -> Result<Value, String> {
    file_hash(args, env, digest::<Sha256>, true)
}

pub(super) fn filebase64sha512(args: &[Value], env: &FunctionEnv) -> Result<Value, String> {
    file_hash(args, env, digest::<Sha512>, true)
}

/// `bcrypt(string, cost = 10)`, in the `$2a$` form Go's bcrypt writes.
pub(super) fn bcrypt(args: &[Value], _: &FunctionEnv) -> Result<Value, String> {
    between(args, 1, 2)?;
    let password = string(&args[0], "str")?;
    let cost = match args.get(1) {
        Some(cost) => integer(cost, "cost")?,
        None => 10,
    };
    if !(4..=31).contains(&cost) {
        return Err(format!(
            "error occurred generating password crypto/bcrypt: cost {cost} is outside allowed \
             range (4,31)"
        ));
    }
    if password.len() > 72 {
        return Err(
            "error occurred generating password bcrypt: password length exceeds 72 bytes".into(),
        );
    }
    ::bcrypt::hash_with_result(password, cost as u32)
        .map(|parts| Value::String(parts.format_for_version(::bcrypt::Version::TwoA)))
        .map_err(|err| format!("error occurred generating password {err}"))
}

/// `rsadecrypt(ciphertext, privatekey)`: base64 ciphertext, PEM key (PKCS #1 or PKCS #8).
pub(super) fn rsadecrypt(args: &[Value], _: &FunctionEnv) -> Result<Value, String> {
    use rsa::pkcs1::DecodeRsaPrivateKey;
    use rsa::pkcs8::DecodePrivateKey;
    let [ciphertext, key] = fixed(args)?;
    let ciphertext = string(ciphertext, "ciphertext")?;
    let key = string(key, "privatekey")?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(ciphertext.trim())
        .map_err(|_| "failed to decode input: cipher text must be base64-encoded".to_owned())?;
    let key = rsa::RsaPrivateKey::from_pkcs1_pem(&key)
        .or_else(|_| rsa::RsaPrivateKey::from_pkcs8_pem(&key))
        .map_err(|err| format!("invalid private key: {err}"))?;
    let plain = key
        .decrypt(rsa::Pkcs1v15Encrypt, &bytes)
        .map_err(|err| format!("failed to decrypt: {err}"))?;
    String::from_utf8(plain)
        .map(Value::String)
        .map_err(|_| "failed to decrypt: the result is not valid UTF-8".into())
}

pub(super) fn uuid(args: &[Value], _: &FunctionEnv) -> Result<Value, String> {
    fixed::<0>(args)?;
    Ok(Value::String(::uuid::Uuid::new_v4().to_string()))
}

/// `uuidv5(namespace, name)`: the namespace is `dns`, `url`, `oid`, `x500` or a UUID.
pub(super) fn uuidv5(args: &[Value], _: &FunctionEnv) -> Result<Value, String> {
    use ::uuid::Uuid;
    let [namespace, name] = fixed(args)?;
    let namespace = string(namespace, "namespace")?;
    let name = string(name, "name")?;
    let space = match namespace.as_str() {
        "dns" => Uuid::NAMESPACE_DNS,
        "url" => Uuid::NAMESPACE_URL,
        "oid" => Uuid::NAMESPACE_OID,
        "x500" => Uuid::NAMESPACE_X500,
        other => Uuid::parse_str(other)
            .map_err(|err| format!("uuidv5() doesn't support namespace {other} ({err})"))?,
    };
    Ok(Value::String(
        Uuid::new_v5(&space, name.as_bytes()).to_string(),
    ))
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use crate::tf::value::Value;
    use serde_json::json;

    const KEY_PKCS1: &str = include_str!("testdata/rsa_pkcs1.pem");
    const KEY_PKCS8: &str = include_str!("testdata/rsa_pkcs8.pem");
    const CIPHERTEXT: &str = include_str!("testdata/rsa_hello.b64");

    #[test]
    fn documented_examples() {
        check_ok(&[
            ("md5", json!(["hello world"]), json!("5eb63bbbe01eeed093cb22bb8f5acdc3")),
            ("sha1", json!(["hello world"]), json!("2aae6c35c94fcfb415dbe95f408b9ce91ee846ed")),
            (
                "sha256",
                json!(["hello world"]),
                json!("b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9"),
            ),
            (
                "sha512",
                json!(["hello world"]),
                json!("309ecc489c12d6eb4cc40f50c902f2b4d0ed77ee511a7c7a9bcd3ca86d4cd86f989dd35bc5ff499670da34255b45b0cfd830e81f605dcf7dc5542e93ae9cd76f"),
            ),
            ("base64sha256", json!(["hello world"]), json!("uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek=")),
            (
                "base64sha512",
                json!(["hello world"]),
                json!("MJ7MSJwS1utMxA9QyQLytNDtd+5RGnx6m808qG1M2G+YndNbxf9JlnDaNCVbRbDP2DDoH2Bdz33FVC6TrpzXbw=="),
            ),
            ("uuidv5", json!(["dns", "www.terraform.io"]), json!("a5008fae-b28c-5ba5-96cd-82b4c53552d6")),
            ("uuidv5", json!(["url", "https://www.terraform.io/"]), json!("9db6f67c-dd95-5ea0-aa5b-e70e5c5f7cf5")),
            ("uuidv5", json!(["oid", "1.3.6.1.4"]), json!("af9d40a5-7a36-5c07-b23a-851cd99fbfa5")),
            ("uuidv5", json!(["x500", "CN=Example,C=GB"]), json!("84e09961-4aa4-57f8-95b7-03edb1073253")),
            (
                "uuidv5",
                json!(["6ba7b810-9dad-11d1-80b4-00c04fd430c8", "www.terraform.io"]),
                json!("a5008fae-b28c-5ba5-96cd-82b4c53552d6"),
            ),
        ]);
        check_err(&[
            (
                "uuidv5",
                json!(["nope", "x"]),
                "uuidv5() doesn't support namespace nope",
            ),
            ("bcrypt", json!(["x", 3]), "outside allowed range (4,31)"),
            (
                "rsadecrypt",
                json!(["%%%", KEY_PKCS1]),
                "cipher text must be base64-encoded",
            ),
            (
                "rsadecrypt",
                json!([CIPHERTEXT, "not a key"]),
                "invalid private key",
            ),
        ]);
    }

    #[test]
    fn file_hashes() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("hello.txt"), "hello world").unwrap();
        let hash = |name: &str| {
            call_in(dir.path(), name, vec![Value::from("hello.txt")])
                .unwrap()
                .as_str()
                .unwrap()
                .to_owned()
        };
        let of_string = |name: &str| {
            run(name, json!(["hello world"]))
                .unwrap()
                .as_str()
                .unwrap()
                .to_owned()
        };
        for (file_fn, string_fn) in [
            ("filemd5", "md5"),
            ("filesha1", "sha1"),
            ("filesha256", "sha256"),
            ("filesha512", "sha512"),
            ("filebase64sha256", "base64sha256"),
            ("filebase64sha512", "base64sha512"),
        ] {
            assert_eq!(hash(file_fn), of_string(string_fn), "{file_fn}");
        }
    }

    #[test]
    fn bcrypt_hashes_verify() {
        let hashed = run("bcrypt", json!(["hello world", 4])).unwrap();
        let hashed = hashed.as_str().unwrap();
        assert!(hashed.starts_with("$2a$04$"), "{hashed}");
        assert!(::bcrypt::verify("hello world", hashed).unwrap());
        let default = run("bcrypt", json!(["x"])).unwrap();
        assert!(default.as_str().unwrap().starts_with("$2a$10$"));
    }

    #[test]
    fn rsadecrypt_pkcs1_v15() {
        for key in [KEY_PKCS1, KEY_PKCS8] {
            assert_eq!(
                run("rsadecrypt", json!([CIPHERTEXT, key])),
                Ok(v(json!("Hello, world!")))
            );
        }
    }

    #[test]
    fn uuids() {
        let a = run("uuid", json!([])).unwrap();
        let b = run("uuid", json!([])).unwrap();
        assert_ne!(a, b);
        let parsed = ::uuid::Uuid::parse_str(a.as_str().unwrap()).unwrap();
        assert_eq!(parsed.get_version_num(), 4);
    }

    #[test]
    fn sensitive_input_gives_sensitive_hash() {
        let got = call_v("sha1", vec![secret(v(json!("hello world")))]).unwrap();
        assert!(matches!(got, Value::Sensitive(_)));
    }
}
