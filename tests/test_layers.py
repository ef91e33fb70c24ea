"""The layers hold: every module imports on its own, and import-linter's contract is kept.

A module that only imports after another one has been imported hides a cycle; issue 12
found `import flows.states` failing that way. Each module is imported in a fresh child of
a bare interpreter, so the order of the suite cannot hide it.
"""

from __future__ import annotations

import pkgutil
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Each module in a forked child of one interpreter that has imported nothing of ours.
CHILD_IMPORTS = """
import importlib, os, sys, traceback
failed = []
for name in sys.argv[1:]:
    pid = os.fork()
    if pid == 0:
        try:
            importlib.import_module(name)
        except BaseException:
            traceback.print_exc()
            os._exit(1)
        os._exit(0)
    _, status = os.waitpid(pid, 0)
    if status:
        failed.append(name)
print("\\n".join(failed))
sys.exit(1 if failed else 0)
"""


def our_modules() -> list[str]:
    names = ["app"]
    for package in ("gateway", "flows"):
        names.append(package)
        for module in pkgutil.walk_packages([str(ROOT / package)], prefix=f"{package}."):
            # Alembic's env.py and revisions run only inside Alembic.
            if not module.name.startswith("gateway.core.migrations"):
                names.append(module.name)
    return names


def test_it_finds_the_modules_it_checks():
    names = our_modules()
    assert {"flows.states", "gateway.core.outbox", "gateway.http.voice", "gateway.factory"} <= set(names)


@pytest.mark.skipif(not hasattr(sys.modules["os"], "fork"), reason="needs fork")
def test_it_imports_every_module_on_its_own_in_a_fresh_interpreter():
    result = subprocess.run(
        [sys.executable, "-c", CHILD_IMPORTS, *our_modules()],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, f"these do not import on their own:\n{result.stdout}\n{result.stderr[-4000:]}"


def test_it_keeps_the_layers_that_pyproject_states():
    lint_imports = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert lint_imports, "import-linter is in the test extra"
    result = subprocess.run([lint_imports], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-4000:]
