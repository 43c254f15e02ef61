"""AWS errors (`AWS`, `AWSIAM`, `AWSSSO`, `AWSLambda` codes)."""

from sym.sdk.exceptions.sym_exception import SymException


class AWSError(SymException):
    """Base class of AWS errors."""

    def __init__(self, name: str, message: str, error_type: str = "AWS"):
        super().__init__(error_type=error_type, name=name, message=message)


class AWSLambdaError(AWSError):
    """Raised by `sym.sdk.integrations.aws_lambda` (e.g. `AWSLambda:FUNCTION_ERROR`)."""

    def __init__(self, name: str, message: str):
        super().__init__(name, message, error_type="AWSLambda")


class AWSIAMError(AWSError):
    """Raised by `sym.sdk.integrations.aws_iam`."""

    def __init__(self, name: str, message: str):
        super().__init__(name, message, error_type="AWSIAM")


class AWSSSOError(AWSError):
    """Raised by `sym.sdk.integrations.aws_sso`."""

    def __init__(self, name: str, message: str):
        super().__init__(name, message, error_type="AWSSSO")
