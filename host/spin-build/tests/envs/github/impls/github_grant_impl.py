from sym.sdk.annotations import hook, reducer
from sym.sdk.integrations import github, slack
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
    return [Notification(destinations=[slack.channel("#github-requests")])]


@hook
def on_request(event):
    """Report the repository's admins (GitHub's collaborators API)."""
    admins = github.get_repo_collaborators(repo_name="api", roles=["admin"])
    slack.send_message(slack.channel("#github"), "api admins: " + ",".join(u.username for u in admins))
