"""How a name typed to find a thing is compared with the things' labels and aliases: the one
definition, used by ``kg viz --focus`` (and ``--types``, ``--report``), ``kg export --actor`` and
the search box of the page ``kg viz`` writes.

:func:`fold` applies Unicode NFKC (full-width ``ｌｏｃｋｂｉｔ`` and half-width ``ﾌﾞﾗｯｸ`` become
``lockbit`` and ``ブラック``), lower case and strips surrounding space. It is written so that
JavaScript can do exactly the same — ``text.normalize("NFKC").toLowerCase().trim()`` in
``kg/viz/static/view.js`` — which is why it lowers rather than case-folds (``casefold`` turns
``ß`` into ``ss``; ``toLowerCase`` does not). The page gets its labels already folded by
:func:`search_terms`; ``tests/test_search_text.py`` runs both sides on the same cases.

>>> fold(" ＬｏｃｋＢｉｔ\u3000")
'lockbit'
>>> fold("ﾌﾞﾗｯｸﾃｯｸ")
'ブラックテック'
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable


def fold(text: str) -> str:
    """Fold width, case and surrounding space, so that 'ｌｏｃｋｂｉｔ ' finds 'LockBit'."""
    return unicodedata.normalize("NFKC", text).lower().strip()


def search_terms(texts: Iterable[str]) -> str:
    """Return the folded ``texts``, one per line between newlines, as the page's search box reads
    them (``"\\nlockbit\\nロックビット\\n"``: a whole-line match is an exact name).

    >>> search_terms(["LockBit", "ロックビット", "lockbit"])
    '\\nlockbit\\nロックビット\\n'
    """
    return "\n" + "\n".join(sorted({fold(text) for text in texts})) + "\n"
