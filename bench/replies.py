"""How well the reply interpreter reads real replies: accuracy per table and per language.

Two tables: tests/reply_table.py (the test table; the interpreter is built to pass it) and
bench/reply_heldout.py (written apart from the interpreter and never tuned on, so its
figure is the honest one). Each row is read with its case's language, as the gateway reads
it. A wrong YES is the costly mistake and is counted on its own.

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


Row = tuple[str, str, str, str]  # reply, expected verdict, why, the case's language
LANGUAGES = ("nl", "en", "tr", "ar", "pl", "uk")


def rows(path: Path) -> list[Row]:
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.ROWS


def report(name: str, table: list[Row]) -> None:
    read = [(expected, interpret(reply, language).verdict, language) for reply, expected, _, language in table]
    confusion = Counter((expected, got) for expected, got, _ in read)
    print(f"\n{name}: {_score(read)}")
    for language in LANGUAGES:
        mine = [row for row in read if row[2] == language]
        if mine:
            print(f"  {language}: {_score(mine)}")
    print("  " + "expected / read as".ljust(20) + "".join(f"{v:>9}" for v in VERDICTS))
    for expected in VERDICTS:
        print(f"  {expected:<20}" + "".join(f"{confusion[(expected, got)]:>9}" for got in VERDICTS))


def _score(read: list[tuple[str, str, str]]) -> str:
    right = sum(expected == got for expected, got, _ in read)
    false_yes = sum(got == "yes" and expected != "yes" for expected, got, _ in read)
    return f"{right}/{len(read)} read as expected ({100 * right / len(read):.1f}%), false YES: {false_yes}"


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
