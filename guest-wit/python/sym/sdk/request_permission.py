"""Who may view a request in the web app and who may approve or deny it (spec §4.3).

`get_permissions` returns a `RequestPermission`. Each of `webapp_view` and `approve_deny` is a
`PermissionLevel` or a non-empty list of users (user ids as `UUID`/text, or `User` objects such as
`slack.users_in_channel(...)` returns). Invalid values raise `ValueError` when the
`RequestPermission` is built, so the flow error points at the line that built it.
"""

import uuid
from enum import Enum
from typing import List, Union

from wit_world.imports import types as wit


class PermissionLevel(str, Enum):
    """Levels from most to least restrictive: admins only, members and admins, everyone."""

    ADMIN = "admin"
    MEMBER = "member"
    ALL_USERS = "all_users"


_LEVEL_TO_WIT = {
    PermissionLevel.ADMIN: wit.Permission_Admin,
    PermissionLevel.MEMBER: wit.Permission_Member,
    PermissionLevel.ALL_USERS: wit.Permission_AllUsers,
}

Permission = Union[PermissionLevel, List[uuid.UUID]]


def _user_id(item, field: str) -> uuid.UUID:
    if isinstance(item, uuid.UUID):
        return item
    if hasattr(item, "username") and hasattr(item, "id"):  # a sym.sdk.user.User
        item = item.id
        if isinstance(item, uuid.UUID):
            return item
    if isinstance(item, str):
        try:
            return uuid.UUID(item)
        except ValueError:
            pass
    raise ValueError(f"{field}: {item!r} is not a user id (UUID) or a User")


def _check_permission(value, field: str) -> Permission:
    if isinstance(value, PermissionLevel):
        return value
    if isinstance(value, str):
        try:
            return PermissionLevel(value.lower())
        except ValueError:
            levels = ", ".join(level.value for level in PermissionLevel)
            raise ValueError(f"{field}: {value!r} is not a PermissionLevel ({levels})") from None
    if isinstance(value, (list, tuple, set, frozenset)):
        if not value:
            raise ValueError(f"{field}: the list of users must not be empty")
        return [_user_id(item, field) for item in value]
    raise ValueError(f"{field}: expected a PermissionLevel or a list of user ids, got {value!r}")


def _permission_to_wit(value: Permission):
    if isinstance(value, PermissionLevel):
        return _LEVEL_TO_WIT[value]()
    return wit.Permission_UserIds([str(v) for v in value])


class RequestPermission:
    """The return value of `get_permissions`."""

    def __init__(self, webapp_view: Permission, approve_deny: Permission, allow_self_approval: bool = False):
        self.webapp_view = _check_permission(webapp_view, "webapp_view")
        self.approve_deny = _check_permission(approve_deny, "approve_deny")
        if not isinstance(allow_self_approval, bool):
            raise ValueError(f"allow_self_approval must be a bool, got {allow_self_approval!r}")
        self.allow_self_approval = allow_self_approval

    def _to_wit(self) -> "wit.RequestPermission":
        return wit.RequestPermission(
            webapp_view=_permission_to_wit(self.webapp_view),
            approve_deny=_permission_to_wit(self.approve_deny),
            allow_self_approval=self.allow_self_approval,
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RequestPermission):
            return NotImplemented
        return (self.webapp_view, self.approve_deny, self.allow_self_approval) == (
            other.webapp_view,
            other.approve_deny,
            other.allow_self_approval,
        )

    def __repr__(self) -> str:
        return (
            f"RequestPermission(webapp_view={self.webapp_view!r}, approve_deny={self.approve_deny!r}, "
            f"allow_self_approval={self.allow_self_approval!r})"
        )
