"""The MITRE ATT&CK objects the graph refers to, as checked against ATT&CK's own STIX data.

``src/kg/data/attack-<version>.json`` keeps, for every ``kg:attackId`` in ``graph/``, the object
it names in the public ``mitre/cti`` repository (name, domain, STIX type and id, ATT&CK page,
tactics), with the ATT&CK release and the repository commit it was read from. The STIX and
Navigator exports take names, STIX ids and domains from it; ``tests/test_attack.py`` checks every
identifier in the graph against it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources

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
