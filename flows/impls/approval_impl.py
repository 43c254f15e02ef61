from sym.sdk.annotations import hook, reducer
from sym.sdk.integrations import slack
from sym.sdk.notifications import Notification
from sym.sdk.request_permission import PermissionLevel, RequestPermission


@reducer
def get_permissions(event):
    """Members may see requests; only admins may approve or deny them."""
    return RequestPermission(
        webapp_view=PermissionLevel.MEMBER,
        approve_deny=PermissionLevel.ADMIN,
        allow_self_approval=False,
    )


@reducer
def get_request_notifications(event):
    """Post requests to the channel named in the flow's vars."""
    return [Notification(destinations=[slack.channel(event.flow.vars["request_channel"])])]


@hook
def after_approve(event):
    slack.send_message(
        event.get_actor("request"),
        f"Your request for {event.payload.fields['resource']} was approved. Remember to tidy up after.",
    )
