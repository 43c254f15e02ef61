"""`sym.sdk.integrations`: helpers for the services a flow talks to (spec §5.6).

slack, pagerduty, okta, github, aws_lambda, sym and store call the host's WIT capabilities.
aws_iam, aws_sso, google, onelogin, knowbe4, boundary and jira import but raise `NOT_AVAILABLE`
when called. All are imported here, at top level, so each is in the component's snapshot.
"""

from sym.sdk.integrations import (
    aws_iam,
    aws_lambda,
    aws_sso,
    boundary,
    github,
    google,
    jira,
    knowbe4,
    okta,
    onelogin,
    pagerduty,
    slack,
    store,
    sym,
)

__all__ = [
    "aws_iam",
    "aws_lambda",
    "aws_sso",
    "boundary",
    "github",
    "google",
    "jira",
    "knowbe4",
    "okta",
    "onelogin",
    "pagerduty",
    "slack",
    "store",
    "sym",
]
