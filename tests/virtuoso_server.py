"""Fixtures that run a real Virtuoso (Debian's virtuoso-opensource-7-bin, installed by `make setup-test`).

* ``virtuoso``: a private Virtuoso for the session — its own ``virtuoso.ini`` in a temporary
  folder, free loopback ports, a bounded wait for it to answer, stopped by its PID at the end;
* ``virtuoso_capped``: a second one whose ``ResultSetMaxRows`` is tiny, to make it truncate.
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


def _running(folder: object, **settings: int) -> Iterator[VirtuosoServer]:
    if reason := installed():
        pytest.skip(reason)
    server = VirtuosoServer(folder, **settings).start(within=STARTUP_SECONDS)  # type: ignore[arg-type]
    pid = server.pid
    try:
        yield server
    finally:
        server.stop()
        assert pid is not None and not process_exists(pid), f"virtuoso {pid} outlived the session"


@pytest.fixture(scope="session")
def virtuoso(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VirtuosoServer]:
    """A private Virtuoso for the session, with its default row cap (100 000)."""
    yield from _running(tmp_path_factory.mktemp("virtuoso"))


@pytest.fixture(scope="session")
def virtuoso_capped(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VirtuosoServer]:
    """A private Virtuoso that cuts every answer at :data:`SMALL_CAP` rows (``ResultSetMaxRows``)."""
    yield from _running(tmp_path_factory.mktemp("virtuoso-capped"), max_rows=SMALL_CAP, buffers=2000)
