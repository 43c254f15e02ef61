from sym.sdk.annotations import hook, prefetch, reducer
from sym.sdk.forms import FieldOption
from sym.sdk.integrations import slack
from sym.sdk.notifications import Notification
from sym.sdk.request_permission import PermissionLevel, RequestPermission
from sym.sdk.templates import ApprovalTemplate


@reducer
def get_permissions(event):
    return RequestPermission(webapp_view=PermissionLevel.MEMBER, approve_deny=PermissionLevel.MEMBER)


@reducer
def get_request_notifications(event):
    return [Notification(destinations=[slack.channel("#sym-requests")])]


@prefetch(field_name="service")
def list_services(event):
    return [FieldOption(value="billing", label="Billing API"), FieldOption(value="search", label="Search cluster")]


@hook
def on_prompt(event):
    if event.user.email == event.flow.vars["on_leave"]:
        return ApprovalTemplate.ignore(message="You are on leave, so requests are paused for you. Enjoy the time off!")
    return None
