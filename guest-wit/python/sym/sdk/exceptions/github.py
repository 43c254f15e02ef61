"""GitHub errors (`GitHub:*` codes)."""

from sym.sdk.exceptions.sym_exception import SymException


class GitHubError(SymException):
    """Raised by `sym.sdk.integrations.github`."""

    def __init__(self, name: str, message: str):
        super().__init__(error_type="GitHub", name=name, message=message)
