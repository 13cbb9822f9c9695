"""The documented row counts and figures are the DuckDB file's: a data change that moves one must update the docs.

The documentation is README.md and docs/*.md (``tests.doc_files``): a figure is checked wherever it lives. Row
counts are read from the docs' tables; other figures are registered in tests/readme_figures.py, each a doc snippet
and the named query that generates it (``python -m tests.readme_figures`` prints them all).
"""

import re

import duckdb

from tests.conftest import repo_root
from tests.doc_files import doc_texts
from tests.readme_figures import FIGURES, missing

# | `schema.table` | ... | 1,234 | or | ... | 1,234 (1,200 + 34 GreenLM) |
ROW = re.compile(r"^\| `(\w+)\.(\w+)` \|.*\| ([\d,]+)(?: \([^|]*\))? \|\s*$")


def test_every_documented_row_count_matches_the_built_file(con: duckdb.DuckDBPyConnection) -> None:
    documented = [
        (f"{m[1]}.{m[2]}", int(m[3].replace(",", "")))
        for text in doc_texts().values()
        for line in text.splitlines()
        if (m := ROW.match(line))
    ]
    assert len(documented) >= 46  # the spine, catalog, analytics, inference, seed-study and quality tables
    wrong = {
        table: (n, actual)
        for table, n in documented
        if n != (actual := con.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
    }
    assert not wrong, f"documented row counts (documented, built): {wrong}"


def test_every_registered_readme_figure_comes_from_its_query(con: duckdb.DuckDBPyConnection) -> None:
    assert len(FIGURES) >= 9 and len({f.name for f in FIGURES}) == len(FIGURES)
    absent = missing(con)
    assert not absent, (
        f"documented figures the built file does not give (figure: snippet rendered now): {absent}"
    )
    # The check can fail: against docs without the figures, every figure is reported.
    assert set(missing(con, texts={"README.md": ""})) == {f.name for f in FIGURES}


def _figure(value: float) -> str:
    """The docs' way of printing a median: one decimal, thousands separators, no trailing '.0'."""
    text = f"{value:,.1f}"
    return text[:-2] if text.endswith(".0") else text


def _signed(value: float) -> str:
    return f"{value:.2f}".replace("-", "\N{MINUS SIGN}")


def test_readme_training_headline_is_the_querys(con: duckdb.DuckDBPyConnection) -> None:
    """The training medians, ratios and slopes the docs quote (docs/analytics.md) are
    sql/queries/slm_vs_llm_training_ratios.sql's output on the built file, so a typed figure cannot drift from the
    data."""
    readme = "\n".join(doc_texts().values())
    sql = (repo_root() / "sql" / "queries" / "slm_vs_llm_training_ratios.sql").read_text()
    rows = con.execute(sql).df().set_index("metric")
    labels = {"training_energy_mwh": "training energy (MWh)", "training_co2_t": "training CO₂ (t)"}
    for metric, label in labels.items():
        r = rows.loc[metric]
        expected = (
            f"| {label} | {int(r.n_slm)} / {int(r.n_llm)} | {_figure(r.slm_median)} | {_figure(r.llm_median)} | "
            f"{r.llm_to_slm_median_ratio:.2f} | {_signed(r.slope_slm)} ({r.r2_slm:.2f}) | "
            f"{_signed(r.slope_llm)} ({r.r2_llm:.2f}) |"
        )
        assert expected in readme, expected
    energy, co2 = rows.loc["training_energy_mwh"], rows.loc["training_co2_t"]
    sentence = (
        f"costs {energy.llm_to_slm_median_ratio:.1f}× the energy and {co2.llm_to_slm_median_ratio:.1f}× the CO₂ of an "
        "SLM run"
    )
    assert sentence in " ".join(readme.split()), sentence
    all_points = f"(all points: slope {energy.slope_all:.2f}, r² {energy.r2_all:.2f} for energy)"
    assert all_points in " ".join(readme.split()), all_points


# | `chart_name` | 10, 11 | what | (the docs/charts.md table; "–" = no seed figure)
CHART_ROW = re.compile(r"^\| `(\w+)` \| (–|\d+(?:, \d+)*) \|")


def test_readme_chart_count_and_table_are_the_chart_registry() -> None:
    """The documented chart count and chart table come from the code: one row per chart asset, its seed figure(s)."""
    import greenlm_assets.defs.publish.report  # noqa: F401  (imports every chart module: fills CHARTS)
    from greenlm_assets.lib.charts import CHARTS

    text = "\n".join(doc_texts().values())
    assert re.findall(r"\*\*(\d+) chart assets\*\*", text) == [str(len(CHARTS))]
    # Any other "N charts" is a count no query reproduces (historical benchmark counts say "at the time").
    assert re.findall(r"\b\d+ charts\b", text) == []
    rows = {m[1]: m[2] for line in text.splitlines() if (m := CHART_ROW.match(line))}
    assert sorted(rows) == sorted(CHARTS)
    assert {name: CHARTS[name].seed_figure or "–" for name in rows} == rows
