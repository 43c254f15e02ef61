from datetime import datetime, timedelta

from sym.sdk.integrations import store
from sym.sdk.strategies import AccessStrategy


def count(kind, event):
    """Adds one to `<kind>:<reason>` in the flow store: the test reads how often each ran."""
    key = f"{kind}:{event.payload.fields['reason']}"
    store.put(key, (store.fetch(key) or 0) + 1)


class CountedStrategy(AccessStrategy):
    def fetch_remote_identity(self, user):
        return user.email

    def escalate(self, target_id, event):
        count("escalate", event)
        if event.payload.fields["reason"].startswith("slow-escalate"):
            until = datetime.now() + timedelta(seconds=2)
            while datetime.now() < until:
                pass
        return {"granted": event.payload.fields["reason"]}

    def deescalate(self, target_id, event):
        count("deescalate", event)
        return {"revoked": event.payload.fields["reason"]}
