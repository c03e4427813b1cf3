"""The one way kg writes a file: whole or not at all.

:func:`atomic_write` writes into a temporary file that ``mkstemp`` creates in the target's own
folder (a name no one can predict, opened with ``O_EXCL``, so a planted file or symbolic link is
never followed), then renames it over the target in one step: a reader sees the old file or the
new one, never half of it, and a failure leaves the old file as it was. A symbolic link at the
target is replaced, not written through.

Targets that are not regular files are written to directly, as streams: ``-`` (standard
output), a FIFO, a terminal, ``/dev/null`` or ``/dev/full`` (a device node is never replaced by
a file). Everything that goes wrong is one :class:`~kg.errors.InputError` naming the path.

>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> with atomic_write(folder / "out.txt", text=True) as handle:
...     _ = handle.write("whole")
>>> (folder / "out.txt").read_text()
'whole'
"""

from __future__ import annotations

import contextlib
import io
import os
import stat
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from kg.errors import InputError

#: Permissions of a written file (before the umask), as ``open`` would give it.
FILE_MODE = 0o666


def _is_stream(path: Path) -> bool:
    """Tell whether ``path`` names something that is written to in place rather than replaced."""
    try:
        mode = os.stat(path).st_mode  # follows links: /dev/stdout → the pipe or terminal it is
    except FileNotFoundError:
        return False
    except OSError as error:
        raise InputError(f"cannot write: {error.strerror or error}", path=str(path)) from None
    if stat.S_ISDIR(mode):
        raise InputError("is a folder: name a file to write", path=str(path))
    return not stat.S_ISREG(mode)


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def _stream(handle: IO[bytes], *, text: bool, encoding: str) -> Iterator[IO[Any]]:
    if not text:
        yield handle
        handle.flush()
        return
    wrapper = io.TextIOWrapper(handle, encoding=encoding, newline="")
    try:
        yield wrapper
        wrapper.flush()
    finally:
        wrapper.detach()


@contextlib.contextmanager
def atomic_write(path: str | Path, *, text: bool = False, encoding: str = "utf-8") -> Iterator[IO[Any]]:
    """Open ``path`` for writing and yield the handle; the file appears, whole, when the block ends.

    ``text`` yields a text handle (``encoding``, newlines as written). ``-`` is standard output.
    """
    shown = str(path)
    try:
        if shown == "-":
            sys.stdout.flush()
            with _stream(sys.stdout.buffer, text=text, encoding=encoding) as handle:
                yield handle
            return
        target = Path(path)
        if _is_stream(target):
            with open(target, "wb") as raw, _stream(raw, text=text, encoding=encoding) as handle:
                yield handle
            return
        folder = target.parent
        if not folder.is_dir():
            raise InputError("the folder to write into does not exist", path=str(folder))
        descriptor, partial = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.", suffix=".partial")
        try:
            with os.fdopen(descriptor, "wb") as raw:
                with _stream(raw, text=text, encoding=encoding) as handle:
                    yield handle
                raw.flush()
                os.fsync(raw.fileno())
                os.fchmod(raw.fileno(), FILE_MODE & ~_current_umask())  # mkstemp makes it private
            os.replace(partial, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(partial)
            raise
    except InputError:
        raise
    except (BrokenPipeError, KeyboardInterrupt):
        raise
    except OSError as error:
        raise InputError(f"cannot write: {error.strerror or error}", path=shown) from None


def write_bytes(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (see :func:`atomic_write`)."""
    with atomic_write(path) as handle:
        handle.write(data)


def write_text(path: str | Path, data: str, *, encoding: str = "utf-8") -> None:
    """Write ``data`` to ``path`` atomically as text (see :func:`atomic_write`)."""
    with atomic_write(path, text=True, encoding=encoding) as handle:
        handle.write(data)
