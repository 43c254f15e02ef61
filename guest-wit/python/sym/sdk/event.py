"""`Event` and friends: what every reducer and hook receives (spec §5.5).

An `Event` wraps the WIT `event` record and decodes lazily: the flow, the run and the payload
fields are built the first time a handler reads them.

`payload.fields` is the fields JSON from the host with two conversions:
- `target`: a JSON object (Sym's event JSON shape, §7) or a target id/SRN/name becomes an
  `AccessTarget`; with only `target_id` given, the strategy's target of that id is added as
  `target`;
- a `slack_user` / `slack_user_list` prompt field whose value is a user object
  (`{"id", "email", "username", ...}`) becomes a `User` (a list of them).
Everything else is plain JSON (`duration` is seconds).
"""

from functools import cached_property
from typing import Any, Dict, Optional

from wit_world.imports import types as wit

from sym.sdk._internal.convert import loads_or, parse_time
from sym.sdk.flow import Flow, Run
from sym.sdk.resource import SRN, maybe_srn
from sym.sdk.target import AccessTarget
from sym.sdk.user import User

TEMPLATE_SRN = "sym:template:approval:1.0.0"
EVENT_SPEC_PREFIX = "sym:event-spec:approval:1.0.0:"


class Channel:
    """Where an event came from: `type` is `slack`, `sym` (API), `sdk` (a hook) or `internal`."""

    def __init__(self, identifier: Optional[str], type: str):
        self.identifier = identifier
        self.type = type

    def __repr__(self) -> str:
        return f"Channel(identifier={self.identifier!r}, type={self.type!r})"


class EventMeta:
    """Metadata of an event: when it happened."""

    def __init__(self, timestamp: Any):
        self.timestamp = timestamp

    def __repr__(self) -> str:
        return f"EventMeta(timestamp={self.timestamp!r})"


def _is_user_json(value: Any) -> bool:
    return isinstance(value, dict) and "username" in value and "id" in value


class Payload:
    """The event's data: `fields` (prompt fields plus `target`, `duration`, ...), the acting `user`."""

    def __init__(self, timestamp: Any, fields: Dict[str, Any], srn: Any, user: User):
        self.timestamp = timestamp
        self.fields = fields
        self.srn = srn
        self.user = user

    def __repr__(self) -> str:
        return f"Payload(user={self.user!r}, fields={self.fields!r})"


class Event:
    """An event of a run, e.g. `request` or `approve`, as handlers receive it."""

    def __init__(self, record: "wit.Event"):
        self._record = record
        self.name: str = record.name
        self.user: User = User._from_wit(record.user)
        self.channel = Channel(record.channel.identifier, record.channel.channel_type)
        self.template = SRN.parse(TEMPLATE_SRN)

    @classmethod
    def _from_wit(cls, record: "wit.Event") -> "Event":
        return cls(record)

    @cached_property
    def flow(self) -> Flow:
        return Flow._from_wit(self._record.flow)

    @cached_property
    def run(self) -> Run:
        record = self._record
        return Run._from_steps(record.run_id, record.run_srn, record.steps, record.source_channel)

    @cached_property
    def meta(self) -> EventMeta:
        return EventMeta(parse_time(self._record.timestamp))

    @cached_property
    def payload(self) -> Payload:
        fields = loads_or(self._record.fields_json, {})
        self._decode_target(fields)
        self._decode_user_fields(fields)
        return Payload(
            timestamp=parse_time(self._record.timestamp),
            fields=fields,
            srn=maybe_srn(EVENT_SPEC_PREFIX + self.name),
            user=self.user,
        )

    def _decode_target(self, fields: Dict[str, Any]) -> None:
        strategy = self._record.flow.strategy and self.flow.strategy
        raw = fields.get("target")
        if isinstance(raw, dict):
            fields["target"] = AccessTarget._from_json(raw)
        elif isinstance(raw, str) and strategy:
            fields["target"] = strategy.find_target(raw) or raw
        elif raw is None and fields.get("target_id") and strategy:
            target = strategy.find_target(str(fields["target_id"]))
            if target is not None:
                fields["target"] = target

    def _decode_user_fields(self, fields: Dict[str, Any]) -> None:
        for declared in self._record.flow.fields:
            value = fields.get(declared.name)
            if declared.field_type == wit.FieldType.SLACK_USER and _is_user_json(value):
                fields[declared.name] = User._from_json(value)
            elif declared.field_type == wit.FieldType.SLACK_USER_LIST and isinstance(value, list):
                fields[declared.name] = [User._from_json(v) if _is_user_json(v) else v for v in value]

    def _latest_step(self, event_name: str):
        for step in reversed(self._record.steps):
            if step.event_name == event_name:
                return step
        return None

    def get_actor(self, event_name) -> Optional[User]:
        """The user who caused the latest `event_name` event of this run, or None.

        For the current event's own name, the current user when no step is recorded yet.
        """
        name = getattr(event_name, "value", event_name)
        step = self._latest_step(name)
        if step is not None and step.actor is not None:
            return User._from_wit(step.actor)
        if name == self.name:
            return self.user
        return None

    def get_context(self, event_name) -> Optional[dict]:
        """The context given with the latest `event_name` event (API `context`), or None."""
        step = self._latest_step(getattr(event_name, "value", event_name))
        if step is None:
            return None
        context = loads_or(step.context_json, {})
        # A step that happened without a context has an empty one, never None.
        return context if isinstance(context, dict) else {}

    def get_step_output(self, event_name) -> Optional[Any]:
        """The JSON output of the latest `event_name` step, or None."""
        step = self._latest_step(getattr(event_name, "value", event_name))
        if step is None:
            return None
        return loads_or(step.output_json, None)

    def _to_json(self) -> dict:
        """The event as Sym's reporting-event JSON (spec §7), e.g. for `aws_lambda.invoke`."""

        def actor(user: User) -> dict:
            identity = user.identity("slack")
            return {
                "user": str(user.id),
                "name": f"{user.first_name} {user.last_name}".strip(),
                "username": user.username,
                "identity": {
                    "service": identity.service,
                    "external_id": identity.service_id,
                    "user_id": identity.user_id,
                }
                if identity
                else None,
            }

        record = self._record
        return {
            "meta": {"schema_version": 6},
            "type": "event",
            "run": {
                "srn": record.run_srn,
                "flow": record.flow.srn,
                "actors": {name: actor(user) for name, user in self.run.actors.items()},
            },
            "event": {
                "srn": EVENT_SPEC_PREFIX + self.name,
                "type": self.name,
                "template": TEMPLATE_SRN,
                "timestamp": record.timestamp,
                "channel": record.channel.channel_type,
            },
            "actor": actor(self.user),
            "fields": self.payload.fields,
        }

    def __repr__(self) -> str:
        return f"Event(name={self.name!r}, user={self.user.username!r})"

