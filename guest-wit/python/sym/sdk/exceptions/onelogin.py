"""OneLogin errors (`OneLogin:*` codes)."""

from sym.sdk.exceptions.sym_exception import SymException


class OneLoginError(SymException):
    """Raised by `sym.sdk.integrations.onelogin`."""

    def __init__(self, name: str, message: str):
        super().__init__(error_type="OneLogin", name=name, message=message)
