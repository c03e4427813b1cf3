"""Find every number a report prints, with its unit, period, change and value.

The value is the project's reading of the printed text (:func:`kg.numerals.printed_value`:
約, 万/億/兆, full-width digits, commas). The period comes from the nearest date printed before
the number in the same sentence (令和N年, 上半期, 1月から9月まで), else the year the report
covers; a change the report states beside it (前年比で23.5%増加, 前年と比べて1件減少, Nポイント増)
is attached with its sign. Numbers that are dates, footnote markers, heading or figure numbers
are not observations. Anything the drafter had to guess is listed in ``uncertain``.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache

from kg.draft.dates import DateMention
from kg.numerals import is_approximate, printed_value

_NUM = r"\d[\d,]*(?:\.\d+)?"
#: Units as printed, longest first, and the kgv: unit each stands for.
UNITS: dict[str, str] = {
    "件/日・IPアドレス": "unit-access-per-ip-per-day",
    "IPアドレス": "unit-address",
    "アドレス": "unit-address",
    "ポイント": "unit-percentage-point",
    "事業者": "unit-organisation",
    "団体": "unit-organisation",
    "サイト": "unit-site",
    "口座": "unit-account",
    "日間": "unit-day",
    "か月": "unit-month",
    "カ月": "unit-month",
    "時間": "unit-hour",
    "か国": "unit-country",
    "カ国": "unit-country",
    "件": "unit-case",
    "人": "unit-person",
    "名": "unit-person",
    "社": "unit-organisation",
    "円": "unit-yen",
    "%": "unit-percent",
    "割": "unit-tenth",
    "回": "unit-times-held",
    "倍": "unit-times",
    "台": "unit-device",
    "個": "unit-item",
}
_UNIT = "|".join(re.escape(unit) for unit in sorted(UNITS, key=len, reverse=True))
NUMBER = re.compile(
    rf"(?P<approx>約|およそ|概ね)?\s*(?P<amount>(?:{_NUM}\s*[兆億万])+(?:{_NUM})?|{_NUM})"
    rf"(?P<unit>\s*(?:{_UNIT})|の[ァ-ヶー一-龥A-Za-z]{{1,8}}?(?=[、。がはをにで等)]|$))?"
)
CHANGE = re.compile(
    rf"^\s*(?:[とで]、?)?\s*[(]?\s*(?:前年(?:同期)?(?:比|と比べて|と比較して)?で?|対前年比)\s*(?P<sign>[+-])?\s*(?P<amount>{_NUM})\s*"
    r"(?P<unit>%|ポイント|件|人|億円|万円|円)\s*(?P<word>増加|減少|増|減|上昇|低下)?"
)
#: A change stated without its size: 前年と比べて増加.
DIRECTION = re.compile(
    r"^\s*(?:[とで]、?)?\s*[(]?\s*(?:前年(?:同期)?(?:と比べて|と比較して|比で?|から)|対前年比で?)\s*"
    r"(?P<word>増加|減少|上昇|低下)"
)
DECREASE = ("減少", "減", "低下")
#: A number printed as a bound: 7割以上, 10件未満.
BOUND = re.compile(r"^\s*(以上|以下|未満|超)")
_BEFORE_SKIP = re.compile(r"(?:図表|トピック|第|\*|\^\{\*|令和|平成|昭和|No\.|ver|Ver|CVE-|\d-|[A-Za-z])\s*$")
_AFTER_SKIP = re.compile(
    r"^\s*(?:年|月|日(?!間)|部|号|条|項|代|歳|時(?!間)|分|秒|位|次|桁|\)|）|-\d|/\d|\.\d|[A-Za-z])"
)


@dataclass
class Number:
    """One printed number: where it is, how it reads, and the drafter's reading of it."""

    start: int
    end: int
    printed: str
    value: Decimal
    unit: str
    approximate: bool
    period: str
    period_end: str = ""
    change: Decimal | None = None
    change_unit: str = ""
    change_printed: str = ""
    context: str = ""
    uncertain: list[str] = field(default_factory=list)
    data_source: list[str] = field(default_factory=list)
    change_direction: str = ""
    bound: str = ""
    series_candidates: list[tuple[str, float]] = field(default_factory=list)


@dataclass(frozen=True)
class Series:
    """A statistical series the graph holds: its IRI, Japanese label, and the units it is counted in."""

    iri: str
    label: str
    units: frozenset[str] = frozenset()


def _bigrams(text: str) -> set[str]:
    return {text[index : index + 2] for index in range(len(text) - 1)}


@lru_cache(maxsize=8)
def _pair_weights(labels: tuple[str, ...]) -> dict[str, float]:
    """Weight each character pair by how rare it is among the labels (件数, 報告 weigh little)."""
    counts: Counter[str] = Counter(pair for label in labels for pair in _bigrams(label))
    return {pair: math.log((1 + len(labels)) / count) for pair, count in counts.items()}


def rank_series(number: Number, headings: str, series: list[Series], limit: int = 3) -> list[tuple[str, float]]:
    """Rank the graph's series for ``number``: the best first, with a score from 0 to 1.

    A series scores the share of its label's character pairs (each weighted by its rarity among
    the labels) found in the words just before the
    number, or (at 0.9) in its sentence, or (at 0.8) in the sentence and the headings above it
    together; a series counted in other units than the number's scores a third as much.

    >>> found = find_numbers("ランサムウェアによる被害件数は197件", [], 2023)[0]
    >>> labels = [Series("s1", "ランサムウェア被害の報告件数", frozenset({"unit-case"})),
    ...           Series("s2", "フィッシング報告件数", frozenset({"unit-case"}))]
    >>> rank_series(found, "", labels)
    [('s1', 0.66), ('s2', 0.05)]
    """
    near = _bigrams(number.context[-25:])
    sentence = _bigrams(number.context)
    around = sentence | _bigrams(headings)
    weights = _pair_weights(tuple(candidate.label for candidate in series))
    scored = []
    for candidate in series:
        label = _bigrams(candidate.label)
        total = sum(weights[pair] for pair in label)
        if not total:
            continue

        def share(words: set[str], label: set[str] = label, total: float = total) -> float:
            return sum(weights[pair] for pair in words & label) / total

        score = max(share(near), 0.9 * share(sentence), 0.8 * share(around))
        if number.unit and candidate.units and number.unit not in candidate.units:
            score /= 3
        if score > 0:
            scored.append((candidate.iri, round(score, 2)))
    return sorted(scored, key=lambda item: (-item[1], item[0]))[:limit]


def find_numbers(
    text: str,
    dates: list[DateMention],
    default_year: int,
    *,
    table: bool = False,
    period: tuple[str, str] | None = None,
) -> list[Number]:
    """Find the numbers of a running ``text`` (see the module docstring).

    >>> [(n.printed, str(n.value), n.unit, n.change) for n in find_numbers("197件(前年比で14.3%減少)", [], 2023)]
    [('197件', '197', 'unit-case', Decimal('-14.3'))]
    """
    found: list[Number] = []
    change_spans: list[tuple[int, int]] = []
    bound: set[int] = set()
    for match in NUMBER.finditer(text):
        start, end = match.span()
        if match.group("approx") is None:
            start = match.start("amount")
        if any(a <= match.start("amount") < b for a, b in change_spans):
            continue
        before = text[max(0, start - 6) : start]
        after = text[match.end("amount") : match.end("amount") + 3]
        if _BEFORE_SKIP.search(before) or (not match.group("unit") and _AFTER_SKIP.match(after)):
            continue
        if any(date.start <= match.start("amount") < date.end for date in dates):
            continue
        printed = text[start:end].strip()
        unit_text = (match.group("unit") or "").strip()
        uncertain: list[str] = []
        if unit_text.startswith("の"):
            unit = "unit-organisation" if re.search(r"(社|会社|事業者|団体|機関)$", unit_text) else "unit-item"
            uncertain.append(f"unit read from the noun after the number ({unit_text})")
        elif unit_text:
            unit = UNITS[unit_text]
            if re.match(r"\s*[億万]円", text[match.end("amount") - 1 : match.end("amount") + 2]):
                unit = "unit-yen"
        elif table:
            unit = ""
            uncertain.append("table cell: no unit printed; take it from the table's heading")
        else:
            continue  # a bare number in prose is a count of nothing in particular
        if re.search(r"[億万兆]$", match.group("amount").strip()) and text[end : end + 1] == "円":
            end += 1
            printed += "円"
            unit = "unit-yen"
        try:
            value = printed_value(printed)
        except ValueError:
            continue
        sentence_start = max(text.rfind("。", 0, start), text.rfind("\n", 0, start)) + 1
        context = text[sentence_start:start]
        if period is not None:
            period_start, period_end = period
            uncertain.append("period from the text before the table")
        else:
            # A date written just before a number (前年の61.9件, 令和2年には2.8件) is that number's
            # alone: later numbers of the sentence do not take it.
            free = [date for date in dates if id(date) not in bound]
            period_start, period_end = _period(free, sentence_start, start, default_year, uncertain)
            own = [date for date in free if 0 <= start - date.end <= 3 and date.start < start]
            bound.update(id(date) for date in own)
        number = Number(
            start,
            end,
            printed,
            value,
            unit,
            is_approximate(printed),
            period_start,
            period_end,
            context=context[-80:],
            uncertain=uncertain,
        )
        if change := CHANGE.match(text[end : end + 40]):
            sign = -1 if (change.group("sign") == "-" or (change.group("word") or "") in DECREASE) else 1
            amount = printed_value(change.group("amount") + change.group("unit"))
            number.change = sign * amount
            number.change_unit = UNITS.get(change.group("unit"), "unit-yen" if "円" in change.group("unit") else "")
            number.change_printed = change.group().lstrip("とで、 (").strip()
            number.change_direction = "change-decrease" if sign < 0 else "change-increase"
            if not change.group("word") and not change.group("sign"):
                number.uncertain.append("change printed without 増加/減少: sign assumed positive")
            change_spans.append((end, end + change.end()))
        elif direction := DIRECTION.match(text[end : end + 30]):
            number.change_direction = "change-decrease" if direction.group("word") in DECREASE else "change-increase"
            number.change_printed = direction.group().lstrip("とで、 (").strip()
        if limit := BOUND.match(text[end : end + 4]):
            if limit.group().strip() == "以上":
                number.bound = "bound-at-least"
            else:
                number.uncertain.append(f"printed as an upper bound ({limit.group().strip()}): no vocabulary term yet")
        found.append(number)
    return found


def _period(
    dates: list[DateMention], sentence: int, start: int, default_year: int, uncertain: list[str]
) -> tuple[str, str]:
    """Return the period of a number at ``start``: the last date printed before it in its sentence."""
    before = [date for date in dates if sentence <= date.start < start]
    if not before:
        # An earlier sentence of the section may name the year (令和5年における…。…は197件): use
        # the last year or range printed before, never a single day's or month's event date.
        # Only a year or a range: an event's month or day (令和3年6月、男を検挙) is not the
        # period of the statistics that follow it.
        earlier = [date for date in dates if date.start < sentence and (date.datatype == "gYear" or date.end_value)]
        if earlier:
            date = earlier[-1]
            uncertain.append(f"period from an earlier sentence: {date.printed}")
            return date.value, date.end_value
        uncertain.append(f"period: no date in the sentence, the report's year {default_year} assumed")
        return str(default_year), ""
    date = before[-1]
    if date.note:
        uncertain.append(f"period {date.printed}: {date.note}")
    return date.value, date.end_value
