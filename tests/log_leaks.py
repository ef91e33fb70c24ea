"""Every log line the suite produces, searched for the personas' numbers in every format.

conftest.py hands each log record to `collector` (formatted as the gateway formats its own
lines) and, at the end of the session, `leaks` reads those lines and the output files of the
real processes tests/processes.py started; a line with a number fails the run, named.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import quote

from gateway.core.logs import TextFormatter


def forms(e164: str, national: str) -> set[str]:
    """+31612345678 as a log could carry it: E.164, national as given, digits only, URL-encoded."""
    digits = "0" + e164.removeprefix("+31")
    return {
        e164,
        national,
        digits,
        quote(e164, safe=""),
        "0031" + e164.removeprefix("+31"),
        f"{digits[:2]}-{digits[2:]}",
        " ".join([digits[:2]] + [digits[i : i + 2] for i in range(2, 10, 2)]),
    }


class Collector(logging.Handler):
    """Keeps every record as the gateway's own text format would print it."""

    def __init__(self, public: Iterable[str]):
        super().__init__(logging.DEBUG)
        # Its own formatter, not setFormatter: gateway.core.logs.install takes a handler with one of
        # its formatters for its own and would change it.
        self.printer = TextFormatter(frozenset(public))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.lines.append(self.printer.format(record))
        except Exception:  # a record that cannot be formatted is logging's own error to report
            self.handleError(record)


def process_lines(folders: Iterable[Path]) -> list[tuple[str, str]]:
    """(file, line) for every line a real process wrote."""
    found = []
    for folder in folders:
        for path in sorted(Path(folder).glob("*.log")):
            found += [(str(path), line) for line in path.read_text(errors="replace").splitlines()]
    return found


def leaks(lines: Iterable[tuple[str, str]], numbers: set[str]) -> list[str]:
    """'source: line' for each line that carries one of `numbers`."""
    return [f"{source}: {line[:300]}" for source, line in lines if any(number in line for number in numbers)]
