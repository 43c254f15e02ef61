"""A flow that defines every reducer and hook, for the sandbox's own tests.

What each hook does is chosen by the request field `mode`, so one component
covers every case: a normal run, an endless loop, unbounded allocation, a hook
that raises, and each way out of the sandbox a flow might try.
"""
import os
import socket
import sys

from sym.sdk.annotations import hook, prefetch, reducer
from sym.sdk.forms import FieldOption
from sym.sdk.integrations import pagerduty, slack
from sym.sdk.notifications import Notification
from sym.sdk.request_permission import PermissionLevel, RequestPermission
from sym.sdk.templates import ApprovalTemplate

try:
    import subprocess
except ImportError:  # CPython on WASI may not ship it at all
    subprocess = None

# Module-level state: every event must start from a fresh copy of it.
SEEN = {"events": 0}


def _mode(event):
    return event.payload.fields.get("mode") or ""


def _audit(step, event):
    slack.send_message(slack.channel("#audit"), f"{step}:{event.user.email}")


@reducer
def get_permissions(event):
    return RequestPermission(
        webapp_view=PermissionLevel.MEMBER,
        approve_deny=PermissionLevel.ADMIN,
        allow_self_approval=_mode(event) == "self-ok",
    )


@reducer
def get_request_notifications(event):
    return [
        Notification(destinations=[slack.channel("#sym-requests")], timeout=600),
        Notification(destinations=[slack.user("backup@example.com")]),
    ]


@reducer
def get_approvers(event):
    return slack.channel("#sym-requests", allow_self=True)


@reducer
def get_identity(event, service_type, external_id, user):
    return f"{service_type}/{external_id}/{user.email}"


@prefetch(field_name="repo")
def get_repos(event):
    return [FieldOption(value="api", label="API service"), FieldOption(value="web", label="Web app")]


@hook
def on_prompt(event):
    _audit("on_prompt", event)


@hook
def after_prompt(event):
    _audit("after_prompt", event)


@hook
def on_request(event):
    mode = _mode(event)
    SEEN["events"] += 1
    if mode == "loop":
        while True:
            pass
    if mode == "alloc":
        hoard = []
        while True:
            hoard.append(bytearray(8 << 20))
    if mode == "raise":
        raise ValueError("boom from on_request")
    if mode == "open":
        with open("/etc/passwd") as f:
            return ApprovalTemplate.ignore(message=f.read())
    if mode == "environ":
        return ApprovalTemplate.ignore(message=f"environ={dict(os.environ)!r}")
    if mode == "socket":
        # A raw connect, so the failure is the sandbox's and not a name lookup's.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.connect(("127.0.0.1", 22))
        return ApprovalTemplate.ignore(message="connected")
    if mode == "subprocess":
        if subprocess is None:
            raise RuntimeError("subprocess is not available")
        subprocess.run(["/bin/true"], check=True)
        return ApprovalTemplate.ignore(message="spawned")
    if mode == "flood":
        for _ in range(20000):
            print("x" * 100)
        return None
    if mode == "exit":
        sys.exit(3)
    if mode == "count":
        return ApprovalTemplate.ignore(message=f"seen={SEEN['events']}")
    if mode == "oncall" and pagerduty.is_on_call(event.user, schedule_name="prod-on-call"):
        return ApprovalTemplate.approve(reason="requester is on call")
    if mode == "secret":
        integration = event.flow.environment.integrations["custom"]
        return ApprovalTemplate.ignore(message=integration.settings["secrets"][0].retrieve_value())
    _audit("on_request", event)
    return None


@hook
def after_request(event):
    _audit("after_request", event)


@hook
def on_request_forward(event, context):
    _audit(f"on_request_forward:{context.current_destination_index}->{context.next_destination_index}", event)


@hook
def after_request_forward(event, context):
    _audit("after_request_forward", event)


@hook
def on_approve(event):
    if event.user.email == "mallory@example.com":
        return ApprovalTemplate.ignore(message="Mallory may not approve")
    _audit("on_approve", event)


@hook
def after_approve(event):
    _audit("after_approve", event)


@hook
def on_deny(event):
    _audit("on_deny", event)


@hook
def after_deny(event):
    _audit("after_deny", event)


@hook
def on_escalate(event):
    _audit("on_escalate", event)


@hook
def after_escalate(event):
    _audit("after_escalate", event)


@hook
def on_deescalate(event):
    _audit("on_deescalate", event)


@hook
def after_deescalate(event):
    _audit("after_deescalate", event)
