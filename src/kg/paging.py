"""Pages of a query's answer (``kg query --limit/--offset``, ``KnowledgeGraph.query(limit=…)``).

A listing whose answer grows with the graph (every co-issued advisory, every advisory of a
China-linked actor) takes time in proportion to its answer; its first page comes back in a
fraction of that. Paging sets the query's own ``LIMIT``/``OFFSET``, so the store stops early
and the order stays the query's ``ORDER BY``; a query that pages itself is paged within its page.

>>> print(page("SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s", limit=10, offset=20))
SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s
LIMIT 10 OFFSET 20
>>> print(page("SELECT ?s WHERE { ?s ?p ?o } LIMIT 100 OFFSET 5", limit=10, offset=95))
SELECT ?s WHERE { ?s ?p ?o }
LIMIT 5 OFFSET 100
"""

from __future__ import annotations

import re

from kg.errors import InputError

#: Patterns as text, compiled (and kept) by ``re`` at their first use: compiling them all at
#: import was a fiftieth of ``kg query``'s cold start, which uses none of them without ``--limit`` or ``--offset``.
_TRAILING_COMMENTS = r"(?:\s|#[^\n]*)*\Z"
_MODIFIER = r"(?i)\b(LIMIT|OFFSET)\s+(\d+)\s*\Z"
_ASK = r"(?i)^(?:\s|#[^\n]*|(?:PREFIX|BASE)\s[^\n]*)*ASK\b"


def page(query: str, *, limit: int | None = None, offset: int | None = None) -> str:
    """Return ``query`` limited to ``limit`` solutions after skipping ``offset`` (None: no bound)."""
    if limit is None and offset is None:
        return query
    if (limit is not None and limit < 0) or (offset is not None and offset < 0):
        raise InputError("--limit and --offset cannot be negative")
    if re.match(_ASK, query):
        raise InputError("--limit and --offset page SELECT, CONSTRUCT and DESCRIBE answers, not ASK")
    trailing = re.search(_TRAILING_COMMENTS, query)  # matches every text, at the least its empty end
    text = query[: trailing.start() if trailing else len(query)]
    own: dict[str, int] = {}
    while (match := re.search(_MODIFIER, text)) and match.group(1).upper() not in own:
        own[match.group(1).upper()] = int(match.group(2))
        text = text[: match.start()].rstrip()
    start = own.get("OFFSET", 0) + (offset or 0)
    end = None if "LIMIT" not in own else own.get("OFFSET", 0) + own["LIMIT"]
    if limit is not None:
        end = start + limit if end is None else min(end, start + limit)
    clauses = ([f"LIMIT {max(end - start, 0)}"] if end is not None else []) + ([f"OFFSET {start}"] if start else [])
    return f"{text}\n{' '.join(clauses)}"
