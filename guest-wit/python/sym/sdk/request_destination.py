"""Where a request is sent: Slack channels, users and group DMs (spec §4.6, §5.6).

`slack.channel()`, `slack.user()`, `slack.group()` and `slack.fallback()` build these objects;
flows return them from `get_approvers` (legacy) or put them in a `Notification`. `allow_self`
is the legacy per-destination self-approval flag; `timeout` is in seconds (an int or a
`timedelta`).
"""

from typing import List, Optional, Sequence, Union

from wit_world.imports import types as wit

from sym.sdk._internal.convert import seconds
from sym.sdk.user import User


class RequestDestination:
    """Base of every Slack destination."""

    def __init__(self, allow_self: bool = False, timeout=None):
        self.allow_self = bool(allow_self)
        self.timeout: Optional[int] = seconds(timeout, "timeout")

    def _destination_to_wit(self):
        raise NotImplementedError

    def _to_wit(self) -> "wit.RequestDestination":
        return wit.RequestDestination(
            destination=self._destination_to_wit(), allow_self=self.allow_self, timeout=self.timeout
        )

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return vars(self) == vars(other)

    def __hash__(self) -> int:
        return hash((type(self).__name__, repr(self)))

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={v!r}" for k, v in vars(self).items() if not k.startswith("_"))
        return f"{type(self).__name__}({fields})"


class SlackChannelName(RequestDestination):
    """A Slack channel by name; `name` always starts with `#`."""

    def __init__(self, name: str, allow_self: bool = False, timeout=None):
        super().__init__(allow_self=allow_self, timeout=timeout)
        self.name = name if name.startswith("#") else f"#{name}"

    def _destination_to_wit(self):
        return wit.Destination_SlackChannel(self.name)


class SlackChannelID(RequestDestination):
    """A Slack conversation by id: a channel `C…`, private group `G…` or DM `D…`."""

    def __init__(self, channel_id: str, allow_self: bool = False, timeout=None):
        super().__init__(allow_self=allow_self, timeout=timeout)
        self.channel_id = channel_id

    def _destination_to_wit(self):
        return wit.Destination_SlackChannel(self.channel_id)


def slack_identifier(user: Union[str, User]) -> str:
    """How the host should find a user in Slack: their Slack user id, else their email."""
    if isinstance(user, User):
        identity = user.identity("slack")
        return identity.user_id if identity else user.email
    return user


class SlackUser(RequestDestination):
    """A Slack user, reached by direct message.

    `identifier` is a Slack user id (`U…`/`W…`), an email or `@name`; built from a `User` it is
    the user's Slack id when known, else their email.
    """

    def __init__(self, identifier: Union[str, User], allow_self: bool = False, timeout=None):
        super().__init__(allow_self=allow_self, timeout=timeout)
        self.user: Optional[User] = identifier if isinstance(identifier, User) else None
        self.identifier = slack_identifier(identifier)

    @property
    def user_id(self) -> str:
        return self.identifier

    def _destination_to_wit(self):
        return wit.Destination_SlackUser(self.identifier)


class SlackUserGroup(RequestDestination):
    """A group DM of 1 to 7 Slack users. The group's `allow_self` applies, not the members'."""

    MAX_USERS = 7

    def __init__(self, users: Sequence[Union[str, User, SlackUser]], allow_self: bool = False, timeout=None):
        super().__init__(allow_self=allow_self, timeout=timeout)
        members = [u if isinstance(u, SlackUser) else SlackUser(u) for u in users]
        if not 1 <= len(members) <= self.MAX_USERS:
            raise ValueError(f"a Slack group DM takes 1 to {self.MAX_USERS} users, got {len(members)}")
        self.users: List[SlackUser] = members

    def _destination_to_wit(self):
        return wit.Destination_SlackGroup([u.identifier for u in self.users])


class RequestDestinationFallback:
    """Legacy: try each destination in turn until one works (`slack.fallback(...)`).

    The next destination is tried when delivery fails (`continue_on_delivery_failure`) or when
    a destination's `timeout` passes with no action (`continue_on_timeout`).
    """

    def __init__(
        self,
        destinations: Sequence[RequestDestination],
        continue_on_delivery_failure: bool = True,
        continue_on_timeout: bool = False,
    ):
        if not destinations:
            raise ValueError("a fallback needs at least one destination")
        self.destinations = list(destinations)
        self.continue_on_delivery_failure = bool(continue_on_delivery_failure)
        self.continue_on_timeout = bool(continue_on_timeout)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RequestDestinationFallback):
            return NotImplemented
        return vars(self) == vars(other)

    def __repr__(self) -> str:
        return (
            f"RequestDestinationFallback({self.destinations!r}, "
            f"continue_on_delivery_failure={self.continue_on_delivery_failure!r}, "
            f"continue_on_timeout={self.continue_on_timeout!r})"
        )


class RequestForwardContext:
    """Given to `on_request_forward` / `after_request_forward` with the event.

    `all_request_destinations` are the run's `Notification`s in order; the request is moving
    from `current_destination_index` to `next_destination_index` (None when none is left).
    """

    def __init__(self, all_request_destinations: list, current_destination_index: int, next_destination_index=None):
        self.all_request_destinations = all_request_destinations
        self.current_destination_index = current_destination_index
        self.next_destination_index = next_destination_index

    def __repr__(self) -> str:
        return (
            f"RequestForwardContext(current_destination_index={self.current_destination_index!r}, "
            f"next_destination_index={self.next_destination_index!r}, "
            f"all_request_destinations={self.all_request_destinations!r})"
        )


def destination_to_wit(destination) -> "wit.RequestDestination":
    """A `RequestDestination` or a `User` as a WIT `request-destination`."""
    if isinstance(destination, RequestDestination):
        return destination._to_wit()
    if isinstance(destination, User):
        return wit.RequestDestination(destination=wit.Destination_User(destination._to_wit()), allow_self=False, timeout=None)
    raise TypeError(f"expected a RequestDestination (e.g. slack.channel(...)) or a User, got {destination!r}")


def destination_from_wit(record: "wit.RequestDestination"):
    """A WIT `request-destination` as the SDK object a flow would have built."""
    target = record.destination
    allow_self, timeout = record.allow_self, record.timeout
    if isinstance(target, wit.Destination_SlackChannel):
        if target.value.startswith("#"):
            return SlackChannelName(target.value, allow_self=allow_self, timeout=timeout)
        return SlackChannelID(target.value, allow_self=allow_self, timeout=timeout)
    if isinstance(target, wit.Destination_SlackUser):
        return SlackUser(target.value, allow_self=allow_self, timeout=timeout)
    if isinstance(target, wit.Destination_SlackGroup):
        return SlackUserGroup(target.value, allow_self=allow_self, timeout=timeout)
    if isinstance(target, wit.Destination_User):
        return User._from_wit(target.value)
    raise TypeError(f"unknown destination {target!r}")
