"""One search-text folding: kg.search_text.fold (``kg viz --focus`` and the page's labels) and the
page's own JavaScript (``normalise`` in view.js) give the same text on the same cases."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

import kg
from kg.search_text import fold, search_terms

VIEW_JS = Path(kg.__file__).parent / "viz" / "static" / "view.js"

CASES = [
    "LockBit",
    " ｌｏｃｋｂｉｔ ",  # full width, spaces around
    "ﾌﾞﾗｯｸﾃｯｸ",  # half-width katakana
    "\u3000警察庁\u3000",  # ideographic spaces
    "ＮＩＳＣ　内閣サイバーセキュリティセンター",
    "ΟΔΟΣ",  # final sigma
    "Straße",  # lowered, not case-folded: JavaScript has no casefold
    "İstanbul",
    "Ⅻ ①",  # compatibility characters
]


def javascript_normalise() -> str:
    """The page's normalise function, cut out of view.js as it ships."""
    match = re.search(r"function normalise\(text\) \{.*?\n  \}", VIEW_JS.read_text(encoding="utf-8"), re.DOTALL)
    assert match, "view.js has no normalise(text) function"
    return match[0]


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node to run the page's JavaScript")
def test_python_and_the_page_fold_alike() -> None:
    script = f"{javascript_normalise()}\nconsole.log(JSON.stringify({json.dumps(CASES)}.map(normalise)));"
    result = subprocess.run(["node", "-e", script], capture_output=True, text=True, timeout=60, check=True)
    assert json.loads(result.stdout) == [fold(text) for text in CASES]


def test_fold_finds_what_people_type() -> None:
    assert fold(" ｌｏｃｋｂｉｔ ") == fold("LockBit") == "lockbit"
    assert fold("ﾌﾞﾗｯｸﾃｯｸ") == "ブラックテック"
    assert fold("Straße") == "straße"


def test_search_terms_are_folded_unique_lines() -> None:
    assert search_terms(["LockBit", "ＬＯＣＫＢＩＴ", "ロックビット"]) == "\nlockbit\nロックビット\n"


def test_focus_lookup_uses_the_same_folding(small: kg.KnowledgeGraph) -> None:
    from kg.viz.network import find_nodes, instance_graph

    graph = instance_graph(small)
    assert find_nodes(graph, "ｂｌａｃｋｔｅｃｈ") == find_nodes(graph, "BlackTech")
