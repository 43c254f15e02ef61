from sym.sdk.annotations import hook, reducer
from sym.sdk.integrations import slack
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
    return [Notification(destinations=[slack.channel("#deploy-approvals")])]


@hook
def on_request(event):
    """Deploys that change no Terraform are approved without a human."""
    context = event.get_context("request")
    diff = context.get("diff")
    if diff is not None and ".tf" not in diff:
        return ApprovalTemplate.approve(reason=f"No Terraform changes in {context.get('pipeline', 'the pipeline')}")
    slack.send_message(
        slack.channel("#deploy-approvals"),
        f"context keys: {sorted(context)}",
    )
