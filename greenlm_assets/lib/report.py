"""The static report: every registered chart, the key tables and their provenance, in one self-contained folder.

``write_report`` copies each chart's PNG and SVG next to ``index.html`` (links are relative, so the folder can be
zipped, served by any static host or opened from disk) and renders ``templates/report.html.j2`` with Jinja2.
"""

import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
from jinja2 import Environment, FileSystemLoader, select_autoescape

from greenlm_assets.lib.charts import ChartSpec

TEMPLATES_DIR = Path(__file__).parent / "templates"
TEMPLATE = "report.html.j2"
IMAGES_SUBDIR = "charts"


@dataclass(frozen=True)
class ReportTable:
    """A key table of the report: SQL on the DuckDB file, the assets it reads, and where its numbers come from."""

    name: str
    title: str
    sql: str
    deps: tuple[str, ...]
    provenance: str
    note: str = ""
    section: str = "Key tables"


@dataclass(frozen=True)
class SeedFigure:
    """One of the seed study's figures in the report's "Seed studies side by side" section: what it shows, the
    charts that answer it, and its values beside GreenLM's (``comparison``: one row per pair, may be empty)."""

    figure: int
    title: str
    study_setup: str
    study_values_quoted: bool
    source_citation: str
    notes: str
    charts: tuple[str, ...]
    comparison: pd.DataFrame


@dataclass(frozen=True)
class SeedStudies:
    """The section's content: every indexed seed figure, and the SmolLM-135M table cell by cell."""

    figures: tuple[SeedFigure, ...]
    smollm: pd.DataFrame
    provenance: str


@dataclass(frozen=True)
class ReportChart:
    """A chart as the template sees it: its spec and the copied files (relative to index.html), if present."""

    spec: ChartSpec
    png: str | None
    svg: str | None


def format_value(value: object) -> str:
    """Numbers as a reader wants them: thousands separators, at most 4 significant digits, blanks for nulls."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return f"{value:,.0f}"
        return f"{value:,.4g}" if abs(value) >= 1e-3 else f"{value:.3g}"
    return str(value)


SEED_TABLE_CLASSES = "data seed-study"


def table_html(df: pd.DataFrame, classes: str = "data") -> str:
    """An HTML table (cells escaped by pandas) with formatted numbers."""
    shown = df.copy()
    for col in shown.columns:
        shown[col] = shown[col].map(format_value)
    return shown.to_html(index=False, classes=classes, border=0, escape=True)


def seed_studies_context(seed: SeedStudies | None) -> dict | None:
    """What the template shows of the section: each figure with its table (or none), and the SmolLM table."""
    if seed is None:
        return None
    return {
        "figures": [
            {
                "spec": f,
                "html": table_html(f.comparison, SEED_TABLE_CLASSES) if not f.comparison.empty else None,
                "rows": len(f.comparison),
                "n_agree": int(f.comparison["agrees"].sum()) if "agrees" in f.comparison else 0,
            }
            for f in seed.figures
        ],
        "smollm_html": table_html(seed.smollm, SEED_TABLE_CLASSES),
        "smollm_rows": len(seed.smollm),
        "provenance": seed.provenance,
    }


def copy_chart_files(specs: Sequence[ChartSpec], charts_dir: Path, out_dir: Path) -> list[ReportChart]:
    """Copy ``<name>.png/.svg`` of each chart into ``<out_dir>/charts``; missing files are reported, not invented."""
    images = out_dir / IMAGES_SUBDIR
    images.mkdir(parents=True, exist_ok=True)
    charts = []
    for spec in specs:
        found: dict[str, str | None] = {}
        for ext in ("png", "svg"):
            src = charts_dir / f"{spec.name}.{ext}"
            if src.exists():
                shutil.copy2(src, images / src.name)
                found[ext] = f"{IMAGES_SUBDIR}/{src.name}"
            else:
                found[ext] = None
        charts.append(ReportChart(spec=spec, png=found["png"], svg=found["svg"]))
    return charts


def write_report(
    out_dir: Path,
    specs: Sequence[ChartSpec],
    charts_dir: Path,
    tables: Sequence[tuple[ReportTable, pd.DataFrame]],
    *,
    database: str,
    generated_at: datetime | None = None,
    seed_studies: SeedStudies | None = None,
) -> tuple[Path, list[ReportChart]]:
    """Write ``<out_dir>/index.html`` and its images; return the page and the charts it shows."""
    out_dir.mkdir(parents=True, exist_ok=True)
    charts = copy_chart_files(specs, charts_dir, out_dir)
    env = Environment(loader=FileSystemLoader(TEMPLATES_DIR), autoescape=select_autoescape(["html", "j2"]))
    rendered = [{"spec": t, "html": table_html(df), "rows": len(df)} for t, df in tables]
    sections: dict[str, list[dict]] = {}
    for table in rendered:  # sections in the order their first table comes
        sections.setdefault(table["spec"].section, []).append(table)
    html = env.get_template(TEMPLATE).render(
        charts=charts,
        tables=rendered,
        sections=sections,
        seed_studies=seed_studies_context(seed_studies),
        database=database,
        generated_at=(generated_at or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M UTC"),
    )
    page = out_dir / "index.html"
    page.write_text(html, encoding="utf-8")
    return page, charts
