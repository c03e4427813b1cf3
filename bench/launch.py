"""Start a command from a small process and report its own peak memory, wall and CPU time.

``python -m bench.launch FD COMMAND [ARGUMENT ...]`` (or ``python bench/launch.py …``, as
:func:`start` runs it) runs COMMAND with this process's standard
streams, waits for it, writes one JSON line to the file descriptor FD and exits with COMMAND's
exit code (128 + N when a signal N ended it)::

    {"exit_code": 0, "seconds": 0.031, "peak_rss_kb": 30512, "cpu_seconds": 0.028}

Why: on Linux a process's ``ru_maxrss`` does not start at zero. At ``exec`` the kernel sets it
to the memory high-water mark of the address space being replaced, which for a child that
Python's ``subprocess`` forked (or vforked) is the parent's. So a child that the benchmark
starts after it has grown to 900 MB reports at least 900 MB, whatever it used. This launcher is
itself started from the big process, but its own address space after ``exec`` is new and small
(about 10 MB), so COMMAND, forked from it, reports its own peak: the figures of ``wait4`` for
COMMAND, which include the children COMMAND waited for (kg's query worker). ``seconds`` runs
from just before COMMAND is started to ``wait4``'s return, so the launcher's own start-up is
not counted.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from typing import IO, Any


def launch(argv: Sequence[str]) -> dict[str, float | int]:
    """Run ``argv`` to its end with this process's standard streams; return its exit code (a
    signal N as -N), wall seconds, peak RSS in KiB and CPU seconds (user + system).

    >>> figures = launch([sys.executable, "-c", "raise SystemExit(3)"])
    >>> figures["exit_code"], figures["seconds"] > 0, figures["peak_rss_kb"] > 0
    (3, True, True)
    """
    started = time.perf_counter()
    pid = os.posix_spawnp(argv[0], list(argv), os.environ)
    _, status, usage = os.wait4(pid, 0)
    return {
        "exit_code": os.waitstatus_to_exitcode(status),
        "seconds": time.perf_counter() - started,
        "peak_rss_kb": usage.ru_maxrss,  # KiB on Linux
        "cpu_seconds": usage.ru_utime + usage.ru_stime,
    }


def start(argv: Sequence[str], **popen: Any) -> tuple[subprocess.Popen[Any], IO[str]]:
    """Start ``argv`` through this launcher (``popen``: :class:`subprocess.Popen`'s other
    arguments); return the launcher's process, in a process group of its own (so that
    ``os.killpg(process.pid, …)`` reaches the command and its workers too), and the stream
    :func:`figures` reads once it has ended.

    >>> process, stream = start([sys.executable, "-c", "pass"], cwd="/")
    >>> process.wait(), figures(stream)["exit_code"]
    (0, 0)
    """
    report, report_end = os.pipe()
    try:
        process = subprocess.Popen(
            # by its path: the command's folder (``cwd``) need not be the project's
            [sys.executable, __file__, str(report_end), *argv],
            pass_fds=(report_end,),
            start_new_session=True,
            **popen,
        )
    except BaseException:
        os.close(report)
        raise
    finally:
        os.close(report_end)
    return process, open(report, encoding="utf-8")


def figures(stream: IO[str]) -> dict[str, Any]:
    """What the launcher reported on ``stream`` (then closed), or {} when it was killed first."""
    with stream:
        text = stream.read()
    return dict(json.loads(text)) if text.strip() else {}


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m bench.launch FD COMMAND …``: run COMMAND, report it on FD, exit as it did."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    if len(arguments) < 2 or not arguments[0].isdigit():
        print("usage: python -m bench.launch FD COMMAND [ARGUMENT ...]", file=sys.stderr)
        return 2
    report = int(arguments[0])
    try:
        figures = launch(arguments[1:])
    except OSError as error:
        print(f"bench.launch: cannot start {arguments[1]}: {error.strerror}", file=sys.stderr)
        return 127
    with os.fdopen(report, "w", encoding="utf-8") as stream:
        stream.write(json.dumps(figures) + "\n")
    code = int(figures["exit_code"])
    return 128 - code if code < 0 else code


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
