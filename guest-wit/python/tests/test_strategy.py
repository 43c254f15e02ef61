"""`AccessStrategy`: final methods, `get_requester_identity` paths, and the strategy exports."""

import types

import pytest
from componentize_py_types import Err
from wit_world.imports import types as wit

import builders as b
import symflow_guest
from conftest import Refuse
from sym.sdk.event import Event
from sym.sdk.exceptions import CouldNotSaveError, IdentityNotFound
from sym.sdk.integration import Integration
from sym.sdk.strategies import AccessStrategy

VICTOROPS = b.integration("victorops", "custom", "vo-api")


class LookupStrategy(AccessStrategy):
    """Answers fetch_remote_identity from a dict, recording who was asked."""

    directory = {}
    asked = []

    def fetch_remote_identity(self, user):
        LookupStrategy.asked.append(user.username)
        return LookupStrategy.directory.get(user.email)

    def escalate(self, target_id, event):
        return {"user": self.get_requester_identity(event), "target": target_id}

    def deescalate(self, target_id, event):
        return None


@pytest.fixture(autouse=True)
def reset_lookup():
    LookupStrategy.directory = {}
    LookupStrategy.asked = []


def strategy():
    return LookupStrategy(Integration._from_wit(VICTOROPS))


def escalate_event(requester):
    return Event._from_wit(b.event("escalate", actor=b.bob(), steps=[b.step("request", requester), b.step("approve", b.bob())]))


def test_stored_identity_is_used_without_asking_anyone(host):
    stored = wit.UserIdentity(service="custom", service_id="vo-api", user_id="alice-vo")
    requester = b.user("alice@example.com", b.ALICE_ID, identities=[stored])
    assert strategy().get_requester_identity(escalate_event(requester)) == "alice-vo"
    assert LookupStrategy.asked == []
    assert host.calls == []


def test_identity_in_another_instance_of_the_service_is_not_used(host):
    other = wit.UserIdentity(service="custom", service_id="other-api", user_id="alice-other")
    LookupStrategy.directory = {"alice@example.com": "alice-vo"}
    host.answer("users.persist_user_identity", lambda email, identity: identity)
    requester = b.user("alice@example.com", b.ALICE_ID, identities=[other])
    assert strategy().get_requester_identity(escalate_event(requester)) == "alice-vo"


def test_fetched_identity_is_persisted_and_returned(host):
    LookupStrategy.directory = {"alice@example.com": "alice-vo"}
    host.answer("users.persist_user_identity", lambda email, identity: identity)
    assert strategy().get_requester_identity(escalate_event(b.alice())) == "alice-vo"
    assert LookupStrategy.asked == ["alice@example.com"]  # the requester, not the approver acting now
    assert host.calls_to("users.persist_user_identity") == [
        ("alice@example.com", wit.UserIdentity(service="custom", service_id="vo-api", user_id="alice-vo"))
    ]


def test_unknown_requester_raises_identity_not_found(host):
    with pytest.raises(IdentityNotFound) as excinfo:
        strategy().get_requester_identity(escalate_event(b.alice()))
    assert excinfo.value.error_code == "Identity:NOT_FOUND"
    assert "alice@example.com" in excinfo.value.message
    assert "symflow CLI" in str(excinfo.value)
    assert host.calls_to("users.persist_user_identity") == []


def test_run_without_a_request_raises_identity_not_found():
    with pytest.raises(IdentityNotFound):
        strategy().get_requester_identity(Event._from_wit(b.event("escalate", steps=[])))


def test_persist_refusal_raises_could_not_save(host):
    LookupStrategy.directory = {"alice@example.com": "alice-vo"}
    host.answer("users.persist_user_identity", Refuse("api-error", "store unavailable"))
    with pytest.raises(CouldNotSaveError) as excinfo:
        strategy().get_requester_identity(escalate_event(b.alice()))
    assert excinfo.value.error_code == "Identity:COULD_NOT_SAVE"
    assert excinfo.value.message == "store unavailable"


@pytest.mark.parametrize("method", ["__init__", "get_requester_identity"])
def test_final_methods_cannot_be_overridden(method):
    body = {
        "fetch_remote_identity": lambda self, user: None,
        "escalate": lambda self, t, e: None,
        "deescalate": lambda self, t, e: None,
        method: lambda self, *args: None,
    }
    with pytest.raises(TypeError, match=f"overrides AccessStrategy.{method}"):
        type("Bad", (AccessStrategy,), body)


def test_strategy_exports_through_handlers(install_flow, host):
    module = types.ModuleType("flow_strategy_lookup")
    module.LookupStrategy = LookupStrategy
    handlers = install_flow(types.ModuleType("flow_impl_empty"), strategy=module)
    LookupStrategy.directory = {"alice@example.com": "alice-vo"}
    host.answer("users.persist_user_identity", lambda email, identity: identity)
    event = b.event("escalate", actor=b.bob(), steps=[b.step("request", b.alice())])

    assert handlers.get_requester_identity(VICTOROPS, event) == "alice-vo"
    assert handlers.escalate(VICTOROPS, "t-1", event) == '{"user":"alice-vo","target":"t-1"}'
    assert handlers.fetch_remote_identity(VICTOROPS, b.bob()) is None

    LookupStrategy.directory = {}
    with pytest.raises(Err) as excinfo:
        handlers.get_requester_identity(VICTOROPS, b.event("escalate", steps=[b.step("request", b.bob())]))
    error = excinfo.value.value
    assert (error.kind, error.error_code) == (wit.ErrorKind.SYM_EXCEPTION, "Identity:NOT_FOUND")
    assert error.hint == "An Implementer can use the symflow CLI to manually add the user's identity"


def test_escalate_must_return_a_json_dict(install_flow):
    class Odd(LookupStrategy):
        def escalate(self, target_id, event):
            return ["not", "a", "dict"]

        def deescalate(self, target_id, event):
            return {"when": object()}

    module = types.ModuleType("m")
    module.Odd = Odd
    handlers = install_flow(types.ModuleType("e"), strategy=module)
    for call in (handlers.escalate, handlers.deescalate):
        with pytest.raises(Err) as excinfo:
            call(VICTOROPS, "t-1", b.event("escalate"))
        assert excinfo.value.value.kind == wit.ErrorKind.INVALID_RETURN


def test_build_rejects_two_strategies_and_incomplete_ones():
    class Other(LookupStrategy):
        pass

    two = types.ModuleType("two")
    two.A, two.B = LookupStrategy, Other
    with pytest.raises(TypeError, match="one AccessStrategy subclass"):
        symflow_guest.build_dispatch(two)

    class Half(AccessStrategy):
        def fetch_remote_identity(self, user):
            return None

    half = types.ModuleType("half")
    half.Half = Half
    with pytest.raises(TypeError, match="deescalate, escalate"):
        symflow_guest.build_dispatch(half)

    with pytest.raises(TypeError, match="defines no AccessStrategy subclass"):
        symflow_guest.build_dispatch(types.ModuleType("impl"), strategy_module=types.ModuleType("flow_strategy"))
