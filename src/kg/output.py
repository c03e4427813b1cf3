"""Text tables for the terminal, the one way kg lays out rows for people to read.

Tables are laid out by ``tabulate``, which measures Japanese (East Asian wide) characters as two
columns through ``wcwidth``. Given a ``width`` (the terminal's, see :func:`terminal_width`), a
table wider than it has its widest columns wrapped so that every line fits; without one, rows
are never wrapped (output for files and pipes). Both libraries are imported when a table is
drawn, never at start: ``kg query --format csv`` does not pay for them.

>>> print(text_table(["name", "label"], [["kgr:org-npa", "警察庁"]]))
name         label
-----------  -------
kgr:org-npa  警察庁
>>> print(text_table(["name", "label"], [["kgr:org-npa", "National Police Agency"]], width=24))
name         label
-----------  --------
kgr:org-npa  National
             Police
             Agency
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

#: Columns between two columns of a table ("simple" format).
GAP = 2
#: A wrapped column keeps at least this many characters.
NARROWEST = 8


def display_width(text: str) -> int:
    """Return how many terminal columns ``text`` takes (Japanese characters take two).

    >>> display_width("警察庁 NPA")
    10
    """
    import wcwidth

    width = wcwidth.wcswidth(text)
    return width if width >= 0 else len(text)  # a control character: count it as one


def terminal_width(stream: object = None) -> int | None:
    """Return the width of the terminal ``stream`` (default standard output) writes to, or None
    when it is not a terminal (then tables keep their rows whole)."""
    stream = sys.stdout if stream is None else stream
    isatty = getattr(stream, "isatty", None)
    if not (isatty and isatty()):
        return None
    import shutil  # here: output to a file or a pipe never needs it

    return shutil.get_terminal_size().columns


def _wrapped_widths(natural: list[int], width: int) -> list[int | None]:
    """Shrink the widest columns until the table fits ``width`` (None: leave a column whole)."""
    widths = list(natural)
    room = width - GAP * (len(widths) - 1)
    while sum(widths) > room:
        widest = max(range(len(widths)), key=lambda index: widths[index])
        if widths[widest] <= NARROWEST:
            break  # too many columns to fit: wrap what can be wrapped, let the rest run on
        widths[widest] -= 1
    return [None if shrunk == full else shrunk for shrunk, full in zip(widths, natural, strict=True)]


def text_table(
    header: Sequence[str], rows: Sequence[Sequence[object]], *, width: int | None = None, indent: str = ""
) -> str:
    """Lay out ``rows`` under ``header`` (no header line when it is empty), each line starting with
    ``indent``; wrap the widest columns so that lines fit ``width`` columns, when given."""
    import tabulate

    cells = [[str(cell).replace("\n", " ") for cell in row] for row in rows]
    columns = len(header) if header else max((len(row) for row in cells), default=0)
    options: dict[str, object] = {
        "tablefmt": "simple" if header else "plain",
        "disable_numparse": True,
        "stralign": "left",
    }
    if width is not None and columns:
        natural = [
            max([display_width(str(header[index])) if header else 0] + [display_width(row[index]) for row in cells])
            for index in range(columns)
        ]
        options["maxcolwidths"] = _wrapped_widths(natural, width - len(indent))
        if header:
            options["maxheadercolwidths"] = options["maxcolwidths"]
    text = tabulate.tabulate(cells, list(header) if header else (), **options)
    return "\n".join((indent + line).rstrip() for line in text.splitlines())
