from datetime import datetime, timedelta

from sym.sdk.strategies import AccessStrategy
from sym.sdk.templates import ApprovalTemplateStep, get_step_output


class BreakGlassStrategy(AccessStrategy):
    """Records a grant id at escalation; deescalation revokes exactly that grant."""

    def fetch_remote_identity(self, user):
        return user.email.split("@")[0]

    def escalate(self, target_id, event):
        target = event.payload.fields["target"]
        return {
            "grant": f"{self.get_requester_identity(event)}@{target.settings['identifier']}",
            "target": target.settings["identifier"],
        }

    def deescalate(self, target_id, event):
        if event.payload.fields.get("reason") == "slow revoke":
            # Long enough for the replica test to kill the replica in the middle of it.
            until = datetime.now() + timedelta(seconds=3)
            while datetime.now() < until:
                pass
        escalated = get_step_output(ApprovalTemplateStep.ESCALATE)
        return {"revoked": escalated.get("grant") if escalated else None}
