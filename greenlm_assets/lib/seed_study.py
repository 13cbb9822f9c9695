"""The seed study's values on GreenLM's charts: one query and one marker style per study figure.

The values are cited facts (dbt seeds ``reference.seed_study_figures``, quoted in GreenLM issue 16) and the values
its figures imply (``derived``), both as ``marts.fct_seed_study_comparison`` carries them. A chart that shows a
quantity one of the study's figures shows adds the query ``study_points_sql(...)`` and calls :func:`overlay_study`,
so the reader sees the study's number beside GreenLM's on the same axes, with its hardware in the legend.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

COMPARISON = "marts.fct_seed_study_comparison"
COMPARISON_DEP = "marts/fct_seed_study_comparison"
STUDY_CITATION = (
    "seed study values: reference.seed_study_figures (the seed study's figures as quoted in GreenLM issue 16, "
    "approximate, secondary; figures 10 and 12 after Samsi et al. 2023, arXiv:2310.03003) via "
    f"{COMPARISON} (derived values computed there)"
)

# Marker, face colour and legend text per study figure: the hardware and batch are part of the label, because
# they, not the model, explain most of the gap to GreenLM's points.
STUDY_MARKERS: dict[int, tuple[str, str, str]] = {
    10: ("*", "#ffd166", "seed study fig 10: LLaMA on A100, batched (Samsi et al.)"),
    11: ("P", "#ef476f", "seed study fig 11: MacBook M1 Pro, GPT4All, 1 request"),
    12: ("*", "#ffd166", "seed study fig 12: LLaMA 7B on A100, batched (Samsi et al.)"),
    13: ("P", "#ef476f", "seed study fig 13: MacBook M1 Pro, GPT4All, its own (longer) answers"),
    14: ("P", "#ef476f", "seed study fig 14: MacBook M1 Pro, GPT4All (derived: fig 13 / fig 15)"),
    15: ("P", "#ef476f", "seed study figs 11/15: MacBook M1 Pro, GPT4All, 1 request"),
}


def fmt_value(value: float) -> str:
    """3 significant digits without scientific notation: 1,100 / 55 / 0.6."""
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"


def study_points_sql(*figures: int) -> str:
    """The study's values of the given figures, one row per (figure, series), in size order."""
    wanted = ", ".join(str(int(f)) for f in figures)  # code constants, never user input
    return (
        "SELECT DISTINCT figure, series, study_x_params_b, study_value, unit, study_value_kind, study_hardware "
        f"FROM {COMPARISON} WHERE figure IN ({wanted}) ORDER BY figure, study_x_params_b"
    )


def _label(fig_no: int, grp: pd.DataFrame) -> str:
    text = STUDY_MARKERS[fig_no][2]
    derived = grp["study_value_kind"].eq("derived").all()
    return text if "derived" in text or not derived else f"{text} (derived)"


def overlay_study(
    ax: Axes,
    study: pd.DataFrame,
    *,
    figure: int | None = None,
    transform: Callable[[pd.Series], pd.Series] | None = None,
    unit: str | None = None,
    label: str | None = None,
) -> int:
    """Draw the study's points of one figure (or all in ``study``) on a size axis; return how many were drawn.

    ``transform`` turns the study's value into the axis's quantity (e.g. tokens/s -> ms per token) and ``unit``
    is then the unit written beside each point; otherwise the study's own unit is.
    """
    drawn = 0
    rows = study if figure is None else study[study["figure"] == figure]
    for fig_no, grp in rows.groupby("figure", sort=True):
        marker, color, _ = STUDY_MARKERS[int(fig_no)]
        ys = transform(grp["study_value"]) if transform else grp["study_value"]
        ax.scatter(
            grp["study_x_params_b"],
            ys,
            marker=marker,
            s=190 if marker == "*" else 110,
            facecolor=color,
            edgecolor="black",
            linewidth=0.8,
            zorder=6,
            label=label or _label(int(fig_no), grp),
        )
        for x, y, series, u in zip(grp["study_x_params_b"], ys, grp["series"], grp["unit"], strict=True):
            ax.annotate(
                f"study {series}: {fmt_value(y)} {unit or u}",
                (x, y),
                xytext=(7, -3),
                textcoords="offset points",
                fontsize=6.5,
                color="0.15",
                zorder=7,
            )
        drawn += len(grp)
    if drawn:  # room right of the largest study point for its label
        lo, hi = ax.get_xlim()
        ax.set_xlim(lo, max(hi, float(rows["study_x_params_b"].max()) * 5))
    return drawn


def overlay_study_on_model_rows(
    ax: Axes, study: pd.DataFrame, models: pd.DataFrame, *, figure: int, unit: str
) -> int:
    """The study's values on a chart whose rows are models: each at the row of GreenLM's model nearest in size.

    ``models`` has one row per chart row (index = row position) with ``params_b``; only the study's values in
    ``unit`` are drawn (a figure can carry derived values in another unit).
    """
    rows = study[(study["figure"] == figure) & (study["unit"] == unit)]
    if rows.empty or models.empty:
        return 0
    log_sizes = np.log(models["params_b"].to_numpy(dtype=float))
    positions = [int(np.argmin(np.abs(log_sizes - np.log(x)))) for x in rows["study_x_params_b"]]
    marker, color, _ = STUDY_MARKERS[figure]
    ax.scatter(
        rows["study_value"],
        positions,
        marker=marker,
        s=110,
        facecolor=color,
        edgecolor="black",
        linewidth=0.8,
        zorder=6,
        label=_label(figure, rows),
    )
    for x, y, series, u in zip(rows["study_value"], positions, rows["series"], rows["unit"], strict=True):
        ax.annotate(f"study {series}: {fmt_value(x)} {u}", (x, y), xytext=(0, 7), textcoords="offset points",
                    fontsize=6.5, ha="center", color="0.15", zorder=7)  # fmt: skip
    return len(rows)
