"""`AccessTarget`: something one can request access to (`sym_target`).

In an event, `event.payload.fields["target"]` is the requested `AccessTarget`; custom strategies
read `target.settings["identifier"]`.
"""

from typing import Any, Dict, Optional

from wit_world.imports import types as wit

from sym.sdk._internal.convert import loads_or
from sym.sdk._internal.unknown import with_unknowns
from sym.sdk.resource import SymResource, maybe_srn


class AccessTarget(SymResource):
    def __init__(
        self,
        id: str = "",
        name: str = "",
        srn: Any = None,
        type: str = "",
        label: str = "",
        settings: Optional[Dict[str, Any]] = None,
    ):
        self.id = id
        self.name = name
        self.srn = maybe_srn(srn) if isinstance(srn, str) else srn
        self.type = type
        self.label = label
        self.settings = settings or {}

    @classmethod
    def _from_wit(cls, record: "wit.Target") -> "AccessTarget":
        return cls(
            id=record.id,
            name=record.name,
            srn=record.srn,
            type=record.target_type,
            label=record.label,
            settings=with_unknowns(loads_or(record.settings_json, {}), f"settings of the target {record.name!r}"),
        )

    @classmethod
    def _from_json(cls, value: Dict[str, Any]) -> "AccessTarget":
        """A target as it appears in an event's fields JSON (keys as in Sym's event JSON, §7)."""
        settings = value.get("settings")
        if settings is None and "settings_json" in value:
            settings = loads_or(value["settings_json"], {})
        return cls(
            id=str(value.get("id", "")),
            name=value.get("name", ""),
            srn=value.get("srn"),
            type=value.get("type", value.get("target_type", "")),
            label=value.get("label", ""),
            settings=settings or {},
        )

    def _to_json(self) -> dict:
        return {
            "id": self.id,
            "name": self.name,
            "srn": str(self.srn) if self.srn is not None else None,
            "type": self.type,
            "label": self.label,
            "settings": self.settings,
        }

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, AccessTarget):
            return NotImplemented
        return self._to_json() == other._to_json()

    def __hash__(self) -> int:
        return hash((self.id, self.name))

    def __repr__(self) -> str:
        return f"AccessTarget(name={self.name!r}, type={self.type!r}, label={self.label!r})"
