"""A pre-2024 Sym flow: the legacy `get_approvers` reducer routing to one channel, with
self-approval allowed, as in Sym's examples before the get_permissions split."""

from sym.sdk.annotations import hook, reducer
from sym.sdk.integrations import slack
from sym.sdk.templates import ApprovalTemplate


@reducer
def get_approvers(event):
    """Route Sym requests to a specified channel."""
    # allow_self lets the requester approve their own request. This is great for testing!
    return slack.channel("#sym-requests", allow_self=True)


@hook
def on_deny(event):
    """Only the requester or someone in the approvers channel may deny."""
    requester = event.get_actor("request")
    if requester != event.user and event.user not in slack.users_in_channel("#sym-requests"):
        return ApprovalTemplate.ignore(message="You are not authorized to deny this request.")
