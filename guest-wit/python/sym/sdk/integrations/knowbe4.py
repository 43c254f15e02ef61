"""`sym.sdk.integrations.knowbe4`: KnowBe4 training enrollments and groups (spec §5.6).

Not available in symflow yet: every function raises `KnowBe4Error` with code `NOT_AVAILABLE`.
"""

from typing import List, Optional

from sym.sdk.exceptions import KnowBe4Error
from sym.sdk.integrations._unavailable import not_available


def get_training_enrollments_for_user(user, store_purchase_id: Optional[int] = None, campaign_id: Optional[int] = None) -> List[dict]:
    not_available(KnowBe4Error, "knowbe4", "get_training_enrollments_for_user")


def is_user_in_group(user, group_id: int) -> bool:
    not_available(KnowBe4Error, "knowbe4", "is_user_in_group")
