"""PagerDuty errors (`PagerDuty:*` codes)."""

from sym.sdk.exceptions.sym_exception import SymException


class PagerDutyError(SymException):
    """Raised by `sym.sdk.integrations.pagerduty`."""

    def __init__(self, name: str, message: str):
        super().__init__(error_type="PagerDuty", name=name, message=message)
