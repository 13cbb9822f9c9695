"""Campaign coverage: per campaign file (``jobs/campaigns/*.yaml``), which cells are measured, failed or missing.

What should be measured is the campaign files (``greenlm_assets/lib/campaigns.py``); what was measured is
``raw.benchmark_runs``: a cell's rows are those whose ``campaign_cell`` is its key (measured through
``measurements/campaign_runs``) and, for the campaign's ``imported`` files, the rows of those files whose
configuration is the cell's. A cell's state is its latest row's: ``ok`` -> measured (where and when), anything else
-> failed, no row -> missing. Raw, not staging: a failed row or a smoke campaign's tiny windows never reach the
marts, and coverage is about what was run, not what is published.
"""

from __future__ import annotations

import json

import duckdb
import numpy as np
import pandas as pd
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure

from greenlm_assets.lib import campaigns
from greenlm_assets.lib.charts import ChartData, ChartSpec, chart_asset
from greenlm_assets.lib.paths import REPO_ROOT
from greenlm_assets.lib.plotting import new_figure_grid

RUNS = "raw.benchmark_runs"
STATES = ("measured", "failed", "missing")
STATE_COLORS = {"measured": "#2a9d8f", "failed": "#e63946", "missing": "#e9ecef"}

# Run once per campaign; the parameters are bound, never interpolated: the campaign's cell keys, the repo-relative
# paths of its imported files, and its device class (the last part of an imported row's cell key).
COVERAGE_SQL = f"""
WITH cells AS (
    SELECT unnest(CAST(? AS VARCHAR[])) AS cell
), keyed AS (
    SELECT
        coalesce(
            campaign_cell,
            CASE WHEN list_contains(CAST(? AS VARCHAR[]), source_file) THEN concat_ws('__', model_key, backend,
                precision, 'b' || batch_size, prompt_set || '-t' || new_tokens, CAST(? AS VARCHAR)) END
        ) AS cell,
        run_id, status, failure_reason, timestamp_utc, ray_node_id, hostname, hardware
    FROM {RUNS}
), latest AS (
    SELECT *, count(*) OVER (PARTITION BY cell) AS n_rows
    FROM keyed
    WHERE cell IS NOT NULL
    QUALIFY row_number() OVER (PARTITION BY cell ORDER BY timestamp_utc DESC, run_id DESC) = 1
)
SELECT
    c.cell,
    CASE WHEN l.status IS NULL THEN 'missing' WHEN l.status = 'ok' THEN 'measured' ELSE 'failed' END AS state,
    coalesce(l.n_rows, 0) AS n_rows,
    l.timestamp_utc AS measured_at,
    l.ray_node_id,
    l.hostname,
    l.hardware,
    l.failure_reason
FROM cells AS c
LEFT JOIN latest AS l USING (cell)
"""


def _relative(path: object) -> str:
    try:
        return str(REPO_ROOT.joinpath(str(path)).resolve().relative_to(REPO_ROOT))
    except ValueError:
        return str(path)


def campaign_coverage(
    con: duckdb.DuckDBPyConnection, found: dict[str, campaigns.Campaign] | None = None
) -> pd.DataFrame:
    """One row per cell of every campaign (default: the campaign files of ``settings.campaigns_dir()``): its
    grid position, its state (measured, failed, missing) and its latest row's node, host, hardware and time."""
    found = campaigns.load_all() if found is None else found
    frames = []
    for camp in found.values():
        cells = {c.key: c for c in camp.cells}
        imported = [_relative(p) for p in camp.imported_files()]
        got = con.execute(COVERAGE_SQL, [list(cells), imported, camp.device_class]).df()
        got["campaign"] = camp.name
        got["device_class"] = camp.device_class
        got["configuration"] = [
            f"{cells[k].model} · {cells[k].backend} · {cells[k].precision}" for k in got["cell"]
        ]
        got["column"] = [f"b{cells[k].batch_size} · {cells[k].workload}" for k in got["cell"]]
        got["order"] = [list(cells).index(k) for k in got["cell"]]
        frames.append(got)
    columns = ["campaign", "device_class", "cell", "configuration", "column", "state", "n_rows", "measured_at",
               "ray_node_id", "hostname", "hardware", "failure_reason", "order"]  # fmt: skip
    if not frames:
        return pd.DataFrame(columns=columns)
    out = pd.concat(frames, ignore_index=True)[columns]
    return out.sort_values(["campaign", "order"], ignore_index=True)


def coverage_counts(cells: pd.DataFrame) -> dict[str, dict[str, int]]:
    """Measured / failed / missing cells per campaign."""
    return {
        str(name): {state: int((group["state"] == state).sum()) for state in STATES}
        for name, group in cells.groupby("campaign", sort=True)
    }


def load_coverage(con: duckdb.DuckDBPyConnection) -> dict[str, pd.DataFrame]:
    return {"cells": campaign_coverage(con)}


def _where_when(row: pd.Series) -> str:
    where = row["ray_node_id"] or row["hostname"] or row["hardware"] or "?"
    where = str(where)[:12] if row["ray_node_id"] else str(where).removeprefix("NVIDIA ")
    when = pd.Timestamp(row["measured_at"]).strftime("%Y-%m-%d") if pd.notna(row["measured_at"]) else ""
    return f"{where}\n{when}" if when else where


def draw_coverage(data: ChartData) -> Figure:
    df = data["cells"]
    names = list(dict.fromkeys(df["campaign"]))
    heights = [len(dict.fromkeys(df.loc[df["campaign"] == n, "configuration"])) + 2 for n in names]
    fig, axes = new_figure_grid(
        len(names), 1, figsize=(10.0, 1.2 + 0.36 * sum(heights)), gridspec_kw={"height_ratios": heights}
    )
    cmap = ListedColormap([STATE_COLORS[s] for s in STATES])
    for ax, name in zip(axes, names, strict=True):
        part = df[df["campaign"] == name]
        rows = list(dict.fromkeys(part["configuration"]))
        cols = list(dict.fromkeys(part.sort_values("order")["column"]))
        grid = np.full((len(rows), len(cols)), STATES.index("missing"))
        for _, cell in part.iterrows():
            r, c = rows.index(cell["configuration"]), cols.index(cell["column"])
            grid[r, c] = STATES.index(cell["state"])
            label = {"measured": _where_when(cell), "failed": "failed\n" + _where_when(cell), "missing": "—"}
            ax.text(c, r, label[cell["state"]], ha="center", va="center", fontsize=6,
                    color="white" if cell["state"] != "missing" else "#6c757d")  # fmt: skip
        ax.imshow(grid, cmap=cmap, vmin=0, vmax=len(STATES) - 1, aspect="auto")
        ax.set_xticks(range(len(cols)), cols, fontsize=7)
        ax.set_yticks(range(len(rows)), rows, fontsize=7)
        ax.xaxis.tick_top()
        ax.set_xticks(np.arange(-0.5, len(cols)), minor=True)
        ax.set_yticks(np.arange(-0.5, len(rows)), minor=True)
        ax.grid(False)
        ax.grid(which="minor", color="white", lw=1.5)
        ax.tick_params(which="minor", length=0)
        counts = {s: int((part["state"] == s).sum()) for s in STATES}
        device = part["device_class"].iloc[0]
        ax.set_title(
            f"{name} ({device}): {counts['measured']} measured, {counts['failed']} failed, "
            f"{counts['missing']} not yet measured of {len(part)} cells",
            fontsize=9,
            loc="left",
        )
    handles = [
        axes[0].scatter([], [], marker="s", s=60, color=STATE_COLORS[s], label=label)
        for s, label in zip(
            STATES,
            (
                "measured (latest row ok): node or host, date",
                "failed (latest row failed)",
                "not yet measured",
            ),
            strict=True,
        )
    ]
    # Below the last grid (its column labels are on top): the footnote goes under it.
    axes[-1].legend(handles=handles, loc="upper center", ncol=3, fontsize=8, bbox_to_anchor=(0.5, -0.02))
    return fig


def coverage_summary(data: ChartData) -> dict[str, object]:
    counts = coverage_counts(data["cells"])
    return {
        "cells_by_campaign": json.dumps(counts),
        **{f"{name}_{state}": n for name, states in counts.items() for state, n in states.items()},
        "recipe": "per campaign file jobs/campaigns/*.yaml, bound parameters (its cell keys, its imported files, "
        "its device class):\n" + COVERAGE_SQL.strip(),
    }


CAMPAIGN_COVERAGE = ChartSpec(
    name="campaign_coverage",
    title="Campaign coverage: which cells of each campaign are measured, failed or not yet measured",
    description="One grid per campaign file (jobs/campaigns/*.yaml): rows model × backend × precision, columns "
    "batch × workload; each cell coloured by its latest row in raw.benchmark_runs (ok: measured, with the node or "
    "host and the date; failed; no row: not yet measured).",
    queries={"cells": COVERAGE_SQL.strip()},
    deps=("raw/benchmark_runs",),
    provenance=f"jobs/campaigns/*.yaml (what to measure) against {RUNS} (what was: rows of the cell's partition of "
    "measurements/campaign_runs, or of the campaign's imported files, latest row per cell); a row of another "
    "campaign for the same configuration counts for both",
    draw=draw_coverage,
    load=load_coverage,
    summary=coverage_summary,
)
campaign_coverage_chart = chart_asset(CAMPAIGN_COVERAGE)
