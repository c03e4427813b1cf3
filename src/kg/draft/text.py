"""Read a report's plain text into lines and the running text the extractors scan.

A report comes as text extracted from a PDF (``../shared/corpus/README.md``). The 2021 report
came out of a vertical layout: every printed line is its own line followed by a blank one,
sentences and numbers run across lines, punctuation is displaced and footnote markers (``*10``)
sit on lines of their own. Nothing here knows one report: the wrap width is measured on the
document, and :meth:`ReportText.flow` rejoins lines by rules that hold for any such text.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from kg.errors import InputError
from kg.numerals import normalise

#: A footnote marker alone on a line (``*10``), as the 2021 layout prints them.
FOOTNOTE_LINE = re.compile(r"^\*\d+$")
#: A footnote marker inside a line (``^{*4}``, ``*4``), as the 2023 text prints them.
FOOTNOTE_MARK = re.compile(r"\^\{\*\d+\}|\*\d+(?![\d,.])")
#: A footnote's own text (``*1 全国組織の…``) at the foot of a page.
FOOTNOTE_TEXT = re.compile(r"^\*\d+\s+\S")


def display_width(text: str) -> int:
    """Return the width of ``text`` in half-width cells (a full-width character counts two)."""
    return sum(2 if unicodedata.east_asian_width(char) in "FW" else 1 for char in text)


@dataclass(frozen=True)
class Piece:
    """A stretch of running text and the 1-based line of the report each character came from."""

    text: str
    lines: tuple[int, ...]

    def line_at(self, offset: int) -> int:
        """Return the report line of the character at ``offset``."""
        return self.lines[min(max(offset, 0), len(self.lines) - 1)]


@dataclass
class ReportText:
    """A report's lines, raw and NFKC-normalised (stripped), numbered from 1."""

    path: str
    raw: list[str]
    lines: list[str] = field(init=False)

    def __post_init__(self) -> None:
        self.lines = [normalise(line).strip() for line in self.raw]

    def line(self, number: int) -> str:
        """Return the normalised text of 1-based line ``number``."""
        return self.lines[number - 1]

    @cached_property
    def wrap_width(self) -> int | None:
        """The width at which the document's lines were wrapped, or None for unwrapped text.

        A hard-wrapped text has most of its long lines within a few cells of one width; a text
        of paragraphs spreads widely.
        """
        widths = sorted(display_width(line) for line in self.lines if len(line) > 8)
        if len(widths) < 20:
            return None
        upper = widths[int(len(widths) * 0.75)]
        near = sum(1 for width in widths if upper - 12 <= width <= upper + 12)
        return upper if near >= 0.5 * len(widths) else None

    def continues(self, number: int) -> bool:
        """Tell whether line ``number`` was wrapped, so that its sentence goes on in the next line."""
        width = self.wrap_width
        line = self.line(number)
        if width is None or not line or line.endswith("。"):
            return False
        return display_width(line) >= width - 10

    def next_text_line(self, number: int, end: int | None = None) -> int | None:
        """Return the next non-blank line after ``number`` (before ``end``) that is not a lone footnote marker."""
        end = min(end or len(self.lines) + 1, len(self.lines) + 1)
        for candidate in range(number + 1, end):
            text = self.line(candidate)
            if text and not FOOTNOTE_LINE.match(text):
                return candidate
        return None

    def flow(self, start: int, end: int, *, skip: frozenset[int] = frozenset()) -> Piece:
        """Return lines ``start``..``end-1`` as running text, with the line of every character.

        Blank lines and lone footnote markers are dropped and each line is stripped. Lines join
        with nothing between them (a sentence or a number split by the layout is whole again),
        except where that would fuse two numbers or cells: tab-separated table rows and lines
        that end in a digit before a line that starts with one are kept apart by a newline.
        """
        text: list[str] = []
        owners: list[int] = []
        previous = ""
        previous_number: int | None = None
        for number in range(start, min(end, len(self.lines) + 1)):
            if number in skip:
                continue
            line = self.line(number)
            if not line or FOOTNOTE_LINE.match(line):
                continue
            line = FOOTNOTE_MARK.sub(lambda mark: " " * len(mark.group()), line)
            table_row = "\t" in self.raw[number - 1]
            split_number = previous[-1:].isdigit() and line[0].isdigit()
            if split_number and previous_number is not None and self.continues(previous_number):
                split_number = False  # a number the layout wrapped: 5,5 | 78件 is 5,578件
            if (previous and (table_row or "\t" in previous or split_number)) or (
                previous and not self.continues_text(previous, line)
            ):
                text.append("\n")
                owners.append(number)
            elif (
                previous
                and previous[-1].isascii()
                and previous[-1].isalpha()
                and line[0].isascii()
                and line[0].isalpha()
            ):
                text.append(" ")  # English words wrapped across lines keep their space
                owners.append(number)
            text.append(line)
            owners.extend([number] * len(line))
            previous, previous_number = line, number
        return Piece("".join(text), tuple(owners) or (start,))

    def continues_text(self, previous: str, line: str) -> bool:
        """Tell whether ``line`` carries on the sentence of ``previous`` (no break between them)."""
        if self.wrap_width is not None:
            return True
        return not previous.endswith(("。", ")", "」"))


def read_report(path: Path) -> ReportText:
    """Read a report text file: UTF-8, not empty. Raises :class:`InputError` in one line otherwise."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError("no such file", path=str(path)) from None
    except OSError as error:
        raise InputError(f"cannot read: {error.strerror}", path=str(path)) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise InputError(
            "not UTF-8 text (convert it first, e.g. iconv -f SHIFT_JIS -t UTF-8)", path=str(path), line=line
        ) from None
    if not text.strip():
        raise InputError("the file is empty", path=str(path))
    if "\x00" in text:
        raise InputError("binary data, not a report text", path=str(path))
    return ReportText(str(path), text.splitlines())
