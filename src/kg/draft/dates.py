"""Read dates as the reports print them — 令和/平成 eras, months, half-years — at their precision.

``令和5年9月27日`` is an ``xsd:date``, ``令和5年9月`` an ``xsd:gYearMonth``, ``令和5年`` an
``xsd:gYear``; a month printed without its year (``7月``, ``同年11月``) takes the year last
printed before it, and says so. ``上半期``/``下半期`` and ``1月から9月まで`` are ranges of months.

>>> [(d.printed, d.value, d.datatype) for d in find_dates("令和5年9月27日に公表。令和元年", 2023)]
[('令和5年9月27日', '2023-09-27', 'date'), ('令和元年', '2019', 'gYear')]
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ERAS = {"令和": 2018, "平成": 1988, "昭和": 1925}
_YEAR = r"(?:(令和|平成|昭和)\s*(元|\d{1,2})|(\d{4})|(同|前|昨|本))\s*年"
DATE = re.compile(
    rf"(?:{_YEAR}\s*(?:(上半期|下半期|第\s*\d\s*四半期)|(\d{{1,2}})\s*月(?:\s*(\d{{1,2}})\s*日)?)?"
    r"|(?<![\d年])(\d{1,2})\s*月(?:\s*(\d{1,2})\s*日)?(?!間)"
    r"|(?<!年)(上半期|下半期))"
)


@dataclass(frozen=True)
class DateMention:
    """A date printed in the text: where, as printed, and its value at the printed precision."""

    start: int
    end: int
    printed: str
    value: str
    datatype: str  # date, gYearMonth or gYear
    end_value: str = ""
    note: str = ""


def era_year(era: str, year: str) -> int:
    """Return the Western year of an era year (``令和``, ``元`` → 2019).

    >>> era_year("平成", "23")
    2011
    """
    return ERAS[era] + (1 if year == "元" else int(year))


def find_dates(text: str, default_year: int) -> list[DateMention]:
    """Find every date in ``text``; a month without a year takes the last year printed before it."""
    found: list[DateMention] = []
    current = default_year
    for match in DATE.finditer(text):
        era, era_number, western, relative, half, month, day, bare_month, bare_day, bare_half = match.groups()
        note = ""
        if era:
            year = era_year(era, era_number)
        elif western:
            year = int(western)
        elif relative:
            # 前年/昨年/本年 count from the year the report covers; 同年 repeats the last year printed.
            year = {"前": default_year - 1, "昨": default_year - 1, "本": default_year}.get(relative, current)
            note = f"year from context ({relative}年 = {year})"
        else:
            year = current
            month, day, half = bare_month, bare_day, bare_half or half
            note = f"year from context ({year})"
        if era or western:
            current = year
        if month and not 1 <= int(month) <= 12:
            continue
        if half:
            if "四半期" in half:
                quarter = int(re.sub(r"\D", "", half))
                first, last = 3 * quarter - 2, 3 * quarter
            else:
                first, last = (1, 6) if half == "上半期" else (7, 12)
            found.append(
                DateMention(
                    match.start(),
                    match.end(),
                    match.group(),
                    f"{year}-{first:02d}",
                    "gYearMonth",
                    f"{year}-{last:02d}",
                    note,
                )
            )
        elif day:
            found.append(
                DateMention(
                    match.start(),
                    match.end(),
                    match.group(),
                    f"{year}-{int(month):02d}-{int(day):02d}",
                    "date",
                    note=note,
                )
            )
        elif month:
            found.append(
                DateMention(
                    match.start(), match.end(), match.group(), f"{year}-{int(month):02d}", "gYearMonth", note=note
                )
            )
        else:
            found.append(DateMention(match.start(), match.end(), match.group(), str(year), "gYear", note=note))
    return _join_ranges(text, found)


_RANGE = re.compile(r"\s*(から|~|〜|－|-)\s*(同年)?\s*$")


def _join_ranges(text: str, dates: list[DateMention]) -> list[DateMention]:
    """Join ``X月からY月まで`` into one range mention (X is kept, with Y as its end)."""
    joined: list[DateMention] = []
    skip = set()
    for index, date in enumerate(dates):
        if index in skip:
            continue
        if index + 1 < len(dates):
            after = dates[index + 1]
            between = text[date.end : after.start]
            if _RANGE.fullmatch(between) and after.datatype == date.datatype and not date.end_value:
                tail = re.match(r"\s*(まで|にかけて)", text[after.end :])
                stop = after.end + (tail.end() if tail else 0)
                joined.append(
                    DateMention(
                        date.start, stop, text[date.start : stop], date.value, date.datatype, after.value, date.note
                    )
                )
                skip.add(index + 1)
                continue
        joined.append(date)
    return joined
