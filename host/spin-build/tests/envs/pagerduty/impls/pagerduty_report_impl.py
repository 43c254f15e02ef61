from sym.sdk.annotations import hook, prefetch, reducer
from sym.sdk.forms import FieldOption
from sym.sdk.integrations import pagerduty, slack
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
    """Report what PagerDuty says: who is on call, who is on the schedule, open incidents."""
    say = lambda text: slack.send_message(slack.channel("#pagerduty"), text)
    on_call = pagerduty.users_on_call(escalation_policy_name="Primary")
    say("on call for Primary: " + ",".join(sorted(u.email for u in on_call)))
    scheduled = pagerduty.users_for_schedule(schedule_name="prod-on-call")
    say("on prod-on-call: " + ",".join(sorted(u.email for u in scheduled)))
    incidents = pagerduty.get_incidents(assignees=[event.user])
    say("requester's open incidents: " + ",".join(sorted(i["title"] for i in incidents)))
    say(f"requester has a high-urgency incident: {pagerduty.has_incident(assignees=[event.user])}")
    everyone = pagerduty.get_incidents(statuses=["triggered", "acknowledged", "resolved"], urgencies=["high", "low"])
    say("all incidents: " + ",".join(sorted(i["id"] for i in everyone)))


@prefetch(field_name="responder")
def on_call_responders(event):
    """The responder dropdown: who is on call for Primary now."""
    return [
        FieldOption(value=u.email, label=f"{u.first_name} {u.last_name}")
        for u in pagerduty.users_on_call(escalation_policy_name="Primary")
    ]
