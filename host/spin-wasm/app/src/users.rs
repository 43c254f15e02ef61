//! Who a Slack user is to symflow: looked up in Slack (`users.info`) the first time they act
//! and remembered in the key-value store. Slack guests become `guest`, the tenant's admins
//! `admin`, everyone else `member` (spec §8). The user id is derived from the Slack identity,
//! so it is stable without a user table.

use sha2::{Digest, Sha256};
use symflow_engine::{Actor, Role};

use crate::Ctx;

pub async fn actor(ctx: &Ctx, team_id: &str, user_id: &str) -> Result<Actor, String> {
    let tenant = &ctx.tenant.name;
    if let Some(mut actor) = ctx.store.user::<Actor>(tenant, team_id, user_id) {
        // Admin is granted by configuration; it follows the list as it is now.
        if ctx.tenant.is_admin(&actor.email) {
            actor.role = Role::Admin;
        }
        return Ok(actor);
    }
    let info = ctx
        .slack
        .users_info(user_id)
        .await
        .map_err(|e| format!("could not look up Slack user {user_id}: {e}"))?;
    let profile = &info["profile"];
    let email = profile["email"]
        .as_str()
        .filter(|e| !e.is_empty())
        .map(str::to_string)
        .unwrap_or_else(|| {
            format!(
                "{}@{}.slack.invalid",
                user_id.to_lowercase(),
                team_id.to_lowercase()
            )
        });
    let flag = |name: &str| info[name].as_bool().unwrap_or(false);
    let role = if ctx.tenant.is_admin(&email) {
        Role::Admin
    } else if flag("is_restricted") || flag("is_ultra_restricted") || flag("is_stranger") {
        Role::Guest
    } else {
        Role::Member
    };
    let name = [
        profile["first_name"].as_str(),
        profile["last_name"].as_str(),
    ]
    .into_iter()
    .flatten()
    .filter(|s| !s.is_empty())
    .collect::<Vec<_>>()
    .join(" ");
    let actor = Actor {
        user_id: stable_id(team_id, user_id),
        email: email.clone(),
        username: email,
        name,
        role,
        slack_user_id: Some(user_id.to_string()),
        slack_team_id: Some(team_id.to_string()),
    };
    ctx.store.save_user(tenant, team_id, user_id, &actor);
    Ok(actor)
}

/// A UUID-shaped id derived from the Slack identity.
fn stable_id(team_id: &str, user_id: &str) -> String {
    let digest = Sha256::digest(format!("slack:{team_id}:{user_id}").as_bytes());
    let h = hex::encode(&digest[..16]);
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// A fresh run id (UUID v4 shape) from WASI's random source, which Spin provides.
pub fn new_run_id() -> String {
    let h = hex::encode(wasi::random::random::get_random_bytes(16));
    format!(
        "{}-{}-4{}-a{}-{}",
        &h[..8],
        &h[8..12],
        &h[13..16],
        &h[17..20],
        &h[20..32]
    )
}

/// This request's id (random once per instance, and Spin gives every P2 request its own
/// instance): who wrote a run last.
pub fn request_id() -> String {
    static ID: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    ID.get_or_init(|| hex::encode(wasi::random::random::get_random_bytes(12)))
        .clone()
}
