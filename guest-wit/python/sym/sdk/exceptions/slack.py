"""Slack errors (`Slack:*` codes)."""

from sym.sdk.exceptions.sym_exception import SymException


class SlackError(SymException):
    """Raised by `sym.sdk.integrations.slack`."""

    def __init__(self, name: str, message: str):
        super().__init__(error_type="Slack", name=name, message=message)
