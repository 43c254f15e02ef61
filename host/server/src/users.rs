//! Who a Slack user is to symflow (spec §8): found by their Slack identity, or created just in
//! time from Slack's `users.info` the first time they act. Slack guests become `guest`,
//! everyone else `member`; `admin` is only ever granted explicitly (the server's admin list).
//!
//! Also the two-way mapping between the engine's [`Actor`] and the flow's WIT `user` record.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use symflow_engine::{Actor, Role};
use symflow_sandbox::types;
use symflow_slack::SlackClient;
use symflow_store::{IdentityKey, NewUser, Store, User, UserRole, UserType, DEFAULT_TENANT};
use uuid::Uuid;

/// How long a resolved Slack user is trusted without looking at the store again.
const CACHE_FOR: Duration = Duration::from_secs(300);

/// Why a Slack user could not be turned into a symflow user.
#[derive(Debug, thiserror::Error)]
pub enum UserError {
    #[error("symflow does not know Slack user {user_id} and cannot ask Slack who they are, because SLACK_BOT_TOKEN is not set")]
    NoSlackClient { user_id: String },
    #[error("could not look up Slack user {user_id}: {source}")]
    Slack {
        user_id: String,
        #[source]
        source: symflow_slack::SlackApiError,
    },
    #[error(transparent)]
    Store(#[from] symflow_store::Error),
    #[error("the store task stopped: {0}")]
    Task(String),
}

/// Slack users → symflow users, with a small cache (clicks come in bursts).
pub struct Directory {
    store: Store,
    slack: Option<SlackClient>,
    /// Lower-cased e-mails of admins.
    admins: HashSet<String>,
    cache: Mutex<HashMap<(String, String), (Actor, Instant)>>,
}

impl Directory {
    pub fn new(store: Store, slack: Option<SlackClient>, admins: &[String]) -> Self {
        Directory {
            store,
            slack,
            admins: admins
                .iter()
                .map(|a| a.trim().to_lowercase())
                .filter(|a| !a.is_empty())
                .collect(),
            cache: Mutex::new(HashMap::new()),
        }
    }

    fn is_admin_email(&self, email: &str) -> bool {
        self.admins.contains(&email.to_lowercase())
    }

    /// The symflow user behind Slack user `user_id` of workspace `team_id`.
    pub async fn actor(&self, team_id: &str, user_id: &str) -> Result<Actor, UserError> {
        let key = (team_id.to_string(), user_id.to_string());
        if let Some((actor, at)) = self.lock_cache().get(&key) {
            if at.elapsed() < CACHE_FOR {
                return Ok(actor.clone());
            }
        }
        let identity = IdentityKey::new("slack", team_id, user_id);
        let known = {
            let identity = identity.clone();
            self.store
                .transaction_async(move |tx| tx.find_user_by_identity(&identity))
                .await?
        };
        let user = match known {
            Some(user) => self.with_admin_grant(user).await?,
            None => self.create_from_slack(team_id, user_id).await?,
        };
        let actor = actor_of(&user, team_id, user_id);
        self.lock_cache()
            .insert(key, (actor.clone(), Instant::now()));
        Ok(actor)
    }

    /// Grants admin to a known user who is on the admin list (the list may have grown).
    async fn with_admin_grant(&self, mut user: User) -> Result<User, UserError> {
        let listed = user
            .email
            .as_deref()
            .is_some_and(|e| self.is_admin_email(e));
        if listed && user.role != UserRole::Admin {
            let id = user.id;
            self.store
                .transaction_async(move |tx| tx.set_user_role(id, UserRole::Admin))
                .await?;
            user.role = UserRole::Admin;
        }
        Ok(user)
    }

    async fn create_from_slack(&self, team_id: &str, user_id: &str) -> Result<User, UserError> {
        let slack = self
            .slack
            .as_ref()
            .ok_or_else(|| UserError::NoSlackClient {
                user_id: user_id.to_string(),
            })?;
        let info = slack
            .users_info(user_id)
            .await
            .map_err(|source| UserError::Slack {
                user_id: user_id.to_string(),
                source,
            })?;
        // Slack hides e-mails without `users:read.email`; such users still get an account,
        // keyed by a stable placeholder address.
        let email = info.email().map(str::to_string).unwrap_or_else(|| {
            format!(
                "{}@{}.slack.invalid",
                user_id.to_lowercase(),
                team_id.to_lowercase()
            )
        });
        let role = if self.is_admin_email(&email) {
            UserRole::Admin
        } else if info.is_guest() || info.is_stranger {
            UserRole::Guest
        } else {
            UserRole::Member
        };
        let new_user = NewUser {
            tenant: DEFAULT_TENANT.to_string(),
            email: Some(email.clone()),
            username: email,
            first_name: info.profile.first_name.clone().filter(|s| !s.is_empty()),
            last_name: info.profile.last_name.clone().filter(|s| !s.is_empty()),
            role,
            user_type: if info.is_bot {
                UserType::Bot
            } else {
                UserType::Normal
            },
        };
        let identity = IdentityKey::new("slack", team_id, user_id);
        let admin = role == UserRole::Admin;
        let user = self
            .store
            .transaction_async(move |tx| {
                let (mut user, _) = tx.get_or_create_user(&new_user)?;
                if admin && user.role != UserRole::Admin {
                    tx.set_user_role(user.id, UserRole::Admin)?;
                    user.role = UserRole::Admin;
                }
                tx.persist_identity(user.id, &identity)?;
                Ok::<_, symflow_store::Error>(user)
            })
            .await?;
        Ok(user)
    }

    fn lock_cache(&self) -> std::sync::MutexGuard<'_, HashMap<(String, String), (Actor, Instant)>> {
        self.cache.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The engine's view of a stored user acting from Slack.
pub fn actor_of(user: &User, team_id: &str, slack_user_id: &str) -> Actor {
    let name = [user.first_name.as_deref(), user.last_name.as_deref()]
        .into_iter()
        .flatten()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    Actor {
        user_id: user.id.to_string(),
        email: user.email.clone().unwrap_or_default(),
        username: user.username.clone(),
        name,
        role: match user.role {
            UserRole::Admin => Role::Admin,
            UserRole::Member => Role::Member,
            UserRole::Guest => Role::Guest,
        },
        slack_user_id: Some(slack_user_id.to_string()),
        slack_team_id: Some(team_id.to_string()),
    }
}

/// The WIT `user` a flow sees for `actor`, with every identity symflow stores for them
/// (a custom strategy's `get_requester_identity` reads its own service's identity).
pub fn wit_user(actor: &Actor, store: &Store) -> types::User {
    let mut identities = Vec::new();
    if let Ok(id) = Uuid::parse_str(&actor.user_id) {
        if let Ok(stored) = store.transaction(|tx| tx.identities_of(id)) {
            identities = stored
                .into_iter()
                .map(|i| types::UserIdentity {
                    service: i.key.service,
                    service_id: i.key.service_id,
                    user_id: i.key.external_user_id,
                })
                .collect();
        }
    }
    if let (Some(user_id), true) = (
        &actor.slack_user_id,
        !identities.iter().any(|i| i.service == "slack"),
    ) {
        identities.push(types::UserIdentity {
            service: "slack".into(),
            service_id: actor.slack_team_id.clone().unwrap_or_default(),
            user_id: user_id.clone(),
        });
    }
    let mut names = actor.name.splitn(2, ' ');
    types::User {
        id: actor.user_id.clone(),
        email: actor.email.clone(),
        username: actor.username.clone(),
        user_type: "normal".into(),
        first_name: names.next().unwrap_or_default().to_string(),
        last_name: names.next().unwrap_or_default().to_string(),
        role: match actor.role {
            Role::Admin => types::UserRole::Admin,
            Role::Member => types::UserRole::Member,
            Role::Guest => types::UserRole::Guest,
        },
        identities,
    }
}

/// The engine's view of a user a flow named (a notification to a `User`).
pub fn actor_from_wit(user: &types::User) -> Actor {
    let slack = user.identities.iter().find(|i| i.service == "slack");
    Actor {
        user_id: user.id.clone(),
        email: user.email.clone(),
        username: user.username.clone(),
        name: format!("{} {}", user.first_name, user.last_name)
            .trim()
            .to_string(),
        role: match user.role {
            types::UserRole::Admin => Role::Admin,
            types::UserRole::Member => Role::Member,
            types::UserRole::Guest => Role::Guest,
        },
        slack_user_id: slack.map(|i| i.user_id.clone()),
        slack_team_id: slack.map(|i| i.service_id.clone()),
    }
}

/// A stored user as the flow's WIT `user`.
pub fn wit_user_of(user: &User, identities: Vec<symflow_store::Identity>) -> types::User {
    types::User {
        id: user.id.to_string(),
        email: user.email.clone().unwrap_or_default(),
        username: user.username.clone(),
        user_type: user.user_type.as_str().to_string(),
        first_name: user.first_name.clone().unwrap_or_default(),
        last_name: user.last_name.clone().unwrap_or_default(),
        role: match user.role {
            UserRole::Admin => types::UserRole::Admin,
            UserRole::Member => types::UserRole::Member,
            UserRole::Guest => types::UserRole::Guest,
        },
        identities: identities
            .into_iter()
            .map(|i| types::UserIdentity {
                service: i.key.service,
                service_id: i.key.service_id,
                user_id: i.key.external_user_id,
            })
            .collect(),
    }
}
