from sym.sdk.annotations import reducer
from sym.sdk.integrations import slack


# Provider 2.x era: the approvers and the allow_self flag come from get_approvers.
@reducer
def get_approvers(event):
    return slack.channel("#sym-requests", allow_self=True)
