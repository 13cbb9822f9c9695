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


# | `chart_name` | 10, 11 | what | (the "Charts and report" table; "–" = no seed figure)
CHART_ROW = re.compile(r"^\| `(\w+)` \| (–|\d+(?:, \d+)*) \|")


def test_readme_chart_count_and_table_are_the_chart_registry() -> None:
    """The README's chart count and chart table come from the code: one row per chart asset, its seed figure(s)."""
    import greenlm_assets.defs.publish.report  # noqa: F401  (imports every chart module: fills CHARTS)
    from greenlm_assets.lib.charts import CHARTS

    text = (repo_root() / "README.md").read_text()
    assert re.findall(r"\*\*(\d+) chart assets\*\*", text) == [str(len(CHARTS))]
    # Any other "N charts" is a count no query reproduces (historical benchmark counts say "at the time").
    assert re.findall(r"\b\d+ charts\b", text) == []
    rows = {m[1]: m[2] for line in text.splitlines() if (m := CHART_ROW.match(line))}
    assert sorted(rows) == sorted(CHARTS)
    assert {name: CHARTS[name].seed_figure or "–" for name in rows} == rows
