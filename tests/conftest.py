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
    ``ontology/`` and ``queries/qc`` are links to the real ones, not copies: a test that must
    change a file in them replaces the link with a copy of its own first (test_build_safety)."""
    home = tmp_path / "project"
    home.mkdir()
    (home / "ontology").symlink_to(PROJECT / "ontology", target_is_directory=True)
    (home / "queries").mkdir()
    (home / "queries" / "qc").symlink_to(PROJECT / "queries" / "qc", target_is_directory=True)
    (home / "queries" / "cq").mkdir()
    (home / "graph").mkdir()
    shutil.copy(PROJECT / "tests" / "data" / "shapes" / "advisory-pass.ttl", home / "graph" / "advisory.ttl")
    monkeypatch.setenv("KG_HOME", str(home))
    monkeypatch.setenv("KG_STORE", str(home / ".kg"))
    return home


@pytest.fixture(scope="module")
def small() -> kg.KnowledgeGraph:
    """The small graph of tests/data/viz (known answers) in memory, inferences included."""
    from tests.test_viz_network import fixture_graph

    return fixture_graph()


@pytest.fixture(scope="module")
def instances(small: kg.KnowledgeGraph) -> Any:
    """The networkx instance graph of :func:`small`."""
    from kg.viz.network import instance_graph

    return instance_graph(small)
