"""Auto-approve on-call engineers, modelled on Sym's `pagerduty_on_call` example."""

from sym.sdk.annotations import hook, reducer
from sym.sdk.exceptions import SymException
from sym.sdk.integrations import pagerduty, slack
from sym.sdk.notifications import Notification
from sym.sdk.request_permission import PermissionLevel, RequestPermission
from sym.sdk.templates import ApprovalTemplate


@reducer
def get_permissions(event):
    return RequestPermission(
        webapp_view=PermissionLevel.ADMIN,
        approve_deny=PermissionLevel.MEMBER,
        allow_self_approval=False,
    )


@reducer
def get_request_notifications(event):
    return [Notification(destinations=[slack.channel("#sym-requests")])]


@hook
def on_request(event):
    """If the requester is on call for prod, auto-approve their request."""
    try:
        if pagerduty.is_on_call(event.user, schedule_name="prod-on-call"):
            original_reason = event.payload.fields["reason"]
            return ApprovalTemplate.approve(reason=f"Auto-approved on-call engineer: {original_reason}")
    except SymException as e:
        # e.g. an expired PagerDuty token: skip auto-approval and say why.
        slack.send_message(
            slack.channel("#sym-requests"),
            f"A PagerDuty error occurred while checking who's on call; falling back to a manual approval.\n{e}",
        )
