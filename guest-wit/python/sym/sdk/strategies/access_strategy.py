"""`AccessStrategy`: the base class of custom access strategies (spec §6).

A custom strategy file defines exactly one subclass implementing `fetch_remote_identity`,
`escalate` and `deescalate`. `__init__(integration)` and `get_requester_identity(event)` are
final: a subclass that overrides them is rejected when the class is defined (i.e. at build).
"""

from abc import ABC, abstractmethod
from typing import Any, Optional

from sym.sdk.exceptions.identity import IdentityNotFound
from sym.sdk.integration import Integration
from sym.sdk.user import User
from sym.sdk.utils import persist_user_identity

_FINAL_METHODS = ("__init__", "get_requester_identity")


class AccessStrategy(ABC):
    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name in _FINAL_METHODS:
            if name in vars(cls):
                raise TypeError(
                    f"{cls.__name__} overrides AccessStrategy.{name}, which is final; "
                    f"use self.integration in your methods instead"
                )

    def __init__(self, integration: Integration):
        self.integration = integration

    @abstractmethod
    def fetch_remote_identity(self, user: User) -> Optional[str]:
        """The user's id in the strategy's service, or None when they have none."""

    @abstractmethod
    def escalate(self, target_id: str, event) -> Optional[dict]:
        """Grant the requester access to the target. Must be idempotent; raise to fail.

        A returned dict is kept as the step output (`get_step_output("escalate")`).
        """

    @abstractmethod
    def deescalate(self, target_id: str, event) -> Optional[dict]:
        """Remove the requester's access to the target. Must be idempotent; raise to fail."""

    def get_requester_identity(self, event) -> str:
        """The requester's id in the strategy's service.

        Uses the identity stored for the integration's type and external id; otherwise asks
        `fetch_remote_identity` and stores its answer. Raises `IdentityNotFound` when neither
        knows the requester.
        """
        requester = event.get_actor("request")
        if requester is None:
            raise IdentityNotFound("This run has no requester (no `request` event was recorded)")
        integration = self.integration
        stored = requester.identity(integration.type, integration.external_id)
        if stored is not None:
            return stored.user_id
        remote_id = self.fetch_remote_identity(requester)
        if remote_id is None or remote_id == "":
            raise IdentityNotFound(
                f"No {integration.type} identity found for {requester.username} "
                f"in {integration.external_id or integration.name}"
            )
        persist_user_identity(
            email=requester.email,
            service=integration.type,
            service_id=integration.external_id,
            user_id=str(remote_id),
        )
        return str(remote_id)
