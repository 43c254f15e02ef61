from sym.sdk.annotations import hook, reducer
from sym.sdk.integrations import slack
from sym.sdk.templates import ApprovalTemplate


@reducer
def get_approvers(event):
    return slack.channel("#sym-requests", allow_self=False)


@hook
def on_request(event):
    if "break-glass" in event.payload.fields["reason"]:
        return ApprovalTemplate.approve(reason="break-glass")
