"""`sym.sdk.integrations.aws_sso`: AWS IAM Identity Center groups and accounts (spec §5.6).

Not available in symflow yet: every function raises `AWSSSOError` with code `NOT_AVAILABLE`.
"""

from typing import List, Optional

from sym.sdk.exceptions import AWSSSOError
from sym.sdk.integrations._unavailable import not_available


def is_user_in_group(user, *, group_name: str) -> bool:
    not_available(AWSSSOError, "aws_sso", "is_user_in_group")


def list_groups() -> List[dict]:
    not_available(AWSSSOError, "aws_sso", "list_groups")


def users_in_group(group_name: str) -> list:
    not_available(AWSSSOError, "aws_sso", "users_in_group")


def list_accounts(organizational_unit_id: Optional[str] = None) -> List[dict]:
    not_available(AWSSSOError, "aws_sso", "list_accounts")
