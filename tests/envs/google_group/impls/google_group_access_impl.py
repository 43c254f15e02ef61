from sym.sdk.annotations import hook, reducer
from sym.sdk.integrations import slack
from sym.sdk.notifications import Notification
from sym.sdk.request_permission import PermissionLevel, RequestPermission


@reducer
def get_permissions(event):
    return RequestPermission(
        webapp_view=PermissionLevel.MEMBER,
        approve_deny=PermissionLevel.MEMBER,
        allow_self_approval=False,
    )


@reducer
def get_request_notifications(event):
    return [Notification(destinations=[slack.channel("#sym-requests")])]


@hook
def after_escalate(event):
    slack.send_message(slack.channel("#sym-audit"), f"{event.get_actor('request').email} now has {event.payload.fields['target'].name}")


@hook
def after_deescalate(event):
    slack.send_message(slack.channel("#sym-audit"), f"{event.get_actor('request').email} no longer has {event.payload.fields['target'].name}")
