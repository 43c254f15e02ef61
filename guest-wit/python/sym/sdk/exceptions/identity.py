"""Errors about user identities (`Identity:*` codes)."""

from sym.sdk.exceptions.sym_exception import ExceptionWithHint, SymException


class IdentityError(SymException):
    """Base class of identity errors."""

    def __init__(self, name: str, message: str, error_type: str = "Identity"):
        super().__init__(error_type=error_type, name=name, message=message)


class CouldNotSaveError(IdentityError):
    """A `UserIdentity` could not be saved (`Identity:COULD_NOT_SAVE`)."""

    def __init__(self, message: str):
        super().__init__("COULD_NOT_SAVE", message)


class IdentityNotFound(IdentityError, ExceptionWithHint):
    """No identity of the user in a service could be found (`Identity:NOT_FOUND`)."""

    default_hint = "An Implementer can use the symflow CLI to manually add the user's identity"

    def __init__(self, message: str):
        super().__init__("NOT_FOUND", message)
