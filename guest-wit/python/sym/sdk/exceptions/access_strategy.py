"""Access strategy errors (`AccessStrategy:*` codes)."""

from sym.sdk.exceptions.sym_exception import SymException


class AccessStrategyError(SymException):
    """Raised by access strategies (`sym.sdk.strategies`)."""

    def __init__(self, name: str, message: str):
        super().__init__(error_type="AccessStrategy", name=name, message=message)
