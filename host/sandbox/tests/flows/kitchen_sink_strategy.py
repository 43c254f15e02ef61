"""A custom access strategy for the sandbox's tests: grants are echoed back."""
from sym.sdk.strategies import AccessStrategy
from sym.sdk.templates import ApprovalTemplateStep, get_step_output


class EchoStrategy(AccessStrategy):
    def fetch_remote_identity(self, user):
        if user.email.endswith("@example.com"):
            return "remote-" + user.email.split("@")[0]
        return None

    def escalate(self, target_id, event):
        return {"granted": target_id, "to": self.get_requester_identity(event)}

    def deescalate(self, target_id, event):
        return {"revoked": target_id, "escalated_with": get_step_output(ApprovalTemplateStep.ESCALATE)}
