"""The event the guest is handling right now.

Some SDK functions take no event argument but act on the current run: `get_step_output()`
reads the run's step outputs and `slack.send_thread_message()` replies in the run's thread.
The guest sets the current event around each handler call. A component instance serves one
event and runs one call at a time, so a module-level slot is enough.
"""

from typing import Any, Optional

_current: Optional[Any] = None


def set_current_event(event: Optional[Any]) -> None:
    global _current
    _current = event


def current_event() -> Optional[Any]:
    return _current
