"""The suite's own shape: test files stay small, and no test module leans on another one.

What several test files share lives in a conftest.py or a support module (tests/processes.py,
tests/over_http.py): an import from a test module ties two features' tests together, and a
test function imported that way runs twice.
"""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).parent
MOST_LINES = 500


def imported_modules(tree: ast.Module) -> list[str]:
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = "." * node.level + (node.module or "")
            names.append(base)
            # `from tests import test_x` and `from . import test_x` name the test module as an alias.
            names.extend(f"{base}.{alias.name}" for alias in node.names)
    return names


def imports_of_test_modules(source: str) -> list[str]:
    names = imported_modules(ast.parse(source))
    return [name for name in names if any(part.startswith("test_") for part in name.split("."))]


def name(path: Path) -> str:
    return str(path.relative_to(TESTS))


def test_no_test_module_imports_another():
    found = {name(path): imports_of_test_modules(path.read_text()) for path in sorted(TESTS.rglob("*.py"))}
    assert {path: modules for path, modules in found.items() if modules} == {}


def test_no_test_file_is_over_500_lines():
    files = [*TESTS.rglob("test_*.py"), *TESTS.rglob("conftest.py")]
    lines = {name(path): len(path.read_text().splitlines()) for path in sorted(files)}
    assert {path: count for path, count in lines.items() if count > MOST_LINES} == {}, "split them by feature"


def test_it_sees_every_way_of_importing_a_test_module():
    source = "\n".join(
        [
            "from tests.test_e2e_procfile import send_event",
            "from tests.voice import test_language",
            "import tests.test_x",
        ]
    )
    assert imports_of_test_modules(source) == [
        "tests.test_e2e_procfile",
        "tests.test_e2e_procfile.send_event",
        "tests.voice.test_language",
        "tests.test_x",
    ]
