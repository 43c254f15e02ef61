import requests
from requests.exceptions import RequestException
from sym.sdk.annotations import hook, reducer
from sym.sdk.exceptions import SymException
from sym.sdk.integrations import slack
from sym.sdk.notifications import Notification
from sym.sdk.request_permission import PermissionLevel, RequestPermission
from sym.sdk.templates import ApprovalTemplate


@reducer
def get_permissions(event):
    return RequestPermission(
        webapp_view=PermissionLevel.ADMIN,
        approve_deny=PermissionLevel.MEMBER,
        allow_self_approval=True,
    )


@reducer
def get_request_notifications(event):
    return [Notification(destinations=[slack.channel("#sym-requests")])]


def rota(path, integration):
    """Calls Rota's API with the key from the custom integration's secrets."""
    api_key = integration.settings["secrets"][0].retrieve_value()
    response = requests.get(
        f"https://api.rota.example/v1/{path}",
        headers={"X-Rota-Account": integration.external_id, "X-Rota-Key": api_key},
        timeout=5,
    )
    if not response.ok:
        raise RuntimeError(f"Rota answered {response.status_code}")
    return response.json()


@hook
def on_request(event):
    """On-call engineers are approved automatically."""
    integration = event.flow.environment.integrations["rota"]
    try:
        on_call = rota("oncall/current", integration)
    except (RuntimeError, RequestException, SymException) as error:
        print(f"Could not ask Rota who is on call, a human decides: {error}")
        return None
    if event.user.email in on_call.get("emails", []):
        return ApprovalTemplate.approve(reason="Auto-approved: on call in Rota")
