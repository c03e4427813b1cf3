"""``kg show``: print one entity's card (labels, type, identifiers, relations, dates, sources)."""

from __future__ import annotations

import argparse
import json
import sys

from kg.commands import HelpFormatter, add_store_options, open_from

EPILOG = """examples:
  kg show BlackTech                     an actor by its label
  kg show ブラックテック --lang ja          by a Japanese alias, the card in Japanese
  kg show G0098                         by its MITRE ATT&CK ID (CVE IDs work too: kg show CVE-2023-27997)
  kg show kgr:org-npa --format json     by IRI, as JSON
"""


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "show",
        help="print one entity's card: labels, type, identifiers, relations, dates and sources",
        description="Find an entity by label or alias (English or Japanese, any case or width), IRI, ATT&CK ID or "
        "CVE, and print its card: labels and aliases in both languages, type, external identifiers, dates, facts, "
        "relations grouped by kind, and the report sections and figures it comes from (with the corpus line).",
        epilog=EPILOG,
        formatter_class=HelpFormatter,
    )
    parser.add_argument("name", metavar="NAME", help="label, alias, IRI (kgr:…), ATT&CK ID or CVE")
    parser.add_argument("--lang", choices=("en", "ja"), default="en", help="language of the card (default en)")
    parser.add_argument("--format", "-f", choices=("text", "json"), default="text", help="output (default text)")
    add_store_options(parser)
    parser.set_defaults(run=run)


def run(arguments: argparse.Namespace) -> int:
    from kg.show import card_text, entity_cards

    with open_from(arguments) as graph:
        cards = entity_cards(graph, arguments.name)
    if arguments.format == "json":
        sys.stdout.write(json.dumps([card.to_json() for card in cards], ensure_ascii=False, indent=2) + "\n")
    else:
        sys.stdout.write("\n".join(card_text(card, lang=arguments.lang) for card in cards))
    return 0
