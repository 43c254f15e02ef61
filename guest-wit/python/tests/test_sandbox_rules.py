"""Rules the guest code must keep to run inside a componentize-py component.

- Every `import` is at module top level: the component is a snapshot taken after the app module
  was imported at build time, and an import first executed later, inside a function, fails.
- Only the standard library, the SDK itself and the generated bindings are imported: the
  component bundles no third-party packages.
"""

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

GUEST = Path(__file__).parent.parent
SOURCES = sorted([GUEST / "symflow_guest.py", *(GUEST / "sym").rglob("*.py"), *(GUEST / "requests").rglob("*.py")])
OWN = {"sym", "requests", "wit_world", "componentize_py_types", "symflow_guest"}


def imports_in_functions(tree):
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            for inner in ast.walk(node):
                if isinstance(inner, (ast.Import, ast.ImportFrom)):
                    yield inner


def imported_roots(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            yield node.module.split(".")[0]


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(GUEST)))
def test_imports_are_top_level_and_allowed(path):
    tree = ast.parse(path.read_text(), str(path))
    late = [f"line {node.lineno}" for node in imports_in_functions(tree)]
    assert not late, f"{path.name}: import inside a function at {', '.join(late)}"
    foreign = sorted({root for root in imported_roots(tree) if root not in OWN and root not in sys.stdlib_module_names})
    assert not foreign, f"{path.name} imports non-stdlib modules {foreign}"


def test_the_scan_sees_the_sources():
    assert len(SOURCES) > 40
    assert GUEST / "symflow_guest.py" in SOURCES



def test_importing_the_app_module_loads_every_sdk_module(tmp_path):
    """So that each is in the snapshot even when a flow imports it only inside a function."""
    expected = set()
    for path in SOURCES:
        relative = path.relative_to(GUEST).with_suffix("")
        parts = relative.parts[:-1] if relative.name == "__init__" else relative.parts
        expected.add(".".join(parts))
    (tmp_path / "flow_impl.py").write_text("")
    paths = os.pathsep.join([str(tmp_path), str(GUEST), str(GUEST / "tests" / "wit_stub")])
    code = "import json, sys, symflow_guest; print(json.dumps(sorted(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", code], env=dict(os.environ, PYTHONPATH=paths), capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    missing = sorted(expected - set(json.loads(result.stdout)))
    assert not missing, f"not imported by symflow_guest: {missing}"
