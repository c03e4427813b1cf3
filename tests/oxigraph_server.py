"""Fixtures that run real servers on 127.0.0.1 for the remote-store tests.

* ``running_oxigraph_server`` (behind conftest.py's ``oxigraph_server`` fixture): an empty, writable
  ``oxigraph serve`` (in memory) on a free port, started with a bounded wait and stopped by its own PID;
* ``kg_serve_process``: a context manager running ``kg serve`` as a user would, in its own process.
"""

from __future__ import annotations

import contextlib
import os
import select
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from kg.serve import OxigraphServer

#: How long a server may take to start before the test fails.
STARTUP_SECONDS = 20.0


def running_oxigraph_server() -> Iterator[OxigraphServer]:
    """Run an empty, writable Oxigraph server until resumed (the ``oxigraph_server`` fixture of conftest.py)."""
    server = OxigraphServer(None, host="127.0.0.1", timeout=60).start(within=STARTUP_SECONDS)
    pid = server.pid
    try:
        yield server
    finally:
        server.stop()
        assert pid is not None and not process_exists(pid), f"oxigraph server {pid} outlived the session"


def process_exists(pid: int) -> bool:
    """Tell whether a process (not a zombie) with this id exists."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def child_processes(pid: int) -> list[int]:
    """Return the ids of the processes whose parent is ``pid`` (Linux /proc)."""
    children = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii") as handle:
                    fields = handle.read().rsplit(")", 1)[1].split()
            except (FileNotFoundError, ProcessLookupError):
                continue
            if int(fields[1]) == pid:
                children.append(int(entry))
    return children


@dataclass
class KgServe:
    """A running ``kg serve``: its process, the URL it printed and everything it printed."""

    process: subprocess.Popen[bytes]
    url: str
    banner: list[str]


@contextlib.contextmanager
def kg_serve_process(*arguments: str, env: dict[str, str]) -> Iterator[KgServe]:
    """Run ``kg serve --port 0 …`` and yield once it has printed its URL; stop it by its PID at the end."""
    process = subprocess.Popen(
        [sys.executable, "-m", "kg.cli", "serve", "--port", "0", *arguments],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    try:
        assert process.stdout is not None and process.stderr is not None
        printed = b""
        deadline = time.monotonic() + STARTUP_SECONDS
        while b"Press Ctrl-C" not in printed:
            ready, _, _ = select.select([process.stdout], [], [], max(deadline - time.monotonic(), 0))
            chunk = os.read(process.stdout.fileno(), 65536) if ready else b""
            if not chunk:
                stderr = process.stderr.read().decode() if process.poll() is not None else ""
                pytest.fail(f"kg serve printed no URL within {STARTUP_SECONDS:g} s; stderr: {stderr}")
            printed += chunk
        banner = printed.decode().splitlines()
        url = banner[0].rsplit(" at ", 1)[1].rstrip("/")
        yield KgServe(process, url, banner)
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for stream in (process.stdout, process.stderr):
            if stream:
                stream.close()
