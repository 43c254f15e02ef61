"""Flow bundles (world `flow-bundle`): one component carrying several flows of a tenant.

Each case lays out a bundle as `symflow build` does (`flow_bundle.py` plus each flow's modules
under its own names) and imports `symflow_guest` in a fresh interpreter, as componentize-py
does at build time.
"""

import json

from test_guest_loading import IMPL, ON_CHANGE, STRATEGY, build_dir, import_guest

APPROVAL = """
from sym.sdk.annotations import reducer, hook
from sym.sdk.integrations import slack

@reducer
def get_approvers(event):
    return slack.channel("#approvals", allow_self=False)

@hook
def on_request(event):
    return None
"""

MANIFEST = """
FLOWS = {
    "access": {"impl": "flow_0_impl", "on_change": {"resource-type": "flow_0_on_change_resource_type"},
               "strategy": "flow_0_strategy"},
    "approval": {"impl": "flow_1_impl", "on_change": {}, "strategy": None},
}
"""

SELECT_AND_LIST = """
import json, symflow_guest
from componentize_py_types import Err
bundle, handlers = symflow_guest.Bundle(), symflow_guest.Handlers()
seen = {"names": bundle.flow_names(), "before": handlers.list_handlers()}
for name in ("approval", "access", "approval"):
    bundle.select_flow(name)
    seen[name] = sorted(handlers.list_handlers())
try:
    bundle.select_flow("missing")
except Err as error:
    seen["missing"] = error.value
print(json.dumps(seen))
"""


def bundle_files():
    return {
        "flow_bundle.py": MANIFEST,
        "flow_0_impl.py": IMPL,
        "flow_0_on_change_resource_type.py": ON_CHANGE,
        "flow_0_strategy.py": STRATEGY,
        "flow_1_impl.py": APPROVAL,
    }


def test_the_host_selects_which_flow_the_handlers_run(tmp_path):
    result = import_guest(build_dir(tmp_path, bundle_files()), SELECT_AND_LIST)
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    assert seen["names"] == ["access", "approval"]
    # Nothing runs before the host selects a flow.
    assert seen["before"] == []
    assert seen["access"] == ["get_approvers", "on_change_resource_type", "prefetch:repo-name", "strategy"]
    assert seen["approval"] == ["get_approvers", "on_request"]
    assert "no flow named 'missing'" in seen["missing"]
    assert "access, approval" in seen["missing"]


def test_a_broken_flow_in_a_bundle_fails_the_build_naming_the_flow(tmp_path):
    files = bundle_files()
    files["flow_0_strategy.py"] = "x = 1\n"
    result = import_guest(build_dir(tmp_path, files), SELECT_AND_LIST)
    assert result.returncode != 0
    assert "flow 'access'" in result.stderr
    assert "flow_0_strategy defines no AccessStrategy subclass" in result.stderr


def test_a_one_flow_component_has_no_flows_to_select(tmp_path):
    code = "import json, symflow_guest; print(json.dumps([symflow_guest.DISPATCHES, symflow_guest.Handlers().list_handlers()]))"
    result = import_guest(build_dir(tmp_path, {"flow_impl.py": APPROVAL}), code)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [{}, ["get_approvers", "on_request"]]
