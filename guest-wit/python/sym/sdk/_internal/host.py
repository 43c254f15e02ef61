"""Calling the host's WIT imports and turning their refusals into SDK exceptions.

An import returns normally or raises `componentize_py_types.Err(CapabilityError)`. `call` runs
one import and, on `Err`, raises the exception the calling integration documents (e.g.
`SlackError("NOT_GRANTED", message)`), so flow code sees Sym's exception classes and never
componentize-py's types.
"""

from typing import Any, Callable

from componentize_py_types import Err

ErrorFactory = Callable[[str, str], BaseException]


def error_name(code: str) -> str:
    """The NAME half of a `Type:NAME` code for a host code: `not-granted` -> `NOT_GRANTED`."""
    cleaned = "".join(ch if ch.isalnum() else "_" for ch in code.strip())
    return cleaned.upper() or "UNKNOWN"


def call(error: ErrorFactory, fn: Callable[..., Any], *args: Any) -> Any:
    """Call host import `fn(*args)`; on a capability error raise `error(NAME, message)`."""
    try:
        return fn(*args)
    except Err as err:
        refusal = err.value
        code = getattr(refusal, "code", "error")
        message = getattr(refusal, "message", str(refusal))
        raise error(error_name(code), message) from None
