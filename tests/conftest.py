"""Shared fixtures: a store built once per test session from the real ontology and graph."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import kg
from kg.build import BuildReport, Sources, build
from kg.paths import corpus_dir

PROJECT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def store_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store folder of this session's own, so tests never touch the user's .kg."""
    return tmp_path_factory.mktemp("kg-store")


@pytest.fixture(scope="session")
def built(store_home: Path) -> BuildReport:
    """Build the real graph once for the session (validation included)."""
    return build(sources=Sources.of(PROJECT), store=store_home, force=True)


@pytest.fixture(scope="session")
def graph(built: BuildReport, store_home: Path) -> Iterator[kg.KnowledgeGraph]:
    """The built graph, opened through the public API."""
    with kg.open_graph(store_home) as opened:
        yield opened


@pytest.fixture()
def kg_env(store_home: Path, built: BuildReport, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Environment in which `kg` commands use the session's store."""
    monkeypatch.setenv("KG_STORE", str(store_home))
    return {**os.environ, "KG_STORE": str(store_home)}


@pytest.fixture(scope="session")
def corpus() -> Path:
    """The report texts; tests that need them skip, saying why, when they are absent."""
    folder = corpus_dir()
    if not (folder / "npa-r5-2023.txt").is_file():
        pytest.skip(f"the corpus is not at {folder}: set KG_CORPUS to the folder holding npa-r5-2023.txt")
    return folder


@pytest.fixture()
def small_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A small project folder of the test's own: the real ontology and quality queries, and one
    small graph file (tests/data/shapes/advisory-pass.ttl); KG_HOME and KG_STORE point at it.

    Library calls name it explicitly (``build(sources=Sources.of(small_project), store=...)``);
    KG_HOME is for the `kg` commands the tests run, which read the environment at the CLI edge.
    ``ontology/`` is a link to the real one, not a copy: a test that must change a file in it
    replaces the link with a copy of its own first (test_build_safety damages shapes.ttl).
    ``queries/qc`` is a copy, a few small files: tests add quality queries to it (test_build)."""
    home = tmp_path / "project"
    home.mkdir()
    (home / "ontology").symlink_to(PROJECT / "ontology", target_is_directory=True)
    shutil.copytree(PROJECT / "queries" / "qc", home / "queries" / "qc")
    (home / "queries" / "cq").mkdir()
    (home / "graph").mkdir()
    shutil.copy(PROJECT / "tests" / "data" / "shapes" / "advisory-pass.ttl", home / "graph" / "advisory.ttl")
    monkeypatch.setenv("KG_HOME", str(home))
    monkeypatch.setenv("KG_STORE", str(home / ".kg"))
    return home


@pytest.fixture(scope="module")
def small() -> kg.KnowledgeGraph:
    """The small graph of tests/data/viz (known answers) in memory, inferences included."""
    from tests.viz_data import fixture_graph

    return fixture_graph()


@pytest.fixture(scope="module")
def instances(small: kg.KnowledgeGraph) -> Any:
    """The networkx instance graph of :func:`small`."""
    from kg.viz.network import instance_graph

    return instance_graph(small)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's headless Chromium driven by Playwright, launched once for the session; tests open
    their pages in contexts of their own (tests/browser.py). A test using it is marked ``browser``."""
    from tests.browser import CHROMIUM, CHROMIUM_ARGS

    playwright_api = pytest.importorskip("playwright.sync_api", reason="install the test extra: pip install -e .[test]")
    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM}: run `make setup-test` (it installs Debian's chromium)")
    with playwright_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture(scope="session")
def oxigraph_server() -> Iterator[Any]:
    """An empty, writable Oxigraph server for the session (tests push into their own named graphs)."""
    from tests.oxigraph_server import running_oxigraph_server

    yield from running_oxigraph_server()


@pytest.fixture(scope="session")
def virtuoso(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A private Virtuoso for the session, with its default row cap (100 000)."""
    from tests.virtuoso_server import running_virtuoso

    yield from running_virtuoso(tmp_path_factory.mktemp("virtuoso"))


@pytest.fixture(scope="session")
def virtuoso_capped(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A private Virtuoso that cuts every answer at ``SMALL_CAP`` rows (``ResultSetMaxRows``)."""
    from tests.virtuoso_server import SMALL_CAP, running_virtuoso

    yield from running_virtuoso(tmp_path_factory.mktemp("virtuoso-capped"), max_rows=SMALL_CAP, buffers=2000)


#: Fixtures whose tests are ``slow``: the session's servers, and the benchmark's smoke run (bench/).
SLOW_FIXTURES = {"oxigraph_server", "virtuoso", "virtuoso_capped", "smoke"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark what a test needs from the fixtures it uses, so that no mark can be forgotten:
    Chromium (``browser``), and as ``slow`` the tests of :data:`SLOW_FIXTURES` (a server takes
    seconds to start; the tests using one run whole pushes and round trips) and the notebooks."""
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        if "browser" in fixtures:
            item.add_marker(pytest.mark.browser)
        if fixtures & SLOW_FIXTURES or item.get_closest_marker("notebooks"):
            item.add_marker(pytest.mark.slow)
