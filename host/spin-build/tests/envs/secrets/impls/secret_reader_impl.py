from sym.sdk.annotations import hook, reducer
from sym.sdk.integrations import slack
from sym.sdk.notifications import Notification
from sym.sdk.request_permission import PermissionLevel, RequestPermission
from sym.sdk.secrets import Secret


@reducer
def get_permissions(event):
    return RequestPermission(webapp_view=PermissionLevel.ADMIN, approve_deny=PermissionLevel.ADMIN)


@reducer
def get_request_notifications(event):
    return [Notification(destinations=[slack.channel("#sym-requests")])]


def read(secret):
    try:
        return "value " + secret.retrieve_value()
    except Exception as e:
        return "refused: " + str(e)


@hook
def on_request(event):
    """Report each secret's outcome: the given one, a given one without a value, a JSON one's
    key, another."""
    vault = event.flow.environment.integrations["vault"].settings
    for label, secret in [
        ("given", vault["api_token_secret"]),
        ("unset", vault["backup_token_secret"]),
        ("json", vault["db_password_secret"]),
        ("other", Secret("unreferenced")),
    ]:
        slack.send_message(slack.channel("#secrets"), f"{label}: {read(secret)}")
