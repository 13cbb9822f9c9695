"""The README's table row counts are the DuckDB file's: a data change that moves a count must update the docs."""

import re

import duckdb

from tests.conftest import repo_root

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
