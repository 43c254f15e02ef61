"""`Integration`: an integration of the flow's environment (`sym_integration`).

`settings` is the integration's settings object with secret references resolved to `Secret`s,
so `integration.settings["api_token_secret"].retrieve_value()` and, for custom integrations,
`integration.settings["secrets"][0].retrieve_value()` work as in Sym.
"""

from typing import Any, Dict

from wit_world.imports import types as wit

from sym.sdk._internal.convert import dumps, loads_or
from sym.sdk._internal.unknown import UNKNOWN_REFERENCE_KEY, ValueNotKnown, unknown_reference, with_unknowns
from sym.sdk.resource import SymResource
from sym.sdk.secrets import resolve_secret_references

# Where the host puts an `external_id` that is only known after `terraform apply`.
_UNKNOWN_EXTERNAL_ID_KEY = "$external_id"


class Integration(SymResource):
    """`type` (e.g. `slack`, `okta`, `custom`), `external_id`, `name` and `settings`."""

    def __init__(self, type: str, external_id: str, settings: Dict[str, Any] = None, name: str = "", key: str = ""):
        self.type = type
        self._external_id = external_id
        self._external_id_reference: "str | None" = None
        self.settings = settings or {}
        self.name = name
        self.key = key

    @property
    def external_id(self) -> str:
        if self._external_id_reference is not None:
            raise ValueNotKnown(f"external_id of the integration {self.name!r}", self._external_id_reference)
        return self._external_id

    @external_id.setter
    def external_id(self, value: str) -> None:
        self._external_id = value
        self._external_id_reference = None

    @classmethod
    def _from_wit(cls, record: "wit.Integration") -> "Integration":
        settings = loads_or(record.settings_json, {})
        external_id_reference = None
        if isinstance(settings, dict) and _UNKNOWN_EXTERNAL_ID_KEY in settings:
            external_id_reference = unknown_reference(settings.pop(_UNKNOWN_EXTERNAL_ID_KEY))
        integration = cls(
            type=record.integration_type,
            external_id=record.external_id,
            settings=with_unknowns(
                resolve_secret_references(settings), f"settings of the integration {record.name!r}"
            ),
            name=record.name,
            key=record.key,
        )
        integration._external_id_reference = external_id_reference
        return integration

    def _to_wit(self) -> "wit.Integration":
        settings = dict(self.settings)
        if self._external_id_reference is not None:
            settings[_UNKNOWN_EXTERNAL_ID_KEY] = {UNKNOWN_REFERENCE_KEY: self._external_id_reference}
        return wit.Integration(
            key=self.key,
            name=self.name,
            integration_type=self.type,
            external_id=self._external_id,
            settings_json=dumps(settings),
        )

    def __repr__(self) -> str:
        external_id = self._external_id if self._external_id_reference is None else "(known after apply)"
        return f"Integration(type={self.type!r}, name={self.name!r}, external_id={external_id!r})"
