"""`Strategy`: the flow's access strategy (`sym_strategy`) as `event.flow.strategy` shows it."""

from typing import Any, Dict, List, Optional

from wit_world.imports import types as wit

from sym.sdk._internal.convert import loads_or
from sym.sdk._internal.unknown import with_unknowns
from sym.sdk.integration import Integration
from sym.sdk.resource import SymResource
from sym.sdk.target import AccessTarget


class Strategy(SymResource):
    def __init__(
        self,
        id: str,
        type: str,
        name: str = "",
        label: str = "",
        integration: Optional[Integration] = None,
        targets: Optional[List[AccessTarget]] = None,
        settings: Optional[Dict[str, Any]] = None,
        srn: Any = None,
    ):
        self.id = id
        self.type = type
        self.name = name
        self.label = label
        self.integration = integration
        self.targets = targets or []
        self.settings = settings or {}
        self.srn = srn

    @classmethod
    def _from_wit(cls, record: "wit.Strategy") -> "Strategy":
        return cls(
            id=record.id,
            type=record.strategy_type,
            name=record.name,
            label=record.label,
            integration=Integration._from_wit(record.integration) if record.integration else None,
            targets=[AccessTarget._from_wit(t) for t in record.targets],
            settings=with_unknowns(loads_or(record.settings_json, {}), f"settings of the strategy {record.name!r}"),
        )

    def find_target(self, key: str) -> Optional[AccessTarget]:
        """The target whose id, SRN or name is `key`."""
        for target in self.targets:
            if key in (target.id, target.name) or (target.srn is not None and str(target.srn) == str(key).lower()):
                return target
        return None

    def __repr__(self) -> str:
        return f"Strategy(type={self.type!r}, name={self.name!r}, targets={len(self.targets)})"
