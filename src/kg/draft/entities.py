"""Link what a report names to what the graph already knows, and list candidates for new things.

The gazetteer is built from the graph itself: every label and alias (``rdfs:label``,
``skos:prefLabel``, ``skos:altLabel``, both languages), ATT&CK IDs (``kg:attackId``) and
identifiers (``dcterms:identifier``, e.g. CVE IDs) of the things the graph names —
organisations, countries, actors, malware, tools, techniques, vulnerabilities, products, laws,
operations, events, sectors and kinds of party. A name written ``X（Y）`` also yields ``X`` and
``Y``. Matching is on NFKC text without spaces, case-folded, longest name first, so that
``米国連邦捜査局（FBI）`` is one mention, not two.

No morphological analyser is used: matching SudachiPy's normalised forms (sudachidict-core,
split mode C) instead recovered 1 of the 80 curated mentions this linker misses on the two
corpus reports (nearly all of them are things the section's text does not name at all), which
does not justify the dependency.

New things are proposed from the patterns the reports name them by: CVE and ATT&CK IDs the
graph does not hold, names in 「」 after a kind word (攻撃グループ「LockBit」), laws (…法),
organisations (…協会, …センター, …庁), and Latin-script names.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from kg.numerals import normalise
from kg.store.base import SparqlStore

#: The classes whose instances are named in the text (the gazetteer's scope), most specific
#: first; a thing takes the first that it has.
NAMED_CLASSES = (
    "Country",
    "PoliceOrganisation",
    "GovernmentAgency",
    "IndustryBody",
    "InternationalOrganisation",
    "Company",
    "Organisation",
    "RansomwareGroup",
    "StateLinkedGroup",
    "HacktivistGroup",
    "CriminalGroup",
    "ThreatActor",
    "Ransomware",
    "Malware",
    "Tool",
    "IntrusionVector",
    "Technique",
    "Vulnerability",
    "Product",
    "Law",
    "Operation",
    "Event",
    "Sector",
    "PartyType",
)

GAZETTEER_QUERY = """
SELECT ?thing ?class ?name WHERE {
  ?thing a ?class .
  FILTER(?class IN (%s))
  { ?thing rdfs:label ?name } UNION { ?thing skos:prefLabel ?name } UNION { ?thing skos:altLabel ?name }
  UNION { ?thing kg:attackId ?name } UNION { ?thing dcterms:identifier ?name }
}"""

_SPACE = re.compile(r"\s+")
_PARENTHESISED = re.compile(r"^(.+?)[(（](.+?)[)）]$")
#: Names too generic to mean one thing when they stand alone.
MIN_LENGTH = {"latin": 3, "other": 2}


def compact(text: str) -> str:
    """Return ``text`` as matched: NFKC, no whitespace, case-folded."""
    return _SPACE.sub("", normalise(text)).casefold()


@dataclass(frozen=True)
class Entry:
    """One name of one thing."""

    name: str
    thing: str
    kind: str


@dataclass(frozen=True)
class Mention:
    """A name found in the text, linked to a thing of the graph."""

    start: int
    end: int
    text: str
    thing: str
    kind: str
    name: str


@dataclass(frozen=True)
class Candidate:
    """A name that looks like a new thing: what it looks like and why."""

    start: int
    end: int
    text: str
    kind: str
    reason: str


def name_forms(name: str) -> set[str]:
    """Return the forms a name is matched by.

    >>> sorted(name_forms("内閣サイバーセキュリティセンター（NISC）"))
    ['nisc', '内閣サイバーセキュリティセンター', '内閣サイバーセキュリティセンター(nisc)']
    """
    forms = {compact(name)}
    if match := _PARENTHESISED.match(normalise(name).strip()):
        forms |= {compact(match.group(1)), compact(match.group(2))}
    forms = {"".join(char for char in form if char not in _QUOTES) for form in forms}
    return {form for form in forms if len(form) >= (MIN_LENGTH["latin"] if form.isascii() else MIN_LENGTH["other"])}


#: Collective names: in the National Police Agency's reports 警察 ("the police") stands for the
#: police of Japan as a whole — the agency and the prefectural police — and curated facts cite
#: both. Applied only to things the graph holds.
COLLECTIVE_NAMES: dict[str, tuple[str, ...]] = {
    "警察": ("https://w3id.org/npa-cyber-kg/id/org-npa", "https://w3id.org/npa-cyber-kg/id/org-prefectural-police"),
}


#: What the police do in the reports' own voice: 要請した, 注意喚起を行った, 検挙した… A sentence
#: saying so without naming who did it has 警察 as its omitted subject (the reports write of
#: themselves without a subject), so it names the police as much as a sentence that says 警察.
POLICE_ACTION = re.compile(
    r"要請|注意喚起|呼び掛け|働き掛け|検挙|逮捕|摘発|押収|捜査|テイクダウン|参画|連名|連携し|情報提供を受け|"
    r"実施し|推進し|開催し|取締り"
)
#: A sentence whose subject is named (Xは, Xでは, Xが) is not in the reports' own voice.
_SUBJECT_MARK = re.compile(r"^(は|では|が|において|により|によって)")
_SENTENCE = re.compile(r"[^。]+。?")


def implicit_subjects(text: str, found: list[Mention], gazetteer: Gazetteer) -> list[Mention]:
    """Return the police as the omitted subject of each sentence of ``text`` that acts in the report's voice.

    ``found`` are the names already found in ``text``. A sentence counts when it says what the
    police did (:data:`POLICE_ACTION`), names no police organisation and no other organisation as
    its subject. The mention spans the action word; its ``name`` says it was implied.

    >>> npa = "https://w3id.org/npa-cyber-kg/id/org-npa"
    >>> gazetteer = Gazetteer([Entry("警察庁", npa, "PoliceOrganisation")])
    >>> [(m.text, m.thing == npa) for m in implicit_subjects("令和5年5月、注意喚起を行った。", [], gazetteer)]
    [('注意喚起', True)]
    >>> text = "NISCは注意喚起を行った。"
    >>> implicit_subjects(text, [Mention(0, 4, "NISC", "nisc", "GovernmentAgency", "nisc")], gazetteer)
    []
    """
    implied = [(thing, kind) for form in ("警察",) for thing, kind in sorted(gazetteer.by_form.get(form, ()))]
    if not implied:
        return []
    mentions: list[Mention] = []
    for sentence in _SENTENCE.finditer(text):
        action = POLICE_ACTION.search(sentence.group())
        if not action:
            continue
        inside = [m for m in found if sentence.start() <= m.start < sentence.end()]
        if any(m.kind == "PoliceOrganisation" for m in inside):
            continue
        if any(m.kind in _AGENT_KINDS and _SUBJECT_MARK.match(text[m.end : m.end + 4]) for m in inside):
            continue
        start, end = sentence.start() + action.start(), sentence.start() + action.end()
        for thing, kind in implied:
            mentions.append(Mention(start, end, text[start:end], thing, kind, "(implied subject: 警察)"))
    return mentions


#: Kinds of thing that can be a sentence's acting subject.
_AGENT_KINDS = frozenset(
    {
        "PoliceOrganisation",
        "GovernmentAgency",
        "IndustryBody",
        "InternationalOrganisation",
        "Company",
        "Organisation",
        "Country",
        "RansomwareGroup",
        "StateLinkedGroup",
        "HacktivistGroup",
        "CriminalGroup",
        "ThreatActor",
    }
)


class Gazetteer:
    """Names of known things, matched longest first."""

    def __init__(self, entries: Iterable[Entry]) -> None:
        entries = list(entries)
        kinds = {entry.thing: entry.kind for entry in entries}
        entries += [
            Entry(name, thing, kinds[thing])
            for name, things in COLLECTIVE_NAMES.items()
            for thing in things
            if thing in kinds
        ]
        self.by_form: dict[str, set[tuple[str, str]]] = {}
        for entry in entries:
            for form in name_forms(entry.name):
                self.by_form.setdefault(form, set()).add((entry.thing, entry.kind))
        # A form naming several things is ambiguous: keep it, the mention lists all of them.
        self.forms = sorted(self.by_form, key=len, reverse=True)
        self.pattern = re.compile("|".join(re.escape(form) for form in self.forms)) if self.forms else None

    @classmethod
    def from_store(cls, store: SparqlStore, *, without: frozenset[str] = frozenset()) -> Gazetteer:
        """Build the gazetteer from a SPARQL store (``execute(query).bindings``), leaving out the IRIs ``without``."""
        classes = ", ".join(f"kg:{name}" for name in NAMED_CLASSES)
        rows = store.execute(GAZETTEER_QUERY % classes).bindings
        kinds: dict[str, str] = {}
        names: dict[str, set[str]] = {}
        for row in rows:
            thing, kind = row["thing"]["value"], row["class"]["value"].rsplit("#", 1)[-1]
            if thing in without:
                continue
            if thing not in kinds or NAMED_CLASSES.index(kind) < NAMED_CLASSES.index(kinds[thing]):
                kinds[thing] = kind
            names.setdefault(thing, set()).add(row["name"]["value"])
        return cls(Entry(name, thing, kinds[thing]) for thing, values in names.items() for name in values)

    def find(self, text: str) -> list[Mention]:
        """Return the known names in ``text``, longest first, not overlapping."""
        if self.pattern is None:
            return []
        folded, offsets = _compact_with_offsets(text)
        found: list[Mention] = []
        for match in self.pattern.finditer(folded):
            form = match.group()
            start, end = offsets[match.start()], offsets[match.end() - 1] + 1
            if form.isascii() and _inside_word(text, start, end):
                continue
            if len(form) <= 2 and _inside_compound(text, start, end):
                continue  # 金融 in 金融庁, 中国 in 中国人民解放軍: part of a longer word
            for thing, kind in sorted(self.by_form[form]):
                found.append(Mention(start, end, text[start:end], thing, kind, form))
            # A name of the form XのY (海外製ルータのぜい弱性) names X too.
            head = form.split("の", 1)[0]
            if head != form and head in self.by_form:
                stop = offsets[match.start() + len(head) - 1] + 1
                for thing, kind in sorted(self.by_form[head]):
                    found.append(Mention(start, stop, text[start:stop], thing, kind, head))
        return found


#: Quotation marks do not change a name: 「Apache Log4j」のぜい弱性 is Apache Log4jのぜい弱性.
_QUOTES = frozenset('「」『』"“”')


def _compact_with_offsets(text: str) -> tuple[str, list[int]]:
    folded: list[str] = []
    offsets: list[int] = []
    for index, char in enumerate(text):
        if char.isspace() or char in _QUOTES:
            continue
        for piece in normalise(char).casefold():
            folded.append(piece)
            offsets.append(index)
    return "".join(folded), offsets


def _is_kanji(char: str) -> bool:
    return "\u4e00" <= char <= "\u9fff" or char == "々"


def _inside_compound(text: str, start: int, end: int) -> bool:
    """Tell whether a short kanji name at ``start:end`` is part of a longer kanji compound."""
    if not all(_is_kanji(char) for char in text[start:end]):
        return False
    before = text[start - 1] if start > 0 else ""
    after = text[end] if end < len(text) else ""
    return (_is_kanji(before) and before not in _BOUND_BEFORE) or (_is_kanji(after) and after not in _BOUND_AFTER)


#: Kanji that join words rather than build them (及び, 並びに, 等, 各…, 全…): a name beside them
#: is a word of its own.
_BOUND_BEFORE = frozenset("各全同本当両")
_BOUND_AFTER = frozenset("及並等又間内側向版")


def _inside_word(text: str, start: int, end: int) -> bool:
    before = text[start - 1] if start else " "
    after = text[end] if end < len(text) else " "
    return (before.isascii() and before.isalnum()) or (after.isascii() and after.isalnum())


_NAME = r"[一-龥ァ-ヶーA-Za-z0-9・\-]"
CANDIDATE_PATTERNS: tuple[tuple[str, re.Pattern[str], str], ...] = (
    ("Vulnerability", re.compile(r"CVE-\d{4}-\d{4,7}"), "CVE ID"),
    ("Technique", re.compile(r"\bT\d{4}(?:\.\d{3})?\b"), "ATT&CK technique ID"),
    ("ThreatActor", re.compile(r"\bG\d{4}\b"), "ATT&CK group ID"),
    (
        "ThreatActor",
        re.compile(r"(?:攻撃グループ|攻撃集団|ハッカー集団|犯罪グループ|グループ)\s*「([^」]{2,40})」"),
        "named group",
    ),
    (
        "ThreatActor",
        re.compile(rf"({_NAME}{{2,20}}(?:ハッカー集団|ハクティビスト|フィッシンググループ|犯罪グループ|攻撃集団))"),
        "kind of actor",
    ),
    ("ThreatActor", re.compile(r"(ハクティビスト)"), "kind of actor"),
    (
        "Malware",
        re.compile(r"(?:ランサムウェア|マルウェア|不正プログラム|ボット)\s*「([^」]{2,40})」"),
        "named malware",
    ),
    ("Malware", re.compile(r"([A-Za-z][A-Za-z0-9]{2,30})\s*(?:ボット|ランサムウェア|マルウェア)"), "named malware"),
    (
        "Operation",
        re.compile(r"「([^」]{2,30})」\s*(?:作戦|オペレーション)|(?:作戦|オペレーション)\s*「([^」]{2,30})」"),
        "named operation",
    ),
    ("Operation", re.compile(r"([ァ-ヶーA-Za-z0-9]{2,20}作戦)"), "named operation"),
    (
        "Law",
        re.compile(r"([一-龥ァ-ヶー・]{1,30}(?:に関する法律|(?<![不方手違合寸])法))(?:違反|第\d+条|の|\(|（)"),
        "law",
    ),
    ("Law", re.compile(r"((?<![一-龥])[一-龥・]{2,20}罪)(?:等|で|に|の|、|\)|）)"), "offence"),
    (
        "Organisation",
        re.compile(
            r"((?:一般|公益)?(?:社団|財団)法人[一-龥ァ-ヶーA-Za-z]{2,30}|"
            r"[一-龥ァ-ヶーA-Za-z]{2,30}(?:協会|協議会|センター|機構|連盟|委員会|閣僚会議|国家警察|庁|省|局|部)|"
            r"[一-龥ァ-ヶーA-Za-z0-9]{2,30}(?:部隊|解放軍)|"
            r"(?<![一-龥])[一-龥]{1,3}[都道府県]警察)"
        ),
        "organisation",
    ),
    ("Organisation", re.compile(r"([A-Z]{2,8}ネットワーク)"), "organisation"),
    ("Event", re.compile(rf"({_NAME}{{2,30}}(?:サミット|競技大会|冬季オリンピック))"), "event"),
    (
        "Product",
        re.compile(
            r"((?:海外製|国内製)?[ァ-ヶーA-Za-z0-9][ァ-ヶーA-Za-z0-9\-]{1,20}(?:ルーター|ルータ|機器)|海外製[ァ-ヶー]{2,20})"
        ),
        "kind of product",
    ),
    ("Product", re.compile(r"「([A-Za-z0-9][A-Za-z0-9 .\-]{2,40})」"), "named product or software"),
    (
        "Name",
        re.compile(r"(?<![A-Za-z0-9])([A-Z][A-Za-z0-9]*[A-Z0-9][A-Za-z0-9]*|[A-Z][a-z]+[A-Z][A-Za-z]+)(?![A-Za-z0-9])"),
        "Latin-script name",
    ),
    ("Name", re.compile(r"(?<![A-Za-z0-9])(\d+[a-z]{3,}[A-Za-z0-9]*)(?![A-Za-z0-9])"), "Latin-script name"),
)


def find_candidates(text: str, known: list[Mention]) -> list[Candidate]:
    """Return names in ``text`` that look like things but are not linked to the graph."""
    covered = {index for mention in known for index in range(mention.start, mention.end)}
    found: list[Candidate] = []
    seen: set[tuple[int, int]] = set()
    for kind, pattern, reason in CANDIDATE_PATTERNS:
        for match in pattern.finditer(text):
            group = next((index for index in range(1, (pattern.groups or 0) + 1) if match.group(index)), 0)
            start, end = match.span(group)
            if kind == "Organisation":
                # Trim what the pattern swept in around a name: a known name before it (警察庁内閣…),
                # a conjunction after it (…協会及び, …協会等).
                while end > start and text[end - 1] in "等及び並":
                    end -= 1
                while start < end and start in covered:
                    start += 1
            name = text[start:end]
            letters = [index for index in range(start, end) if text[index].isalnum()]
            if (start, end) in seen or sum(1 for index in letters if index not in covered) < 2:
                continue
            if kind in ("Name", "Product") and (len(name) < 3 or name in _COMMON_LATIN):
                continue
            if kind == "Organisation" and (len(name) < 3 or name in _GENERIC_ORGANISATIONS):
                continue
            seen.add((start, end))
            found.append(Candidate(start, end, name, kind, reason))
    return found


#: Latin-script words of the reports that are not names of things.
_COMMON_LATIN = frozenset(
    {
        *("ID", "IP", "URL", "SMS", "SNS", "PC", "OS", "VPN", "DDoS", "IoT", "AI", "EC", "QR", "DNS", "HTTP"),
        *("HTTPS", "WEB", "Web", "PDF", "SIM", "USB", "LAN", "FAQ", "IT", "ICT", "CSV", "SSL", "TLS", "ATM"),
        *("MNP", "DMARC", "SPF", "DKIM", "CEO", "CIO", "CTO", "UTM", "NTP", "RDP", "SSH", "FTP", "API", "TCP"),
        *("UDP", "TTP", "TTPs"),
    }
)
#: Generic organisation words the organisation pattern would otherwise propose.
_GENERIC_ORGANISATIONS = frozenset(["官公庁", "省庁", "所管省庁", "関係省庁", "関係機関", "運転免許センター", "各省庁"])
