//! The fake's user directory entries: members, admins, guests and bots, shaped like Slack's
//! `users.info` answer.

use serde_json::{json, Value};

/// A user in the fake's directory, answered by `users.info` and `users.lookupByEmail`.
#[derive(Debug, Clone, PartialEq)]
pub struct FakeUser {
    pub id: String,
    pub name: String,
    pub real_name: String,
    pub email: Option<String>,
    pub team_id: Option<String>,
    pub is_admin: bool,
    pub is_owner: bool,
    pub is_bot: bool,
    pub is_restricted: bool,
    pub is_ultra_restricted: bool,
    pub deleted: bool,
    pub tz: String,
}

impl FakeUser {
    /// A full member named `name` (handle), real name = handle, no e-mail.
    pub fn new(id: impl Into<String>, name: impl Into<String>) -> Self {
        let name = name.into();
        Self {
            id: id.into(),
            real_name: name.clone(),
            name,
            email: None,
            team_id: None,
            is_admin: false,
            is_owner: false,
            is_bot: false,
            is_restricted: false,
            is_ultra_restricted: false,
            deleted: false,
            tz: "America/Los_Angeles".to_owned(),
        }
    }

    pub fn email(mut self, email: impl Into<String>) -> Self {
        self.email = Some(email.into());
        self
    }

    pub fn real_name(mut self, real_name: impl Into<String>) -> Self {
        self.real_name = real_name.into();
        self
    }

    /// A workspace admin.
    pub fn admin(mut self) -> Self {
        self.is_admin = true;
        self
    }

    /// A workspace owner (also an admin, as in Slack).
    pub fn owner(mut self) -> Self {
        self.is_owner = true;
        self.is_admin = true;
        self
    }

    /// A multi-channel guest (`is_restricted`).
    pub fn guest(mut self) -> Self {
        self.is_restricted = true;
        self
    }

    /// A single-channel guest (`is_restricted` and `is_ultra_restricted`).
    pub fn single_channel_guest(mut self) -> Self {
        self.is_restricted = true;
        self.is_ultra_restricted = true;
        self
    }

    /// A bot user: Slack gives bots no e-mail.
    pub fn bot(mut self) -> Self {
        self.is_bot = true;
        self.email = None;
        self
    }

    /// A deactivated account.
    pub fn deleted(mut self) -> Self {
        self.deleted = true;
        self
    }

    /// A user of another workspace (Slack Connect or another org team).
    pub fn team(mut self, team_id: impl Into<String>) -> Self {
        self.team_id = Some(team_id.into());
        self
    }

    pub fn tz(mut self, tz: impl Into<String>) -> Self {
        self.tz = tz.into();
        self
    }

    /// The user as Slack's `users.info` shows it (shape of `users.info.ok.json`).
    pub(crate) fn to_json(&self, default_team: &str) -> Value {
        let team = self.team_id.as_deref().unwrap_or(default_team);
        let mut profile = json!({
            "real_name": self.real_name,
            "real_name_normalized": self.real_name,
            "display_name": self.name,
            "display_name_normalized": self.name,
            "status_text": "",
            "status_emoji": "",
            "team": team,
        });
        if let Some(email) = &self.email {
            profile["email"] = json!(email);
        }
        if self.is_bot {
            profile["bot_id"] = json!(format!("B{}", self.id.trim_start_matches(['U', 'W'])));
        }
        json!({
            "id": self.id,
            "team_id": team,
            "name": self.name,
            "deleted": self.deleted,
            "color": "9f69e7",
            "real_name": self.real_name,
            "tz": self.tz,
            "tz_label": "Pacific Standard Time",
            "tz_offset": -28800,
            "profile": profile,
            "is_admin": self.is_admin,
            "is_owner": self.is_owner,
            "is_primary_owner": false,
            "is_restricted": self.is_restricted,
            "is_ultra_restricted": self.is_ultra_restricted,
            "is_bot": self.is_bot,
            "is_app_user": false,
            "has_2fa": false,
            "updated": 1502138686,
        })
    }
}
