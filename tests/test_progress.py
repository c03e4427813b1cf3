"""Progress bars on long steps: drawn on a terminal (a real pseudo-terminal here), absent when
standard error is a pipe; and terminal tables wrapped to the terminal's width."""

from __future__ import annotations

import os
import pty
import select
import struct
import subprocess
import sys
from pathlib import Path

from kg.output import display_width, text_table
from kg.progress import ProgressBars
from tests.helpers import run_kg


def run_in_terminal(*arguments: str, columns: int = 100, timeout: float = 300) -> tuple[int, str]:
    """Run ``kg`` with standard output and error on a pseudo-terminal ``columns`` wide; return its
    exit code and everything it wrote there."""
    import fcntl
    import termios

    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
    env = {**os.environ, "TERM": "xterm", "COLUMNS": str(columns)}
    process = subprocess.Popen(
        [sys.executable, "-m", "kg.cli", *arguments],
        stdin=subprocess.DEVNULL,
        stdout=follower,
        stderr=follower,
        env=env,
    )
    os.close(follower)
    written = bytearray()
    while True:
        ready, _, _ = select.select([leader], [], [], timeout)
        if not ready:
            process.kill()
            raise TimeoutError(f"kg {' '.join(arguments)} wrote nothing for {timeout} s")
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the follower side closed: the process ended
            break
        if not chunk:
            break
        written += chunk
    os.close(leader)
    return process.wait(timeout=timeout), written.decode("utf-8", "replace")


def test_build_on_a_terminal_draws_progress_bars(small_project: Path) -> None:
    code, written = run_in_terminal("build", "--force")
    assert code == 0, written
    assert "parsing [" in written and "inferring over" in written and "writing the store" in written
    assert "█" in written  # a bar, filled as the files are parsed
    assert "\r" in written  # redrawn in place, not a line per message
    assert "built " in written


def test_build_off_a_terminal_prints_no_progress(small_project: Path) -> None:
    result = run_kg("build", "--force")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout.startswith("built ")


def test_quiet_draws_no_bar_even_on_a_terminal(small_project: Path) -> None:
    code, written = run_in_terminal("build", "--force", "--quiet")
    assert code == 0, written
    assert "parsing" not in written and "█" not in written


def test_a_counted_message_advances_one_bar(tmp_path: Path) -> None:
    with (tmp_path / "bars.txt").open("w") as stream:
        bars = ProgressBars(stream)
        bars("sent 100/300 triples (1 request)")
        first = bars.current
        bars("sent 300/300 triples (3 requests)")
        assert bars.current is first and (first.n, first.total) == (300, 300)
        bars("drafting: section 25 of 50 (line 9)")
        assert bars.current is not first and (bars.current.n, bars.current.total) == (25, 50)
        bars.close()


def test_a_wide_table_wraps_to_the_width_and_keeps_japanese_aligned() -> None:
    rows = [["kgr:org-npa", "警察庁 " * 12], ["kgr:org-nisc", "内閣サイバーセキュリティセンター"]]
    lines = text_table(["agency", "label"], rows, width=40).splitlines()
    assert max(display_width(line) for line in lines) <= 40
    assert len(lines) > 4  # the long label wrapped onto lines of its own
    assert lines[3].startswith(" " * len("kgr:org-nisc  ")) and "警察庁" in lines[3]
    assert text_table(["agency", "label"], rows).count("\n") == 3  # no width: rows stay whole


def test_query_on_a_narrow_terminal_wraps_its_table(small_project: Path) -> None:
    assert run_kg("build").returncode == 0
    query = "SELECT ?thing ?label WHERE { ?thing rdfs:label ?label } ORDER BY ?thing ?label"
    code, written = run_in_terminal("query", query, columns=50)
    assert code == 0, written
    lines = written.replace("\r\n", "\n").splitlines()
    assert lines[0].split() == ["thing", "label"]
    assert max(display_width(line) for line in lines) <= 50
    whole = run_kg("query", query).stdout.splitlines()
    assert max(len(line) for line in whole) > 50  # off a terminal the same table is not wrapped
