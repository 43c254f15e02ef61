"""`Flow`, `Environment` and `Run`: what a handler knows about its flow and the current run.

`event.flow.vars` are the `sym_flow.vars` strings, `event.flow.environment.integrations[key]` the
environment's integrations by key (`slack`, `okta`, `circleci`, ...), and `event.run` the
actors and contexts of the run's earlier events.
"""

from typing import Any, Dict, List, Optional

from wit_world.imports import types as wit

from sym.sdk._internal.convert import loads_or
from sym.sdk._internal.unknown import with_unknowns
from sym.sdk.forms import PromptField
from sym.sdk.integration import Integration
from sym.sdk.resource import SymResource, maybe_srn
from sym.sdk.strategy import Strategy
from sym.sdk.user import User


class Environment(SymResource):
    """The flow's environment (`sym_environment`): its name and integrations by key."""

    def __init__(self, name: str, integrations: Optional[Dict[str, Integration]] = None):
        self.name = name
        self.integrations: Dict[str, Integration] = integrations or {}

    def __repr__(self) -> str:
        return f"Environment(name={self.name!r}, integrations={sorted(self.integrations)!r})"


class Flow(SymResource):
    def __init__(
        self,
        name: str,
        srn: Any = None,
        label: str = "",
        fields: Optional[Dict[str, PromptField]] = None,
        vars: Optional[Dict[str, str]] = None,
        environment: Optional[Environment] = None,
        strategy: Optional[Strategy] = None,
    ):
        self.name = name
        self.srn = maybe_srn(srn) if isinstance(srn, str) else srn
        self.label = label
        self.fields: Dict[str, PromptField] = fields or {}
        self.vars: Dict[str, str] = vars or {}
        self.environment = environment
        self.strategy = strategy

    @classmethod
    def _from_wit(cls, record: "wit.FlowInfo") -> "Flow":
        return cls(
            name=record.name,
            srn=record.srn,
            label=record.label,
            fields={f.name: PromptField._from_wit_declaration(f) for f in record.fields},
            vars=with_unknowns(loads_or(record.vars_json, {}), "event.flow.vars"),
            environment=Environment(
                record.environment_name,
                {i.key: Integration._from_wit(i) for i in record.integrations},
            ),
            strategy=Strategy._from_wit(record.strategy) if record.strategy else None,
        )

    @classmethod
    def _from_summary(cls, record: "wit.FlowSummary") -> "Flow":
        """A flow as the flows filter (`get_flows`) sees it: name, SRN, label and vars."""
        return cls(name=record.name, srn=record.srn, label=record.label, vars=with_unknowns(loads_or(record.vars_json, {}), "flow.vars"))

    def __repr__(self) -> str:
        return f"Flow(name={self.name!r})"


class Run(SymResource):
    """One execution of a flow.

    `actors` and `contexts` map an event name to the user who caused its latest occurrence and
    the context given with it; `outputs` to the JSON output of that step (None when it had none).
    """

    def __init__(
        self,
        id: str,
        srn: Any = None,
        actors: Optional[Dict[str, User]] = None,
        contexts: Optional[Dict[str, dict]] = None,
        outputs: Optional[Dict[str, Any]] = None,
        source_channel: Optional[str] = None,
    ):
        self.id = id
        self.srn = maybe_srn(srn) if isinstance(srn, str) else srn
        self.actors: Dict[str, User] = actors or {}
        self.contexts: Dict[str, dict] = contexts or {}
        self.outputs: Dict[str, Any] = outputs or {}
        self.source_channel = source_channel

    @classmethod
    def _from_steps(cls, run_id: str, run_srn: str, steps: List["wit.RunStep"], source_channel: Optional[str]) -> "Run":
        actors: Dict[str, User] = {}
        contexts: Dict[str, dict] = {}
        outputs: Dict[str, Any] = {}
        for step in steps:  # oldest first, so later steps win
            if step.actor is not None:
                actors[step.event_name] = User._from_wit(step.actor)
            contexts[step.event_name] = loads_or(step.context_json, {})
            outputs[step.event_name] = loads_or(step.output_json, None)
        return cls(run_id, run_srn, actors, contexts, outputs, source_channel)

    def __repr__(self) -> str:
        return f"Run(id={self.id!r})"
