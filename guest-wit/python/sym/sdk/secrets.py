"""Secrets (`sym_secret`) that a flow's integrations reference, read through the host.

The host never puts a secret's value in an event. An integration's settings carry a reference
`{"$secret": "<secret id>"}`, which becomes a `Secret`; `retrieve_value()` asks the host's
`secrets` capability, which answers only for secrets the flow was given.
"""

from typing import Any, Dict, Optional

from wit_world.imports import secrets as secrets_capability

from sym.sdk._internal import host
from sym.sdk.exceptions.sym_integration import SymIntegrationError
from sym.sdk.resource import SymResource

SECRET_REFERENCE_KEY = "$secret"


class SecretSource(SymResource):
    """Where secrets live (`sym_secrets`), e.g. type `aws_secrets_manager`."""

    def __init__(self, type: str = "", settings: Optional[Dict[str, Any]] = None):
        self.type = type
        self.settings = settings or {}

    def __repr__(self) -> str:
        return f"SecretSource(type={self.type!r})"


class Secret(SymResource):
    """One secret. Its value is fetched from the host on each `retrieve_value()` call."""

    def __init__(
        self,
        id: str,
        path: Optional[str] = None,
        source: Optional[SecretSource] = None,
        settings: Optional[Dict[str, Any]] = None,
    ):
        self.id = id
        self.path = path
        self.source = source
        self.settings = settings or {}

    def retrieve_value(self) -> str:
        return host.call(SymIntegrationError, secrets_capability.retrieve_value, self.id)

    def _to_json(self) -> dict:
        # A secret's value never goes back to the host; its reference does.
        return {SECRET_REFERENCE_KEY: self.id}

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        return self.id == other.id

    def __hash__(self) -> int:
        return hash(self.id)

    def __repr__(self) -> str:
        return f"Secret(id={self.id!r}, path={self.path!r})"


def resolve_secret_references(value: Any) -> Any:
    """Settings JSON with every `{"$secret": id, ...}` object replaced by a `Secret`."""
    if isinstance(value, dict):
        if SECRET_REFERENCE_KEY in value:
            source = value.get("source")
            return Secret(
                id=str(value[SECRET_REFERENCE_KEY]),
                path=value.get("path"),
                source=SecretSource(**source) if isinstance(source, dict) else None,
                settings=value.get("settings"),
            )
        return {k: resolve_secret_references(v) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve_secret_references(v) for v in value]
    return value
