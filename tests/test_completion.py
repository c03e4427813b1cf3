"""Shell completion (argcomplete): commands, options, named queries and class names, asked the
way the shell asks (``_ARGCOMPLETE``, ``COMP_LINE``, ``COMP_POINT``), in a fresh ``kg`` process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from kg.queries import catalog
from tests.helpers import SHIPPED, run_kg


def complete(line: str, tmp_path: Path) -> list[str]:
    """Return what ``kg`` offers to complete ``line`` with (the cursor at its end)."""
    answer = tmp_path / "completions"
    env = {
        **os.environ,
        "_ARGCOMPLETE": "1",
        "_ARGCOMPLETE_IFS": "\n",
        "COMP_LINE": line,
        "COMP_POINT": str(len(line)),
        "_ARGCOMPLETE_STDOUT_FILENAME": str(answer),
    }
    result = subprocess.run([sys.executable, "-m", "kg.cli"], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return [word.strip() for word in answer.read_text(encoding="utf-8").split("\n") if word.strip()]


def test_named_queries_complete_after_kg_query(tmp_path: Path) -> None:
    expected = sorted(name for name in catalog(SHIPPED.queries) if name.startswith("cq-r5a-"))
    assert len(expected) > 1
    assert sorted(complete("kg query cq-r5a-", tmp_path)) == expected


def test_commands_and_options_complete(tmp_path: Path) -> None:
    assert complete("kg bu", tmp_path) == ["build"]
    assert "--force" in complete("kg build --f", tmp_path)
    assert "--store" in complete("kg export --st", tmp_path)


def test_class_names_complete_in_a_comma_separated_list(tmp_path: Path) -> None:
    offered = complete("kg viz --types ThreatActor,Adv", tmp_path)
    assert "ThreatActor,Advisory" in offered
    assert all(word.startswith("ThreatActor,Adv") for word in offered)


def test_kg_completion_prints_the_shell_script() -> None:
    for shell in ("bash", "zsh"):
        result = run_kg("completion", shell)
        assert result.returncode == 0, result.stderr
        assert "_ARGCOMPLETE" in result.stdout and "kg" in result.stdout
