"""The base of every exception the SDK raises (`Type:NAME` error codes).

Flows catch `SymException` around integration calls and fall back (spec §5.7), and the guest
turns an uncaught one into a `flow-error` whose `error-code` is `error_code`.
"""


class SymException(Exception):
    """Base class of every exception raised by the SDK and by integrations.

    Args:
        error_type: the family, first part of `error_code` (e.g. `Slack`).
        name: the specific error, second part of `error_code` (e.g. `NOT_GRANTED`).
        message: the human-readable message.
    """

    def __init__(self, error_type: str, name: str, message: str):
        self.error_type = error_type
        self.name = name
        self.message = message
        self.error_code = f"{error_type}:{name}"
        super().__init__(message)

    def to_dict(self) -> dict:
        return {"error": True, "message": self.message, "code": self.error_code}


class ExceptionWithHint(SymException):
    """A `SymException` that carries a hint telling the implementer how to fix the problem.

    `str(e)` is the message followed by the hint, formatted for Slack. Subclasses either pass
    `hint=` or set a class attribute `default_hint`.
    """

    default_hint: str = ""

    def __init__(self, error_type: str, name: str, message: str, hint: "str | None" = None):
        super().__init__(error_type=error_type, name=name, message=message)
        self._hint = hint

    @property
    def hint(self) -> str:
        return self._hint if self._hint is not None else self.default_hint

    def __str__(self) -> str:
        return f"{self.message}\n\n*Hint:* {self.hint}"
