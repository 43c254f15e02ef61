"""An approval-only flow in the style of Sym's current examples (get_permissions +
get_request_notifications), with safelist-gated approval and a next-steps message after approve."""

from sym.sdk.annotations import hook, reducer
from sym.sdk.integrations import slack
from sym.sdk.notifications import Notification
from sym.sdk.request_permission import PermissionLevel, RequestPermission
from sym.sdk.templates import ApprovalTemplate


@reducer
def get_permissions(event):
    """Decide who can see and take actions on requests."""
    return RequestPermission(
        # Only admins may view this request in Sym's web app.
        webapp_view=PermissionLevel.ADMIN,
        # Only members may approve or deny requests.
        approve_deny=PermissionLevel.MEMBER,
        # allow_self_approval lets users approve their own requests. This is great for testing!
        allow_self_approval=True,
    )


@reducer
def get_request_notifications(event):
    """Route requests to the channel named in the flow's vars, DMing the backup approver after 10 minutes."""
    flow_vars = event.flow.vars
    return [
        Notification(destinations=[slack.channel(flow_vars["request_channel"])], timeout=600),
        Notification(destinations=[slack.user(flow_vars["backup_approver"])]),
    ]


@hook
def on_approve(event):
    """Only let members of the approver safelist approve requests."""
    if not has_approve_access(event):
        return ApprovalTemplate.ignore(message="You are not authorized to approve this request.")


@hook
def after_approve(event):
    """Tell the requester what to do next, in the request's thread and by DM."""
    requester = event.get_actor("request")
    resource = event.payload.fields["resource-identifier"]
    slack.send_thread_message(f"Approved by {slack.mention(event.user)}.")
    slack.send_message(requester, f"Congratulations! Your access to {resource} was approved.")


def has_approve_access(event):
    approvers = event.flow.vars["approvers"].split(",")
    return event.user.username in approvers
