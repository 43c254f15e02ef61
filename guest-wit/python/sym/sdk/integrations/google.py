"""`sym.sdk.integrations.google`: Google Workspace groups (spec §5.6).

Not available in symflow yet: every function raises `GoogleError` with code `NOT_AVAILABLE`.
"""

from typing import List, Optional

from sym.sdk.exceptions import GoogleError
from sym.sdk.integrations._unavailable import not_available


def is_user_in_group(user, *, group_email: str) -> bool:
    not_available(GoogleError, "google", "is_user_in_group")


def list_groups(domain: Optional[str] = None) -> List[dict]:
    not_available(GoogleError, "google", "list_groups")


def users_in_group(group_email: str, *, include_indirect_members: bool = True) -> list:
    not_available(GoogleError, "google", "users_in_group")
