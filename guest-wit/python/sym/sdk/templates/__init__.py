"""`sym.sdk.templates`: the approval template's transitions and step outputs (spec §5.4).

`get_step_output(step=None)` returns the output a step of the current run produced: a custom
strategy's `escalate` return value, or a Lambda strategy's `{"body": ..., "errors": [...]}`.
Without `step` it reads the current event's step, e.g. `escalate` inside `after_escalate`.
A step that produced nothing gives `{}`.
"""

from typing import Any, Optional, Union

from sym.sdk._internal.context import current_event
from sym.sdk.exceptions.sdk import SDKError
from sym.sdk.templates.approval import ApprovalTemplate, ApprovalTemplateStep
from sym.sdk.templates.template import TemplateStep, Transition


def get_step_output(step: Optional[Union[ApprovalTemplateStep, str]] = None) -> Any:
    event = current_event()
    if event is None:
        raise SDKError("NO_CURRENT_EVENT", "get_step_output() can only be called while a handler runs")
    name = getattr(step, "value", step) if step is not None else event.name
    output = event.get_step_output(name)
    return {} if output is None else output


__all__ = ["ApprovalTemplate", "ApprovalTemplateStep", "TemplateStep", "Transition", "get_step_output"]
