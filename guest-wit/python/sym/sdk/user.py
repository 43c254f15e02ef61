"""Sym users and their identities in external services (spec §5.5, §8).

A `User` is built from the WIT `user` record the host sends and turns back into one when a flow
passes it to an integration (e.g. `pagerduty.is_on_call(event.user)`). Users are equal, and hash,
by `username`.
"""

import uuid
from enum import Enum
from typing import Dict, Iterable, List, Optional

from wit_world.imports import types as wit
from wit_world.imports import users as users_capability

from sym.sdk._internal import host
from sym.sdk._internal.convert import time_text
from sym.sdk.exceptions.sym_integration import SymIntegrationError
from sym.sdk.request_permission import PermissionLevel


class UserRole(str, Enum):
    """A user's role in the organization; `admin` ⊃ `member` ⊃ `guest`."""

    ADMIN = "admin"
    MEMBER = "member"
    GUEST = "guest"

    def permission_levels(self) -> List[PermissionLevel]:
        """The `PermissionLevel`s a user with this role satisfies."""
        if self is UserRole.ADMIN:
            return [PermissionLevel.ADMIN, PermissionLevel.MEMBER, PermissionLevel.ALL_USERS]
        if self is UserRole.MEMBER:
            return [PermissionLevel.MEMBER, PermissionLevel.ALL_USERS]
        return [PermissionLevel.ALL_USERS]


_ROLE_FROM_WIT = {
    wit.UserRole.ADMIN: UserRole.ADMIN,
    wit.UserRole.MEMBER: UserRole.MEMBER,
    wit.UserRole.GUEST: UserRole.GUEST,
}
_ROLE_TO_WIT = {sdk: w for w, sdk in _ROLE_FROM_WIT.items()}


class UserIdentity:
    """A user's account in one service: `service` type, `service_id` (instance), `user_id`."""

    def __init__(self, service: str, service_id: str, user_id: str):
        self.service = service
        self.service_id = service_id
        self.user_id = user_id

    @classmethod
    def _from_wit(cls, record: "wit.UserIdentity") -> "UserIdentity":
        return cls(record.service, record.service_id, record.user_id)

    def _to_wit(self) -> "wit.UserIdentity":
        return wit.UserIdentity(service=self.service, service_id=self.service_id, user_id=self.user_id)

    def _to_json(self) -> dict:
        return {"service": self.service, "service_id": self.service_id, "user_id": self.user_id}

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, UserIdentity):
            return NotImplemented
        return (self.service, self.service_id, self.user_id) == (other.service, other.service_id, other.user_id)

    def __hash__(self) -> int:
        return hash((self.service, self.service_id, self.user_id))

    def __repr__(self) -> str:
        return f"UserIdentity(service={self.service!r}, service_id={self.service_id!r}, user_id={self.user_id!r})"


def _parse_uuid(text: str):
    try:
        return uuid.UUID(text)
    except (ValueError, TypeError, AttributeError):
        return text


class User:
    """A Sym user. `identities` maps a service type to that user's identities in it."""

    def __init__(
        self,
        id,
        email: str,
        username: str,
        type: str = "normal",
        first_name: str = "",
        last_name: str = "",
        role: UserRole = UserRole.MEMBER,
        identities: Optional[Dict[str, List[UserIdentity]]] = None,
    ):
        self.id = _parse_uuid(id) if isinstance(id, str) else id
        self.email = email
        self.username = username
        self.type = type
        self.first_name = first_name
        self.last_name = last_name
        self.role = UserRole(role)
        self.identities: Dict[str, List[UserIdentity]] = identities or {}

    @classmethod
    def _from_wit(cls, record: "wit.User") -> "User":
        identities: Dict[str, List[UserIdentity]] = {}
        for identity in record.identities:
            identities.setdefault(identity.service, []).append(UserIdentity._from_wit(identity))
        return cls(
            id=record.id,
            email=record.email,
            username=record.username,
            type=record.user_type,
            first_name=record.first_name,
            last_name=record.last_name,
            role=_ROLE_FROM_WIT[record.role],
            identities=identities,
        )

    @classmethod
    def _from_json(cls, value: dict) -> "User":
        """A user from JSON (the shape `_to_json` writes, plus optional `identities`)."""
        identities: Dict[str, List[UserIdentity]] = {}
        for item in value.get("identities") or []:
            identity = UserIdentity(item["service"], item.get("service_id", ""), item["user_id"])
            identities.setdefault(identity.service, []).append(identity)
        return cls(
            id=value.get("id", ""),
            email=value.get("email", ""),
            username=value.get("username") or value.get("email", ""),
            type=value.get("type", "normal"),
            first_name=value.get("first_name", ""),
            last_name=value.get("last_name", ""),
            role=value.get("role", "member"),
            identities=identities,
        )

    def _to_wit(self) -> "wit.User":
        return wit.User(
            id=str(self.id),
            email=self.email,
            username=self.username,
            user_type=self.type,
            first_name=self.first_name or "",
            last_name=self.last_name or "",
            role=_ROLE_TO_WIT[self.role],
            identities=[i._to_wit() for ids in self.identities.values() for i in ids],
        )

    def _to_json(self) -> dict:
        return {
            "id": str(self.id),
            "email": self.email,
            "username": self.username,
            "type": self.type,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "role": self.role.value,
            "identities": [i._to_json() for ids in self.identities.values() for i in ids],
        }

    @property
    def is_bot(self) -> bool:
        return self.type == "bot"

    def identity(self, service_type: str, service_id: Optional[str] = None) -> Optional[UserIdentity]:
        """The user's identity in `service_type` (and instance `service_id`, if given), or None."""
        for identity in self.identities.get(service_type, []):
            if service_id is None or identity.service_id == service_id:
                return identity
        return None

    def get_event_count(
        self,
        event_name,
        since=None,
        until=None,
        filter_on: str = "flow",
        include_errored: bool = False,
    ) -> int:
        """How many `event_name` events this user caused, over the current flow or target.

        `since`/`until` are datetimes (or ISO-8601 text); `filter_on` is "flow" or "target".
        """
        name = getattr(event_name, "value", event_name)
        if filter_on not in ("flow", "target"):
            raise ValueError(f"filter_on must be 'flow' or 'target', not {filter_on!r}")
        return host.call(
            SymIntegrationError,
            users_capability.get_event_count,
            str(self.id),
            str(name),
            time_text(since),
            time_text(until),
            filter_on,
            bool(include_errored),
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, User):
            return NotImplemented
        return self.username == other.username

    def __hash__(self) -> int:
        return hash(self.username)

    def __repr__(self) -> str:
        return f"User(username={self.username!r}, id={str(self.id)!r})"

    def __str__(self) -> str:
        return self.username


def user_ids(users: Iterable[User]) -> List[uuid.UUID]:
    """The ids of `users`, e.g. for `RequestPermission(approve_deny=user_ids(...))`."""
    return [u.id for u in users]
