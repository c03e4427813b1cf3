"""The build folders of a store home, and who may write, read or remove them.

Layout of the store home (``KG_STORE``, default ``.kg/``)::

    .kg/
      build.lock                         held (exclusively) by the one `kg build` writing here
      current -> builds/20261122T040000-1a2b3c4d-x8k2p1   (symlink, swapped atomically)
      builds/20261122T040000-1a2b3c4d-x8k2p1/
        oxigraph/        the database
        manifest.json    what was built from what (input digest, counts, times)
        in-use.lock      held (shared) by every reader: `kg serve`, `kg query`, the Python API

Three rules keep a build from ever losing the store:

* one writer at a time: :func:`build_lock` takes ``build.lock`` with ``flock`` (the kernel
  releases it when the process dies, so a killed build never blocks the next one);
* a build writes into a folder of its own, made by ``mkdtemp`` (unique even for two builds in
  the same second), removes only that folder when it fails, and publishes it by replacing the
  ``current`` link in one ``rename``;
* a folder is removed only when no process holds its ``in-use.lock`` (:func:`remove_unused`):
  a reader keeps the build it opened alive until it closes it, even across rebuilds.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from kg.errors import TYPE_CHECKING, KgError, StoreMissingError

if TYPE_CHECKING:
    from typing import IO

CURRENT = "current"
BUILDS = "builds"
DATABASE = "oxigraph"
MANIFEST = "manifest.json"
BUILD_LOCK = "build.lock"
IN_USE = "in-use.lock"


class BuildLocked(KgError):
    """Another build is writing the same store."""


def current_build(home: Path) -> Path:
    """Return the folder of the current build under ``home``.

    Raises :class:`~kg.errors.StoreMissingError` saying how to build one when there is none.
    """
    link = home / CURRENT
    target = link.resolve() if link.is_symlink() else None
    if target is None or not (target / DATABASE).is_dir():
        raise StoreMissingError(f"no built store in {home}: run `kg build` to build it")
    return target


@contextlib.contextmanager
def build_lock(home: Path, *, wait: bool = False) -> Iterator[None]:
    """Hold the store's build lock for the block; refuse at once (or ``wait``) when another build has it."""
    home.mkdir(parents=True, exist_ok=True)
    with open(home / BUILD_LOCK, "a+", encoding="ascii") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise BuildLocked(
                f"another kg build ({holder}) is writing {home}; wait for it to finish, or run with --wait"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}")
        handle.flush()
        try:
            yield
        finally:
            handle.truncate(0)


def new_build_folder(home: Path, digest: str) -> Path:
    """Create and return a build folder of this build's own (timestamp, digest, random suffix)."""
    import tempfile  # here, not at the top: a reader (``kg query``) never needs it

    builds = home / BUILDS
    builds.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix=f"{time.strftime('%Y%m%dT%H%M%S')}-{digest[:8]}-", dir=builds))
    folder.chmod(0o755)  # mkdtemp makes it private; a store is as readable as the folder it sits in
    (folder / IN_USE).touch()
    return folder


def publish(home: Path, build: Path) -> None:
    """Make ``build`` the current build in one atomic step (a new link renamed over ``current``)."""
    temporary_link = home / f".{CURRENT}.{os.getpid()}"
    if temporary_link.is_symlink():
        temporary_link.unlink()
    temporary_link.symlink_to(build.relative_to(home))
    os.replace(temporary_link, home / CURRENT)


def hold(build: Path) -> IO[str]:
    """Mark ``build`` as in use until the returned handle is closed (a shared ``flock``).

    Raises :class:`FileNotFoundError` when the folder was removed meanwhile.
    """
    marker = build / IN_USE
    if not marker.exists() and (build / DATABASE).is_dir():
        marker.touch()  # a build written before readers marked their builds
    handle = open(marker, encoding="ascii")  # noqa: SIM115 - the caller closes it
    fcntl.flock(handle, fcntl.LOCK_SH)
    if not marker.exists() or os.stat(marker).st_ino != os.fstat(handle.fileno()).st_ino:
        handle.close()
        raise FileNotFoundError(build)
    return handle


def hold_current(home: Path) -> tuple[Path, IO[str]]:
    """Return the current build and a handle that keeps it from being removed until closed."""
    for _ in range(10):
        build = current_build(home)
        try:
            return build, hold(build)
        except FileNotFoundError:
            continue  # a build replaced it and removed it between the two steps: look again
    raise StoreMissingError(f"the store in {home} keeps changing; try again")


def remove_unused(home: Path, *, keep: Path | None, say: Callable[[str], None] | None = None) -> list[Path]:
    """Remove the build folders other than ``keep`` and ``current`` that no process holds; return them.

    Only called with the build lock held, so no other build is writing into any of them. A folder
    without a manifest is what a killed build left behind; ``say`` tells the user about each.
    """
    builds = home / BUILDS
    if not builds.is_dir():
        return []
    try:
        live = current_build(home)
    except StoreMissingError:
        live = None
    removed = []
    for folder in sorted(builds.iterdir()):
        if folder in (keep, live) or not folder.is_dir() or folder.is_symlink():
            continue
        with open(folder / IN_USE, "a", encoding="ascii") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if say:
                    say(f"kept {folder.relative_to(home)}: a running kg serve or query still reads it")
                continue
            # removed while holding the lock: a reader that opens it now finds the file gone
            if say and not (folder / MANIFEST).is_file():
                say(f"removed {folder.relative_to(home)}, left half-written by an interrupted build")
            import shutil

            shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder)
    return removed
