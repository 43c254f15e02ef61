//! Typed views of what Slack sends to the app: slash commands, interactivity payloads and
//! Events API deliveries.
//!
//! Slack's payloads are large, loosely versioned and grow new fields all the time, so parsing is
//! tolerant: unknown fields are ignored, `null` and missing are treated alike, and payload or
//! input types this crate does not know are kept as raw JSON instead of failing the request.
//! Only what symflow needs is typed; everything is parsed from the raw body that was verified.
//!
//! * Slash commands arrive as `application/x-www-form-urlencoded` fields: [`SlashCommand::from_form`].
//! * Interactivity arrives as one form field `payload=<JSON>`: [`InteractionPayload::from_form`].
//! * Events API deliveries are JSON: [`EventsApiRequest::from_json`].
//!
//! Input values of a modal or a message (`state.values`) are exposed as [`StateValues`], a map
//! block_id → action_id → [`StateValue`].

use std::collections::BTreeMap;

use serde::de::{DeserializeOwned, Deserializer};
use serde::Deserialize;
use serde_json::Value;

/// Why an inbound body could not be understood.
#[derive(Debug, thiserror::Error)]
pub enum InboundError {
    #[error("Slack sent a form body that could not be decoded: {0}")]
    Form(#[from] serde_urlencoded::de::Error),
    #[error("Slack interactivity request has no `payload` form field")]
    MissingPayloadField,
    #[error("Slack sent JSON that could not be read as {what}: {source}")]
    Json {
        what: &'static str,
        #[source]
        source: serde_json::Error,
    },
    #[error("Slack payload has no \"type\" field, so it cannot be routed")]
    MissingType,
    #[error("Slack slash command has no `{0}` field, so it cannot be routed")]
    MissingField(&'static str),
}

fn json_error(what: &'static str) -> impl FnOnce(serde_json::Error) -> InboundError {
    move |source| InboundError::Json { what, source }
}

/// Reads `null` as the type's default (empty string, empty list, false).
fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// Reads a form field `true`/`1` (any case) as true; anything else, or absence, as false.
fn form_bool<'de, D: Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
    let text = Option::<String>::deserialize(deserializer)?.unwrap_or_default();
    Ok(matches!(
        text.trim().to_ascii_lowercase().as_str(),
        "true" | "1"
    ))
}

/// Reads an empty form field as absent.
fn form_optional<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    Ok(Option::<String>::deserialize(deserializer)?.filter(|s| !s.is_empty()))
}

// ---------------------------------------------------------------------------------------------
// Slash commands
// ---------------------------------------------------------------------------------------------

/// A slash command invocation (`/sym req my-flow`), posted as form fields.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct SlashCommand {
    /// The command itself, with its slash: `/sym`.
    pub command: String,
    /// Everything the user typed after the command; empty when nothing was.
    pub text: String,
    pub team_id: String,
    #[serde(deserialize_with = "form_optional")]
    pub team_domain: Option<String>,
    #[serde(deserialize_with = "form_optional")]
    pub enterprise_id: Option<String>,
    #[serde(deserialize_with = "form_optional")]
    pub enterprise_name: Option<String>,
    pub channel_id: String,
    #[serde(deserialize_with = "form_optional")]
    pub channel_name: Option<String>,
    pub user_id: String,
    #[serde(deserialize_with = "form_optional")]
    pub user_name: Option<String>,
    #[serde(deserialize_with = "form_optional")]
    pub response_url: Option<String>,
    /// Lets the app open a modal for about 3 seconds.
    pub trigger_id: String,
    #[serde(deserialize_with = "form_optional")]
    pub api_app_id: Option<String>,
    #[serde(deserialize_with = "form_bool")]
    pub is_enterprise_install: bool,
    /// The legacy verification token; never use it for authentication (the signature is what counts).
    #[serde(deserialize_with = "form_optional")]
    pub token: Option<String>,
}

impl SlashCommand {
    /// Parses the raw `application/x-www-form-urlencoded` body.
    /// Fails when `command`, `team_id` or `user_id` is missing: such a request cannot be routed.
    pub fn from_form(body: &[u8]) -> Result<Self, InboundError> {
        let command: Self = serde_urlencoded::from_bytes(body)?;
        for (name, value) in [
            ("command", &command.command),
            ("team_id", &command.team_id),
            ("user_id", &command.user_id),
        ] {
            if value.is_empty() {
                return Err(InboundError::MissingField(name));
            }
        }
        Ok(command)
    }

    /// The words the user typed after the command.
    pub fn args(&self) -> impl Iterator<Item = &str> {
        self.text.split_whitespace()
    }
}

// ---------------------------------------------------------------------------------------------
// Shared pieces of interactivity payloads
// ---------------------------------------------------------------------------------------------

/// The user who acted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct UserRef {
    pub id: String,
    pub username: Option<String>,
    pub name: Option<String>,
    pub team_id: Option<String>,
}

/// The workspace the action happened in. `null` on org-wide installs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct TeamRef {
    pub id: String,
    pub domain: Option<String>,
    pub enterprise_id: Option<String>,
    pub enterprise_name: Option<String>,
}

/// The Enterprise Grid organisation, when there is one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct EnterpriseRef {
    pub id: String,
    pub name: Option<String>,
}

/// A channel, DM or group DM.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct ChannelRef {
    pub id: String,
    pub name: Option<String>,
}

/// Slack's text object (`plain_text` or `mrkdwn`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct TextObject {
    #[serde(rename = "type")]
    pub kind: String,
    pub text: String,
    pub emoji: Option<bool>,
    pub verbatim: Option<bool>,
}

/// An option chosen in a select menu, radio group, checkbox group or overflow menu.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct SelectedOption {
    #[serde(deserialize_with = "null_as_default")]
    pub value: String,
    pub text: Option<TextObject>,
    pub description: Option<TextObject>,
}

/// Where an interactive element lives: a message (`type: message`) or a view (`type: view`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct Container {
    #[serde(rename = "type")]
    pub kind: String,
    pub message_ts: Option<String>,
    pub channel_id: Option<String>,
    pub thread_ts: Option<String>,
    pub is_ephemeral: Option<bool>,
    pub view_id: Option<String>,
}

/// The message an action was taken on (a card's buttons, say).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct MessageRef {
    pub ts: String,
    pub thread_ts: Option<String>,
    pub text: Option<String>,
    pub user: Option<String>,
    pub bot_id: Option<String>,
    pub app_id: Option<String>,
    pub team: Option<String>,
    #[serde(deserialize_with = "null_as_default")]
    pub blocks: Vec<Value>,
}

/// A modal or Home tab as Slack echoes it back, with the user's input in `state`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct View {
    pub id: String,
    pub team_id: Option<String>,
    /// `modal` or `home`.
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(deserialize_with = "null_as_default")]
    pub callback_id: String,
    /// Whatever the app put there when it opened the view (symflow: which flow, which run).
    #[serde(deserialize_with = "null_as_default")]
    pub private_metadata: String,
    #[serde(deserialize_with = "null_as_default")]
    pub external_id: String,
    /// Pass back to `views.update` to refuse updating a view that changed meanwhile.
    pub hash: Option<String>,
    pub root_view_id: Option<String>,
    pub previous_view_id: Option<String>,
    pub app_id: Option<String>,
    pub app_installed_team_id: Option<String>,
    pub bot_id: Option<String>,
    pub title: Option<TextObject>,
    #[serde(deserialize_with = "null_as_default")]
    pub state: ViewState,
    #[serde(deserialize_with = "null_as_default")]
    pub blocks: Vec<Value>,
    #[serde(deserialize_with = "null_as_default")]
    pub notify_on_close: bool,
    #[serde(deserialize_with = "null_as_default")]
    pub clear_on_close: bool,
}

/// The input state of a view or message.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct ViewState {
    #[serde(deserialize_with = "null_as_default")]
    pub values: StateValues,
}

/// Input values keyed by block_id, then action_id.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(transparent)]
pub struct StateValues(pub BTreeMap<String, BTreeMap<String, StateValue>>);

impl StateValues {
    /// The value of the element `action_id` in block `block_id`.
    pub fn get(&self, block_id: &str, action_id: &str) -> Option<&StateValue> {
        self.0.get(block_id)?.get(action_id)
    }

    /// The values of one block, keyed by action_id.
    pub fn block(&self, block_id: &str) -> Option<&BTreeMap<String, StateValue>> {
        self.0.get(block_id)
    }

    /// The first value whose action_id is `action_id`, in any block. Slack only guarantees
    /// action_ids unique within a block; use [`StateValues::get`] when they may repeat.
    pub fn find_action(&self, action_id: &str) -> Option<&StateValue> {
        self.0.values().find_map(|actions| actions.get(action_id))
    }

    /// Every value as `(block_id, action_id, value)`.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str, &StateValue)> {
        self.0.iter().flat_map(|(block_id, actions)| {
            actions
                .iter()
                .map(move |(action_id, value)| (block_id.as_str(), action_id.as_str(), value))
        })
    }

    /// How many input elements there are.
    pub fn len(&self) -> usize {
        self.0.values().map(BTreeMap::len).sum()
    }

    /// True when the view has no input elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The current value of one input element, by element type. `None` or empty means the user left
/// it blank. Values keep Slack's representation: dates are `YYYY-MM-DD`, times `HH:MM`, numbers
/// the text the user typed.
#[derive(Debug, Clone, PartialEq)]
pub enum StateValue {
    PlainTextInput(Option<String>),
    EmailTextInput(Option<String>),
    UrlTextInput(Option<String>),
    /// The number as typed; Slack sends it as a string. See [`StateValue::as_f64`].
    NumberInput(Option<String>),
    /// The rich text document, as JSON.
    RichTextInput(Option<Value>),
    StaticSelect(Option<SelectedOption>),
    ExternalSelect(Option<SelectedOption>),
    MultiStaticSelect(Vec<SelectedOption>),
    MultiExternalSelect(Vec<SelectedOption>),
    RadioButtons(Option<SelectedOption>),
    Checkboxes(Vec<SelectedOption>),
    UsersSelect(Option<String>),
    MultiUsersSelect(Vec<String>),
    ConversationsSelect(Option<String>),
    MultiConversationsSelect(Vec<String>),
    ChannelsSelect(Option<String>),
    MultiChannelsSelect(Vec<String>),
    /// `YYYY-MM-DD`.
    Datepicker(Option<String>),
    /// `HH:MM`, with the picker's time zone when Slack sends one.
    Timepicker {
        time: Option<String>,
        timezone: Option<String>,
    },
    /// Unix seconds.
    Datetimepicker(Option<i64>),
    /// An element type this crate does not know, kept whole.
    Other {
        kind: String,
        raw: Value,
    },
}

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum KnownStateValue {
    PlainTextInput {
        #[serde(default)]
        value: Option<String>,
    },
    EmailTextInput {
        #[serde(default)]
        value: Option<String>,
    },
    UrlTextInput {
        #[serde(default)]
        value: Option<String>,
    },
    NumberInput {
        #[serde(default)]
        value: Option<NumberText>,
    },
    RichTextInput {
        #[serde(default)]
        rich_text_value: Option<Value>,
    },
    StaticSelect {
        #[serde(default)]
        selected_option: Option<SelectedOption>,
    },
    ExternalSelect {
        #[serde(default)]
        selected_option: Option<SelectedOption>,
    },
    MultiStaticSelect {
        #[serde(default, deserialize_with = "null_as_default")]
        selected_options: Vec<SelectedOption>,
    },
    MultiExternalSelect {
        #[serde(default, deserialize_with = "null_as_default")]
        selected_options: Vec<SelectedOption>,
    },
    RadioButtons {
        #[serde(default)]
        selected_option: Option<SelectedOption>,
    },
    Checkboxes {
        #[serde(default, deserialize_with = "null_as_default")]
        selected_options: Vec<SelectedOption>,
    },
    UsersSelect {
        #[serde(default)]
        selected_user: Option<String>,
    },
    MultiUsersSelect {
        #[serde(default, deserialize_with = "null_as_default")]
        selected_users: Vec<String>,
    },
    ConversationsSelect {
        #[serde(default)]
        selected_conversation: Option<String>,
    },
    MultiConversationsSelect {
        #[serde(default, deserialize_with = "null_as_default")]
        selected_conversations: Vec<String>,
    },
    ChannelsSelect {
        #[serde(default)]
        selected_channel: Option<String>,
    },
    MultiChannelsSelect {
        #[serde(default, deserialize_with = "null_as_default")]
        selected_channels: Vec<String>,
    },
    Datepicker {
        #[serde(default)]
        selected_date: Option<String>,
    },
    Timepicker {
        #[serde(default)]
        selected_time: Option<String>,
        #[serde(default)]
        timezone: Option<String>,
    },
    Datetimepicker {
        #[serde(default)]
        selected_date_time: Option<i64>,
    },
}

/// A number input's value: Slack sends a string, but accept a JSON number too.
#[derive(Deserialize)]
#[serde(untagged)]
enum NumberText {
    Text(String),
    Number(serde_json::Number),
}

const KNOWN_STATE_TYPES: &[&str] = &[
    "plain_text_input",
    "email_text_input",
    "url_text_input",
    "number_input",
    "rich_text_input",
    "static_select",
    "external_select",
    "multi_static_select",
    "multi_external_select",
    "radio_buttons",
    "checkboxes",
    "users_select",
    "multi_users_select",
    "conversations_select",
    "multi_conversations_select",
    "channels_select",
    "multi_channels_select",
    "datepicker",
    "timepicker",
    "datetimepicker",
];

impl From<KnownStateValue> for StateValue {
    fn from(known: KnownStateValue) -> Self {
        use KnownStateValue as K;
        match known {
            K::PlainTextInput { value } => Self::PlainTextInput(value),
            K::EmailTextInput { value } => Self::EmailTextInput(value),
            K::UrlTextInput { value } => Self::UrlTextInput(value),
            K::NumberInput { value } => Self::NumberInput(value.map(|v| match v {
                NumberText::Text(text) => text,
                NumberText::Number(number) => number.to_string(),
            })),
            K::RichTextInput { rich_text_value } => Self::RichTextInput(rich_text_value),
            K::StaticSelect { selected_option } => Self::StaticSelect(selected_option),
            K::ExternalSelect { selected_option } => Self::ExternalSelect(selected_option),
            K::MultiStaticSelect { selected_options } => Self::MultiStaticSelect(selected_options),
            K::MultiExternalSelect { selected_options } => {
                Self::MultiExternalSelect(selected_options)
            }
            K::RadioButtons { selected_option } => Self::RadioButtons(selected_option),
            K::Checkboxes { selected_options } => Self::Checkboxes(selected_options),
            K::UsersSelect { selected_user } => Self::UsersSelect(selected_user),
            K::MultiUsersSelect { selected_users } => Self::MultiUsersSelect(selected_users),
            K::ConversationsSelect {
                selected_conversation,
            } => Self::ConversationsSelect(selected_conversation),
            K::MultiConversationsSelect {
                selected_conversations,
            } => Self::MultiConversationsSelect(selected_conversations),
            K::ChannelsSelect { selected_channel } => Self::ChannelsSelect(selected_channel),
            K::MultiChannelsSelect { selected_channels } => {
                Self::MultiChannelsSelect(selected_channels)
            }
            K::Datepicker { selected_date } => Self::Datepicker(selected_date),
            K::Timepicker {
                selected_time,
                timezone,
            } => Self::Timepicker {
                time: selected_time,
                timezone,
            },
            K::Datetimepicker { selected_date_time } => Self::Datetimepicker(selected_date_time),
        }
    }
}

impl<'de> Deserialize<'de> for StateValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = Value::deserialize(deserializer)?;
        let kind = raw
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        if KNOWN_STATE_TYPES.contains(&kind.as_str()) {
            let known: KnownStateValue = serde_json::from_value(raw).map_err(|e| {
                serde::de::Error::custom(format!("input element of type {kind}: {e}"))
            })?;
            Ok(known.into())
        } else {
            Ok(Self::Other { kind, raw })
        }
    }
}

impl StateValue {
    /// Slack's name for the element type, e.g. `static_select`.
    pub fn kind(&self) -> &str {
        match self {
            Self::PlainTextInput(_) => "plain_text_input",
            Self::EmailTextInput(_) => "email_text_input",
            Self::UrlTextInput(_) => "url_text_input",
            Self::NumberInput(_) => "number_input",
            Self::RichTextInput(_) => "rich_text_input",
            Self::StaticSelect(_) => "static_select",
            Self::ExternalSelect(_) => "external_select",
            Self::MultiStaticSelect(_) => "multi_static_select",
            Self::MultiExternalSelect(_) => "multi_external_select",
            Self::RadioButtons(_) => "radio_buttons",
            Self::Checkboxes(_) => "checkboxes",
            Self::UsersSelect(_) => "users_select",
            Self::MultiUsersSelect(_) => "multi_users_select",
            Self::ConversationsSelect(_) => "conversations_select",
            Self::MultiConversationsSelect(_) => "multi_conversations_select",
            Self::ChannelsSelect(_) => "channels_select",
            Self::MultiChannelsSelect(_) => "multi_channels_select",
            Self::Datepicker(_) => "datepicker",
            Self::Timepicker { .. } => "timepicker",
            Self::Datetimepicker(_) => "datetimepicker",
            Self::Other { kind, .. } => kind,
        }
    }

    /// The single value as text: what was typed, the chosen option's value, the chosen user,
    /// conversation or channel id, the date or the time. `None` when blank or when the element
    /// holds several values.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Self::PlainTextInput(v)
            | Self::EmailTextInput(v)
            | Self::UrlTextInput(v)
            | Self::NumberInput(v)
            | Self::UsersSelect(v)
            | Self::ConversationsSelect(v)
            | Self::ChannelsSelect(v)
            | Self::Datepicker(v)
            | Self::Timepicker { time: v, .. } => v.as_deref(),
            Self::StaticSelect(o) | Self::ExternalSelect(o) | Self::RadioButtons(o) => {
                o.as_ref().map(|o| o.value.as_str())
            }
            _ => None,
        }
        .filter(|s| !s.is_empty())
    }

    /// Every selected value: option values, or user / conversation / channel ids. A single-value
    /// element gives zero or one item.
    pub fn selected_values(&self) -> Vec<&str> {
        match self {
            Self::MultiStaticSelect(options)
            | Self::MultiExternalSelect(options)
            | Self::Checkboxes(options) => options.iter().map(|o| o.value.as_str()).collect(),
            Self::MultiUsersSelect(ids)
            | Self::MultiConversationsSelect(ids)
            | Self::MultiChannelsSelect(ids) => ids.iter().map(String::as_str).collect(),
            _ => self.as_text().into_iter().collect(),
        }
    }

    /// The number typed into a `number_input` (or any text that parses as one).
    pub fn as_f64(&self) -> Option<f64> {
        self.as_text()?.trim().parse().ok()
    }

    /// True when the user left the element blank.
    pub fn is_blank(&self) -> bool {
        match self {
            Self::RichTextInput(v) => v.is_none(),
            Self::Datetimepicker(v) => v.is_none(),
            Self::Other { .. } => false,
            _ => self.selected_values().is_empty(),
        }
    }
}

/// One action in a `block_actions` payload: a button click, a selection, a date picked...
/// Which `selected_*` field is set depends on the element type (`kind`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct BlockAction {
    pub action_id: String,
    pub block_id: String,
    /// The element type: `button`, `static_select`, `overflow`, `datepicker`...
    #[serde(rename = "type")]
    pub kind: String,
    pub action_ts: Option<String>,
    /// A button's value.
    pub value: Option<String>,
    pub text: Option<TextObject>,
    pub style: Option<String>,
    pub selected_option: Option<SelectedOption>,
    #[serde(deserialize_with = "null_as_default")]
    pub selected_options: Vec<SelectedOption>,
    pub selected_user: Option<String>,
    #[serde(deserialize_with = "null_as_default")]
    pub selected_users: Vec<String>,
    pub selected_conversation: Option<String>,
    #[serde(deserialize_with = "null_as_default")]
    pub selected_conversations: Vec<String>,
    pub selected_channel: Option<String>,
    #[serde(deserialize_with = "null_as_default")]
    pub selected_channels: Vec<String>,
    pub selected_date: Option<String>,
    pub selected_time: Option<String>,
    pub selected_date_time: Option<i64>,
}

impl BlockAction {
    /// The action's single value: a button's value, the chosen option's value, user, date...
    pub fn value_text(&self) -> Option<&str> {
        self.value
            .as_deref()
            .or(self.selected_option.as_ref().map(|o| o.value.as_str()))
            .or(self.selected_user.as_deref())
            .or(self.selected_conversation.as_deref())
            .or(self.selected_channel.as_deref())
            .or(self.selected_date.as_deref())
            .or(self.selected_time.as_deref())
    }
}

/// A conversation chosen in a modal input that has `response_url_enabled`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct ResponseUrl {
    pub block_id: String,
    pub action_id: String,
    pub channel_id: String,
    pub response_url: String,
}

// ---------------------------------------------------------------------------------------------
// Interactivity payloads
// ---------------------------------------------------------------------------------------------

/// A click or selection on an interactive element in a message or a view.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct BlockActionsPayload {
    pub user: UserRef,
    pub team: Option<TeamRef>,
    pub enterprise: Option<EnterpriseRef>,
    #[serde(deserialize_with = "null_as_default")]
    pub is_enterprise_install: bool,
    pub api_app_id: Option<String>,
    pub token: Option<String>,
    pub container: Option<Container>,
    pub trigger_id: Option<String>,
    pub channel: Option<ChannelRef>,
    /// The message holding the element, when it is in a message.
    pub message: Option<MessageRef>,
    /// The view holding the element, when it is in a modal or Home tab.
    pub view: Option<View>,
    /// Input state of the message, when the element is in a message.
    pub state: Option<ViewState>,
    pub response_url: Option<String>,
    #[serde(deserialize_with = "null_as_default")]
    pub actions: Vec<BlockAction>,
}

impl BlockActionsPayload {
    /// The first (in practice, the only) action.
    pub fn action(&self) -> Option<&BlockAction> {
        self.actions.first()
    }

    /// The channel id and ts of the message the action was taken on, when it was a message.
    pub fn message_location(&self) -> Option<(&str, &str)> {
        let container = self.container.as_ref();
        let channel = container
            .and_then(|c| c.channel_id.as_deref())
            .or(self.channel.as_ref().map(|c| c.id.as_str()))?;
        let ts = container
            .and_then(|c| c.message_ts.as_deref())
            .or(self.message.as_ref().map(|m| m.ts.as_str()))?;
        Some((channel, ts))
    }

    /// Input state of the view or message that holds the element.
    pub fn state_values(&self) -> Option<&StateValues> {
        self.view
            .as_ref()
            .map(|v| &v.state.values)
            .or(self.state.as_ref().map(|s| &s.values))
    }
}

/// A modal's Submit.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct ViewSubmissionPayload {
    pub user: UserRef,
    pub team: Option<TeamRef>,
    pub enterprise: Option<EnterpriseRef>,
    #[serde(deserialize_with = "null_as_default")]
    pub is_enterprise_install: bool,
    pub api_app_id: Option<String>,
    pub token: Option<String>,
    pub trigger_id: Option<String>,
    pub view: View,
    #[serde(deserialize_with = "null_as_default")]
    pub response_urls: Vec<ResponseUrl>,
}

/// A modal closed with Cancel or the X (only sent when the view has `notify_on_close`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct ViewClosedPayload {
    pub user: UserRef,
    pub team: Option<TeamRef>,
    pub enterprise: Option<EnterpriseRef>,
    #[serde(deserialize_with = "null_as_default")]
    pub is_enterprise_install: bool,
    pub api_app_id: Option<String>,
    pub token: Option<String>,
    pub view: View,
    /// True when the whole view stack was closed.
    #[serde(deserialize_with = "null_as_default")]
    pub is_cleared: bool,
}

/// A global shortcut run from the shortcuts menu.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct GlobalShortcutPayload {
    pub user: UserRef,
    pub team: Option<TeamRef>,
    pub enterprise: Option<EnterpriseRef>,
    #[serde(deserialize_with = "null_as_default")]
    pub is_enterprise_install: bool,
    pub callback_id: String,
    pub trigger_id: String,
    pub action_ts: Option<String>,
    pub token: Option<String>,
}

/// A message shortcut run from a message's menu (`type: message_action`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct MessageShortcutPayload {
    pub user: UserRef,
    pub team: Option<TeamRef>,
    pub enterprise: Option<EnterpriseRef>,
    #[serde(deserialize_with = "null_as_default")]
    pub is_enterprise_install: bool,
    pub channel: Option<ChannelRef>,
    pub callback_id: String,
    pub trigger_id: String,
    pub message_ts: Option<String>,
    pub message: Option<MessageRef>,
    pub response_url: Option<String>,
    pub action_ts: Option<String>,
    pub token: Option<String>,
}

/// A request for the options of an `external_select` / `multi_external_select` as the user types.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct BlockSuggestionPayload {
    pub user: UserRef,
    pub team: Option<TeamRef>,
    pub enterprise: Option<EnterpriseRef>,
    pub action_id: String,
    pub block_id: String,
    /// What the user has typed so far.
    #[serde(deserialize_with = "null_as_default")]
    pub value: String,
    pub view: Option<View>,
    pub container: Option<Container>,
}

/// Anything posted to the interactivity URL, routed by its `type`. Payloads are boxed: they are
/// large and differ a lot in size.
#[derive(Debug, Clone, PartialEq)]
pub enum InteractionPayload {
    BlockActions(Box<BlockActionsPayload>),
    ViewSubmission(Box<ViewSubmissionPayload>),
    ViewClosed(Box<ViewClosedPayload>),
    Shortcut(Box<GlobalShortcutPayload>),
    MessageAction(Box<MessageShortcutPayload>),
    BlockSuggestion(Box<BlockSuggestionPayload>),
    /// A payload type this crate does not handle (legacy `interactive_message`,
    /// `dialog_submission`...), kept whole.
    Other {
        kind: String,
        raw: Value,
    },
}

fn from_value<T: DeserializeOwned>(raw: Value, what: &'static str) -> Result<T, InboundError> {
    serde_json::from_value(raw).map_err(json_error(what))
}

impl InteractionPayload {
    /// Parses the raw `application/x-www-form-urlencoded` body (`payload=<JSON>`).
    pub fn from_form(body: &[u8]) -> Result<Self, InboundError> {
        #[derive(Deserialize)]
        struct Form {
            payload: Option<String>,
        }
        let form: Form = serde_urlencoded::from_bytes(body)?;
        Self::from_json(&form.payload.ok_or(InboundError::MissingPayloadField)?)
    }

    /// Parses the JSON inside the `payload` field.
    pub fn from_json(json: &str) -> Result<Self, InboundError> {
        let raw: Value =
            serde_json::from_str(json).map_err(json_error("an interaction payload"))?;
        Self::from_value(raw)
    }

    /// Routes an already-parsed JSON payload by its `type`.
    pub fn from_value(raw: Value) -> Result<Self, InboundError> {
        let kind = raw
            .get("type")
            .and_then(Value::as_str)
            .ok_or(InboundError::MissingType)?
            .to_owned();
        Ok(match kind.as_str() {
            "block_actions" => Self::BlockActions(from_value(raw, "a block_actions payload")?),
            "view_submission" => {
                Self::ViewSubmission(from_value(raw, "a view_submission payload")?)
            }
            "view_closed" => Self::ViewClosed(from_value(raw, "a view_closed payload")?),
            "shortcut" => Self::Shortcut(from_value(raw, "a shortcut payload")?),
            "message_action" => Self::MessageAction(from_value(raw, "a message_action payload")?),
            "block_suggestion" => {
                Self::BlockSuggestion(from_value(raw, "a block_suggestion payload")?)
            }
            _ => Self::Other { kind, raw },
        })
    }

    /// Slack's name for the payload type, e.g. `block_actions`.
    pub fn kind(&self) -> &str {
        match self {
            Self::BlockActions(_) => "block_actions",
            Self::ViewSubmission(_) => "view_submission",
            Self::ViewClosed(_) => "view_closed",
            Self::Shortcut(_) => "shortcut",
            Self::MessageAction(_) => "message_action",
            Self::BlockSuggestion(_) => "block_suggestion",
            Self::Other { kind, .. } => kind,
        }
    }

    fn parts(&self) -> Option<(&UserRef, Option<&TeamRef>, Option<&View>)> {
        Some(match self {
            Self::BlockActions(p) => (&p.user, p.team.as_ref(), p.view.as_ref()),
            Self::ViewSubmission(p) => (&p.user, p.team.as_ref(), Some(&p.view)),
            Self::ViewClosed(p) => (&p.user, p.team.as_ref(), Some(&p.view)),
            Self::Shortcut(p) => (&p.user, p.team.as_ref(), None),
            Self::MessageAction(p) => (&p.user, p.team.as_ref(), None),
            Self::BlockSuggestion(p) => (&p.user, p.team.as_ref(), p.view.as_ref()),
            Self::Other { .. } => return None,
        })
    }

    /// The id of the user who acted.
    pub fn user_id(&self) -> Option<&str> {
        match self {
            Self::Other { raw, .. } => raw.pointer("/user/id").and_then(Value::as_str),
            _ => self.parts().map(|(user, _, _)| user.id.as_str()),
        }
        .filter(|id| !id.is_empty())
    }

    /// The workspace (team) id to route the request by: the payload's team, else the acting
    /// user's team (org-wide installs send `team: null`), else the view's team.
    pub fn team_id(&self) -> Option<&str> {
        let non_empty = |s: &&str| !s.is_empty();
        if let Self::Other { raw, .. } = self {
            return raw
                .pointer("/team/id")
                .or(raw.pointer("/user/team_id"))
                .and_then(Value::as_str)
                .filter(non_empty);
        }
        let (user, team, view) = self.parts()?;
        team.map(|t| t.id.as_str())
            .filter(non_empty)
            .or(user.team_id.as_deref().filter(non_empty))
            .or(view.and_then(|v| v.team_id.as_deref()).filter(non_empty))
    }
}

// ---------------------------------------------------------------------------------------------
// Events API
// ---------------------------------------------------------------------------------------------

/// The inner event of an `event_callback` (`app_mention`, `message`, `app_home_opened`...).
/// Common fields are typed; the rest stay in `other`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Event {
    #[serde(rename = "type")]
    pub kind: String,
    pub subtype: Option<String>,
    pub user: Option<String>,
    pub channel: Option<String>,
    pub text: Option<String>,
    pub ts: Option<String>,
    pub event_ts: Option<String>,
    pub team: Option<String>,
    #[serde(flatten)]
    pub other: serde_json::Map<String, Value>,
}

/// An `event_callback` delivery.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct EventCallback {
    pub team_id: String,
    pub enterprise_id: Option<String>,
    pub api_app_id: Option<String>,
    /// Unique per event; redeliveries repeat it, so it is the key to act once.
    pub event_id: String,
    pub event_time: Option<i64>,
    pub event: Event,
    #[serde(deserialize_with = "null_as_default")]
    pub authed_users: Vec<String>,
    pub is_ext_shared_channel: Option<bool>,
    pub context_team_id: Option<String>,
    pub token: Option<String>,
}

/// A body posted to the Events API request URL.
#[derive(Debug, Clone, PartialEq)]
pub enum EventsApiRequest {
    /// Slack checking the URL: answer with `challenge` ([`EventsApiRequest::challenge_response`]).
    UrlVerification {
        challenge: String,
    },
    EventCallback(Box<EventCallback>),
    /// Another envelope type (`app_rate_limited`...), kept whole.
    Other {
        kind: String,
        raw: Value,
    },
}

impl EventsApiRequest {
    /// Parses the raw JSON body.
    pub fn from_json(body: &[u8]) -> Result<Self, InboundError> {
        let raw: Value =
            serde_json::from_slice(body).map_err(json_error("an Events API request"))?;
        let kind = raw
            .get("type")
            .and_then(Value::as_str)
            .ok_or(InboundError::MissingType)?
            .to_owned();
        Ok(match kind.as_str() {
            "url_verification" => {
                #[derive(Deserialize)]
                struct Challenge {
                    challenge: String,
                }
                let Challenge { challenge } = from_value(raw, "a url_verification request")?;
                Self::UrlVerification { challenge }
            }
            "event_callback" => {
                Self::EventCallback(Box::new(from_value(raw, "an event_callback request")?))
            }
            _ => Self::Other { kind, raw },
        })
    }

    /// For `url_verification`, the JSON body to answer with: `{"challenge": "..."}`.
    pub fn challenge_response(&self) -> Option<Value> {
        match self {
            Self::UrlVerification { challenge } => {
                Some(serde_json::json!({ "challenge": challenge }))
            }
            _ => None,
        }
    }
}
