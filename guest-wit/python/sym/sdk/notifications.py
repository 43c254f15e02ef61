"""`Notification`: where `get_request_notifications` sends a request (spec §4.6).

A `Notification` is a set of destinations tried together, with an optional timeout in seconds.
Several notifications form a fallback chain: when one fails or times out the request is
forwarded to the next (`request_forward`), and after the last one it expires.
"""

from typing import List, Optional, Sequence

from wit_world.imports import types as wit

from sym.sdk._internal.convert import seconds
from sym.sdk.request_destination import (
    RequestDestination,
    destination_from_wit,
    destination_to_wit,
)
from sym.sdk.user import User


class Notification:
    """Destinations (Slack `RequestDestination`s or `User`s) to notify together.

    At most one Slack destination per notification.
    """

    def __init__(self, destinations: Sequence, timeout=None):
        destinations = list(destinations or [])
        if not destinations:
            raise ValueError("a Notification needs at least one destination")
        for destination in destinations:
            if not isinstance(destination, (RequestDestination, User)):
                raise ValueError(
                    f"Notification destinations must be RequestDestinations (e.g. slack.channel(...)) "
                    f"or Users, got {destination!r}"
                )
        slack_destinations = [d for d in destinations if isinstance(d, RequestDestination)]
        if len(slack_destinations) > 1:
            raise ValueError("a Notification may have at most one Slack destination; use one Notification each")
        self.destinations: List = destinations
        self.timeout: Optional[int] = seconds(timeout, "timeout")

    @classmethod
    def _from_wit(cls, record: "wit.Notification") -> "Notification":
        notification = cls.__new__(cls)
        notification.destinations = [destination_from_wit(d) for d in record.destinations]
        notification.timeout = record.timeout
        return notification

    def _to_wit(self) -> "wit.Notification":
        return wit.Notification(destinations=[destination_to_wit(d) for d in self.destinations], timeout=self.timeout)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Notification):
            return NotImplemented
        return self.destinations == other.destinations and self.timeout == other.timeout

    def __repr__(self) -> str:
        return f"Notification(destinations={self.destinations!r}, timeout={self.timeout!r})"
