"""Integration tests: real tools outside Python (``make test-integration``).

They run headless Chromium and LibreOffice, installed from Debian's packages
(``apt-get install -y chromium libreoffice-calc``), and take tens of seconds, so
they are not part of ``make test``: every test here is skipped unless
``CSMODEL_INTEGRATION=1`` (the make target sets it), and a missing tool is a skip
that says how to install it.
"""

from __future__ import annotations

import os
import shutil

import pytest

TOOLS = {"chromium": "chromium", "soffice": "libreoffice-calc"}


def pytest_collection_modifyitems(config, items):
    here = os.path.dirname(__file__)
    mine = [item for item in items if str(item.fspath).startswith(here)]
    if os.environ.get("CSMODEL_INTEGRATION") != "1":
        skip = pytest.mark.skip(reason="integration test: run `make test-integration`")
        for item in mine:
            item.add_marker(skip)


def need(tool: str) -> str:
    """The path of ``tool``, or skip the test saying which Debian package has it."""
    path = shutil.which(tool)
    if path is None:
        pytest.skip(f"{tool} not found: apt-get install -y {TOOLS[tool]}")
    return path
