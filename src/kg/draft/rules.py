"""Link what a sentence speaks of without printing its name, by rules over what it does name.

The gazetteer (:mod:`kg.draft.entities`) links names; the reports also speak of things they do
not name:

- **operations described** by who took part and what they addressed: サイバー特別捜査隊等が
  EUROPOL等との国際共同捜査を推進した結果…LockBit… is the operation the graph holds with those
  participants against LockBit (クロノス作戦), named only in a later part;
- **the law behind an offence**: 詐欺等で検挙した is an arrest under the Penal Code (刑法), which
  defines the offence (:data:`OFFENCE_LAWS`, a table of the statute's offences);
- **the rest of a list cut short**: NISC、FBI等とともに…注意喚起 names the others of the list
  the report prints in full elsewhere (NISC、NSA、FBI及びCISAとともに);
- **a country for its government**: 英国、米国等は…非難する声明を発表した is a statement by the
  governments, where the graph holds them (英国政府).

Each rule links only things the graph holds, found through the gazetteer's names; its mention's
``name`` says which rule made it, for the reviewer.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol, TypeVar

from kg.draft.entities import AUTHOR_NAME, CHARGE_ENDING, NAMED_CLASSES, ORGANISATION_KINDS, Gazetteer, Mention, compact

#: Words of an investigation or an operation, one of which a sentence describing an operation has.
INVESTIGATION = re.compile(r"捜査|作戦|テイクダウン|逮捕|検挙|摘発")
#: Kinds of what an operation addresses that identify it (a group, its malware or tool), unlike
#: a technique (phishing), which many operations address.
ADDRESSED_KINDS = frozenset(NAMED_CLASSES[NAMED_CLASSES.index("RansomwareGroup") : NAMED_CLASSES.index("Tool") + 1])

#: Offences the Penal Code (刑法, 明治40年法律第45号) defines, as the reports charge them, by the
#: name of the law in the graph. A charge printed with one of them (…罪, …等で検挙, …容疑) is
#: under that law.
OFFENCE_LAWS: dict[str, tuple[str, ...]] = {
    "刑法": (
        "電子計算機使用詐欺",
        "電子計算機損壊等業務妨害",
        "不正指令電磁的記録作成",
        "不正指令電磁的記録供用",
        "不正指令電磁的記録取得",
        "不正指令電磁的記録保管",
        "支払用カード電磁的記録不正作出",
        "私電磁的記録不正作出",
        "公電磁的記録不正作出",
        "偽計業務妨害",
        "威力業務妨害",
        "名誉毀損",
        "わいせつ電磁的記録記録媒体頒布",
        "わいせつ電磁的記録頒布",
        "詐欺",
        "恐喝",
        "脅迫",
        "強要",
        "窃盗",
        "横領",
        "背任",
        "侮辱",
    )
}
_LAW_OF_OFFENCE = {offence: law for law, offences in OFFENCE_LAWS.items() for offence in offences}
_OFFENCES = "|".join(sorted(_LAW_OF_OFFENCE, key=len, reverse=True))
_CHARGE = re.compile(rf"({_OFFENCES})(?:未遂)?(?:・同[^、。]{{1,6}})?(?:罪|等)*{CHARGE_ENDING}")

#: Verbs of what a government does in the reports (声明, 非難, 発表…).
STATEMENT = re.compile(r"声明|非難|発表|指摘|表明|談話|起訴")
#: What follows a country that is the subject of its sentence, alone or heading a list (英国、米国等は).
_COUNTRY_SUBJECT = re.compile(r"(?:(?:、|・|及び|と)[^、。はが]{1,8}?)*?(?:等)?(?:は|が)")


def described(gazetteer: Gazetteer, text: str, found: list[Mention]) -> list[Mention]:
    """Return every mention the rules of this module find in ``text`` (a passage), beside ``found``."""
    return [
        *operations_described(gazetteer, text, found),
        *laws_of_offences(gazetteer, text, found),
        *governments_speaking(gazetteer, text, found),
    ]


def _sentences(text: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for sentence in re.split(r"(?<=。)", text):
        spans.append((start, start + len(sentence)))
        start += len(sentence)
    return spans


def operations_described(gazetteer: Gazetteer, text: str, found: list[Mention]) -> list[Mention]:
    """Link an operation where a sentence names who took part in it and what it addressed.

    A sentence with a word of investigation (:data:`INVESTIGATION`) that names a participant of
    an operation the graph holds (not the report's author, whose name is in most sentences, nor
    a country) and a group, malware or tool it addressed speaks of that operation.

    >>> from kg.draft.entities import Entry, Operation
    >>> europol = Entry("ユーロポール", "kgr:europol", "InternationalOrganisation")
    >>> names = [europol, Entry("LockBit", "kgr:lb", "Ransomware")]
    >>> gazetteer = Gazetteer(names, operations={"kgr:cronos": Operation({"kgr:europol"}, {"kgr:lb"})})
    >>> text = "ユーロポール等との国際共同捜査の結果、LockBitの一員を逮捕した。"
    >>> [m.thing for m in operations_described(gazetteer, text, gazetteer.find(text))]
    ['kgr:cronos']
    """
    authors = {thing for thing, _kind in gazetteer.by_form.get(AUTHOR_NAME, ())}
    linked = []
    for start, end in _sentences(text):
        if not INVESTIGATION.search(text, start, end):
            continue
        here = [mention for mention in found if start <= mention.start < end]
        things = {mention.thing for mention in here if mention.kind != "Country"} - authors
        targets = {mention.thing: mention for mention in here if mention.kind in ADDRESSED_KINDS}
        for operation, known in sorted(gazetteer.operations.items()):
            addressed = sorted(set(targets) & known.addresses)
            if operation in things or not addressed or not (known.participants & things):
                continue
            at = targets[addressed[0]]
            linked.append(
                Mention(
                    at.start, at.end, at.text, operation, "Operation", "(operation: by its participants and target)"
                )
            )
    return linked


def laws_of_offences(gazetteer: Gazetteer, text: str, found: list[Mention]) -> list[Mention]:
    """Link the law that defines an offence a charge names (:data:`OFFENCE_LAWS`).

    Where the graph holds the offence itself as a law (詐欺罪) and ``found`` links it there, that
    link stands for the charge and the defining law is not added.

    >>> from kg.draft.entities import Entry
    >>> gazetteer = Gazetteer([Entry("刑法", "kgr:penal-code", "Law"), Entry("窃盗罪", "kgr:theft", "Law")])
    >>> [(m.text, m.thing) for m in laws_of_offences(gazetteer, "令和3年6月、男を詐欺等で検挙した。", [])]
    [('詐欺', 'kgr:penal-code')]
    >>> laws_of_offences(gazetteer, "特殊詐欺等の被害が多い。", [])
    []
    >>> text = "同男を窃盗罪で逮捕した。"
    >>> laws_of_offences(gazetteer, text, gazetteer.find(text))
    []
    """
    linked = []
    for match in _CHARGE.finditer(text):
        start, end = match.span(1)
        if any(mention.kind == "Law" and mention.start < end and start < mention.end for mention in found):
            continue
        law = _LAW_OF_OFFENCE[match.group(1)]
        for thing, kind in sorted(gazetteer.by_form.get(compact(law), ())):
            if kind == "Law":
                linked.append(Mention(start, end, match.group(1), thing, kind, f"({law}: defines the offence)"))
    return linked


def governments_speaking(gazetteer: Gazetteer, text: str, found: list[Mention]) -> list[Mention]:
    """Link a country's government where the country is the subject of a statement.

    The government is what the graph names ``<country>政府`` (英国政府), found by that name.

    >>> from kg.draft.entities import Entry
    >>> gazetteer = Gazetteer([Entry("英国", "kgr:gb", "Country"), Entry("英国政府", "kgr:gov-gb", "GovernmentAgency")])
    >>> text = "英国、米国等は、中国を非難する声明を発表した。"
    >>> [m.thing for m in governments_speaking(gazetteer, text, gazetteer.find(text))]
    ['kgr:gov-gb']
    >>> text = "米国、英国を標的として攻撃が行われたと発表した。"
    >>> governments_speaking(gazetteer, text, gazetteer.find(text))
    []
    """
    linked = []
    for start, end in _sentences(text):
        if not STATEMENT.search(text, start, end):
            continue
        for mention in found:
            if mention.kind != "Country" or not start <= mention.start < end:
                continue
            if not _COUNTRY_SUBJECT.match(text, mention.end, end):
                continue
            for thing, kind in sorted(gazetteer.by_form.get(mention.name + "政府", ())):
                linked.append(
                    Mention(mention.start, mention.end, mention.text, thing, kind, f"({mention.text}: its government)")
                )
    return linked


@dataclass(frozen=True)
class Listing:
    """Organisations a passage lists one after another (A、B及びC), at ``start:end`` of it."""

    start: int
    end: int
    kinds: dict[str, str]
    #: Whether the list ends in 等 (the rest left out).
    abridged: bool


#: What separates the items of a list (after the closing bracket of an item's alias).
_LIST_GAP = re.compile(r"\s*[)）]?\s*(?:、|及び|並びに|,|，)\s*")
#: What joins a name and its alias in brackets (内閣サイバーセキュリティセンター（NISC）): one item.
_ALIAS_GAP = re.compile(r"\s*[(（]\s*")
#: What ends a list cut short.
_ABRIDGED = re.compile(r"\s*[)）]?\s*等")


def listings(text: str, found: list[Mention]) -> list[Listing]:
    """Return the lists of two or more organisations in ``text``: names split only by 、, 及び….

    >>> from kg.draft.entities import Entry
    >>> gazetteer = Gazetteer([Entry(name, f"kgr:{name}", "GovernmentAgency") for name in ("NISC", "NSA", "FBI")])
    >>> text = "NISC、NSA及びFBIとともに注意喚起を実施した。NISC、FBI等と連携した。"
    >>> [(sorted(listing.kinds), listing.abridged) for listing in listings(text, gazetteer.find(text))]
    [(['kgr:FBI', 'kgr:NISC', 'kgr:NSA'], False), (['kgr:FBI', 'kgr:NISC'], True)]
    """
    spans: dict[tuple[int, int], dict[str, str]] = {}
    for mention in found:
        if mention.kind in ORGANISATION_KINDS:
            spans.setdefault((mention.start, mention.end), {})[mention.thing] = mention.kind
    # A name inside a longer one (FBI in 米国連邦捜査局（FBI）) is not an item of its own.
    items = sorted(span for span in spans if not any(o != span and o[0] <= span[0] and span[1] <= o[1] for o in spans))
    runs: list[list[tuple[int, int]]] = []
    for span in items:
        if runs and _ALIAS_GAP.fullmatch(text, runs[-1][-1][1], span[0]):
            spans[(runs[-1][-1][0], span[1])] = {**spans[runs[-1][-1]], **spans[span]}
            runs[-1][-1] = (runs[-1][-1][0], span[1])
        elif runs and _LIST_GAP.fullmatch(text, runs[-1][-1][1], span[0]):
            runs[-1].append(span)
        else:
            runs.append([span])
    return [
        Listing(
            run[0][0],
            run[-1][1],
            {thing: kind for span in run for thing, kind in spans[span].items()},
            bool(_ABRIDGED.match(text, run[-1][1])),
        )
        for run in runs
        if len(run) >= 2
    ]


class _Placed(Protocol):
    """A listing with where it is (a :class:`kg.draft.Located`)."""

    item: Listing
    line: int


Placed = TypeVar("Placed", bound=_Placed)


def unabridged(lists: Iterable[Placed]) -> list[tuple[Placed, Mention]]:
    """Link the rest of each list cut short with 等 from the smallest full list that holds all it names.

    >>> full = Listing(0, 9, {"kgr:nisc": "G", "kgr:nsa": "G", "kgr:fbi": "G", "kgr:cisa": "G"}, False)
    >>> short = Listing(20, 28, {"kgr:nisc": "G", "kgr:fbi": "G"}, True)
    >>> from types import SimpleNamespace
    >>> placed = [SimpleNamespace(item=full, line=1), SimpleNamespace(item=short, line=5)]
    >>> [(where.line, mention.thing) for where, mention in unabridged(placed)]
    [(5, 'kgr:cisa'), (5, 'kgr:nsa')]
    """
    lists = list(lists)
    full = [placed.item for placed in lists if not placed.item.abridged]
    linked = []
    for placed in lists:
        short = placed.item
        if not short.abridged:
            continue
        wider = [listing for listing in full if set(short.kinds) < set(listing.kinds)]
        if not wider:
            continue
        rest = min(wider, key=lambda listing: len(listing.kinds))
        for thing in sorted(set(rest.kinds) - set(short.kinds)):
            mention = Mention(
                short.end, short.end + 1, "等", thing, rest.kinds[thing], "(等: the list printed in full)"
            )
            linked.append((placed, mention))
    return linked
