"""`sym.sdk.integrations.sym`: look up or create Sym users (spec §5.6)."""

from typing import List

from wit_world.imports import users as users_capability

from sym.sdk._internal import host
from sym.sdk.exceptions.sym_integration import SymIntegrationError
from sym.sdk.user import User


def get_or_create_user_by_email(email: str) -> User:
    return User._from_wit(host.call(SymIntegrationError, users_capability.get_or_create_user_by_email, email))


def get_or_create_users_by_emails(emails: List[str], raise_on_error: bool = False) -> List[User]:
    """Users for `emails`; emails that fail are skipped unless `raise_on_error`."""
    users = []
    for email in emails:
        try:
            users.append(get_or_create_user_by_email(email))
        except SymIntegrationError:
            if raise_on_error:
                raise
    return users
