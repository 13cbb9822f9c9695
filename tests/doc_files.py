"""The documentation whose figures the tests check: README.md (the front door) and every ``docs/*.md`` (the depth).

A documented row count or figure may live in any of them; the checks read them all, so moving text between the
README and a docs file keeps it checked.
"""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def doc_files() -> list[Path]:
    """README.md, then docs/*.md in name order."""
    return [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]


def doc_texts() -> dict[str, str]:
    """The text of every documentation file, by its path relative to the repository root."""
    return {str(path.relative_to(REPO)): path.read_text() for path in doc_files()}
