"""`wit_stub/` must be exactly what componentize-py generates from `guest-wit/wit` today.

Skipped where the `componentize-py` CLI is not installed (it is a dev tool; the project builds
flows with the Rust crate).
"""

import filecmp
import shutil
import subprocess
from pathlib import Path

import pytest

TESTS = Path(__file__).parent
WIT = TESTS.parent.parent / "wit"
STUB = TESTS / "wit_stub"


@pytest.mark.skipif(shutil.which("componentize-py") is None, reason="componentize-py CLI not installed")
def test_stub_matches_freshly_generated_bindings(tmp_path):
    subprocess.run(["componentize-py", "-d", str(WIT), "-w", "flow-bundle", "bindings", str(tmp_path)], check=True)
    stub_files = sorted(p.relative_to(STUB) for p in STUB.rglob("*.py"))
    assert stub_files, "wit_stub is empty"
    for relative in stub_files:
        generated = tmp_path / relative
        assert generated.exists(), f"{relative} is no longer generated"
        assert filecmp.cmp(generated, STUB / relative, shallow=False), (
            f"wit_stub/{relative} is out of date: regenerate with "
            f"componentize-py -d guest-wit/wit -w flow-bundle bindings <dir> and copy wit_world/ and componentize_py_types.py"
        )
    generated_world = sorted(p.relative_to(tmp_path) for p in (tmp_path / "wit_world").rglob("*.py"))
    assert generated_world == [p for p in stub_files if p.parts[0] == "wit_world"]
