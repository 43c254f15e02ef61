//! Bearer tokens of the Events API: issued by `symflow tokens issue`, shown once, kept in the
//! store only as a SHA-256 hash, with an optional expiry and a revocation.
//!
//! A token is 256 bits from the operating system's random source (two v4 UUIDs), so a fast
//! hash is enough: there is nothing to guess that a slow hash would protect. Each token acts
//! as a bot user of its own name, with the admin role (as Sym's bot tokens do: they run
//! Terraform and CI), so `POST /events/deescalate` may revoke anyone's access.

use std::time::Duration;

use sha2::{Digest, Sha256};
use symflow_store::{ApiToken, NewApiToken, NewUser, Store, UserRole, UserType, DEFAULT_TENANT};
use uuid::Uuid;

/// What every token starts with, so a leaked one is recognisable (and greppable).
pub const TOKEN_PREFIX: &str = "symflow_";

/// A token just issued: the secret (shown once) and its record.
pub struct IssuedToken {
    pub secret: String,
    pub record: ApiToken,
}

/// Hex SHA-256 of a token, the only form the store keeps.
pub fn hash_token(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

fn new_secret() -> String {
    format!(
        "{TOKEN_PREFIX}{}{}",
        Uuid::new_v4().simple(),
        Uuid::new_v4().simple()
    )
}

/// The e-mail of the bot user a token named `name` acts as.
pub fn bot_email(name: &str) -> String {
    format!("{name}@bots.symflow.invalid")
}

/// Why a token name is not acceptable.
pub fn check_name(name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "token name {name:?} is not valid: use 1 to 64 letters, digits, '-' or '_' (e.g. `ci` or `deploy-bot`)"
        ))
    }
}

/// Issues a token named `name` valid for `valid_for` (`None`: until revoked).
pub fn issue(
    store: &Store,
    name: &str,
    valid_for: Option<Duration>,
) -> anyhow::Result<IssuedToken> {
    check_name(name).map_err(anyhow::Error::msg)?;
    let secret = new_secret();
    let now = symflow_store::now_ms();
    let expires_at_ms =
        valid_for.map(|d| now.saturating_add(i64::try_from(d.as_millis()).unwrap_or(i64::MAX)));
    let record = store.transaction(|tx| -> anyhow::Result<ApiToken> {
        let (mut bot, _) = tx.get_or_create_user(&NewUser {
            tenant: DEFAULT_TENANT.to_string(),
            email: Some(bot_email(name)),
            username: format!("bot:{name}"),
            first_name: None,
            last_name: None,
            role: UserRole::Admin,
            user_type: UserType::Bot,
        })?;
        if bot.role != UserRole::Admin {
            tx.set_user_role(bot.id, UserRole::Admin)?;
            bot.role = UserRole::Admin;
        }
        Ok(tx.create_api_token(&NewApiToken {
            id: Uuid::new_v4(),
            tenant: DEFAULT_TENANT.to_string(),
            name: name.to_string(),
            token_hash: hash_token(&secret),
            user_id: bot.id,
            expires_at_ms,
        })?)
    })?;
    Ok(IssuedToken { secret, record })
}

/// Every token, oldest first.
pub fn list(store: &Store) -> anyhow::Result<Vec<ApiToken>> {
    Ok(store.transaction(|tx| tx.list_api_tokens(DEFAULT_TENANT))?)
}

/// Revokes the token whose id (or unambiguous id prefix, or name) is `which`; returns it.
pub fn revoke(store: &Store, which: &str) -> anyhow::Result<ApiToken> {
    let which = which.trim();
    let tokens = list(store)?;
    let matching: Vec<&ApiToken> = tokens
        .iter()
        .filter(|t| {
            t.id.to_string() == which
                || (which.len() >= 8 && t.id.to_string().starts_with(which))
                || (t.name == which && t.revoked_at_ms.is_none())
        })
        .collect();
    let token = match matching.as_slice() {
        [one] => (*one).clone(),
        [] => {
            anyhow::bail!("no token {which:?}: give a token id or name from `symflow tokens list`")
        }
        many => anyhow::bail!(
            "{which:?} matches {} tokens; give the full id from `symflow tokens list`",
            many.len()
        ),
    };
    let now = symflow_store::now_ms();
    let id = token.id;
    let changed = store.transaction(|tx| tx.revoke_api_token(id, now))?;
    if !changed {
        anyhow::bail!("token {id} ({}) was already revoked", token.name);
    }
    Ok(ApiToken {
        revoked_at_ms: Some(now),
        ..token
    })
}

/// The token behind `Authorization: Bearer <secret>`, or why it is refused (a sentence for
/// the caller; it never says whether another token exists).
pub fn authenticate(store: &Store, secret: &str) -> Result<ApiToken, String> {
    let hash = hash_token(secret.trim());
    let found = store
        .transaction(|tx| tx.find_api_token_by_hash(&hash))
        .map_err(|e| format!("symflow could not check the token: {e}"))?;
    let Some(token) = found else {
        return Err(
            "the bearer token is not one symflow issued: issue one with `symflow tokens issue --name <name>`"
                .to_string(),
        );
    };
    match token.unusable_because(symflow_store::now_ms()) {
        None => Ok(token),
        Some(why) => Err(format!(
            "the bearer token {:?} ({}) was {why}: issue a new one with `symflow tokens issue --name {}`",
            token.name, token.id, token.name
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_long_random_and_hashed_to_hex() {
        let a = new_secret();
        let b = new_secret();
        assert_ne!(a, b);
        assert!(a.starts_with(TOKEN_PREFIX));
        assert_eq!(a.len(), TOKEN_PREFIX.len() + 64);
        let hash = hash_token(&a);
        assert_eq!(hash.len(), 64);
        assert_ne!(hash, hash_token(&b));
        assert!(!hash.contains(&a[TOKEN_PREFIX.len()..]));
    }

    #[test]
    fn names_are_slugs() {
        assert!(check_name("deploy-bot_2").is_ok());
        assert!(check_name("").is_err());
        assert!(check_name("has space")
            .unwrap_err()
            .contains("letters, digits"));
    }
}
