from sym.sdk.annotations import hook, reducer
from sym.sdk.exceptions import PagerDutyError
from sym.sdk.integrations import pagerduty, slack
from sym.sdk.notifications import Notification
from sym.sdk.request_permission import PermissionLevel, RequestPermission
from sym.sdk.templates import ApprovalTemplate


@reducer
def get_permissions(event):
    return RequestPermission(
        webapp_view=PermissionLevel.MEMBER,
        approve_deny=PermissionLevel.MEMBER,
        allow_self_approval=False,
    )


@reducer
def get_request_notifications(event):
    return [Notification(destinations=[slack.channel(event.flow.vars["request_channel"])])]


@hook
def on_request(event):
    try:
        if pagerduty.is_on_call(event.user, schedule_name=event.flow.vars["schedule_name"]):
            return ApprovalTemplate.approve(reason="Auto-approved: on call")
    except PagerDutyError:
        return None
