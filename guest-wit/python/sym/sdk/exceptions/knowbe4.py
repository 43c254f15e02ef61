"""KnowBe4 errors (`KnowBe4:*` codes)."""

from sym.sdk.exceptions.sym_exception import SymException


class KnowBe4Error(SymException):
    """Raised by `sym.sdk.integrations.knowbe4`."""

    def __init__(self, name: str, message: str):
        super().__init__(error_type="KnowBe4", name=name, message=message)
