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


if __name__ == "__main__":
    app()
