"""`sym.sdk.integrations.pagerduty`: on-call and incident checks (spec §5.6).

Every call goes to the host's `pagerduty` capability; a refusal raises `PagerDutyError`.
"""

import json
from datetime import datetime, timedelta, timezone
from enum import Enum
from typing import List, Optional

from wit_world.imports import pagerduty as pagerduty_capability

from sym.sdk._internal import host
from sym.sdk._internal.convert import time_text
from sym.sdk.exceptions.pagerduty import PagerDutyError
from sym.sdk.exceptions.sdk import MissingArgument
from sym.sdk.user import User


class PagerDutyStatus(str, Enum):
    TRIGGERED = "triggered"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


class PagerDutyUrgency(str, Enum):
    LOW = "low"
    HIGH = "high"


def _query(escalation_policy_name=None, escalation_policy_id=None, schedule_name=None, schedule_id=None):
    return pagerduty_capability.OnCallQuery(
        escalation_policy_name=escalation_policy_name,
        escalation_policy_id=escalation_policy_id,
        schedule_name=schedule_name,
        schedule_id=schedule_id,
    )


def is_on_call(
    user: User,
    *,
    escalation_policy_name: Optional[str] = None,
    escalation_policy_id: Optional[str] = None,
    schedule_name: Optional[str] = None,
    schedule_id: Optional[str] = None,
) -> bool:
    """Is `user` on call, optionally for one escalation policy and/or schedule?"""
    query = _query(escalation_policy_name, escalation_policy_id, schedule_name, schedule_id)
    return host.call(PagerDutyError, pagerduty_capability.is_on_call, user._to_wit(), query)


def users_on_call(
    *,
    escalation_policy_name: Optional[str] = None,
    escalation_policy_id: Optional[str] = None,
    schedule_name: Optional[str] = None,
    schedule_id: Optional[str] = None,
) -> List[User]:
    """The users on call now, optionally for one escalation policy and/or schedule."""
    query = _query(escalation_policy_name, escalation_policy_id, schedule_name, schedule_id)
    return [User._from_wit(u) for u in host.call(PagerDutyError, pagerduty_capability.users_on_call, query)]


def users_for_schedule(*, schedule_name: Optional[str] = None, schedule_id: Optional[str] = None) -> List[User]:
    """Every user in a schedule, given by name or id."""
    if not schedule_name and not schedule_id:
        raise MissingArgument("users_for_schedule needs schedule_name or schedule_id")
    query = _query(schedule_name=schedule_name, schedule_id=schedule_id)
    return [User._from_wit(u) for u in host.call(PagerDutyError, pagerduty_capability.users_for_schedule, query)]


def _values(items, default) -> List[str]:
    return [getattr(i, "value", i) for i in (items if items is not None else default)]


def get_incidents(
    *,
    assignees: Optional[List[User]] = None,
    service_ids: Optional[List[str]] = None,
    statuses: Optional[List[PagerDutyStatus]] = None,
    urgencies: Optional[List[PagerDutyUrgency]] = None,
    since: Optional[datetime] = None,
    until: Optional[datetime] = None,
) -> List[dict]:
    """PagerDuty incidents. Defaults: triggered or acknowledged, high urgency, last 24 hours."""
    if since is None:
        since = datetime.now(timezone.utc) - timedelta(hours=24)
    query = pagerduty_capability.IncidentQuery(
        assignees=[u._to_wit() for u in assignees or []],
        service_ids=list(service_ids or []),
        statuses=_values(statuses, [PagerDutyStatus.TRIGGERED, PagerDutyStatus.ACKNOWLEDGED]),
        urgencies=_values(urgencies, [PagerDutyUrgency.HIGH]),
        since=time_text(since),
        until=time_text(until),
    )
    return json.loads(host.call(PagerDutyError, pagerduty_capability.get_incidents, query))


def has_incident(**kwargs) -> bool:
    """Is there any incident matching `get_incidents(**kwargs)`?"""
    return len(get_incidents(**kwargs)) > 0
