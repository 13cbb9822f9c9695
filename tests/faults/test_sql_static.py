"""Static check: no SQL text is built from data. What reaches the first argument of every ``.execute()`` /
``.sql()`` / ``.query()`` under greenlm_assets/ and jobs/ is followed back to where it comes from
(``tests/faults/sql_flow.py``): literals, ``quote_ident(...)``, module constants, and code that only combines them.
Values travel as bound ``?`` parameters. What the check cannot prove is listed in ``REVIEWED`` with the reason it is
code, not data; a new unproven source fails this test until it is reviewed here (or, better, bound as a parameter).
"""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from tests.faults.helpers import REPO
from tests.faults.sql_flow import violations

FOLDERS = ("greenlm_assets", "jobs")

# (file, unproven expression as the check prints it) -> why it is code, not data.
REVIEWED: dict[tuple[str, str], str] = {
    (
        "greenlm_assets/cli.py",
        "path.read_text()",
    ): "a curated query file of sql/queries (part of the repository)",
    (
        "greenlm_assets/lib/raw_load.py",
        'con.execute("SELECT column_name, data_type, is_nullable FROM information_schema.columns...',
    ): "column names and types DuckDB reports for the DDL contract of sql/ddl it just executed",
    (
        "greenlm_assets/lib/raw_load.py",
        'con.execute("SELECT expression, constraint_column_names FROM duckdb_constraints() WHERE...',
    ): "CHECK expressions DuckDB reports for the DDL contract of sql/ddl it just executed",
    (
        "greenlm_assets/lib/raw_load.py",
        "load_raw_csv(replace_where=...): no call site in the scanned code",
    ): "a library function called by tests only, with a predicate written in the test",
    (
        "greenlm_assets/lib/charts.py",
        "spec.queries",
    ): "render_chart(spec) has no caller in the package (tests pass registered ChartSpecs)",
    (
        "greenlm_assets/lib/catalog/leaderboard.py",
        "self.content_sha256",
    ): "fetch_id: 16 hex digits of a SHA-256 (hashlib), inlined in a view (DuckDB views take no parameters)",
    (
        "greenlm_assets/lib/catalog/bench.py",
        "con.execute('SELECT count(*) FROM s').fetchone()",
    ): "benchmark generator: an int row count DuckDB returned",
    ("greenlm_assets/lib/catalog/bench.py", "int(sys.argv[1])"): "benchmark generator: an int row count",
    (
        "greenlm_assets/defs/publish/report.py",
        "(QUERIES_DIR / 'training_fact_disagreements.sql').read_text()",
    ): "a curated query file of sql/queries (part of the repository)",
    (
        "greenlm_assets/lib/seed_study.py",
        "int(f)",
    ): "seed figure numbers: int constants the chart modules pass (study_points_sql(10, 11))",
    (
        "greenlm_assets/lib/catalog/bench.py",
        "Path(tmp)",
    ): "benchmark generator: the temp file it writes (COPY ... TO takes no parameter)",
}


@pytest.fixture(scope="module")
def checked() -> tuple[list[str], set[tuple[str, str]]]:
    return violations(REPO, FOLDERS, REVIEWED)


@pytest.mark.fault("hostile")
def test_no_sql_is_built_from_data(checked: tuple[list[str], set[tuple[str, str]]]) -> None:
    found, _ = checked
    assert not found, "SQL text from an unproven source (bind values as ? parameters):\n" + "\n".join(found)


def test_every_reviewed_exception_is_still_needed(checked: tuple[list[str], set[tuple[str, str]]]) -> None:
    _, used = checked
    assert set(REVIEWED) == used, f"no longer needed, remove from REVIEWED: {sorted(set(REVIEWED) - used)}"


def _check(tmp_path: Path, source: str) -> list[str]:
    (tmp_path / "pkg").mkdir(exist_ok=True)
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "mod.py").write_text(textwrap.dedent(source))
    return violations(tmp_path, ("pkg",), {})[0]


def test_the_check_follows_values_into_sql(tmp_path: Path) -> None:
    """The checker itself: values reaching SQL through variables, parameters, fields and lists are caught."""
    found = _check(
        tmp_path,
        """\
        import os
        from dataclasses import dataclass

        TABLE = "t"

        def quote_ident(name):
            return '"' + name.replace('"', '""') + '"'

        @dataclass
        class Spec:
            table: str
            where: str = "true"

        def delete(con, where):
            con.execute(f"DELETE FROM {TABLE} WHERE {where}")  # line 15

        def scrape(con, day, provider):
            delete(con, f"day = '{day}' AND provider = '{provider}'")  # values in a predicate
            delete(con, "day = ? AND provider = ?")

        def run(con, spec: Spec, name):
            con.execute(f"SELECT * FROM {spec.table} WHERE {spec.where}")  # line 22
            cols = [quote_ident(c) for c in ("a", name)]
            cols.append(name.upper())
            con.execute("SELECT " + ", ".join(cols) + f" FROM {quote_ident(name)}")
            name = [name for name in ("x", "y")][0]  # a comprehension's name is its own

        def main(con):
            scrape(con, os.environ["DAY"], "aws")  # line 29
            run(con, Spec("a"), "ok")
            run(con, Spec(os.environ["TABLE"]), "ok")  # line 31: a table name from the environment
            run(con, Spec("a", where=os.environ.get("W", "true")), "ok")  # line 32
            con.execute("SELECT ?", [os.environ["X"]])  # bound: fine
        """,
    )
    sources = sorted(f.split(" <- ", 1)[1] for f in found)
    assert sources == [
        "pkg/mod.py:29: os.environ",  # the day reaches the predicate through scrape -> delete
        "pkg/mod.py:31: os.environ",
        "pkg/mod.py:32: os.environ",
    ], found
    assert {f.split(" <- ")[0] for f in found} == {"pkg/mod.py:15", "pkg/mod.py:22"}


def test_the_check_catches_the_old_scrape_predicate(tmp_path: Path) -> None:
    """The defect this rule missed when it looked at variable names: the scrape slice built from date and provider."""
    for folder in FOLDERS:
        for src in (REPO / folder).rglob("*.py"):
            dest = tmp_path / src.relative_to(REPO)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(src, dest)
    prices = tmp_path / "greenlm_assets/defs/ingest/gpu_prices.py"
    text = prices.read_text()
    assert "replace_where=SCRAPE_SLICE," in text
    prices.write_text(
        text.replace(
            "replace_where=SCRAPE_SLICE,",
            "replace_where=f\"origin = 'scrape' AND scrape_date = DATE '{day.isoformat()}' "
            "AND price_source = '{provider}'\",",
        )
    )
    found, _ = violations(tmp_path, FOLDERS, REVIEWED)
    origins = {f.split(" <- ")[1].split(": ", 1)[1] for f in found}
    assert {"day.isoformat()", "client.provider"} <= origins, found  # the date and the provider, both caught
    assert all(f.startswith("greenlm_assets/lib/raw_load.py:") for f in found), found  # where they reach SQL
