"""`sym.sdk.integrations.okta`: Okta group and profile lookups (spec §5.6).

Every call goes to the host's `okta` capability; a refusal raises `OktaError`.
"""

import json
from typing import List, Optional

from wit_world.imports import okta as okta_capability

from sym.sdk._internal import host
from sym.sdk.exceptions.okta import OktaError
from sym.sdk.user import User


def is_user_in_group(user: User, *, group_id: str) -> bool:
    return host.call(OktaError, okta_capability.is_user_in_group, user._to_wit(), group_id)


def users_in_group(*, group_id: str) -> List[User]:
    return [User._from_wit(u) for u in host.call(OktaError, okta_capability.users_in_group, group_id)]


def get_user_info(user: User) -> dict:
    """The user's Okta user object (with `profile`)."""
    return json.loads(host.call(OktaError, okta_capability.get_user_info, user._to_wit()))


def list_groups(
    *,
    name_filter: Optional[str] = None,
    filter: Optional[str] = None,
    expand: Optional[str] = None,
    only_native_groups: bool = True,
) -> List[dict]:
    """Okta groups, filtered as Okta's List Groups API does."""
    return json.loads(
        host.call(OktaError, okta_capability.list_groups, name_filter, filter, expand, bool(only_native_groups))
    )
