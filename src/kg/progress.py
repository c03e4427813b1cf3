"""Progress bars for long steps (``kg build``, ``kg validate``, ``kg push``, ``kg draft``), drawn
by ``tqdm`` on standard error, and only when standard error is a terminal: piped or captured,
a command prints no progress at all.

The library functions report progress as messages (``progress("parsing [3/120] graph/x.ttl")``),
so any callable, ``print`` included, can follow them. :class:`ProgressBars` turns the messages
into bars: a message carrying a count (``3/120`` or ``25 of 300``) advances a bar of that total,
and the next message with the same words before the count advances the same bar; a message
without one is a step of its own, shown with its elapsed time until the next message ends it.

>>> bars = ProgressBars(stream=open(os.devnull, "w"))
>>> bars("parsing [1/2] a.ttl"); bars("parsing [2/2] b.ttl"); bars.current.n, bars.current.total
(2, 2)
>>> bars("inferring over 12 triples"); bars.current.total is None
True
>>> bars.close()
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
from collections.abc import Callable, Iterator
from typing import IO, Any

#: A count in a progress message: ``3/120`` or ``25 of 300``.
COUNT = re.compile(r"(\d+)\s*(?:/|\bof\b)\s*(\d+)")


class ProgressBars:
    """A progress callback that draws each step's messages as one tqdm bar on ``stream``."""

    def __init__(self, stream: IO[str] | None = None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.current: Any = None
        self._step: str | None = None

    def __call__(self, message: str) -> None:
        from tqdm import tqdm

        match = COUNT.search(message)
        step = message[: match.start()] if match else message
        if match is None or step != self._step or self.current is None:
            self._finish()
            total = int(match[2]) if match else None
            self.current = tqdm(
                total=total,
                file=self.stream,
                dynamic_ncols=True,
                leave=True,
                bar_format="{desc} {bar} {n_fmt}/{total_fmt} [{elapsed}]" if total else "{desc} [{elapsed}]",
            )
            self._step = step
        self.current.set_description_str(message, refresh=False)
        if match:
            self.current.n = int(match[1])
        self.current.refresh()

    def _finish(self) -> None:
        if self.current is not None:
            self.current.close()
        self.current = None

    def close(self) -> None:
        """End the last bar."""
        self._finish()


@contextlib.contextmanager
def progress_bars(*, quiet: bool = False, stream: IO[str] | None = None) -> Iterator[Callable[[str], None] | None]:
    """Yield a progress callback that draws bars on ``stream`` (default standard error), or None
    when ``quiet`` or when ``stream`` is not a terminal; the last bar ends with the block."""
    stream = stream if stream is not None else sys.stderr
    if quiet or not (hasattr(stream, "isatty") and stream.isatty()) or os.environ.get("TERM") == "dumb":
        yield None
        return
    bars = ProgressBars(stream)
    try:
        yield bars
    finally:
        bars.close()
