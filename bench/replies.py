"""How well the reply interpreter reads real replies: accuracy and confusion per table.

Two tables: tests/reply_table.py (the test table; the interpreter is built to pass it) and
bench/reply_heldout.py (written apart from the interpreter and never tuned on, so its
figure is the honest one). A wrong YES is the costly mistake and is counted on its own.

Run from the project root:  .venv/bin/python bench/replies.py
"""

from __future__ import annotations

import importlib.util
import os
import platform
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flows.replies import interpret  # noqa: E402

VERDICTS = ("yes", "no", "unclear", "opt_out", "opt_in")
TABLES = {
    "test table (tests/reply_table.py)": ROOT / "tests" / "reply_table.py",
    "held out (bench/reply_heldout.py)": ROOT / "bench" / "reply_heldout.py",
}


def rows(path: Path) -> list[tuple[str, str, str]]:
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.ROWS


def report(name: str, table: list[tuple[str, str, str]]) -> None:
    confusion = Counter((expected, interpret(reply).verdict) for reply, expected, _ in table)
    right = sum(count for (expected, got), count in confusion.items() if expected == got)
    false_yes = sum(count for (expected, got), count in confusion.items() if got == "yes" and expected != "yes")
    print(f"\n{name}: {right}/{len(table)} read as expected ({100 * right / len(table):.1f}%), false YES: {false_yes}")
    print("  " + "expected / read as".ljust(20) + "".join(f"{v:>9}" for v in VERDICTS))
    for expected in VERDICTS:
        print(f"  {expected:<20}" + "".join(f"{confusion[(expected, got)]:>9}" for got in VERDICTS))


def main() -> None:
    started = time.perf_counter()
    for name, path in TABLES.items():
        report(name, rows(path))
    print(
        f"\nMachine: {platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}; "
        f"{time.perf_counter() - started:.2f} s"
    )


if __name__ == "__main__":
    main()
