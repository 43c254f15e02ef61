"""`sym.sdk.integrations.onelogin`: OneLogin roles and profiles (spec §5.6).

Not available in symflow yet: every function raises `OneLoginError` with code `NOT_AVAILABLE`.
"""

from typing import List, Optional

from sym.sdk.exceptions import OneLoginError
from sym.sdk.integrations._unavailable import not_available


def list_roles(name_filter: Optional[str] = None) -> List[dict]:
    not_available(OneLoginError, "onelogin", "list_roles")


def get_user_info(user) -> dict:
    not_available(OneLoginError, "onelogin", "get_user_info")


def users_in_role(role_id: str) -> list:
    not_available(OneLoginError, "onelogin", "users_in_role")


def is_user_in_role(user, *, role_id: str) -> bool:
    not_available(OneLoginError, "onelogin", "is_user_in_role")
