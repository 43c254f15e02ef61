from sym.sdk.strategies import AccessStrategy


class SsoToolStrategy(AccessStrategy):
    def fetch_remote_identity(self, user):
        return user.email

    def escalate(self, target_id, event):
        identifier = event.payload.fields["target"].settings["identifier"]
        return {"granted": identifier, "to": self.get_requester_identity(event)}

    def deescalate(self, target_id, event):
        return {"removed": event.payload.fields["target"].settings["identifier"]}
