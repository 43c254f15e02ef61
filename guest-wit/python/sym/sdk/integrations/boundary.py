"""`sym.sdk.integrations.boundary`: HashiCorp Boundary groups (spec §5.6).

Not available in symflow yet: every function raises `BoundaryError` with code `NOT_AVAILABLE`.
"""

from typing import List, Optional

from sym.sdk.exceptions import BoundaryError
from sym.sdk.integrations._unavailable import not_available


def list_groups(scope_id: str = "global", filter: Optional[str] = None, recursive: bool = False) -> List[dict]:
    not_available(BoundaryError, "boundary", "list_groups")


def get_group(group_id: str) -> dict:
    not_available(BoundaryError, "boundary", "get_group")
