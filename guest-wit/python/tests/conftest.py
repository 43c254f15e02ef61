"""Test setup: the SDK and a copy of componentize-py's generated bindings on `sys.path`.

`wit_stub/` is the output of
    componentize-py -d guest-wit/wit -w flow-bundle bindings <dir>
(`wit_world` and `componentize_py_types`); `test_bindings_stub.py` checks it is current. Its
import functions only raise NotImplementedError; the `host` fixture replaces every one of them
with a recording fake.
"""

import importlib.util
import inspect
import sys
import types
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
GUEST = TESTS.parent
sys.path[:0] = [str(GUEST), str(TESTS / "wit_stub")]

# `symflow_guest` imports the flow's `flow_impl` at import time, as it does at build time.
# Tests install their own flows with `install_flow`; an empty module stands in until then.
sys.modules.setdefault("flow_impl", types.ModuleType("flow_impl"))

from componentize_py_types import Err  # noqa: E402
from wit_world.imports import (  # noqa: E402
    aws_lambda,
    github,
    http,
    log,
    okta,
    pagerduty,
    secrets,
    slack,
    store,
    types as wit,
    users,
)

import symflow_guest  # noqa: E402

CAPABILITIES = {
    "slack": slack,
    "pagerduty": pagerduty,
    "okta": okta,
    "github": github,
    "aws-lambda": aws_lambda,
    "http": http,
    "secrets": secrets,
    "store": store,
    "users": users,
    "log": log,
}

# Imports that return nothing answer None by default; every other call must be given an answer.
NO_RESULT = {"slack.send_message", "slack.send_thread_message", "store.put", "log.write"}


class Refuse:
    """An answer that makes the fake raise `Err(CapabilityError(...))`, as the host does."""

    def __init__(self, code: str, message: str):
        self.code = code
        self.message = message


class FakeHost:
    """Records every import call as `("<module>.<function>", args)` and answers from `answers`.

    An answer is a value, a callable taking the call's arguments, or a `Refuse`.
    """

    def __init__(self, monkeypatch):
        self.calls = []
        self.answers = {}
        for capability, module in CAPABILITIES.items():
            for name, fn in vars(module).items():
                if inspect.isfunction(fn) and fn.__module__ == module.__name__:
                    key = f"{module.__name__.rsplit('.', 1)[1]}.{name}"
                    monkeypatch.setattr(module, name, self._fake(capability, key))

    def _fake(self, capability, key):
        def fake(*args):
            self.calls.append((key, args))
            if key not in self.answers:
                if key in NO_RESULT:
                    return None
                raise AssertionError(f"unexpected host call {key}{args!r}")
            answer = self.answers[key]
            if isinstance(answer, Refuse):
                raise Err(wit.CapabilityError(capability=capability, code=answer.code, message=answer.message))
            return answer(*args) if callable(answer) else answer

        return fake

    def answer(self, key, value):
        self.answers[key] = value

    def calls_to(self, key):
        return [args for name, args in self.calls if name == key]


@pytest.fixture
def host(monkeypatch):
    return FakeHost(monkeypatch)


def load_module(path: Path, name: str):
    """Import a Python file as module `name`, as the build's copy would be imported."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def install_flow(monkeypatch):
    """Make `symflow_guest` dispatch to a given flow module (or file), as if built with it."""

    def install(impl, on_change=None, strategy=None):
        if isinstance(impl, (str, Path)):
            impl = load_module(Path(impl), "flow_impl_under_test")
        dispatch = symflow_guest.build_dispatch(impl, on_change or {}, strategy)
        monkeypatch.setattr(symflow_guest, "DISPATCH", dispatch)
        return symflow_guest.Handlers()

    return install
