"""`sym.sdk.integrations.aws_lambda`: invoke AWS Lambda functions through the host (spec §5.6).

The payload is a dict or an `Event` (sent as Sym's reporting-event JSON, §7). A refusal raises
`AWSLambdaError`.
"""

import json
from typing import Any, Optional

from wit_world.imports import aws_lambda as lambda_capability

from sym.sdk._internal import host
from sym.sdk._internal.convert import dumps
from sym.sdk.exceptions.aws import AWSLambdaError


def _payload(payload: Optional[Any]) -> str:
    if payload is None:
        return "{}"
    return dumps(payload)


def invoke(arn: str, payload: Optional[Any] = None) -> Any:
    """Invoke synchronously and return the function's decoded JSON reply."""
    reply = host.call(AWSLambdaError, lambda_capability.invoke, arn, _payload(payload))
    try:
        return json.loads(reply) if reply else None
    except ValueError:
        return reply


def invoke_async(arn: str, payload: Optional[Any] = None) -> bool:
    """Invoke asynchronously; True when AWS accepted the invocation."""
    return host.call(AWSLambdaError, lambda_capability.invoke_async, arn, _payload(payload))
