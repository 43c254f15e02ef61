"""Integrations that have no host capability in symflow yet.

Their modules import fine, so an impl that only mentions them still builds; calling one of
their functions raises the integration's own `SymException` subclass with code
`<Type>:NOT_AVAILABLE`, so `except SymException` fallbacks in flows keep working.
"""

from typing import Callable, NoReturn


def not_available(error: Callable[[str, str], Exception], integration: str, function: str) -> NoReturn:
    raise error(
        "NOT_AVAILABLE",
        f"The {integration} integration is not available in symflow yet "
        f"(sym.sdk.integrations.{integration}.{function} was called).",
    )
