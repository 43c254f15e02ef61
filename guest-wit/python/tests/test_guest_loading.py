"""The build contract: how `symflow_guest` finds the flow's modules when it is imported.

Each case lays out a build directory and imports `symflow_guest` in a fresh interpreter, as
componentize-py does at build time.
"""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

TESTS = Path(__file__).parent
GUEST = TESTS.parent

LIST = "import json, symflow_guest; print(json.dumps(symflow_guest.Handlers().list_handlers()))"

IMPL = """
from sym.sdk.annotations import reducer, prefetch
from sym.sdk.integrations import slack

@reducer
def get_approvers(event):
    return slack.channel("#sym-requests", allow_self=True)

@prefetch(field_name="repo-name")
def repos(event):
    return []
"""

STRATEGY = """
from sym.sdk.strategies import AccessStrategy

class MyStrategy(AccessStrategy):
    def fetch_remote_identity(self, user):
        return user.email
    def escalate(self, target_id, event):
        return None
    def deescalate(self, target_id, event):
        return None
"""

ON_CHANGE = """
def on_change_resource_type(username, form):
    return form
"""


def build_dir(tmp_path, files):
    for name, text in files.items():
        (tmp_path / name).write_text(textwrap.dedent(text))
    return tmp_path


def import_guest(directory, code=LIST):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(directory), str(GUEST), str(TESTS / "wit_stub")]))
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=directory)


def handlers_of(directory):
    result = import_guest(directory)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_manifest_lists_on_change_modules_and_strategy(tmp_path):
    directory = build_dir(
        tmp_path,
        {
            "flow_impl.py": IMPL,
            "flow_strategy.py": STRATEGY,
            "flow_on_change_resource_type.py": ON_CHANGE,
            "flow_manifest.py": 'ON_CHANGE_MODULES = {"resource-type": "flow_on_change_resource_type"}\nHAS_STRATEGY = True\n',
        },
    )
    assert handlers_of(directory) == ["get_approvers", "prefetch:repo-name", "on_change_resource_type", "strategy"]


def test_manifest_without_strategy_ignores_a_stray_strategy_file(tmp_path):
    directory = build_dir(
        tmp_path,
        {"flow_impl.py": IMPL, "flow_strategy.py": STRATEGY, "flow_manifest.py": "ON_CHANGE_MODULES = {}\nHAS_STRATEGY = False\n"},
    )
    assert handlers_of(directory) == ["get_approvers", "prefetch:repo-name"]


def test_without_manifest_the_strategy_file_is_optional(tmp_path):
    (tmp_path / "without").mkdir()
    (tmp_path / "with").mkdir()
    without = build_dir(tmp_path / "without", {"flow_impl.py": IMPL})
    assert handlers_of(without) == ["get_approvers", "prefetch:repo-name"]
    with_strategy = build_dir(tmp_path / "with", {"flow_impl.py": IMPL, "flow_strategy.py": STRATEGY})
    assert handlers_of(with_strategy) == ["get_approvers", "prefetch:repo-name", "strategy"]


@pytest.mark.parametrize(
    "files, expected",
    [
        ({}, "No module named 'flow_impl'"),
        ({"flow_impl.py": "import not_in_the_sandbox\n"}, "No module named 'not_in_the_sandbox'"),
        ({"flow_impl.py": IMPL, "flow_strategy.py": "import strategy_helper_lib\n"}, "No module named 'strategy_helper_lib'"),
        (
            {"flow_impl.py": IMPL, "flow_manifest.py": 'ON_CHANGE_MODULES = {"x": "flow_on_change_x"}\n', "flow_on_change_x.py": "def other(u, f):\n    return f\n"},
            "must define on_change_x(username, form)",
        ),
        ({"flow_impl.py": IMPL, "flow_manifest.py": "HAS_STRATEGY = True\n"}, "No module named 'flow_strategy'"),
        ({"flow_impl.py": "def get_permissions(event)\n    return None\n"}, "SyntaxError"),
    ],
)
def test_build_errors_fail_the_import(tmp_path, files, expected):
    result = import_guest(build_dir(tmp_path, files))
    assert result.returncode != 0
    assert expected in result.stderr
