"""Errors about using the SDK itself (`SDK:*` codes)."""

from sym.sdk.exceptions.sym_exception import SymException


class SDKError(SymException):
    """Base class of SDK usage errors."""

    def __init__(self, name: str, message: str):
        super().__init__(error_type="SDK", name=name, message=message)


class MissingArgument(SDKError):
    """A required argument was not given (`SDK:MISSING_ARGUMENT`)."""

    def __init__(self, message: str):
        super().__init__("MISSING_ARGUMENT", message)
