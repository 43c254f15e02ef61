"""Errors of the functions that integrate with the Sym platform itself (`SymIntegration:*`).

Raised by `sym.sdk.integrations.sym`, `sym.sdk.integrations.store`, `Secret.retrieve_value()`
and `User.get_event_count()` when the host refuses or fails the call.
"""

from sym.sdk.exceptions.sym_exception import SymException


class SymIntegrationError(SymException):
    def __init__(self, name: str, message: str):
        super().__init__(error_type="SymIntegration", name=name, message=message)
