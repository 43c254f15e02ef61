"""HTTP errors (`HTTP:*` codes)."""

from sym.sdk.exceptions.sym_exception import SymException


class HTTPError(SymException):
    """Raised by HTTP calls made on behalf of an integration."""

    def __init__(self, name: str, message: str):
        super().__init__(error_type="HTTP", name=name, message=message)
