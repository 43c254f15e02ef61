from sym.sdk.annotations import hook, reducer
from sym.sdk.integrations import okta, slack
from sym.sdk.notifications import Notification
from sym.sdk.request_permission import PermissionLevel, RequestPermission


@reducer
def get_permissions(event):
    """Members may approve; nobody approves their own request."""
    return RequestPermission(
        webapp_view=PermissionLevel.MEMBER,
        approve_deny=PermissionLevel.MEMBER,
        allow_self_approval=False,
    )


@reducer
def get_request_notifications(event):
    return [Notification(destinations=[slack.channel(event.flow.vars["approvers_channel"])])]


@hook
def after_escalate(event):
    target = event.payload.fields["target"]
    slack.send_message(event.user, f"You are in {target.label} until your access expires.")
