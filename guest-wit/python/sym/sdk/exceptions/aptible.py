"""Aptible errors (`Aptible:*` codes)."""

from sym.sdk.exceptions.sym_exception import SymException


class AptibleError(SymException):
    """Raised by the Aptible access strategy."""

    def __init__(self, name: str, message: str):
        super().__init__(error_type="Aptible", name=name, message=message)
