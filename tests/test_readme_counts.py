"""The README's row counts and figures are the DuckDB file's: a data change that moves one must update the docs.

Row counts are read from the README's tables; other figures are registered in tests/readme_figures.py, each a
README snippet and the named query that generates it (``python -m tests.readme_figures`` prints them all).
"""

import re

import duckdb

from tests.conftest import repo_root
from tests.readme_figures import FIGURES, missing

# | `schema.table` | ... | 1,234 | or | ... | 1,234 (1,200 + 34 GreenLM) |
ROW = re.compile(r"^\| `(\w+)\.(\w+)` \|.*\| ([\d,]+)(?: \([^|]*\))? \|\s*$")


def test_every_documented_row_count_matches_the_built_file(con: duckdb.DuckDBPyConnection) -> None:
    documented = [
        (f"{m[1]}.{m[2]}", int(m[3].replace(",", "")))
        for line in (repo_root() / "README.md").read_text().splitlines()
        if (m := ROW.match(line))
    ]
    assert len(documented) >= 30  # the catalog, analytics, inference, GPU-market and quality tables
    wrong = {
        table: (n, actual)
        for table, n in documented
        if n != (actual := con.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
    }
    assert not wrong, f"README row counts (documented, built): {wrong}"


def test_every_registered_readme_figure_comes_from_its_query(con: duckdb.DuckDBPyConnection) -> None:
    assert len(FIGURES) >= 9 and len({f.name for f in FIGURES}) == len(FIGURES)
    absent = missing(con)
    assert not absent, f"README figures the built file does not give (figure: snippet rendered now): {absent}"
    # The check can fail: against a README without the figures, every figure is reported.
    assert set(missing(con, readme="")) == {f.name for f in FIGURES}
