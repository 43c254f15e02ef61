"""The approval template `sym:template:approval:1.0.0`: its steps and hook transitions (§4.1, §5.4)."""

from enum import Enum
from typing import Any, Optional

from sym.sdk.templates.template import TemplateStep, Transition


class ApprovalTemplateStep(str, Enum):
    """The events of the approval template."""

    PROMPT = "prompt"
    REQUEST = "request"
    REQUEST_FORWARD = "request_forward"
    REQUEST_EXPIRE = "request_expire"
    APPROVE = "approve"
    DENY = "deny"
    ESCALATE = "escalate"
    DEESCALATE = "deescalate"


class ApprovalTemplate:
    """Transitions an `on_*` hook can return, e.g. `return ApprovalTemplate.approve(reason="on call")`.

    Keyword arguments other than the named ones join the fired event's payload fields.
    """

    @classmethod
    def prompt(cls, **kwargs: Any) -> Transition:
        return Transition(ApprovalTemplateStep.PROMPT, kwargs=kwargs)

    @classmethod
    def request(cls, *, target_srn=None, duration=None, **kwargs: Any) -> Transition:
        return Transition(ApprovalTemplateStep.REQUEST, target_srn=target_srn, duration=duration, kwargs=kwargs)

    @classmethod
    def approve(cls, *, target_srn=None, duration=None, **kwargs: Any) -> Transition:
        return Transition(ApprovalTemplateStep.APPROVE, target_srn=target_srn, duration=duration, kwargs=kwargs)

    @classmethod
    def deny(cls, *, target_srn=None, duration=None, **kwargs: Any) -> Transition:
        return Transition(ApprovalTemplateStep.DENY, target_srn=target_srn, duration=duration, kwargs=kwargs)

    @classmethod
    def escalate(cls, *, target_srn=None, duration=None, **kwargs: Any) -> Transition:
        return Transition(ApprovalTemplateStep.ESCALATE, target_srn=target_srn, duration=duration, kwargs=kwargs)

    @classmethod
    def deescalate(cls, *, target_srn=None, **kwargs: Any) -> Transition:
        return Transition(ApprovalTemplateStep.DEESCALATE, target_srn=target_srn, kwargs=kwargs)

    @classmethod
    def ignore(cls, message: Optional[str] = None, **kwargs: Any) -> Transition:
        """Swallow the event; `message` is shown to the acting user."""
        return Transition(TemplateStep.IGNORE, message=message, kwargs=kwargs)
