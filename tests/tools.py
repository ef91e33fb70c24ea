"""Debian's tools some tests run (promtool, prometheus), found or skipped, or required.

.ci/run installs them and sets KORTE_LIJN_REQUIRE_TOOLS=1, so there a missing tool fails
the test instead of skipping it: a skip must never hide that CI stopped checking.
"""

from __future__ import annotations

import os
import shutil

import pytest


def require(name: str, package: str) -> str:
    path = shutil.which(name)
    if path:
        return path
    message = f"needs `{name}` from Debian's {package} package (apt-get install -y {package})"
    if os.environ.get("KORTE_LIJN_REQUIRE_TOOLS") == "1":
        pytest.fail(message + "; KORTE_LIJN_REQUIRE_TOOLS=1 says it must be there")
    pytest.skip(message)
