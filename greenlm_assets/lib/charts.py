"""Chart assets from a spec: query the marts, draw in the house style, save PNG + SVG, show it in the Dagster UI.

Each chart module declares a ``ChartSpec`` and calls ``chart_asset(spec)``. The factory adds what every chart must
have (the source footnote, both files, the image and a data preview in the metadata) and registers the spec in
``CHARTS``, which the report reads, so a new chart appears in the report without touching it.
"""

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
from dagster_duckdb import DuckDBResource
from matplotlib.figure import Figure

from greenlm_assets.lib.automation import follow_inputs
from greenlm_assets.lib.code_version import source_closure
from greenlm_assets.lib.paths import charts_dir
from greenlm_assets.lib.plotting import footnote, png_markdown, save_chart
from greenlm_assets.lib.raw_assets import DUCKDB_POOL, md_preview

CHART_KEY_PREFIX = "charts"
DEFAULT_SLM_MAX_PARAMS_B = 7.0  # the dbt var's default, used only if fct_size_curve_fits is empty
THRESHOLD_TABLE = "marts.fct_size_curve_fits"


@dataclass(frozen=True)
class ChartData:
    """What a draw function gets: one DataFrame per query, and the SLM/LLM threshold dbt used."""

    frames: dict[str, pd.DataFrame]
    slm_max_params_b: float

    def __getitem__(self, name: str) -> pd.DataFrame:
        return self.frames[name]


@dataclass(frozen=True)
class ChartSpec:
    """One published chart.

    ``queries`` maps a name to SQL on the DuckDB file; the first one is the data preview and must return rows.
    A chart whose data needs more than one fixed query (bound parameters from files, e.g. the campaign coverage)
    gives ``load``: it gets the connection and returns the frames by the names of ``queries``, whose text is then
    the recipe shown in the metadata (and part of the code version; what ``load`` returns is part of the data
    fingerprint). ``summary`` adds figures computed from the data to the asset's metadata.
    ``deps`` are the upstream asset keys ("marts/fct_x"). ``provenance`` is the footnote and the report's
    provenance line: the tables and the original sources. ``size_axis`` charts read the threshold from dbt's marts.
    """

    name: str
    title: str
    description: str
    queries: Mapping[str, str]
    deps: tuple[str, ...]
    provenance: str
    draw: Callable[[ChartData], Figure]
    seed_figure: str | None = None
    size_axis: bool = False
    tags: tuple[str, ...] = field(default_factory=tuple)
    load: Callable[[duckdb.DuckDBPyConnection], dict[str, pd.DataFrame]] | None = None
    summary: Callable[[ChartData], dict[str, object]] | None = None

    @property
    def asset_key(self) -> dg.AssetKey:
        return dg.AssetKey([CHART_KEY_PREFIX, self.name])

    @property
    def all_deps(self) -> list[dg.AssetKey]:
        keys = [dg.AssetKey(d.split("/")) for d in self.deps]
        if self.size_axis and "marts/fct_size_curve_fits" not in self.deps:
            keys.append(dg.AssetKey(["marts", "fct_size_curve_fits"]))
        return keys


# Every chart defined through chart_asset, by name; read by the report.
CHARTS: dict[str, ChartSpec] = {}


def read_slm_max_params_b(con: duckdb.DuckDBPyConnection) -> float:
    """The threshold the marts were built with (dbt var slm_max_params_b), so charts never disagree with dbt."""
    row = con.execute(f"SELECT any_value(threshold_params_b) FROM {THRESHOLD_TABLE}").fetchone()
    return float(row[0]) if row and row[0] is not None else DEFAULT_SLM_MAX_PARAMS_B


def _canonical(frame: pd.DataFrame) -> bytes:
    """The frame as CSV lines in sorted order, floats to 12 significant digits.

    DuckDB's parallel aggregates may order tied rows differently and differ in the last bits of a float sum
    between two runs over the same data; neither changes the picture, so neither may change the fingerprint.
    """
    header, *rows = frame.to_csv(index=False, float_format="%.12g").splitlines()
    return "\n".join([header, *sorted(rows)]).encode()


def chart_fingerprint(spec: ChartSpec, data: ChartData) -> str:
    """sha256 of everything a chart image depends on: its data, threshold, texts and drawing code."""
    digest = hashlib.sha256()
    for name, frame in sorted(data.frames.items()):
        digest.update(name.encode())
        digest.update(_canonical(frame))
    digest.update(
        repr((data.slm_max_params_b, spec.title, spec.provenance, chart_code_version(spec))).encode()
    )
    return digest.hexdigest()


def drawing_code(spec: ChartSpec) -> str:
    """The source of the chart's draw function and of every greenlm_assets function, class and constant it uses,
    transitively (``lib/code_version.py``), with the code that adds the title and footnote and saves the files
    (``render_chart_versioned``: ``plotting.footnote``, ``save_chart``, the house ``STYLE``). Another chart's
    draw function, or a helper this chart never calls, is not part of it, even in the same module."""
    return source_closure([spec.draw, render_chart_versioned])


def chart_code_version(spec: ChartSpec) -> str:
    """sha256 of a chart's code: :func:`drawing_code` and its spec's queries, title and provenance."""
    spec_text = repr((spec.name, spec.title, spec.provenance, spec.size_axis, sorted(spec.queries.items())))
    return hashlib.sha256((spec_text + "\n" + drawing_code(spec)).encode()).hexdigest()


def render_chart(spec: ChartSpec, con: duckdb.DuckDBPyConnection) -> tuple[dict, ChartData]:
    """Run the spec's queries, draw, add the footnote and save; return the file paths and the data."""
    paths, data, _, _ = render_chart_versioned(spec, con)
    return paths, data


def render_chart_versioned(
    spec: ChartSpec, con: duckdb.DuckDBPyConnection
) -> tuple[dict, ChartData, str, bool]:
    """:func:`render_chart`, also returning the fingerprint (the chart's data version) and whether it was drawn.

    When the PNG and SVG already exist and were drawn from the same data and code (sidecar ``<name>.sha256``),
    they are kept as they are: re-runs with nothing changed draw nothing.
    """
    if spec.load is not None:
        frames = spec.load(con)
    else:
        frames = {name: con.execute(sql).df() for name, sql in spec.queries.items()}
    first = next(iter(spec.queries))
    if frames[first].empty:
        raise dg.Failure(f"chart {spec.name}: query {first!r} returned no rows")
    threshold = read_slm_max_params_b(con) if spec.size_axis else DEFAULT_SLM_MAX_PARAMS_B
    data = ChartData(frames=frames, slm_max_params_b=threshold)
    out = charts_dir()
    paths = {"png": out / f"{spec.name}.png", "svg": out / f"{spec.name}.svg"}
    sidecar = out / f"{spec.name}.sha256"
    sha = chart_fingerprint(spec, data)
    if all(p.exists() for p in paths.values()) and _read(sidecar) == sha:
        return paths, data, sha, False
    sidecar.unlink(missing_ok=True)
    fig = spec.draw(data)
    fig.suptitle(spec.title, fontsize=12, fontweight="bold")
    lines = footnote(fig, spec.provenance)
    paths = save_chart(fig, out, spec.name, footnote_lines=lines)
    sidecar.write_text(
        sha + "\n"
    )  # written last: a crash mid-save leaves no claim that the files are current
    return paths, data, sha, True


def _read(path: Path) -> str | None:
    return path.read_text().strip() if path.exists() else None


def chart_asset(spec: ChartSpec) -> dg.AssetsDefinition:
    """The Dagster asset ``charts/<name>`` for a spec (registered in ``CHARTS``)."""
    if spec.name in CHARTS and CHARTS[spec.name] is not spec:
        raise ValueError(f"two charts named {spec.name!r}")
    CHARTS[spec.name] = spec

    @dg.asset(
        key=spec.asset_key,
        kinds={"python", "matplotlib"},
        deps=spec.all_deps,
        pool=DUCKDB_POOL,
        automation_condition=follow_inputs(),
        description=spec.description,
        metadata={
            "provenance": spec.provenance,
            **({"seed_figure": spec.seed_figure} if spec.seed_figure else {}),
        },
    )
    def _chart(context: dg.AssetExecutionContext, duckdb: DuckDBResource) -> dg.MaterializeResult:
        with duckdb.get_connection() as con:
            paths, data, sha, drawn = render_chart_versioned(spec, con)
        preview = data[next(iter(spec.queries))]
        what = "written to" if drawn else "unchanged, kept at"
        context.log.info(f"chart {spec.name} {what} {paths['png']} ({len(preview)} rows)")
        return dg.MaterializeResult(
            metadata={
                **chart_metadata(spec, paths, preview),
                **(spec.summary(data) if spec.summary else {}),
                "redrawn": drawn,
            },
            data_version=dg.DataVersion(sha),
        )

    return _chart


def chart_metadata(spec: ChartSpec, paths: dict, preview: pd.DataFrame) -> dict[str, object]:
    """What the Dagster UI shows for a chart: the image itself, both files, a data preview and the provenance."""
    return {
        "png_path": dg.MetadataValue.path(str(paths["png"])),
        "svg_path": dg.MetadataValue.path(str(paths["svg"])),
        "rows": len(preview),
        "points": len(preview),
        "chart": dg.MetadataValue.md(png_markdown(paths["png"], spec.title)),
        "data_preview": md_preview(preview, rows=10),
        "provenance": spec.provenance,
    }
