"""Okta errors (`Okta:*` codes)."""

from sym.sdk.exceptions.sym_exception import SymException


class OktaError(SymException):
    """Raised by `sym.sdk.integrations.okta`."""

    def __init__(self, name: str, message: str):
        super().__init__(error_type="Okta", name=name, message=message)
