"""The README is the front door to docs/: it links every docs file, and every relative link or image in the
documentation (README.md, docs/*.md) points at a file that exists and, with a ``#fragment``, at a heading of it."""

from __future__ import annotations

import re
from pathlib import Path

from tests.doc_files import REPO, doc_files

LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)


def links(path: Path) -> list[str]:
    return LINK.findall(FENCE.sub("", path.read_text()))


def anchors(path: Path) -> set[str]:
    """GitHub's heading ids: lower case, punctuation dropped, spaces to hyphens."""
    headings = re.findall(r"^#+ (.+)$", FENCE.sub("", path.read_text()), re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in headings}


def test_every_relative_link_in_the_docs_resolves() -> None:
    broken = []
    for doc in doc_files():
        for target in links(doc):
            if re.match(r"[a-z]+:", target):  # https:, mailto:
                continue
            file, _, fragment = target.partition("#")
            resolved = (doc.parent / file).resolve() if file else doc
            if not resolved.exists():
                broken.append(f"{doc.relative_to(REPO)}: {target} (no such file)")
            elif fragment and resolved.suffix == ".md" and fragment not in anchors(resolved):
                broken.append(f"{doc.relative_to(REPO)}: {target} (no such heading)")
    assert not broken, broken


def test_the_readme_links_every_docs_file() -> None:
    linked = {(REPO / target.partition("#")[0]).resolve() for target in links(REPO / "README.md")}
    docs = set(doc_files()[1:])
    assert len(docs) >= 13
    assert docs - linked == set(), sorted(str(p.relative_to(REPO)) for p in docs - linked)


def test_the_check_sees_a_broken_link(tmp_path: Path) -> None:
    doc = tmp_path / "x.md"
    doc.write_text(
        "# Title\n\n[a](missing.md) [b](#title) ![c](figures/none.png)\n```\n[d](in_code.md)\n```\n"
    )
    assert links(doc) == ["missing.md", "#title", "figures/none.png"]
    assert anchors(doc) == {"title"}
