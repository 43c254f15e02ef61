"""A flow that touches every capability symflow-integrations serves and reports what it saw.

on_request returns ApprovalTemplate.ignore(message=<JSON of results>), so the test reads the
results from the transition; each call records either its value or the Sym error code.
"""

import json

import requests
from sym.sdk.annotations import hook, reducer
from sym.sdk.exceptions import SymException
from sym.sdk.integrations import github, okta, pagerduty
from sym.sdk.request_permission import PermissionLevel, RequestPermission
from sym.sdk.secrets import Secret
from sym.sdk.templates import ApprovalTemplate


@reducer
def get_permissions(event):
    return RequestPermission(webapp_view=PermissionLevel.MEMBER, approve_deny=PermissionLevel.MEMBER)


def _try(results, key, fn):
    try:
        results[key] = fn()
    except SymException as e:
        results[key] = e.error_code
    except requests.exceptions.RequestException as e:
        results[key] = type(e).__name__ + ": " + str(e)


@hook
def on_request(event):
    results = {}
    urls = event.flow.vars
    _try(results, "on_call", lambda: pagerduty.is_on_call(event.user, escalation_policy_name="Primary"))
    _try(results, "in_group", lambda: okta.is_user_in_group(event.user, group_id="00g-admins"))
    _try(results, "admins", lambda: [u.username for u in github.get_repo_collaborators(repo_name="api", roles=["admin"])])
    _try(results, "partner_token", lambda: Secret(id="partner_token").retrieve_value())
    _try(results, "unrelated", lambda: Secret(id="unrelated").retrieve_value())
    _try(results, "allowed", lambda: requests.get(urls["allowed_url"], timeout=5).text)
    _try(results, "denied", lambda: requests.get(urls["denied_url"], timeout=5).text)
    return ApprovalTemplate.ignore(message=json.dumps(results, sort_keys=True))
