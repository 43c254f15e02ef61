"""`Integration`: an integration of the flow's environment (`sym_integration`).

`settings` is the integration's settings object with secret references resolved to `Secret`s,
so `integration.settings["api_token_secret"].retrieve_value()` and, for custom integrations,
`integration.settings["secrets"][0].retrieve_value()` work as in Sym.
"""

from typing import Any, Dict

from wit_world.imports import types as wit

from sym.sdk._internal.convert import dumps, loads_or
from sym.sdk.resource import SymResource
from sym.sdk.secrets import resolve_secret_references


class Integration(SymResource):
    """`type` (e.g. `slack`, `okta`, `custom`), `external_id`, `name` and `settings`."""

    def __init__(self, type: str, external_id: str, settings: Dict[str, Any] = None, name: str = "", key: str = ""):
        self.type = type
        self.external_id = external_id
        self.settings = settings or {}
        self.name = name
        self.key = key

    @classmethod
    def _from_wit(cls, record: "wit.Integration") -> "Integration":
        return cls(
            type=record.integration_type,
            external_id=record.external_id,
            settings=resolve_secret_references(loads_or(record.settings_json, {})),
            name=record.name,
            key=record.key,
        )

    def _to_wit(self) -> "wit.Integration":
        return wit.Integration(
            key=self.key,
            name=self.name,
            integration_type=self.type,
            external_id=self.external_id,
            settings_json=dumps(self.settings),
        )

    def __repr__(self) -> str:
        return f"Integration(type={self.type!r}, name={self.name!r}, external_id={self.external_id!r})"
