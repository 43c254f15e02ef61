from sym.sdk.annotations import reducer
from sym.sdk.integrations import slack


@reducer
def get_approvers(event):
    """Route all requests to #sym-requests; requesters may approve themselves."""
    return slack.channel("#sym-requests", allow_self=True)
