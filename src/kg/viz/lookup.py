"""Find the things a name designates, in SPARQL on the store: an IRI, an ATT&CK ID (``G0098``,
``T1566.001``), a CVE (``CVE-2023-27997``), or a label or alias in either language.

The name is always bound as a value (never pasted into a query). Exact labels are looked up
through the store's index first; only when that finds nothing are the labels read and compared
ignoring case and full/half width, then as a part of a label, and finally for near misses, which
the error offers ("did you mean …?").

>>> from kg.viz.lookup import external_id
>>> external_id(" g0098 "), external_id("cve-2023-27997"), external_id("BlackTech")
(('attackId', 'G0098'), ('cveId', 'CVE-2023-27997'), None)
"""

from __future__ import annotations

import difflib
import re
from typing import TYPE_CHECKING

from kg.errors import InputError
from kg.namespaces import KG, PREFIXES
from kg.results import compact_iri
from kg.terms import expand_iri
from kg.viz.network import _normal

if TYPE_CHECKING:
    from kg.store.base import SparqlStore

__all__ = ["external_id", "find_things"]

ATTACK_ID = re.compile(r"(?:[GSTM]\d{4}(?:\.\d{3})?|TA\d{4})", re.IGNORECASE)
CVE_ID = re.compile(r"CVE-\d{4}-\d{4,}", re.IGNORECASE)
#: Names whose labels are read to suggest near misses.
SUGGESTIONS = 5

#: Things of a kg class with exactly this label or alias (``?name`` bound).
BY_NAME_QUERY = """
SELECT DISTINCT ?thing WHERE {
  ?thing ?naming ?name .
  FILTER(?naming IN (rdfs:label, skos:prefLabel, skos:altLabel))
  FILTER(STRSTARTS(STR(?thing), STR(kgr:)))
  ?thing a ?class .
}"""
#: Things with this external identifier (``?property`` and ``?id`` bound).
BY_ID_QUERY = """
SELECT DISTINCT ?thing WHERE {
  ?thing ?property ?id .
  FILTER(STRSTARTS(STR(?thing), STR(kgr:)))
}"""
#: Whether an IRI is a thing of a kg class (``?thing`` bound).
IS_THING_QUERY = """
ASK { ?thing a ?class . FILTER(STRSTARTS(STR(?class), STR(kg:))) }"""
#: Every label and alias of a thing, to compare ignoring case and width.
ALL_NAMES_QUERY = """
SELECT ?thing ?name WHERE {
  ?thing ?naming ?name .
  FILTER(?naming IN (rdfs:label, skos:prefLabel, skos:altLabel))
  FILTER(STRSTARTS(STR(?thing), STR(kgr:)))
}"""


def external_id(text: str) -> tuple[str, str] | None:
    """Return (kg property local name, identifier as written in the graph) when ``text`` is an
    ATT&CK or CVE identifier, else None."""
    cleaned = text.strip().upper()
    if CVE_ID.fullmatch(cleaned):
        return "cveId", cleaned
    if ATTACK_ID.fullmatch(cleaned):
        return "attackId", cleaned
    return None


def _literal(text: str, lang: str | None = None) -> dict[str, str]:
    term = {"type": "literal", "value": text}
    if lang:
        term["xml:lang"] = lang
    return term


def _things(store: SparqlStore, query: str, **bindings: dict[str, str]) -> list[str]:
    return sorted({row["thing"]["value"] for row in store.execute(query, bindings=bindings).bindings})


def find_things(store: SparqlStore, name: str) -> list[str]:
    """Return the things ``name`` designates (see the module documentation).

    Every thing with exactly that label or alias is returned (``LockBit`` is both a group and
    its ransomware); failing that, the one thing whose label contains ``name``. Raises
    :class:`~kg.errors.InputError` when nothing matches (suggesting near misses) or when a
    partial name fits several.
    """
    text = name.strip()
    prefix = text.partition(":")[0]
    if text.startswith(("<", "http://", "https://")) or (":" in text and prefix in PREFIXES):
        iri = text if text.startswith("http") else expand_iri(text)
        answer = store.execute(IS_THING_QUERY, bindings={"thing": {"type": "uri", "value": iri}})
        if answer.boolean:
            return [iri]
        raise InputError(f"{text!r} is not a thing in this graph (an instance with a kg class)")
    if not _normal(text):
        raise InputError("the name to look for is empty")
    if (identifier := external_id(text)) is not None:
        found = _things(
            store, BY_ID_QUERY, property={"type": "uri", "value": KG + identifier[0]}, id=_literal(identifier[1])
        )
        if found:
            return found
    variants = {text, " ".join(text.split())}
    exact: set[str] = set()
    for variant in variants:
        for lang in ("en", "ja", None):
            exact.update(_things(store, BY_NAME_QUERY, name=_literal(variant, lang)))
    if exact:
        return sorted(exact)
    names: dict[str, set[str]] = {}
    labels: dict[str, str] = {}
    for row in store.execute(ALL_NAMES_QUERY).bindings:
        thing, written = row["thing"]["value"], row["name"]["value"]
        names.setdefault(_normal(written), set()).add(thing)
        if row["name"].get("xml:lang", "en") == "en" or thing not in labels:
            labels[thing] = written
    wanted = _normal(text)
    if wanted in names:
        return sorted(names[wanted])
    partial = sorted({thing for known, things in names.items() if wanted in known for thing in things})
    if len(partial) == 1:
        return partial
    if partial:
        shown = ", ".join(f"{labels.get(thing, thing)} ({compact_iri(thing)})" for thing in partial[:8])
        more = f" and {len(partial) - 8} more" if len(partial) > 8 else ""
        raise InputError(f"{text!r} is part of several labels: {shown}{more}; give a full label or an IRI")
    close = difflib.get_close_matches(wanted, list(names), n=SUGGESTIONS, cutoff=0.6)
    suggested = list(dict.fromkeys(thing for known in close for thing in sorted(names[known])))[:SUGGESTIONS]
    hint = ""
    if suggested:
        hint = (
            "; did you mean "
            + ", ".join(f"{labels.get(thing, thing)} ({compact_iri(thing)})" for thing in suggested)
            + "?"
        )
    raise InputError(
        f"nothing is labelled {text!r} in English or Japanese, nor has it as an alias or ATT&CK/CVE ID{hint}"
    )
