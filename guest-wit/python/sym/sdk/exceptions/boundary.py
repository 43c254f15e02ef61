"""Boundary errors (`Boundary:*` codes)."""

from sym.sdk.exceptions.sym_exception import SymException


class BoundaryError(SymException):
    """Raised by `sym.sdk.integrations.boundary`."""

    def __init__(self, name: str, message: str):
        super().__init__(error_type="Boundary", name=name, message=message)
