"""`sym.sdk.integrations.aws_iam`: AWS IAM group membership (spec §5.6).

Not available in symflow yet: every function raises `AWSIAMError` with code `NOT_AVAILABLE`.
"""

from sym.sdk.exceptions import AWSIAMError
from sym.sdk.integrations._unavailable import not_available


def is_user_in_group(user, *, group_name: str) -> bool:
    not_available(AWSIAMError, "aws_iam", "is_user_in_group")
