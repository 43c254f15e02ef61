"""Google errors (`Google:*` codes)."""

from sym.sdk.exceptions.sym_exception import SymException


class GoogleError(SymException):
    """Raised by `sym.sdk.integrations.google`."""

    def __init__(self, name: str, message: str):
        super().__init__(error_type="Google", name=name, message=message)
