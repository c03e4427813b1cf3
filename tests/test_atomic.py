"""Every file kg writes goes through kg.atomic: whole or not at all, never through a planted link,
special files written as streams, and one-line errors. Tested on `kg export` as a user runs it
(real FIFOs, /dev/full, /proc, a pipe as /dev/stdout) and on the helper itself."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from kg.atomic import atomic_write, write_text
from kg.errors import InputError
from tests.helpers import run_kg

NT = ["--format", "nt"]


def test_a_planted_link_is_replaced_not_followed(kg_env: dict[str, str], tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    target = tmp_path / "kg.nt"
    target.symlink_to(victim)
    # the old predictable temporary name, planted as a link too
    (tmp_path / ".kg.nt.partial").symlink_to(victim)
    result = run_kg("export", *NT, "--output", str(target), env=kg_env)
    assert result.returncode == 0, result.stderr
    assert victim.read_text() == "precious\n"
    assert not target.is_symlink() and target.stat().st_size > 1000
    assert [path.name for path in tmp_path.iterdir() if path.name.endswith(".partial")] == [".kg.nt.partial"]


def test_a_fifo_is_written_as_a_stream_and_stays_a_fifo(kg_env: dict[str, str], tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.nt"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    result = run_kg("export", *NT, "--output", str(fifo), env=kg_env)
    reader.join(60)
    assert result.returncode == 0, result.stderr
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    assert received[0].count(b"\n") > 1000


def test_dash_and_dev_stdout_into_a_pipe_write_the_data_to_standard_output(kg_env: dict[str, str]) -> None:
    for output in ("-", "/dev/stdout"):
        result = subprocess.run(
            [sys.executable, "-m", "kg.cli", "export", *NT, "--output", output],
            capture_output=True,
            env=kg_env,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        lines = result.stdout.decode().splitlines()
        assert len(lines) > 1000 and all(line.endswith(" .") for line in lines[:50]), lines[:3]


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full")
def test_dev_full_is_one_line_and_stays_a_device(kg_env: dict[str, str]) -> None:
    result = run_kg("export", *NT, "--output", "/dev/full", env=kg_env)
    assert result.returncode == 2
    assert result.stderr == "kg export: error: /dev/full: cannot write: No space left on device\n"
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)


@pytest.mark.parametrize(
    ("where", "says"),
    [
        ("folder", "is a folder: name a file to write"),
        ("/proc/x", "cannot write"),
        ("missing", "the folder to write into does not exist"),
    ],
)
def test_unwritable_targets_are_one_line(where: str, says: str, kg_env: dict[str, str], tmp_path: Path) -> None:
    target = {"folder": str(tmp_path), "/proc/x": "/proc/x", "missing": str(tmp_path / "no" / "x.nt")}[where]
    result = run_kg("export", *NT, "--output", target, env=kg_env)
    assert result.returncode == 2
    assert len(result.stderr.splitlines()) == 1 and says in result.stderr and "Traceback" not in result.stderr


def test_a_failed_write_leaves_the_old_file_and_no_partial(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic_write(target, text=True) as handle:
        handle.write("half")
        raise RuntimeError("failed mid-way")
    assert target.read_text() == "old"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["out.txt"]
    write_text(target, "new")
    assert target.read_text() == "new" and stat.S_IMODE(target.stat().st_mode) == 0o666 & ~current_umask()


def current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_the_writers_of_kg_use_the_one_helper() -> None:
    source = Path(__file__).resolve().parents[1]
    for path in [*(source / "src" / "kg").rglob("*.py"), *(source / "bench").glob("*.py")]:
        text = path.read_text(encoding="utf-8")
        if path.name == "atomic.py":
            continue
        if path.parts[-2:] == ("draft", "write.py"):
            # a draft is a whole folder, swapped in by mkdtemp and rename; atomic_write writes one file
            assert "mkstemp" not in text, f"{path} writes a file atomically by itself"
            continue
        assert ".partial" not in text and "mkstemp" not in text, f"{path} writes atomically by itself"
    with pytest.raises(InputError, match="is a folder"):
        write_text(source, "x")
