"""A custom access strategy in the style of Sym's `custom_strategy` example: grants access
through a third-party HTTP API with a bearer token from the integration's first secret."""

import requests
from sym.sdk.strategies import AccessStrategy
from sym.sdk.templates import ApprovalTemplateStep, get_step_output


class CustomStrategy(AccessStrategy):
    def fetch_remote_identity(self, user):
        response = requests.get(
            "https://api.example.com/v1/users",
            params={"email": user.email},
            headers=self.headers(),
            timeout=5,
        )
        response.raise_for_status()
        matches = response.json()["users"]
        return matches[0]["id"] if matches else None

    def headers(self):
        secrets = self.integration.settings["secrets"]
        if not secrets:
            raise RuntimeError("API key must be set as secret 0 in Terraform")
        return {"Authorization": f"Bearer {secrets[0].retrieve_value()}"}

    def escalate(self, target_id, event):
        requester = self.get_requester_identity(event)
        group = event.payload.fields["target"].settings["identifier"]
        response = requests.post(
            "https://api.example.com/v1/grants",
            headers=self.headers(),
            json={"user_id": requester, "group": group, "seconds": event.payload.fields["duration"]},
        )
        response.raise_for_status()
        return {"grant_id": response.json()["id"]}

    def deescalate(self, target_id, event):
        grant_id = get_step_output(ApprovalTemplateStep.ESCALATE)["grant_id"]
        requests.delete(f"https://api.example.com/v1/grants/{grant_id}", headers=self.headers()).raise_for_status()
