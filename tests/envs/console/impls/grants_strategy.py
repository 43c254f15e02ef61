from sym.sdk.strategies import AccessStrategy


class GrantsStrategy(AccessStrategy):
    """Grants and removes access to one target, returning what it did."""

    def fetch_remote_identity(self, user):
        return user.email.split("@")[0]

    def escalate(self, target_id, event):
        return {"granted": f"{self.get_requester_identity(event)}@orders-db"}

    def deescalate(self, target_id, event):
        return {"removed": f"{self.get_requester_identity(event)}@orders-db"}
