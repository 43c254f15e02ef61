"""Jira errors (`Jira:*` codes)."""

from sym.sdk.exceptions.sym_exception import SymException


class JiraError(SymException):
    """Raised by `sym.sdk.integrations.jira`."""

    def __init__(self, name: str, message: str):
        super().__init__(error_type="Jira", name=name, message=message)
