from sym.sdk.annotations import hook, reducer
from sym.sdk.integrations import slack
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
    return [Notification(destinations=[slack.channel(event.flow.vars["request_channel"])])]


@hook
def after_escalate(event):
    target = event.payload.fields["target"]
    # The audit function's ARN is only known after terraform apply.
    arn = event.flow.vars["audit_function_arn"]
    slack.send_message(
        slack.channel("#sym-audit"),
        f"{event.user.email} now has {target.name} (group {target.settings['group_id']}); audit: {arn}",
    )
