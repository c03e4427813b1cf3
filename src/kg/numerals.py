"""Read numbers the way the National Police Agency reports print them.

The reports write counts and amounts in Japanese style: full-width digits in the 2021 report,
thousands separators, the multipliers 万 (10^4), 億 (10^8) and 兆 (10^12), and 約 for
"about". :func:`printed_value` turns such text into the exact number it stands for, so that a
statistic stored in the graph can be checked against the text it was taken from.

>>> printed_value("約87.3億円")
Decimal('8730000000')
>>> printed_value("119万6,390件")
Decimal('1196390')
>>> printed_value("１４６件")
Decimal('146')
>>> printed_value("23.5%")
Decimal('23.5')
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

MULTIPLIERS = {"兆": Decimal(10) ** 12, "億": Decimal(10) ** 8, "万": Decimal(10) ** 4}
_GROUP = re.compile(r"(\d[\d,]*(?:\.\d+)?)\s*([兆億万]?)")
_APPROXIMATE_PREFIXES = ("約", "およそ", "概ね")
#: Shares the reports print as words, read in percent: 半額以上 is at least half (50%) of an
#: amount, 大半 and 大部分 (the greater part) more than half; the observation's kg:bound says which
#: way the words bound it.
WORD_SHARES = {"半額": Decimal(50), "半数": Decimal(50), "大半": Decimal(50), "大部分": Decimal(50)}


def normalise(text: str) -> str:
    """Return ``text`` in NFKC form, the form every comparison with the corpus uses.

    >>> normalise("１４６件（４８．６％）")
    '146件(48.6%)'
    """
    return unicodedata.normalize("NFKC", text)


def is_approximate(printed: str) -> bool:
    """Tell whether a printed number is marked as approximate (約).

    >>> is_approximate("約87.3億円"), is_approximate("197件")
    (True, False)
    """
    return normalise(printed).strip().startswith(_APPROXIMATE_PREFIXES)


def printed_value(printed: str) -> Decimal:
    """Return the exact value of a number as printed, in its base unit.

    Groups with multipliers add up (``119万6,390`` is 1,196,390); a sign word such as
    ``減少`` is not interpreted, since the graph stores changes with their own sign.

    Raises :class:`ValueError` naming the text when it holds no number.

    >>> printed_value("223億9,000万円")
    Decimal('22390000000')
    >>> printed_value("9,144.6件")
    Decimal('9144.6')
    >>> printed_value("半額以上")  # a share in words, in percent (:data:`WORD_SHARES`)
    Decimal('50')
    """
    text = normalise(printed).strip()
    for prefix in _APPROXIMATE_PREFIXES:
        text = text.removeprefix(prefix)
    for word, share in WORD_SHARES.items():
        if text.startswith(word):
            return share
    total = Decimal(0)
    found = False
    position = 0
    for match in _GROUP.finditer(text):
        # Only a run of groups at the start counts: "2,979件(86.0%)" is 2,979.
        if match.start() != position and found:
            break
        digits, multiplier = match.groups()
        try:
            number = Decimal(digits.replace(",", ""))
        except InvalidOperation as error:  # pragma: no cover - the pattern admits only digits
            raise ValueError(f"not a number: {printed!r}") from error
        total += number * MULTIPLIERS.get(multiplier, Decimal(1))
        found = True
        position = match.end()
        if not multiplier:
            break
    if not found:
        raise ValueError(f"no number in printed text {printed!r}")
    return total.normalize() if total != total.to_integral_value() else total.quantize(Decimal(1))
