"""Sym's exception hierarchy (`sym.sdk.exceptions`, spec §5.7).

Every exception has an `error_code` of the form `<Type>:<NAME>`, e.g. `PagerDuty:NOT_GRANTED`.
Integration functions raise their integration's class; when the host refuses a capability
call, NAME is the host's code upper-cased (`not-granted` -> `NOT_GRANTED`).

| class                  | Type            |
|------------------------|-----------------|
| AccessStrategyError    | AccessStrategy  |
| AptibleError           | Aptible         |
| AWSError               | AWS             |
| AWSIAMError            | AWSIAM          |
| AWSSSOError            | AWSSSO          |
| AWSLambdaError         | AWSLambda       |
| BoundaryError          | Boundary        |
| GitHubError            | GitHub          |
| GoogleError            | Google          |
| HTTPError              | HTTP            |
| IdentityError          | Identity        |
| CouldNotSaveError      | Identity (COULD_NOT_SAVE) |
| IdentityNotFound       | Identity (NOT_FOUND), with a hint |
| JiraError              | Jira            |
| KnowBe4Error           | KnowBe4         |
| OktaError              | Okta            |
| OneLoginError          | OneLogin        |
| PagerDutyError         | PagerDuty       |
| SDKError               | SDK             |
| MissingArgument        | SDK (MISSING_ARGUMENT) |
| SlackError             | Slack           |
| SymIntegrationError    | SymIntegration  |
"""

from sym.sdk.exceptions.access_strategy import AccessStrategyError
from sym.sdk.exceptions.aptible import AptibleError
from sym.sdk.exceptions.aws import AWSError, AWSIAMError, AWSLambdaError, AWSSSOError
from sym.sdk.exceptions.boundary import BoundaryError
from sym.sdk.exceptions.github import GitHubError
from sym.sdk.exceptions.google import GoogleError
from sym.sdk.exceptions.http import HTTPError
from sym.sdk.exceptions.identity import CouldNotSaveError, IdentityError, IdentityNotFound
from sym.sdk.exceptions.jira import JiraError
from sym.sdk.exceptions.knowbe4 import KnowBe4Error
from sym.sdk.exceptions.okta import OktaError
from sym.sdk.exceptions.onelogin import OneLoginError
from sym.sdk.exceptions.pagerduty import PagerDutyError
from sym.sdk.exceptions.sdk import MissingArgument, SDKError
from sym.sdk.exceptions.slack import SlackError
from sym.sdk.exceptions.sym_exception import ExceptionWithHint, SymException
from sym.sdk.exceptions.sym_integration import SymIntegrationError

__all__ = [
    "AccessStrategyError",
    "AptibleError",
    "AWSError",
    "AWSIAMError",
    "AWSLambdaError",
    "AWSSSOError",
    "BoundaryError",
    "CouldNotSaveError",
    "ExceptionWithHint",
    "GitHubError",
    "GoogleError",
    "HTTPError",
    "IdentityError",
    "IdentityNotFound",
    "JiraError",
    "KnowBe4Error",
    "MissingArgument",
    "OktaError",
    "OneLoginError",
    "PagerDutyError",
    "SDKError",
    "SlackError",
    "SymException",
    "SymIntegrationError",
]
