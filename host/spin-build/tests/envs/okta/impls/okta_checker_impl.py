from sym.sdk.annotations import hook, reducer
from sym.sdk.integrations import okta, slack
from sym.sdk.notifications import Notification
from sym.sdk.request_permission import PermissionLevel, RequestPermission


@reducer
def get_permissions(event):
    return RequestPermission(webapp_view=PermissionLevel.ADMIN, approve_deny=PermissionLevel.ADMIN)


@reducer
def get_request_notifications(event):
    return [Notification(destinations=[slack.channel("#sym-requests")])]


@hook
def on_request(event):
    """Report what Okta says about the requester and the Admins group."""
    say = lambda text: slack.send_message(slack.channel("#okta"), text)
    say(f"in eng: {okta.is_user_in_group(event.user, group_id='00g-eng')}")
    say(f"in admins: {okta.is_user_in_group(event.user, group_id='00g-admins')}")
    admins = okta.users_in_group(group_id="00g-admins")
    say("admins: " + ",".join(u.email for u in admins))
    groups = okta.list_groups(name_filter="Ad")
    say("groups named Ad…: " + ",".join(g["profile"]["name"] for g in groups))
    say("filter sent: " + groups[0]["filter_seen"])
