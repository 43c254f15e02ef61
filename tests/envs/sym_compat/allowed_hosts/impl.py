import requests
from sym.sdk.annotations import hook, reducer
from sym.sdk.integrations import slack
from sym.sdk.notifications import Notification
from sym.sdk.request_permission import PermissionLevel, RequestPermission


@reducer
def get_permissions(event):
    return RequestPermission(
        webapp_view=PermissionLevel.MEMBER,
        approve_deny=PermissionLevel.MEMBER,
        allow_self_approval=True,
    )


@reducer
def get_request_notifications(event):
    return [Notification(destinations=[slack.channel("#sym-requests")])]


@hook
def after_request(event):
    # Docs: https://docs.partner.example/webhooks (not a call)
    requests.post("https://hooks.partner.example/v1/access", json={"user": event.user.email}, timeout=5)
