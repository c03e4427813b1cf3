"""The `kg` command: every command has help with an example, and the query path stays light."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from kg.cli import COMMANDS, parser
from tests.helpers import run_kg


def registered_commands() -> list[str]:
    """The commands `kg --help` lists, in its order (read from the help, as a user reads it)."""
    help_text = parser().format_help()
    listing = help_text.split("positional arguments:", 1)[1].split("\n\n", 1)[0]
    return re.findall(r"^    (\w+)(?: |$)", listing, re.M)


REGISTERED = registered_commands()


def test_core_commands_are_registered() -> None:
    assert {"build", "validate", "query", "queries", "stats", "export"} <= set(REGISTERED)
    assert set(REGISTERED) <= set(COMMANDS)


@pytest.mark.parametrize("command", REGISTERED)
def test_every_command_has_help_with_an_example(command: str) -> None:
    result = run_kg(command, "--help")
    assert result.returncode == 0
    assert "example" in result.stdout, f"`kg {command} --help` shows no example"


def test_version() -> None:
    result = run_kg("--version")
    assert result.stdout.startswith("kg ")


#: Libraries the query path must not load (each costs tens to hundreds of ms of start).
HEAVY = ("rdflib", "pyshacl", "pyvis", "networkx", "pandas", "matplotlib", "SPARQLWrapper", "IPython")
#: What `kg query --format csv`'s cold start was cut by keeping off its path (issue #18); a table
#: for people imports tabulate, which imports several of them.
LIGHT = (*HEAVY, "tabulate", "logging", "dataclasses", "inspect", "importlib.metadata", "tempfile", "subprocess")
#: ... and, alone in its process as the `kg` program runs it (its query on a thread), typing,
#: shutil, csv, json (the answer goes to CSV as the store wrote it), threading and the worker's signal
#: handling too.
LIGHTER = (*LIGHT, "typing", "shutil", "csv", "json", "threading", "signal")


@pytest.mark.parametrize(
    ("argv", "unwanted", "alone"),
    [
        (["query", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"], HEAVY, False),
        (["query", "cq-r5a-blacktech-advisory-issuers", "--format", "csv"], LIGHT, False),
        (["query", "cq-r5a-blacktech-advisory-issuers", "--format", "csv"], LIGHTER, True),
    ],
)
def test_query_path_does_not_import_heavy_libraries(
    argv: list[str], unwanted: tuple[str, ...], alone: bool, kg_env: dict[str, str]
) -> None:
    code = (
        "import sys, io, contextlib\nfrom kg.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()) as out:\n"
        f"    code = main({argv!r}, alone={alone!r})\n"
        f"loaded = sorted(m for m in sys.modules if m.split('.')[0] in {unwanted!r} or m in {unwanted!r})\n"
        "import json; print(json.dumps([code, out.getvalue().count('\\n'), loaded]))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=kg_env, timeout=120)
    assert result.returncode == 0, result.stderr
    exit_code, lines, loaded = json.loads(result.stdout.splitlines()[-1])
    assert exit_code == 0 and lines > 1
    assert loaded == []


def test_queries_lists_named_queries_in_both_languages() -> None:
    english = run_kg("queries", "--kind", "qc").stdout
    japanese = run_kg("queries", "--kind", "qc", "--lang", "ja").stdout
    assert re.search(
        r"^missing-label-violation +Which things in the graph lack an English or a Japanese label\?$", english, re.M
    )
    assert "英語又は日本語のラベルがないものはどれか。" in japanese


def test_stats_counts_per_class_and_report(kg_env: dict[str, str]) -> None:
    result = run_kg("stats", env=kg_env)
    assert result.returncode == 0, result.stderr
    header = result.stdout.splitlines()[1].split()
    assert header[:2] == ["class", "total"] and {"r3-2021", "r5-2023"} <= set(header)
    assert any(line.startswith("kg:Observation ") for line in result.stdout.splitlines())


def test_export_writes_parseable_rdf_atomically(kg_env: dict[str, str], tmp_path: object) -> None:
    import pyoxigraph

    target = tmp_path / "kg.nt"  # type: ignore[operator]
    result = run_kg("export", "--format", "nt", "--output", str(target), env=kg_env)
    assert result.returncode == 0, result.stderr
    triples = list(pyoxigraph.parse(path=str(target), format=pyoxigraph.RdfFormat.N_TRIPLES))
    assert f"wrote {len(triples)} triples" in result.stdout
    missing = run_kg("export", "--output", str(tmp_path / "no" / "such" / "dir.ttl"), env=kg_env)  # type: ignore[operator]
    assert missing.returncode == 2 and "does not exist" in missing.stderr
