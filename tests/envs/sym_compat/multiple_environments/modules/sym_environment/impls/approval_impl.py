from sym.sdk.annotations import hook, reducer
from sym.sdk.integrations import slack
from sym.sdk.notifications import Notification
from sym.sdk.request_permission import PermissionLevel, RequestPermission


@reducer
def get_permissions(event):
    return RequestPermission(
        webapp_view=PermissionLevel.ADMIN,
        approve_deny=PermissionLevel.ADMIN,
        allow_self_approval=True,
    )


@reducer
def get_request_notifications(event):
    channel = event.flow.vars.get("request_channel", "#sym-requests")
    return [Notification(destinations=[slack.channel(channel)])]


@hook
def after_approve(event):
    slack.send_message(slack.channel("#sym-requests"), f"{event.user.email} was approved.")
