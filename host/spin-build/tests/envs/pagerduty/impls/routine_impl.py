from sym.sdk.annotations import hook, reducer
from sym.sdk.integrations import slack
from sym.sdk.notifications import Notification
from sym.sdk.request_permission import PermissionLevel, RequestPermission


@reducer
def get_permissions(event):
    return RequestPermission(webapp_view=PermissionLevel.MEMBER, approve_deny=PermissionLevel.MEMBER)


@reducer
def get_request_notifications(event):
    return [Notification(destinations=[slack.channel("#sym-requests")])]


@hook
def after_approve(event):
    """Slack's read helpers and a reply in the request's thread."""
    ops = sorted(u.email for u in slack.users_in_channel("C0OPS"))
    slack.send_thread_message("approved; #ops has " + ",".join(ops))
    requester = event.get_actor("request")
    report = lambda text: slack.send_message(slack.channel("#slack-report"), text)
    report(f"requester in S0ONCALL: {slack.is_user_in_group(requester, group_id='S0ONCALL')}")
    report(f"approver in S0ONCALL: {slack.is_user_in_group(event.user, group_id='S0ONCALL')}")
    report("workspace: " + ",".join(sorted(u.email for u in slack.list_users())))
    report(f"requests by the requester here: {requester.get_event_count('request')}")
    report(f"since 2099: {requester.get_event_count('request', since='2099-01-01T00:00:00+00:00')}")
    report(f"approvals by the requester: {requester.get_event_count('approve', filter_on='target')}")
