"""The MITRE ATT&CK objects (and D3FEND techniques) the graph refers to, as checked against
their publishers' own data.

``src/kg/data/attack-<version>.json`` keeps, for every ``kg:attackId`` in ``graph/``, the object
it names in the public ``mitre/cti`` repository (name, domain, STIX type and id, ATT&CK page,
tactics), with the ATT&CK release and the repository commit it was read from. The STIX and
Navigator exports take names, STIX ids and domains from it; ``tests/test_attack.py`` checks every
identifier in the graph against it. ``src/kg/data/d3fend-<version>.json`` does the same for the
``kg:d3fendId`` of countermeasures, read from the D3FEND ontology (d3fend/d3fend-ontology).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

#: The ATT&CK release the graph's identifiers were checked against.
ATTACK_VERSION = "18.1"


@dataclass(frozen=True)
class AttackObject:
    """One ATT&CK object (technique, group, software or mitigation) as MITRE publishes it."""

    attack_id: str
    name: str
    domain: str
    stix_type: str
    stix_id: str
    url: str
    tactics: tuple[str, ...]


@dataclass(frozen=True)
class AttackReference:
    """The ATT&CK objects kg refers to, and where they were checked."""

    version: str
    source: str
    commit: str
    objects: dict[str, AttackObject]


@cache
def attack_reference() -> AttackReference:
    """Return the checked ATT&CK objects shipped with kg (:data:`ATTACK_VERSION`)."""
    text = resources.files("kg").joinpath("data", f"attack-{ATTACK_VERSION}.json").read_text(encoding="utf-8")
    data = json.loads(text)
    objects = {
        attack_id: AttackObject(
            attack_id=attack_id,
            name=entry["name"],
            domain=entry["domain"],
            stix_type=entry["type"],
            stix_id=entry["stix_id"],
            url=entry["url"],
            tactics=tuple(entry["tactics"]),
        )
        for attack_id, entry in data["objects"].items()
    }
    return AttackReference(
        version=data["attack_version"], source=data["source"], commit=data["commit"], objects=objects
    )


#: The D3FEND release the graph's kg:d3fendId values were checked against.
D3FEND_VERSION = "1.2.0"


@dataclass(frozen=True)
class D3fendTechnique:
    """One MITRE D3FEND defensive technique: its ontology class, label and page."""

    d3fend_id: str
    ontology_class: str
    label: str
    url: str


@cache
def d3fend_reference() -> dict[str, D3fendTechnique]:
    """Return the D3FEND techniques kg refers to, as read from the D3FEND ontology
    (:data:`D3FEND_VERSION`, shipped as ``src/kg/data/d3fend-<version>.json``)."""
    text = resources.files("kg").joinpath("data", f"d3fend-{D3FEND_VERSION}.json").read_text(encoding="utf-8")
    return {
        d3fend_id: D3fendTechnique(d3fend_id, entry["class"], entry["label"], entry["url"])
        for d3fend_id, entry in json.loads(text)["objects"].items()
    }


#: The folders of a mitre/cti checkout that hold the objects kg refers to.
_CTI_KINDS = ("attack-pattern", "intrusion-set", "malware", "tool", "course-of-action")


def check_against_cti(cti: Path) -> list[str]:
    """Compare the shipped reference with a checkout of MITRE's ``mitre/cti`` repository at
    ``cti`` (its ``enterprise-attack/`` and ``mobile-attack/`` folders); return the differences
    (an identifier missing, revoked or deprecated there, or with another name, domain or STIX id),
    none when the graph's identifiers still hold."""
    found: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for domain in ("enterprise-attack", "mobile-attack"):
        for kind in _CTI_KINDS:
            for path in sorted((cti / domain / kind).glob("*.json")):
                for obj in json.loads(path.read_text(encoding="utf-8")).get("objects", []):
                    for ref in obj.get("external_references", []):
                        if ref.get("source_name") in ("mitre-attack", "mitre-mobile-attack") and ref.get("external_id"):
                            found.setdefault(ref["external_id"], []).append((domain, obj))
    problems = []
    for attack_id, expected in sorted(attack_reference().objects.items()):
        candidates = [obj for domain, obj in found.get(attack_id, []) if domain == expected.domain]
        live = [obj for obj in candidates if not obj.get("revoked") and not obj.get("x_mitre_deprecated")]
        if not live:
            state = "revoked or deprecated" if candidates else "missing"
            problems.append(f"{attack_id}: {state} in {expected.domain}")
            continue
        obj = live[0]
        if (
            obj.get("name") != expected.name
            or obj.get("id") != expected.stix_id
            or obj.get("type") != expected.stix_type
        ):
            problems.append(
                f"{attack_id}: ATT&CK has {obj.get('type')} {obj.get('id')} {obj.get('name')!r}, "
                f"kg has {expected.stix_type} {expected.stix_id} {expected.name!r}"
            )
    return problems


def main(argv: list[str] | None = None) -> int:
    """``python -m kg.attack CTI_FOLDER``: check the graph's ATT&CK identifiers against a
    checkout of github.com/mitre/cti; exit 1 and list the differences if any."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m kg.attack", description=main.__doc__)
    parser.add_argument("cti", type=Path, help="a checkout of the mitre/cti repository")
    arguments = parser.parse_args(argv)
    if not (arguments.cti / "enterprise-attack").is_dir():
        parser.error(f"{arguments.cti} has no enterprise-attack/ folder: give a checkout of mitre/cti")
    problems = check_against_cti(arguments.cti)
    for problem in problems:
        print(problem)
    print(f"{len(attack_reference().objects)} ATT&CK objects checked, {len(problems)} differences")
    return 1 if problems else 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
