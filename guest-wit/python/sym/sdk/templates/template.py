"""What every template shares: the generic `ignore` step and the transition a hook returns.

An `on_*` hook returns a `Transition` (built with `ApprovalTemplate.<step>(...)`) to fire a
different event instead of the one being processed, or `None` to carry on.
"""

from enum import Enum
from typing import Any, Dict, Optional

from wit_world.imports import types as wit

from sym.sdk._internal.convert import dumps, seconds


class TemplateStep(str, Enum):
    """Steps every template has."""

    IGNORE = "ignore"


class Transition:
    """A request to fire event `step` with `kwargs` joined to its payload.

    `message` is what `ignore` shows the acting user; `target_srn` and `duration` (seconds)
    re-target or re-time `request`/`approve`/`escalate`.
    """

    def __init__(
        self,
        step: str,
        message: Optional[str] = None,
        target_srn: Any = None,
        duration: Any = None,
        kwargs: Optional[Dict[str, Any]] = None,
    ):
        self.step = getattr(step, "value", step)
        self.message = message
        self.target_srn = str(target_srn) if target_srn is not None else None
        self.duration: Optional[int] = seconds(duration, "duration")
        self.kwargs: Dict[str, Any] = dict(kwargs or {})

    def _to_wit(self) -> "wit.Transition":
        return wit.Transition(
            step=self.step,
            message=None if self.message is None else str(self.message),
            target_srn=self.target_srn,
            duration=self.duration,
            kwargs_json=dumps(self.kwargs),
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Transition):
            return NotImplemented
        return vars(self) == vars(other)

    def __repr__(self) -> str:
        extras = "".join(
            f", {name}={value!r}"
            for name, value in (("message", self.message), ("target_srn", self.target_srn), ("duration", self.duration))
            if value is not None
        )
        return f"Transition(step={self.step!r}{extras}, kwargs={self.kwargs!r})"
