from sym.sdk._internal import host
from sym.sdk.annotations import hook, reducer
from sym.sdk.exceptions.slack import SlackError
from sym.sdk.integrations import slack
from sym.sdk.notifications import Notification
from sym.sdk.request_permission import PermissionLevel, RequestPermission
from sym.sdk.templates import ApprovalTemplate


@reducer
def get_permissions(event):
    return RequestPermission(webapp_view=PermissionLevel.MEMBER, approve_deny=PermissionLevel.MEMBER)


@reducer
def get_request_notifications(event):
    return [Notification(destinations=[slack.channel("#sym-requests")])]


def down(n):
    return down(n + 1) + 1


@hook
def on_request(event):
    mode = event.payload.fields["reason"]
    if mode == "recurse":
        down(0)
    if mode == "huge":
        return ApprovalTemplate.deny(message="x" * (8 * 1024 * 1024))
    if mode == "huge-error":
        raise ValueError("y" * (8 * 1024 * 1024))
    if mode == "spin":
        while True:
            pass
    if mode == "slow-slack":
        slack.users_in_channel("#slow")
    if mode.startswith("thread:"):
        # Below the SDK (which always names the event's own run), and around the build's
        # import check: the raw capability, asked to reply in another flow's run's thread.
        raw = __import__("wit_world.imports.slack", fromlist=["send_thread_message"])
        host.call(SlackError, raw.send_thread_message, mode[len("thread:"):], "hijacked")
    return None
