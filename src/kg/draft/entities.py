"""Link what a report names to what the graph already knows, and list candidates for new things.

The gazetteer is built from the graph itself: every label and alias (``rdfs:label``,
``skos:prefLabel``, ``skos:altLabel``, both languages), ATT&CK IDs (``kg:attackId``) and
identifiers (``dcterms:identifier``, e.g. CVE IDs) of the things the graph names —
organisations, countries, actors, malware, tools, techniques, vulnerabilities, products, laws,
operations, events, sectors and kinds of party. A name written ``X（Y）`` also yields ``X`` and
``Y``. Matching is on NFKC text without spaces, case-folded, longest name first, so that
``米国連邦捜査局（FBI）`` is one mention, not two.

Beyond the names as printed: a name that begins with a known name and a particle names that one
too (海外製ビデオレコーダ等において…ぜい弱性 names 海外製ビデオレコーダ等); a list of modifiers
shares the head of the name it ends in (A社製、B社製及びC社製のWi-Fiルーター); a name with a
known name and の left out matches where the passage names that one (日本警察が開発した復号ツール
beside LockBit); a product's vulnerabilities the graph holds are linked where the text speaks of
its ぜい弱性. Things described rather than named are linked by the rules of :mod:`kg.draft.rules`.

No morphological analyser is used: matching SudachiPy's normalised forms (sudachidict-core,
split mode C) recovered 1 of the 80 curated mentions this linker missed on the two corpus
reports when measured; of those it misses now (17 and 7), one is printed under a name of the
thing (警察, inside 都道府県警察, the name of another) and the rest not at all (not measured
again with SudachiPy, which matches names, not descriptions).

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
    "Offence",
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

WEAKNESS_QUERY = "SELECT ?vulnerability ?product WHERE { ?vulnerability a kg:Vulnerability ; kg:affects ?product }"
OPERATIONS_QUERY = """
SELECT ?operation ?role ?thing WHERE {
  ?operation a kg:Operation ; ?role ?thing .
  VALUES ?role { kg:participant kg:ledBy kg:addresses }
}"""

_SPACE = re.compile(r"\s+")
_PARENTHESISED = re.compile(r"^(.+?)[(（](.+?)[)）]$")
_LEADING_YEAR = re.compile(r"^\d{4}年")
#: Names too generic to mean one thing when they stand alone.
MIN_LENGTH = {"latin": 3, "other": 2}
#: The shortest name left when a known name is elided from a longer one (:attr:`Gazetteer.elliptic`).
ELLIPTIC_LENGTH = 8
#: A list of modifiers before a name: items split by 、, 及び, 並びに (:meth:`Gazetteer._conjoined`).
_LIST_SEPARATOR = re.compile(r"、|及び|並びに")
_LIST_BEFORE = re.compile(r"(?:[^、。及並\s]{1,15}(?:、|及び|並びに))+$")


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
class Operation:
    """What the graph holds of an operation: who took part or led it, and what it addressed."""

    participants: set[str]
    addresses: set[str]


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
    >>> sorted(name_forms("2020年東京オリンピック・パラリンピック競技大会"))
    ['2020年東京オリンピック・パラリンピック競技大会', '東京オリンピック・パラリンピック競技大会']
    """
    forms = {compact(name)}
    if match := _PARENTHESISED.match(normalise(name).strip()):
        forms |= {compact(match.group(1)), compact(match.group(2))}
    # A year that heads a name (2020年東京オリンピック…) is often left out where the year is plain.
    forms |= {undated for form in forms if (undated := _LEADING_YEAR.sub("", form)) != form and len(undated) >= 6}
    forms = {"".join(char for char in form if char not in _QUOTES) for form in forms}
    return {form for form in forms if len(form) >= (MIN_LENGTH["latin"] if form.isascii() else MIN_LENGTH["other"])}


#: Collective names: in the National Police Agency's reports 警察 ("the police") stands for the
#: police of Japan as a whole — the agency and the prefectural police — and curated facts cite
#: both. Applied only to things the graph holds.
COLLECTIVE_NAMES: dict[str, tuple[str, ...]] = {
    "警察": ("https://w3id.org/npa-cyber-kg/id/org-npa", "https://w3id.org/npa-cyber-kg/id/org-prefectural-police"),
}


class Gazetteer:
    """Names of known things, matched longest first."""

    def __init__(
        self,
        entries: Iterable[Entry],
        *,
        weaknesses: dict[str, set[str]] | None = None,
        operations: dict[str, Operation] | None = None,
    ) -> None:
        #: The vulnerabilities the graph holds of each product (``kg:affects``), linked where the
        #: text speaks of a named product's ぜい弱性 (Movable Type、Apache Log4j等のぜい弱性).
        self.weaknesses = weaknesses or {}
        #: The operations the graph holds, with who took part and what they addressed, linked
        #: where a sentence describes one by them (:func:`kg.draft.rules.operations_described`).
        self.operations = operations or {}
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
        #: Names with a known name and の left out (日本警察が開発したLockBitの復号ツール, printed
        #: 日本警察が開発した復号ツール beside LockBit): short form → (its things, the things of
        #: the name left out, one of which the passage must name).
        self.elliptic: dict[str, tuple[set[tuple[str, str]], set[str]]] = {}
        for form in self.forms:
            for of in (index for index, char in enumerate(form) if char == "の"):
                for start in range(of - MIN_LENGTH["latin"] + 1):
                    inner, short = form[start:of], form[:start] + form[of + 1 :]
                    if inner in self.by_form and len(short) >= ELLIPTIC_LENGTH and short not in self.by_form:
                        things, required = self.elliptic.setdefault(short, (set(), set()))
                        things |= self.by_form[form]
                        required |= {thing for thing, _kind in self.by_form[inner]}
        self.elliptic_pattern = (
            re.compile("|".join(re.escape(form) for form in sorted(self.elliptic, key=len, reverse=True)))
            if self.elliptic
            else None
        )

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
        weaknesses: dict[str, set[str]] = {}
        for row in store.execute(WEAKNESS_QUERY).bindings:
            if row["vulnerability"]["value"] not in without:
                weaknesses.setdefault(row["product"]["value"], set()).add(row["vulnerability"]["value"])
        operations: dict[str, Operation] = {}
        for row in store.execute(OPERATIONS_QUERY).bindings:
            operation, thing = row["operation"]["value"], row["thing"]["value"]
            if operation in without or thing in without:
                continue
            entry = operations.setdefault(operation, Operation(set(), set()))
            (entry.addresses if row["role"]["value"].endswith("addresses") else entry.participants).add(thing)
        entries = (Entry(name, thing, kinds[thing]) for thing, values in names.items() for name in values)
        return cls(entries, weaknesses=weaknesses, operations=operations)

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
            # A name that begins with a known name and a particle (or 等) names that one too: XのY
            # (海外製ルータのぜい弱性), X等のぜい弱性, Xに関する… .
            head = next(
                (
                    form[:cut]
                    for cut in range(len(form) - 1, 1, -1)
                    if (_is_hiragana(form[cut]) or form[cut] == "等") and form[:cut] in self.by_form
                ),
                form,
            )
            if head != form:
                stop = offsets[match.start() + len(head) - 1] + 1
                for thing, kind in sorted(self.by_form[head]):
                    found.append(Mention(start, stop, text[start:stop], thing, kind, head))
        found += self._conjoined(text, found)
        found += self._elliptic(text, folded, offsets, found)
        return found + self._weaknesses_named(text, found)

    def _conjoined(self, text: str, found: list[Mention]) -> list[Mention]:
        """Link the names a list of modifiers makes with the head of the name it ends in.

        ``A社製、B社製及びC社製のWi-Fiルーター`` names three routers: where a known name follows
        a list (items split by 、, 及び, 並びに), each item put in place of the name's own first
        part that makes a known name is linked too.

        >>> routers = [Entry("A社製のルーター", "kgr:a", "Product"), Entry("C社製のルーター", "kgr:c", "Product")]
        >>> gazetteer = Gazetteer(routers)
        >>> [m.thing for m in gazetteer.find("A社製、B社製及びC社製のルーター")]
        ['kgr:c', 'kgr:a']
        """
        linked = []
        for mention in found:
            items = _LIST_BEFORE.search(text, max(0, mention.start - 80), mention.start)
            if not items:
                continue
            at = items.start()
            for item in re.split(_LIST_SEPARATOR, items.group())[:-1]:
                start, at = at, at + len(item)
                at += len(_LIST_SEPARATOR.match(text, at).group())  # type: ignore[union-attr]
                for cut in range(1, len(mention.name) - 1):
                    form = compact(item) + mention.name[cut:]
                    if form == mention.name or form not in self.by_form:
                        continue
                    for thing, kind in sorted(self.by_form[form]):
                        linked.append(Mention(start, mention.end, text[start : mention.end], thing, kind, form))
        return linked

    def _elliptic(self, text: str, folded: str, offsets: list[int], found: list[Mention]) -> list[Mention]:
        """Link names printed without a known name the passage names elsewhere (:attr:`elliptic`).

        >>> tool = Entry("日本警察が開発したLockBitの復号ツール", "kgr:tool", "Tool")
        >>> gazetteer = Gazetteer([Entry("LockBit", "kgr:lockbit", "Ransomware"), tool])
        >>> [m.thing for m in gazetteer.find("LockBitについて、日本警察が開発した復号ツールを提供した。")]
        ['kgr:lockbit', 'kgr:tool']
        >>> [m.thing for m in gazetteer.find("日本警察が開発した復号ツールを提供した。")]
        []
        """
        if self.elliptic_pattern is None:
            return []
        named = {mention.thing for mention in found}
        linked = []
        for match in self.elliptic_pattern.finditer(folded):
            things, required = self.elliptic[match.group()]
            if not required & named:
                continue
            start, end = offsets[match.start()], offsets[match.end() - 1] + 1
            for thing, kind in sorted(things):
                linked.append(Mention(start, end, text[start:end], thing, kind, f"{match.group()} (elliptic)"))
        return linked

    def _weaknesses_named(self, text: str, found: list[Mention]) -> list[Mention]:
        """Link the vulnerabilities of the products a ``…のぜい弱性`` phrase names.

        >>> gazetteer = Gazetteer([Entry("Movable Type", "kgr:mt", "Product")], weaknesses={"kgr:mt": {"kgr:v"}})
        >>> [m.thing for m in gazetteer.find("Movable Type、Apache等のぜい弱性に関する注意喚起")]
        ['kgr:mt', 'kgr:v']
        """
        linked = []
        for mention in found:
            if mention.kind == "Product" and (phrase := WEAKNESS_OF.match(text, mention.end)):
                for vulnerability in sorted(self.weaknesses.get(mention.thing, ())):
                    stop = phrase.end()
                    linked.append(
                        Mention(
                            mention.start,
                            stop,
                            text[mention.start : stop],
                            vulnerability,
                            "Vulnerability",
                            mention.name,
                        )
                    )
        return linked

    def implied_author(self, text: str, found: list[Mention]) -> list[Mention]:
        """Return the report's author where a sentence says what was done without saying who.

        The reports are written by the police and leave their own subject out: 総務省と連携し、
        携帯電話事業者に対して…要請した is the police's request. The first sentence of ``text`` (a
        passage) with a verb of action (:data:`ACTION`) and no named subject (a known name
        followed by は/が/では…) gets a mention of every organisation the collective name of the
        author (:data:`AUTHOR_NAME`) stands for, at the verb; its ``name`` says it is implied.

        >>> gazetteer = Gazetteer([Entry("警察", "kgr:org-npa", "PoliceOrganisation")])
        >>> [m.thing for m in gazetteer.implied_author("注意喚起を実施した。", [])]
        ['kgr:org-npa']
        >>> fbi = Mention(0, 3, "FBI", "kgr:fbi", "GovernmentAgency", "fbi")
        >>> gazetteer.implied_author("FBIは注意喚起を実施した。", [fbi])
        []
        >>> fbi = Mention(9, 12, "FBI", "kgr:fbi", "GovernmentAgency", "fbi")
        >>> [m.thing for m in gazetteer.implied_author("注意喚起を実施し、FBIは…", [fbi])]
        ['kgr:org-npa']
        """
        # The organisations the name stands for, not the kind of party (party-police) it also names.
        authors = sorted(pair for pair in self.by_form.get(AUTHOR_NAME, ()) if pair[1] != "PartyType")
        implied: list[Mention] = []
        start = 0
        for sentence in re.split(r"(?<=。)", text):
            end = start + len(sentence)
            action = ACTION.search(sentence)
            # The subject of a verb comes before it: …を要請し、大手携帯電話事業者において… names
            # the subject of what follows the request, not of the request.
            at = start + action.start() if action else end
            subject = any(
                start <= mention.start < at and SUBJECT.match(text, mention.end) for mention in found
            ) or _NAMED_SUBJECT.search(sentence, 0, at - start)
            if action and authors and not subject:
                for thing, kind in authors:
                    implied.append(
                        Mention(at, start + action.end(), action.group(), thing, kind, f"({AUTHOR_NAME}: implied)")
                    )
                break  # once a passage: the reviewer needs the actor, not every verb of it
            start = end
        return implied


#: The kinds of organisation (the gazetteer's most specific classes of kg:Organisation).
ORGANISATION_KINDS = frozenset(
    NAMED_CLASSES[NAMED_CLASSES.index("PoliceOrganisation") : NAMED_CLASSES.index("Organisation") + 1]
)
#: The collective name of the reports' author (the police), whose things an unnamed subject stands for.
AUTHOR_NAME = "警察"
#: Verbs of what the police do in the reports' own voice (実施した, 要請し, 注意喚起を行った…).
ACTION = re.compile(
    r"(?:実施|要請|注意喚起|締結|依頼|推進|呼び掛け|検挙|開催|提供|共有|派遣|常駐|連携|逮捕|指名手配|解析|把握|"
    r"取得|働き掛け|申入れ|情報発信|講じ|取組)(?:し|する|を行|を実施|させ|を進め)|情報提供を受け"
)
#: What follows a name that is the subject of its sentence.
SUBJECT = re.compile(r"(?:等|及び[^、。]{0,30}?)?(?:は|が|では|において|により)")
#: Subjects that are not in the gazetteer but are not the author either (同国国家警察が, 被疑者は).
_NAMED_SUBJECT = re.compile(r"(?:被疑者|同国[^、。]{0,10}|関係国[^、。]{0,10}|事業者|グループ|組織)(?:は|が)")

#: What follows a product's name when the text speaks of its vulnerabilities: のぜい弱性 right
#: after it, or after a list it ends (、Apache Log4j 等のぜい弱性).
WEAKNESS_OF = re.compile(r"[^。]{0,40}?(?:の|等の|狙われた|狙った)(?:ぜい弱性|脆弱性)")


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


def _is_hiragana(char: str) -> bool:
    return "\u3041" <= char <= "\u309f"


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
#: What follows the offence of a charge: 容疑, の疑い, or で/により and the police action.
CHARGE_ENDING = r"(?:容疑|の疑い|(?:で|により)(?:検挙|逮捕|起訴|送致|書類送致|指名手配))"
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
    ("Offence", re.compile(r"((?<![一-龥])[一-龥・]{2,20}罪)(?:等|で|に|の|、|\)|）)"), "offence"),
    (
        # a charge printed without 罪 (詐欺等で検挙, 電子計算機損壊等業務妨害の疑いで逮捕)
        "Offence",
        re.compile(rf"((?<![一-龥])[一-龥・]{{2,20}}?)(?:未遂)?(?:罪|等)*{CHARGE_ENDING}"),
        "offence",
    ),
    # an act a law prohibits, named as the law names it (不正アクセス行為, 他人の識別符号を不正に保管する行為)
    ("Offence", re.compile(r"((?:不正|他人の)[一-龥ァ-ヶーをにのす]{2,20}行為)"), "offence"),
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
