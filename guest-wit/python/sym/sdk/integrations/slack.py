"""`sym.sdk.integrations.slack`: Slack destinations and helpers (spec §5.6).

`channel`, `user`, `group`, `fallback` and `mention` build values locally; the rest call the
host's `slack` capability. A refused or failed call raises `SlackError` (`Slack:<CODE>`).
"""

import json
import re
from typing import List, Sequence, Union

from wit_world.imports import slack as slack_capability
from wit_world.imports import types as wit

from sym.sdk._internal import host
from sym.sdk._internal.context import current_event
from sym.sdk.exceptions.slack import SlackError
from sym.sdk.request_destination import (
    RequestDestination,
    RequestDestinationFallback,
    SlackChannelID,
    SlackChannelName,
    SlackUser,
    SlackUserGroup,
    destination_to_wit,
    slack_identifier,
)
from sym.sdk.user import User

_CONVERSATION_ID = re.compile(r"^[CDG][A-Z0-9]{6,}$")
_USER_ID = re.compile(r"^[UW][A-Z0-9]{6,}$")


def _looks_like_id(pattern: re.Pattern, text: str) -> bool:
    return bool(pattern.match(text)) and any(ch.isdigit() for ch in text)


def channel(name: str, allow_self: bool = False, timeout=None) -> Union[SlackChannelName, SlackChannelID]:
    """A channel by name (`#name`) or by id (`C…`, `G…`, `D…`)."""
    if not isinstance(name, str) or not name.strip():
        raise SlackError("INVALID_CHANNEL", f"slack.channel needs a channel name or id, got {name!r}")
    name = name.strip()
    if not name.startswith("#") and _looks_like_id(_CONVERSATION_ID, name):
        return SlackChannelID(name, allow_self=allow_self, timeout=timeout)
    return SlackChannelName(name, allow_self=allow_self, timeout=timeout)


def user(identifier: Union[str, User], allow_self: bool = False, timeout=None) -> SlackUser:
    """A user by Slack id (`U…`/`W…`), email, `@name`, or a Sym `User`, reached by DM."""
    if not isinstance(identifier, (str, User)) or (isinstance(identifier, str) and not identifier.strip()):
        raise SlackError("INVALID_USER", f"slack.user needs a user id, email, @name or User, got {identifier!r}")
    return SlackUser(identifier, allow_self=allow_self, timeout=timeout)


def group(users: Sequence[Union[str, User]], allow_self: bool = False, timeout=None) -> SlackUserGroup:
    """A group DM of 1 to 7 users (ids, emails, `@names` or `User`s)."""
    try:
        return SlackUserGroup(list(users), allow_self=allow_self, timeout=timeout)
    except ValueError as e:
        raise SlackError("INVALID_GROUP", str(e)) from None


def fallback(
    *destinations: RequestDestination,
    continue_on_delivery_failure: bool = True,
    continue_on_timeout: bool = False,
) -> RequestDestinationFallback:
    """Legacy `get_approvers` routing: try `destinations` in order."""
    return RequestDestinationFallback(
        list(destinations),
        continue_on_delivery_failure=continue_on_delivery_failure,
        continue_on_timeout=continue_on_timeout,
    )


def mention(identifier: Union[str, User]) -> str:
    """Slack mention markup `<@U…>` for a user id, email, `@name` or `User`."""
    text = slack_identifier(identifier)
    if not _looks_like_id(_USER_ID, text):
        text = host.call(SlackError, slack_capability.resolve_user, text)
    return f"<@{text}>"


def _message_destination(destination) -> "wit.Destination":
    if isinstance(destination, RequestDestinationFallback):
        raise SlackError("INVALID_DESTINATION", "send_message cannot send to a fallback; pick one destination")
    if isinstance(destination, str):
        destination = channel(destination) if destination.startswith("#") or _looks_like_id(_CONVERSATION_ID, destination) else user(destination)
    try:
        return destination_to_wit(destination).destination
    except TypeError as e:
        raise SlackError("INVALID_DESTINATION", str(e)) from None


def send_message(destination: Union[User, RequestDestination, str], message: str) -> None:
    """Post `message` to a channel, a user (DM), a group DM or a Sym `User`."""
    host.call(SlackError, slack_capability.send_message, _message_destination(destination), str(message))


def send_thread_message(message: str) -> None:
    """Reply in the thread of the current run's request message."""
    event = current_event()
    if event is None:
        raise SlackError("NO_THREAD", "send_thread_message can only be called while a handler runs")
    host.call(SlackError, slack_capability.send_thread_message, event._record.run_id, str(message))


def get_user_info(user: User) -> dict:
    """Slack's `users.info` profile of `user`."""
    return json.loads(host.call(SlackError, slack_capability.get_user_info, user._to_wit()))


def list_users(active_only: bool = True) -> List[User]:
    """Sym users for the (active) members of the Slack workspace."""
    return [User._from_wit(u) for u in host.call(SlackError, slack_capability.list_users, bool(active_only))]


def is_user_in_group(user: User, *, group_id: str) -> bool:
    """Is `user` in the Slack user group `group_id` (`S…`)?"""
    return host.call(SlackError, slack_capability.is_user_in_group, user._to_wit(), group_id)


def users_in_channel(channel: Union[str, SlackChannelName, SlackChannelID]) -> List[User]:
    """Sym users for the members of a channel (`#name` or id)."""
    if isinstance(channel, SlackChannelName):
        channel = channel.name
    elif isinstance(channel, SlackChannelID):
        channel = channel.channel_id
    return [User._from_wit(u) for u in host.call(SlackError, slack_capability.users_in_channel, channel)]


__all__ = [
    "RequestDestination",
    "RequestDestinationFallback",
    "SlackChannelID",
    "SlackChannelName",
    "SlackUser",
    "SlackUserGroup",
    "channel",
    "fallback",
    "get_user_info",
    "group",
    "is_user_in_group",
    "list_users",
    "mention",
    "send_message",
    "send_thread_message",
    "user",
    "users_in_channel",
]
