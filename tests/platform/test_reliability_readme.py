"""``python -m tests.faults.render_readme --check`` (run by ``make test``): the "Reliability" table of
docs/reliability.md must be the one rendered from data/reliability/summary.json, and ``--check`` must fail when it is
not."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.faults import render_readme


def test_committed_readme_table_matches_the_summary() -> None:
    repo = Path(__file__).resolve().parents[2]
    assert repo / "docs" / "reliability.md" == render_readme.DOC
    assert render_readme.START not in (repo / "README.md").read_text()  # one generated table, in the docs
    assert render_readme.main(["--check"]) == 0


def test_check_fails_on_a_stale_table(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    summary = json.loads(render_readme.SUMMARY_PATH.read_text())
    readme = tmp_path / "reliability.md"
    table = render_readme.render(summary)
    readme.write_text(f"intro\n{render_readme.START}\n{table}\n{render_readme.END}\nrest\n")
    monkeypatch.setattr(render_readme, "DOC", readme)
    assert render_readme.main(["--check"]) == 0
    readme.write_text(readme.read_text().replace(f"**{summary['cases_passed']}**", "**0**", 1))
    assert render_readme.main(["--check"]) == 1
    assert render_readme.main([]) == 0 and render_readme.main(["--check"]) == 0  # re-rendered: in line again
    assert readme.read_text().startswith("intro\n") and readme.read_text().endswith("\nrest\n")
