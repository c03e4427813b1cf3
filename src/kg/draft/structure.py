"""Find a report's section tree and its figures, with the line of each heading.

Headings are recognised by their marker — 第N部, ``N``, ``(N)``, ア/イ/ウ…, ``(ア)``, ①…,
○, ・/-, 【…】 boxes, 【トピックN …】, 参考, 別添, はじめに — and placed in the tree by the
numbering itself: a heading continues the sequence of an open heading of the same kind
(``(3)`` after ``(2)``) and is then its sibling, or starts a new sequence (``(1)``, ア) under the
innermost open heading that may hold it. Where numbering restarts at a level that cannot nest
(a second ``1`` straight under a part), the report began a division whose own heading did not
survive extraction; the drafter adds an untitled division there and marks it uncertain.

Figures are the captions ``【図表N：title】`` (several may share a line; the 2021 layout may
displace the brackets) and the credit line that follows a caption (``…から作成``, a URL,
``出典``, ``より引用``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from kg.draft.text import FOOTNOTE_LINE, FOOTNOTE_MARK, FOOTNOTE_TEXT, ReportText, display_width

KANA_ORDER = "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホ"
#: Katakana sub-items romanised as in section keys (CONVENTIONS.md: ア a, イ i, ウ u, …).
KANA_ROMAN = dict(
    zip(
        "アイウエオカキクケコサシスセソタチツテト",
        [
            "a",
            "i",
            "u",
            "e",
            "o",
            "ka",
            "ki",
            "ku",
            "ke",
            "ko",
            "sa",
            "shi",
            "su",
            "se",
            "so",
            "ta",
            "chi",
            "tsu",
            "te",
            "to",
        ],
        strict=True,
    )
)
CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"

#: Kinds of heading, outermost first. Numbered kinds nest in this order; a kind may hold only
#: kinds after it. ``division`` (第N部, 参考, はじめに, the title) and ``annex`` (別添) hold all.
ORDERED = ("part", "number", "paren", "kana", "paren-kana", "circled")
UNORDERED = ("maru", "box", "bullet")
RANK = {kind: rank for rank, kind in enumerate(("annex", "division", *ORDERED, "topic", *UNORDERED))}

MAX_HEADING_WIDTH = 120
FIGURE = re.compile(r"図表\s*(\d+)\s*[:：]\s*")
CREDIT = re.compile(r"(から作成|を基に作成|により作成|より引用|出典|資料による|https?://|ウェブサイト)")
_STRIP_EMPHASIS = re.compile(r"\*\*|__")


@dataclass
class Heading:
    """A heading line recognised in the report."""

    line: int
    kind: str
    ordinal: int | None
    marker: str
    title: str
    uncertain: list[str] = field(default_factory=list)


@dataclass
class Section:
    """A section of the drafted tree: its heading, place and parent."""

    key: str
    line: int
    kind: str
    marker: str
    title: str
    path: str
    parent: Section | None
    uncertain: list[str] = field(default_factory=list)
    end: int = 0

    @property
    def parent_line(self) -> int | None:
        """The line of the parent's heading, or None at the top."""
        return self.parent.line if self.parent else None

    def ancestors(self) -> Iterator[Section]:
        """Yield this section's parent, its parent, … up to the top."""
        node = self.parent
        while node:
            yield node
            node = node.parent


@dataclass
class Figure:
    """A figure caption: its number, title, line, the section holding it and its credited source."""

    number: int
    title: str
    line: int
    section: Section | None
    credit: str = ""
    credit_line: int | None = None
    uncertain: list[str] = field(default_factory=list)


@dataclass
class Footnote:
    """A footnote (``*N text``): its marker, line, text, and where the text refers to it."""

    marker: str
    line: int
    text: str
    section: Section | None
    reference_line: int | None = None
    term: str = ""


@dataclass
class Structure:
    """The section tree (in reading order), the figures and the footnotes of one report."""

    sections: list[Section]
    figures: list[Figure]
    heading_lines: frozenset[int]
    footnotes: list[Footnote] = field(default_factory=list)

    def section_at(self, line: int) -> Section | None:
        """Return the innermost section whose text holds ``line``."""
        best = None
        for section in self.sections:
            if section.line <= line < section.end and (best is None or section.line >= best.line):
                best = section
        return best


def _clean(title: str) -> str:
    return _STRIP_EMPHASIS.sub("", title).strip()


def _is_heading_text(title: str) -> bool:
    return bool(title) and "。" not in title and display_width(title) <= MAX_HEADING_WIDTH


def classify(raw: str, line: str, number: int) -> Heading | None:
    """Recognise one (NFKC, stripped) line as a heading, or return None."""
    raw = raw.strip()
    if not line or line.startswith(("【図表", "【 】図表")) or (line.startswith("【") and FIGURE.search(line)):
        return None
    if raw[:1] in CIRCLED:
        title = _clean(raw[1:])
        return Heading(number, "circled", CIRCLED.index(raw[0]) + 1, raw[0], title) if _is_heading_text(title) else None
    if match := re.fullmatch(r"別\s*添", line):
        return Heading(number, "annex", None, "別添", "別添")
    if match := re.fullmatch(r"【?\s*参考\s*】?(\s+.*)?", line):
        return Heading(number, "division", None, "参考", _clean(match.group(1) or "") or "参考")
    if line in ("はじめに", "おわりに", "まえがき", "あとがき"):
        return Heading(number, "division", None, line, line)
    if match := re.fullmatch(r"第\s*(\d+)\s*部\s*(.*)", line):
        return Heading(number, "part", int(match.group(1)), f"第{match.group(1)}部", _clean(match.group(2)))
    if match := re.fullmatch(r"【\s*トピック\s*(\d+)\s*(.*?)】?", line):
        return Heading(number, "topic", int(match.group(1)), f"トピック{match.group(1)}", _clean(match.group(2)))
    patterns = (
        ("number", r"(\d{1,2})\s+(?![年月日件人%万億円])(.+)"),
        ("paren", r"\((\d{1,2})\)\s*(.+)"),
        ("paren-kana", r"\(([ア-ト])\)\s*(.+)"),
        ("kana", r"([アイウエオカキクケコサシスセソタチツテト])\s+(.+)"),
        ("maru", r"([○◯])\s*(.+)"),
        ("bullet", r"([・\-])\s+(.+)"),
        ("box", r"【(.+)】"),
    )
    for kind, pattern in patterns:
        if match := re.fullmatch(pattern, line):
            if kind == "box":
                marker, title = "【】", _clean(match.group(1))
            else:
                marker, title = match.group(1), _clean(match.group(2))
            if not _is_heading_text(title) or re.fullmatch(r"[\d\s,.%\-]+", title):
                return None
            if kind in UNORDERED and ("は、" in title or title.count("、") >= 2):
                return None  # a bullet of prose, not a heading
            ordinal = None
            if kind in ("number", "paren"):
                ordinal = int(marker)
            elif kind in ("kana", "paren-kana"):
                ordinal = KANA_ORDER.index(marker) + 1
            return Heading(number, kind, ordinal, marker, title)
    return None


def _is_label(line: str, raw: str) -> bool:
    return (
        0 < len(line) <= 20
        and "\t" not in raw
        and not re.search(r"[、。,.:：!?！？()（）「」\d%]", line)
        and not CREDIT.search(line)
    )


def find_labels(report: ReportText, headings: list[Heading]) -> list[Heading]:
    """Return unmarked sub-headings: short label lines in a section that holds no prose.

    A section with no sentence of its own whose text is a few short lines is a set of charts
    whose pictures did not survive extraction; each line is the heading of one chart.
    """
    found: list[Heading] = []
    lines = [heading.line for heading in headings] + [len(report.lines) + 1]
    for heading, end in zip(headings, lines[1:], strict=False):
        body = [n for n in range(heading.line + 1, end) if report.line(n) and not FOOTNOTE_LINE.match(report.line(n))]
        if not body or len(body) > 4 or any("。" in report.line(n) for n in body):
            continue
        if all(_is_label(report.line(n), report.raw[n - 1]) for n in body):
            for n in body:
                label = Heading(n, "box", None, "", report.line(n))
                label.uncertain.append("unmarked short line in a section without prose: probably a chart's title")
                found.append(label)
    return found


def _is_list_item(report: ReportText, heading: Heading, last: int) -> bool:
    """Tell a bullet item of a list (・ a ・ b, as in a figure's text) from a bullet heading.

    A bullet heading is followed by its own text; an item is followed by another item, or is
    itself an item of an item (``- ・ …``).
    """
    if heading.title.startswith(("・", "-")):
        return True
    nxt = report.next_text_line(last)
    if nxt is None:
        return True
    following = report.line(nxt)
    return following.startswith(("・", "-")) or ("。" not in following and display_width(following) < 40)


def find_headings(report: ReportText) -> list[Heading]:
    """Return the report's headings in reading order, wrapped headings rejoined."""
    headings: list[Heading] = []
    titled = False
    for number, line in enumerate(report.lines, start=1):
        if not line or FOOTNOTE_LINE.match(line) or FOOTNOTE_TEXT.match(line):
            continue
        if not titled and not headings and line.endswith("について") and "。" not in line:
            headings.append(Heading(number, "division", None, "表題", line))
            titled = True
            continue
        heading = classify(report.raw[number - 1], line, number)
        if heading is None:
            continue
        # A wrapped heading (hard-wrapped text) goes on in the next line.
        # Its rest is a short line with no sentence end: a paragraph's first line would be long.
        follow = number
        while report.continues(follow) and (nxt := report.next_text_line(follow)) is not None:
            rest = report.line(nxt)
            if classify(report.raw[nxt - 1], rest, nxt) or "【" in rest or "。" in rest:
                break
            if display_width(rest) > 0.6 * (report.wrap_width or 0):
                break
            heading.title += rest
            follow = nxt
        if "。" in heading.title:
            continue  # a bullet of prose, not a heading
        if heading.kind == "bullet" and _is_list_item(report, heading, follow):
            continue
        if follow != number:
            heading.uncertain.append(f"heading rejoined from lines {number}-{follow}")
        headings.append(heading)
    return headings


def _path_token(section_kind: str, marker: str, ordinal: int | None, siblings: int) -> str:
    """Return the key part of one heading (p2, 3, a, topic1, …; the sibling number for ○ and 【】)."""
    if section_kind == "part":
        return f"p{ordinal}"
    if section_kind in ("number", "paren", "circled"):
        return str(ordinal)
    if section_kind in ("kana", "paren-kana"):
        return KANA_ROMAN.get(marker, str(ordinal))
    if section_kind == "topic":
        return f"topic{ordinal}"
    if section_kind == "annex":
        return "annex"
    if marker == "参考":
        return "reference"
    if marker == "表題":
        return "summary"
    if marker == "はじめに":
        return "intro"
    if marker == "見出しなし":
        return "untitled"
    return str(siblings)


def _printed_marker(heading: Heading) -> str:
    if heading.kind == "paren":
        return f"({heading.marker})"
    if heading.kind == "paren-kana":
        return f"({heading.marker})"
    if heading.kind in ("maru", "bullet"):
        return "○"
    if heading.kind == "box":
        return "【】"
    return heading.marker


def build_tree(headings: list[Heading], report_prefix: str, last_line: int) -> list[Section]:
    """Place the headings in a tree by their numbering (see the module docstring)."""
    sections: list[Section] = []
    stack: list[tuple[Heading, Section]] = []
    children: dict[int, int] = {}

    def open_section(heading: Heading, parent: Section | None, uncertain: list[str]) -> None:
        count = children.get(id(parent), 0) + 1
        children[id(parent)] = count
        token = _path_token(heading.kind, heading.marker, heading.ordinal, count)
        key = f"{parent.key}-{token}" if parent else f"{report_prefix}-sec-{token}"
        while any(existing.key == key for existing in sections):
            key += "-x"
        path = (
            parent.path + ("" if heading.kind in ("paren", "kana", "paren-kana", "circled") else " ") if parent else ""
        )
        path = (path + _printed_marker(heading)).strip()
        section = Section(
            key, heading.line, heading.kind, heading.marker, heading.title, path, parent, heading.uncertain + uncertain
        )
        sections.append(section)
        stack.append((heading, section))

    for heading in headings:
        rank = RANK[heading.kind]
        uncertain: list[str] = []
        if heading.kind in ("annex",):
            stack.clear()
            open_section(heading, None, uncertain)
            continue
        if heading.kind == "division" or heading.kind == "part":
            while stack and RANK[stack[-1][0].kind] >= RANK["division"]:
                stack.pop()
            open_section(heading, stack[-1][1] if stack else None, uncertain)
            continue
        if heading.kind in UNORDERED:
            while stack and stack[-1][0].kind in UNORDERED and RANK[stack[-1][0].kind] >= rank:
                stack.pop()
            open_section(heading, stack[-1][1] if stack else None, uncertain)
            continue
        # Ordered kinds (and topic boxes): continue a sequence, or start one.
        sibling = None
        for index in range(len(stack) - 1, -1, -1):
            other = stack[index][0]
            if other.kind == heading.kind and other.ordinal is not None and other.ordinal + 1 == heading.ordinal:
                sibling = index
                break
        if sibling is not None:
            del stack[sibling:]
            open_section(heading, stack[-1][1] if stack else None, uncertain)
            continue
        # A new sequence: under the innermost open heading that may hold this kind.
        while stack and (
            stack[-1][0].kind in UNORDERED
            or (stack[-1][0].kind in ORDERED and heading.kind in ORDERED and RANK[stack[-1][0].kind] >= rank)
            or (stack[-1][0].kind == "topic" and heading.kind == "topic")
        ):
            stack.pop()
        if heading.ordinal not in (None, 1):
            uncertain.append(f"numbering: {heading.marker} does not follow an open heading of its kind")
        parent = stack[-1][1] if stack else None
        if heading.kind in ORDERED and heading.ordinal == 1 and parent is not None:
            restarted = any(s.parent is parent and s.kind == heading.kind for s in sections) and parent.kind not in (
                "topic",
            )
            if restarted:
                # The numbering starts again under the same parent: an untitled division.
                division = Heading(heading.line, "division", None, "見出しなし", "(見出しなし)")
                while stack and RANK[stack[-1][0].kind] >= RANK["division"]:
                    stack.pop()
                open_section(
                    division,
                    stack[-1][1] if stack else None,
                    ["untitled division: numbering restarts here; its heading is not in the text"],
                )
                parent = stack[-1][1]
        open_section(heading, parent, uncertain)

    # Each section's text runs to the next heading that is not inside it.
    for index, section in enumerate(sections):
        section.end = last_line + 1
        for later in sections[index + 1 :]:
            if later.line > section.line and section not in later.ancestors():
                section.end = later.line
                break
    return sections


def find_figures(report: ReportText, structure_sections: list[Section]) -> list[Figure]:
    """Return the figure captions with their titles and credited sources."""
    figures: list[Figure] = []
    dummy = Structure(structure_sections, [], frozenset())
    for number, line in enumerate(report.lines, start=1):
        if "図表" not in line or not ("【" in line or "】" in line):
            continue
        matches = list(FIGURE.finditer(line))
        if not matches or not (line.startswith("【") or "【図表" in line or "】図表" in line):
            continue
        for index, match in enumerate(matches):
            stop = matches[index + 1].start() if index + 1 < len(matches) else len(line)
            raw_title = line[match.end() : stop]
            uncertain = []
            displaced = re.findall(r"[「」()（）【】]", line[: matches[0].start()])
            title = raw_title.split("】")[0] if "】" in raw_title else raw_title
            if "【" in title:
                title = title.split("【")[0]
            title = title.strip()
            leftover = FOOTNOTE_MARK.sub("", raw_title[len(title) :]).strip(" 】【")
            if displaced and index == 0 and set(displaced) - {"【", "】"}:
                uncertain.append("displaced brackets before the caption: " + " ".join(displaced))
            if leftover:
                title += leftover
                uncertain.append(f"punctuation after the caption rejoined: {leftover!r}")
            if title.count("(") > title.count(")"):
                title += ")"
            figures.append(
                Figure(int(match.group(1)), _clean(title), number, dummy.section_at(number), uncertain=uncertain)
            )
        # The credit line: the first text lines after the caption that name where the data come from.
        follow = number
        for _ in range(3):
            nxt = report.next_text_line(follow)
            if nxt is None:
                break
            text = report.line(nxt)
            if FIGURE.search(text) or classify(report.raw[nxt - 1], text, nxt):
                break
            if CREDIT.search(text) and "。" not in text:
                for figure in figures[-len(matches) :]:
                    figure.credit = (figure.credit + " " + text).strip() if figure.credit else text
                    figure.credit_line = figure.credit_line or nxt
            follow = nxt
    return figures


_REFERENCE = re.compile(r"([一-龥ァ-ヶーA-Za-z0-9・]{2,24})[」)]?\s*(?:\^\{\*(\d+)\}|\*(\d+))(?![\d,.])")


def find_footnotes(report: ReportText, structure: Structure) -> list[Footnote]:
    """Return the footnotes, each with the nearest earlier reference to its marker and the term it follows."""
    footnotes = []
    for number, line in enumerate(report.lines, start=1):
        match = re.match(r"^\*(\d+)\s+(\S.*)$", line)
        if not match:
            continue
        marker = f"*{match.group(1)}"
        reference, term = None, ""
        nearby = [
            *range(number - 1, max(0, number - 400), -1),
            *range(number + 1, min(len(report.lines), number + 400)),
        ]
        for earlier in nearby:
            text = report.line(earlier)
            if re.match(r"^\*\d+\s+\S", text):
                continue
            if text == marker and earlier > 1:
                reference = earlier
                previous = next(
                    (report.line(n) for n in range(earlier - 1, max(0, earlier - 4), -1) if report.line(n)), ""
                )
                term = (re.findall(r"[一-龥ァ-ヶーA-Za-z0-9・]{2,24}$", previous)[-1:] or [""])[0]
                break
            found = [m for m in _REFERENCE.finditer(text) if (m.group(2) or m.group(3)) == match.group(1)]
            if found:
                reference, term = earlier, found[-1].group(1)
                break
        holder = structure.section_at(reference or number)
        footnotes.append(Footnote(marker, number, match.group(2).strip(), holder, reference, term))
    return footnotes


def parse_structure(report: ReportText, report_prefix: str) -> Structure:
    """Return the section tree and figures of ``report``; section keys start with ``report_prefix``."""
    headings = find_headings(report)
    headings = sorted(headings + find_labels(report, headings), key=lambda heading: heading.line)
    sections = build_tree(headings, report_prefix, len(report.lines))
    figures = find_figures(report, sections)
    lines = {section.line for section in sections} | {figure.line for figure in figures}
    structure = Structure(sections, figures, frozenset(lines))
    structure.footnotes = find_footnotes(report, structure)
    return structure
