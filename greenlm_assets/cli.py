"""`greenlm`: look at what the platform produced, from the shell (row counts, charts, curated queries)."""

from __future__ import annotations

import duckdb
import typer
from rich.console import Console
from rich.table import Table

from greenlm_assets.lib.paths import QUERIES_DIR, charts_dir, duckdb_path
from greenlm_assets.lib.raw_load import quote_ident

app = typer.Typer(help="GreenLM: inspect the DuckDB file and run the curated queries in sql/queries/.")
console = Console()


def _connect() -> duckdb.DuckDBPyConnection:
    path = duckdb_path()
    if not path.exists():
        raise typer.BadParameter(f"{path} does not exist yet: run `make run` first")
    return duckdb.connect(str(path), read_only=True)


@app.command()
def summary() -> None:
    """Row count of every table in the DuckDB file, and the charts written."""
    with _connect() as con:
        rows = con.execute(
            "SELECT table_schema, table_name, table_type FROM information_schema.tables "
            "WHERE table_schema IN ('raw', 'staging', 'intermediate', 'marts') ORDER BY 1, 2"
        ).fetchall()
        table = Table(title=f"GreenLM DuckDB file: {duckdb_path()}")
        for col in ("schema", "table", "kind", "rows"):
            table.add_column(col, justify="right" if col == "rows" else "left")
        for schema, name, kind in rows:
            n = con.execute(f"SELECT count(*) FROM {quote_ident(schema)}.{quote_ident(name)}").fetchone()[0]
            table.add_row(schema, name, "view" if kind == "VIEW" else "table", f"{n:,}")
    console.print(table)
    charts = sorted(charts_dir().glob("*.png"))
    console.print(f"Charts ({len(charts)}) in {charts_dir()}:")
    for chart in charts:
        console.print(f"  {chart}")


@app.command()
def query(name: str = typer.Argument(..., help="file name in sql/queries/, with or without .sql")) -> None:
    """Run one curated query against the DuckDB file and print the result."""
    path = QUERIES_DIR / (name if name.endswith(".sql") else f"{name}.sql")
    if not path.exists():
        available = ", ".join(p.stem for p in sorted(QUERIES_DIR.glob("*.sql")))
        raise typer.BadParameter(f"no query {path.name}; available: {available}")
    with _connect() as con:
        df = con.execute(path.read_text()).df()
    console.print(df.to_string(index=False))


campaign_app = typer.Typer(
    help="Measurement campaigns (jobs/campaigns/*.yaml) as partitions of measurements/campaign_runs."
)
app.add_typer(campaign_app, name="campaign")
CAMPAIGN_ASSET = "measurements/campaign_runs"


def _campaign(name_or_path: str):  # -> campaigns.Campaign
    from pathlib import Path

    from greenlm_assets.lib import campaigns, settings

    path = Path(name_or_path)
    if not path.suffix:
        path = settings.campaigns_dir() / f"{name_or_path}.yaml"
    if not path.exists():
        raise typer.BadParameter(f"no campaign file {path}")
    try:
        campaigns.load_all(path.parent)  # refuses a configuration given two protocols by two campaigns
        return campaigns.load(path)
    except campaigns.CampaignError as exc:
        raise typer.BadParameter(str(exc)) from exc


@campaign_app.command("list")
def campaign_list() -> None:
    """Every campaign file, its cells and how many of them have a measured row."""
    from greenlm_assets.defs.ingest.campaign_runs import cell_rows
    from greenlm_assets.lib import campaigns

    table = Table("campaign", "device class", "cells", "measured", "imported rows")
    for camp in campaigns.load_all().values():
        measured = sum(1 for c in camp.cells if cell_rows(c.key))
        table.add_row(camp.name, camp.device_class, str(len(camp.cells)), str(measured),
                      str(sum(len(f.read_text().splitlines()) for f in camp.imported_files())))  # fmt: skip
    console.print(table)


@campaign_app.command("register")
def campaign_register(campaign: str = typer.Argument(..., help="campaign name or YAML file")) -> None:
    """Add the campaign's cells as partitions of measurements/campaign_runs in the Dagster instance (DAGSTER_HOME);
    cells whose results were imported (the campaign's `imported` files) are marked materialized with them."""
    import dagster as dg

    from greenlm_assets.defs.ingest.campaign_runs import register

    camp = _campaign(campaign)
    with dg.DagsterInstance.get() as instance:
        new = register(instance, camp)
        imported = _report_imported(instance, camp)
    console.print(
        f"{camp.name}: {len(camp.cells)} cells, {len(new)} new partition(s), {imported} imported cell(s)"
    )


def _report_imported(instance, camp) -> int:  # noqa: ANN001
    """Mark the cells whose rows are in the campaign's imported (committed) files as materialized with them, once;
    the rows themselves reach raw.benchmark_runs unchanged, as committed measurements."""
    import json

    import dagster as dg

    from greenlm_assets.lib import campaigns

    key = dg.AssetKey.from_user_string(CAMPAIGN_ASSET)
    cells = {c.key for c in camp.cells}
    done: set[str] = set()
    have = instance.get_materialized_partitions(key)
    for path in camp.imported_files():
        for line in path.read_text().splitlines():
            row = json.loads(line)
            cell = campaigns.cell_of_row(row, camp.device_class)
            if cell not in cells or cell in done or row.get("status") != "ok":
                continue
            done.add(cell)
            if cell in have:
                continue
            instance.report_runless_asset_event(
                dg.AssetMaterialization(
                    asset_key=key,
                    partition=cell,
                    metadata={
                        "measured": True,
                        "imported_from": str(path.name),
                        "tokens_per_s": row.get("tokens_per_s"),
                        "j_per_output_token": row.get("j_per_output_token"),
                        "tokens_per_s_cv": row.get("tokens_per_s_cv"),
                        "device": row.get("gpu_name") or "",
                        "run_id": row.get("run_id"),
                    },
                )  # fmt: skip
            )
    return len(done)


@campaign_app.command("launch")
def campaign_launch(
    campaign: str = typer.Argument(..., help="campaign name or YAML file"),
    parallel: int = typer.Option(
        1, help="cells in flight at once (with Ray: up to the cluster's free devices)"
    ),
    remeasure: bool = typer.Option(False, help="measure every cell, also those that already have a row"),
    load: bool = typer.Option(False, help="then load raw.benchmark_runs (dagster asset materialize)"),
) -> None:
    """Register the campaign, then materialize each cell that has no row yet (one Dagster run per cell, the same
    as a backfill from the UI). Exit 1 when a cell failed; the others still run."""
    import json
    import subprocess
    import sys
    from concurrent.futures import ThreadPoolExecutor

    import dagster as dg

    from greenlm_assets.defs.ingest.campaign_runs import cell_rows, register
    from greenlm_assets.lib import settings

    camp = _campaign(campaign)
    address = settings.ray_address()
    if address:  # a head that does not answer: say so now, before any run is launched
        try:
            from ray.job_submission import JobSubmissionClient

            JobSubmissionClient(address=address)
        except Exception as exc:
            console.print(
                f"[red]Ray head unreachable at {address}: {str(exc).splitlines()[0][:200]}; nothing launched"
            )
            raise typer.Exit(code=2) from exc
    with dg.DagsterInstance.get() as instance:
        register(instance, camp)
    todo = [(c.key, len(cell_rows(c.key))) for c in camp.cells if remeasure or not cell_rows(c.key)]
    console.print(f"{camp.name}: {len(todo)} of {len(camp.cells)} cell(s) to measure")

    def one(item: tuple[str, int]) -> tuple[str, int, str]:
        key, rows = item
        config = {"ops": {"measurements__campaign_runs": {"config": {"launch_rows": rows}}}}
        proc = subprocess.run(
            [sys.executable, "-m", "dagster", "asset", "materialize", "-m", "greenlm_assets.definitions",
             "--select", f'key:"{CAMPAIGN_ASSET}"', "--partition", key, "--config-json", json.dumps(config)],
            capture_output=True, text=True, env=settings.with_campaigns_enabled(),
        )  # fmt: skip
        if proc.returncode == 0:
            return key, 0, ""
        flat = " ".join(proc.stderr.split())  # the console wraps long messages
        start = max(flat.rfind(f"cell {key}:"), flat.rfind("Ray head unreachable"))
        reason = flat[start : start + 600] if start >= 0 else flat[-300:]
        end = reason.find("written")
        return key, proc.returncode, reason[: end + len("written")] if end > 0 else reason

    with ThreadPoolExecutor(max_workers=max(1, parallel)) as pool:
        results = list(pool.map(one, todo))
    failed = [(k, why) for k, rc, why in results if rc != 0]
    for key, why in failed:
        console.print(f"[red]failed: {key}: {why}")
    console.print(f"{len(results) - len(failed)} cell(s) done, {len(failed)} failed")
    if load:
        subprocess.run(
            [sys.executable, "-m", "dagster", "asset", "materialize", "-m", "greenlm_assets.definitions",
             "--select", 'key:"raw/benchmark_runs"'], check=True, capture_output=True,
        )  # fmt: skip
        console.print("raw.benchmark_runs loaded")
    if failed:
        raise typer.Exit(code=1)


if __name__ == "__main__":
    app()
