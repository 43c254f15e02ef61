"""`sym.sdk.integrations.store`: a small key-value store scoped to the flow's organization.

Paths are dotted namespaces (e.g. `"oncall.last_approver"`); values are anything JSON can hold.
A refusal raises `SymIntegrationError`.
"""

import json
from typing import Any, Optional

from wit_world.imports import store as store_capability

from sym.sdk._internal import host
from sym.sdk._internal.convert import dumps
from sym.sdk.exceptions.sym_integration import SymIntegrationError


def fetch(path: str) -> Optional[Any]:
    """The value at `path`, or None."""
    raw = host.call(SymIntegrationError, store_capability.fetch, path)
    return None if raw is None else json.loads(raw)


def put(path: str, value: Any) -> None:
    host.call(SymIntegrationError, store_capability.put, path, dumps(value))
