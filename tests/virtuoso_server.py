"""A real Virtuoso for the tests (Debian's virtuoso-opensource-7-bin, installed by `make setup-test`).

``running_virtuoso`` is behind conftest.py's fixtures: ``virtuoso``, a private Virtuoso — its own
``virtuoso.ini`` in a temporary folder, free loopback ports, a bounded wait for it to answer,
stopped by its PID at the end — and ``virtuoso_capped``, a second one whose ``ResultSetMaxRows``
is tiny, to make it truncate.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kg.virtuoso import VirtuosoServer, installed
from tests.oxigraph_server import process_exists

#: How long Virtuoso may take to start (it creates its database first).
STARTUP_SECONDS = 90.0
#: The row cap of ``virtuoso_capped``.
SMALL_CAP = 50


def running_virtuoso(folder: object, **settings: int) -> Iterator[VirtuosoServer]:
    """Run a private Virtuoso in ``folder`` until resumed (the fixtures of conftest.py), or skip saying why."""
    if reason := installed():
        pytest.skip(reason)
    server = VirtuosoServer(folder, **settings).start(within=STARTUP_SECONDS)  # type: ignore[arg-type]
    pid = server.pid
    try:
        yield server
    finally:
        server.stop()
        assert pid is not None and not process_exists(pid), f"virtuoso {pid} outlived the session"
