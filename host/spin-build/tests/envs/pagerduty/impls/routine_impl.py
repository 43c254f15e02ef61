from sym.sdk.annotations import reducer
from sym.sdk.integrations import slack
from sym.sdk.notifications import Notification
from sym.sdk.request_permission import PermissionLevel, RequestPermission


@reducer
def get_permissions(event):
    return RequestPermission(webapp_view=PermissionLevel.MEMBER, approve_deny=PermissionLevel.MEMBER)


@reducer
def get_request_notifications(event):
    return [Notification(destinations=[slack.channel("#sym-requests")])]
