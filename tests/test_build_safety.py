"""`kg build` under races, kills and bad inputs: unique build folders, one build at a time,
leftovers cleaned, readers' builds kept, and no empty or shrunken store replacing a good one.

Every test runs real builds (in this process or as `kg build` processes) on a small project."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import kg
from kg.errors import InputError
from kg.store.builds import BUILDS, MANIFEST, BuildLocked, build_lock, current_build
from tests.helpers import build_project, run_kg

PROJECT = Path(__file__).resolve().parents[1]


def kg_process(*arguments: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "kg.cli", *arguments],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=os.environ.copy(),
    )


def add_facts(home: Path, count: int) -> Path:
    """Write a graph file with ``count`` labelled organisations (each a few triples)."""
    lines = [
        "@prefix kg: <https://w3id.org/npa-cyber-kg/ontology#> .",
        "@prefix kgr: <https://w3id.org/npa-cyber-kg/id/> .",
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .",
    ]
    lines += [f'kgr:org-test-{n} a kg:Organisation ; rdfs:label "Test {n}"@en, "テスト{n}"@ja .' for n in range(count)]
    path = home / "graph" / "many.ttl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_builds_in_the_same_second_each_get_their_own_folder_and_never_lose_the_store(small_project: Path) -> None:
    store = small_project / ".kg"
    seen = set()
    for _ in range(3):
        first = build_project(small_project, force=True, validate=False)
        second = build_project(small_project, force=True, validate=False)
        assert first.built and second.built
        seen.add(current_build(store))
        with kg.open_graph(store) as graph:
            assert graph.query("ASK { ?s ?p ?o }").boolean is True
    assert len(seen) == 3
    # the builds that are no longer current, and that nobody reads, are gone
    assert sorted(path for path in (store / BUILDS).iterdir()) == [current_build(store)]


def test_a_second_build_refuses_in_one_line_while_one_runs_and_waits_with_wait(small_project: Path) -> None:
    store = small_project / ".kg"
    build_project(small_project, validate=False)
    with build_lock(store):  # another build holds the lock
        refused = run_kg("build", "--force", "--no-validate")
        assert refused.returncode == 2
        assert refused.stderr.strip().splitlines() == [
            f"kg build: error: another kg build (pid {os.getpid()}) is writing {store}; "
            "wait for it to finish, or run with --wait"
        ]
        with pytest.raises(BuildLocked):
            build_project(small_project, force=True, validate=False)
        waiting = kg_process("build", "--force", "--no-validate", "--wait", "--quiet")
        time.sleep(1.5)
        assert waiting.poll() is None  # it waits for the lock
    out, err = waiting.communicate(timeout=120)
    assert waiting.returncode == 0, err
    assert out.startswith("built ")


def test_two_builds_started_together_never_traceback_and_leave_a_working_store(small_project: Path) -> None:
    store = small_project / ".kg"
    for _ in range(2):
        racers = [kg_process("build", "--force", "--no-validate", "--quiet") for _ in range(2)]
        outputs = [racer.communicate(timeout=120) for racer in racers]
        results = [(racer.returncode, *output) for racer, output in zip(racers, outputs, strict=True)]
        for code, _out, err in results:
            assert "Traceback" not in err
            assert code == 0 or (code == 2 and "another kg build" in err and len(err.strip().splitlines()) == 1)
        assert any(code == 0 for code, _, _ in results)
        assert run_kg("query", "ASK { ?s ?p ?o }").stdout == "true\n"
        assert [path for path in (store / BUILDS).iterdir()] == [current_build(store)]


def test_a_killed_build_leaves_a_folder_that_the_next_build_removes_and_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = tmp_path / "store"
    monkeypatch.setenv("KG_HOME", str(PROJECT))
    monkeypatch.setenv("KG_STORE", str(store))
    builds = store / BUILDS
    victim = kg_process("build", "--force", "--no-validate", "--quiet")
    deadline = time.monotonic() + 120
    while not (builds.is_dir() and any(builds.iterdir())):
        assert victim.poll() is None and time.monotonic() < deadline, "the build ended before writing"
        time.sleep(0.005)
    victim.send_signal(signal.SIGKILL)
    victim.communicate()
    leftover = next(builds.iterdir())
    assert not (leftover / MANIFEST).exists()
    result = run_kg("build", "--no-validate", "--quiet")
    assert result.returncode == 0, result.stderr
    assert f"removed {BUILDS}/{leftover.name}, left half-written by an interrupted build" in result.stderr
    assert not leftover.exists()
    assert run_kg("query", "ASK { ?s ?p ?o }").stdout == "true\n"


def test_a_build_that_a_reader_has_open_is_kept_until_it_closes(small_project: Path) -> None:
    store = small_project / ".kg"
    build_project(small_project, validate=False)
    with kg.open_graph(store) as reader:
        served = current_build(store)
        heard: list[str] = []
        build_project(small_project, force=True, validate=False, notice=heard.append)
        assert current_build(store) != served and served.is_dir()
        assert heard == [f"kept {BUILDS}/{served.name}: a running kg serve or query still reads it"]
        assert reader.query("SELECT (COUNT(?a) AS ?n) WHERE { ?a a kg:Advisory }").rows == [(1,)]
    build_project(small_project, force=True, validate=False)
    assert not served.exists()


def test_a_build_without_facts_or_far_smaller_than_the_live_store_is_refused(small_project: Path) -> None:
    store = small_project / ".kg"
    many = add_facts(small_project, 1500)
    build_project(small_project, validate=False)
    before = current_build(store)
    many.unlink()
    with pytest.raises(InputError, match=r"refusing to replace the live store of \d+ triples .*--allow-shrink"):
        build_project(small_project, validate=False)
    refused = run_kg("build", "--no-validate", "--quiet")
    assert refused.returncode == 2 and len(refused.stderr.strip().splitlines()) == 1
    assert current_build(store) == before
    # a larger allowed drop, or --allow-shrink, builds it
    assert run_kg("build", "--no-validate", "--quiet", "--max-drop", "1").returncode == 0
    for path in (small_project / "graph").iterdir():
        path.unlink()
    empty = run_kg("build", "--no-validate", "--quiet", "--force")
    assert empty.returncode == 2
    assert "no facts to build: graph/ has no Turtle files" in empty.stderr
    assert run_kg("build", "--no-validate", "--quiet", "--force", "--allow-shrink").returncode == 0
    assert run_kg("build", "--max-drop", "1.5").returncode == 2


def test_a_missing_kg_home_is_an_error_for_build_and_queries(tmp_path: Path) -> None:
    env = {**os.environ, "KG_HOME": str(tmp_path / "nowhere"), "KG_STORE": str(tmp_path / "store")}
    for command in (["queries"], ["build"], ["validate"]):
        result = run_kg(*command, env=env)
        assert result.returncode == 2, (command, result.stdout)
        assert result.stderr.count("\n") == 1 and "KG_HOME" in result.stderr, result.stderr
        assert "Traceback" not in result.stderr


@pytest.mark.parametrize("kind", ["folder", "dangling link"])
def test_a_folder_or_broken_link_named_ttl_is_one_line(small_project: Path, kind: str) -> None:
    odd = small_project / "graph" / "odd.ttl"
    if kind == "folder":
        odd.mkdir()
    else:
        odd.symlink_to(small_project / "missing.ttl")
    result = run_kg("build", "--quiet")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]
    assert "graph/odd.ttl" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("damage", ["missing", "malformed"])
def test_a_missing_or_malformed_shapes_file_is_one_line(small_project: Path, damage: str) -> None:
    # this test damages shapes.ttl, so it works on a copy of the ontology, not the fixture's link to the real one
    (small_project / "ontology").unlink()
    shutil.copytree(PROJECT / "ontology", small_project / "ontology")
    shapes = small_project / "ontology" / "shapes.ttl"
    if damage == "missing":
        shapes.unlink()
    else:
        shapes.write_text("@prefix sh: <http://www.w3.org/ns/shacl#> .\nthis is not turtle\n", encoding="utf-8")
    for command in ("build", "validate"):
        result = run_kg(command, "--quiet")
        assert result.returncode == 2, result.stdout
        assert len(result.stderr.strip().splitlines()) == 1 and "shapes.ttl" in result.stderr, result.stderr
