"""Chart drawing benchmark: render every chart from the DuckDB file and print what each costs.

For each registered chart: its queries, the drawing and the PNG + SVG written to a throwaway folder, timed as CPU
time of this process (other processes on a shared machine do not count) and wall time. Prints a table, slowest
first, against the budget the charts were designed for (2 s of CPU each), and writes it with hardware and library
versions to ``benchmarks/results/charts_<utc date>.json``. A budget is a figure to watch, not a unit test: on a
slowed host every chart gets slower together. Run after ``make run`` (it reads ``data/greenlm.duckdb`` or
``GREENLM_DUCKDB_PATH``): ``.venv/bin/python benchmarks/bench_charts.py``.
"""

from __future__ import annotations

import os
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import duckdb
import typer
from _env import environment, write_result
from rich.console import Console
from rich.table import Table

BUDGET_CPU_S = 2.0

app = typer.Typer(add_completion=False)


@app.command()
def main(
    write: Annotated[bool, typer.Option(help="write benchmarks/results/charts_<date>.json")] = True,
    repeats: Annotated[int, typer.Option(help="renders per chart; the fastest is reported")] = 1,
) -> None:
    import greenlm_assets.defs.publish.report  # noqa: F401  (imports every chart module: fills CHARTS)
    from greenlm_assets.lib.charts import CHARTS, render_chart
    from greenlm_assets.lib.paths import duckdb_path

    db = duckdb_path()
    if not db.exists():
        raise typer.BadParameter(f"{db} does not exist: run `make run` first (or set GREENLM_DUCKDB_PATH)")
    rows = []
    with (
        tempfile.TemporaryDirectory(prefix="greenlm-charts-") as tmp,
        duckdb.connect(str(db), read_only=True) as con,
    ):
        os.environ["GREENLM_CHARTS_DIR"] = tmp  # never touch data/charts
        for name, spec in sorted(CHARTS.items()):
            best = None
            for _ in range(repeats):
                (Path(tmp) / f"{name}.sha256").unlink(missing_ok=True)  # no reuse: every render draws
                cpu0, wall0 = time.process_time(), time.perf_counter()
                render_chart(spec, con)
                cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
                if best is None or cpu < best[0]:
                    best = (cpu, wall)
            assert best is not None
            rows.append({"chart": name, "cpu_s": round(best[0], 3), "wall_s": round(best[1], 3)})
    rows.sort(key=lambda r: -r["cpu_s"])
    table = Table(title=f"Chart rendering ({len(rows)} charts, budget {BUDGET_CPU_S} s CPU each)")
    for col in ("chart", "CPU s", "wall s", "within budget"):
        table.add_column(col)
    for r in rows:
        table.add_row(
            r["chart"],
            f"{r['cpu_s']:.2f}",
            f"{r['wall_s']:.2f}",
            "yes" if r["cpu_s"] < BUDGET_CPU_S else "NO",
        )
    Console().print(table)
    load = os.getloadavg()
    result = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "duckdb_file": str(db),
        "budget_cpu_s": BUDGET_CPU_S,
        "total_cpu_s": round(sum(r["cpu_s"] for r in rows), 2),
        "over_budget": [r["chart"] for r in rows if r["cpu_s"] >= BUDGET_CPU_S],
        "load_average_1_5_15_after": [round(x, 2) for x in load],
        "charts": rows,
        **environment(("matplotlib", "pillow", "duckdb", "pandas")),
    }
    print(
        f"total {result['total_cpu_s']} s CPU; over budget: {result['over_budget'] or 'none'}; load {load[0]:.2f}"
    )
    if write:
        write_result("charts", result)


if __name__ == "__main__":
    app()
