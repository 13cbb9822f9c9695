"""One chart style for GreenLM, and the helpers that save a figure and show it in the Dagster UI."""

from __future__ import annotations

import base64
import textwrap
import weakref
from collections.abc import Callable, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # headless: charts are files, never windows

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.axis import Axis  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter  # noqa: E402
from matplotlib.transforms import Bbox  # noqa: E402

STYLE = {
    "figure.figsize": (8, 5.5),
    "figure.dpi": 110,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "font.size": 10,
    "axes.titlesize": 12,
    "legend.fontsize": 8,
    "svg.hashsalt": "greenlm",  # stable SVG ids, so re-runs produce identical files
}


# Point labels wait for the final layout (see annotate_points); keyed weakly so closed figures drop out.
_PENDING_LABELS: weakref.WeakKeyDictionary[Figure, list[Callable[[], None]]] = weakref.WeakKeyDictionary()

# One colour per size class everywhere, so SLM/LLM read the same on every chart.
SIZE_CLASS_COLORS = {"SLM": "#2a9d8f", "LLM": "#e76f51", None: "#8d99ae"}
FOOTNOTE_FONTSIZE = 7


def new_figure() -> tuple[Figure, Axes]:
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots()
    return fig, ax


def new_figure_grid(
    nrows: int = 1, ncols: int = 2, *, figsize: tuple[float, float] | None = None, **kwargs
) -> tuple[Figure, np.ndarray]:
    """Several panels in the house style; ``axes`` is always a flat array."""
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(nrows, ncols, figsize=figsize or (5.2 * ncols, 4.6 * nrows), **kwargs)
    return fig, np.atleast_1d(axes).ravel()


def plain_number(value: float, _pos: int | None = None) -> str:
    """Tick label without scientific notation: 0.1, 7, 1,000, 20,000."""
    if value == 0 or not np.isfinite(value):
        return "0"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:g}"


def log_axis(ax: Axes, axis: str = "both") -> None:
    """Log scale with plain-number major ticks (readers should not decode 10^2)."""
    for name in ("x", "y") if axis == "both" else (axis,):
        getattr(ax, f"set_{name}scale")("log")
        getattr(ax, f"{name}axis").set_major_formatter(FuncFormatter(plain_number))


def log_ticks_125(axis: Axis) -> None:
    """Label 1, 2, 5 of every decade in plain numbers (for log axes spanning one or two decades, where the
    default labels only one tick and writes the minor ones as 2x10^-2)."""
    axis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    axis.set_major_formatter(FuncFormatter(plain_number))
    axis.set_minor_formatter(NullFormatter())


def draw_size_boundary(ax: Axes, threshold_b: float, *, axis: str = "x") -> None:
    """The SLM/LLM boundary (default 7B parameters) as a labelled dashed line."""
    draw = ax.axvline if axis == "x" else ax.axhline
    draw(
        threshold_b,
        color="crimson",
        linestyle="--",
        linewidth=1.2,
        label=f"{threshold_b:g}B SLM/LLM boundary",
    )


def footnote(fig: Figure, text: str) -> int:
    """Source line under the plot, wrapped to the figure width; returns the number of lines."""
    chars = int(fig.get_figwidth() * 72 / (FOOTNOTE_FONTSIZE * 0.6))  # ~0.6 em per character
    wrapped = textwrap.fill(f"Source: {text}", width=max(chars, 40))
    fig.text(0.01, 0.005, wrapped, fontsize=FOOTNOTE_FONTSIZE, color="dimgray", ha="left", va="bottom")
    return wrapped.count("\n") + 1


def annotate_points(
    ax: Axes,
    xs: Sequence[float],
    ys: Sequence[float],
    labels: Sequence[str],
    *,
    fontsize: float = 6.5,
    avoid: tuple[Sequence[float], Sequence[float]] | None = None,
    marker_radius_pt: float = 3.5,
) -> None:
    """Label points without overlaps: each label takes the first free spot around its point.

    Greedy and deterministic instead of a dependency: candidates right, left, then further above/below (with a thin
    leader line once the label leaves its point); a spot is free when it overlaps no placed label and stays inside
    the axes. If no spot is free the label goes right of its point. Placement runs in ``save_chart``, after the
    final layout, because moving the axes afterwards would move points relative to their labels. ``avoid``: more
    (x, y) points labels must not cover (e.g. the unlabelled points of a scatter); ``marker_radius_pt``: how far
    around each point counts as its marker (larger for big or ringed markers).
    """
    _PENDING_LABELS.setdefault(ax.figure, []).append(
        lambda: _place_labels(ax, xs, ys, labels, fontsize, avoid, marker_radius_pt)
    )


def _place_labels(
    ax: Axes,
    xs: Sequence[float],
    ys: Sequence[float],
    labels: Sequence[str],
    fontsize: float,
    avoid: tuple[Sequence[float], Sequence[float]] | None = None,
    marker_radius_pt: float = 3.5,
) -> None:
    xs, ys, labels = list(xs), list(ys), list(labels)
    fig = ax.figure
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    inside = ax.get_window_extent(renderer)
    candidates = [(4, 0, "left"), (-4, 0, "right"), (0, 8, "center"), (0, -8, "center")]
    for step in (7, 14, 21, 28, 36, 44):
        candidates += [(4, step, "left"), (4, -step, "left"), (-4, step, "right"), (-4, -step, "right")]
    # The markers themselves are obstacles too (a few pixels around each point).
    obstacle_x, obstacle_y = list(xs), list(ys)
    if avoid is not None:
        obstacle_x += list(avoid[0])
        obstacle_y += list(avoid[1])
    pixels = ax.transData.transform(
        np.column_stack([np.asarray(obstacle_x, dtype=float), np.asarray(obstacle_y, dtype=float)])
    )
    radius = marker_radius_pt * fig.dpi / 72
    placed: list = [
        Bbox.from_extents(px - radius, py - radius, px + radius, py + radius) for px, py in pixels
    ]
    order = np.argsort(np.asarray(xs, dtype=float), kind="stable")
    for i in order:
        text = ax.annotate(
            labels[i],
            (xs[i], ys[i]),
            xytext=(4, 0),
            textcoords="offset points",
            fontsize=fontsize,
            va="center",
        )
        chosen = candidates[0]
        for dx, dy, ha in candidates:
            text.set_position((dx, dy))
            text.set_horizontalalignment(ha)
            box = text.get_window_extent(renderer).expanded(1.02, 1.1)
            fits = inside.x0 <= box.x0 and box.x1 <= inside.x1 and inside.y0 <= box.y0 and box.y1 <= inside.y1
            if fits and not any(box.overlaps(other) for other in placed):
                chosen = (dx, dy, ha)
                break
        dx, dy, ha = chosen
        text.set_position((dx, dy))
        text.set_horizontalalignment(ha)
        if dx and dy:
            ax.annotate(
                "",
                (xs[i], ys[i]),
                xytext=(dx, dy),
                textcoords="offset points",
                arrowprops={"arrowstyle": "-", "color": "0.6", "lw": 0.5, "shrinkA": 0, "shrinkB": 2},
            )
        placed.append(text.get_window_extent(renderer).expanded(1.02, 1.1))


def errorbar_points(
    ax: Axes,
    x: Sequence[float],
    y: Sequence[float],
    yerr: Sequence[float] | None,
    *,
    label: str | None = None,
    color: str | None = None,
) -> None:
    """Points with +-1 sd error bars where repeats exist (yerr NaN or None: a plain point)."""
    err = None if yerr is None else np.nan_to_num(np.asarray(yerr, dtype=float), nan=0.0)
    ax.errorbar(x, y, yerr=err, fmt="o", ms=5, capsize=3, elinewidth=1, label=label, color=color)


def pareto_front(df: pd.DataFrame, cost: str, benefit: str) -> pd.Series:
    """True for rows no other row beats: lower-or-equal cost with higher benefit, or lower cost with equal benefit."""
    ordered = df.sort_values([cost, benefit], ascending=[True, False])
    best = -np.inf
    front = pd.Series(False, index=df.index)
    for idx, value in ordered[benefit].items():
        if value > best:
            front[idx] = True
            best = value
    return front


def draw_pareto_front(
    ax: Axes, df: pd.DataFrame, cost: str, benefit: str, *, label: str = "Pareto front"
) -> None:
    """Step line through the Pareto-optimal points (cheapest for their quality)."""
    front = df[pareto_front(df, cost, benefit)].sort_values(cost)
    ax.step(front[cost], front[benefit], where="post", color="black", lw=1, ls=":", label=label)
    ax.scatter(front[cost], front[benefit], s=70, facecolors="none", edgecolors="black", lw=1)


def save_chart(fig: Figure, out_dir: Path, name: str, *, footnote_lines: int = 1) -> dict[str, Path]:
    """Write ``<name>.png`` and ``<name>.svg``; return their paths. Leaves room at the bottom for the footnote."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {"png": out_dir / f"{name}.png", "svg": out_dir / f"{name}.svg"}
    bottom = (footnote_lines * FOOTNOTE_FONTSIZE * 1.35 + 6) / (fig.get_figheight() * 72)
    with plt.rc_context(STYLE):
        fig.tight_layout(rect=(0, bottom, 1, 1))
        for place in _PENDING_LABELS.pop(fig, []):
            place()
        fig.savefig(paths["png"], format="png")
        fig.savefig(paths["svg"], format="svg", metadata={"Date": None})
    plt.close(fig)
    return paths


# The UI's metadata panel shows an inlined image a few hundred pixels wide; inlining the full 1,300-px PNG put ~200 KB
# into each of two events per chart per run (the step output and the materialization repeat the metadata): ~13 MB
# of event log for an unchanged re-run of the pipeline. The preview is the PNG scaled to this width.
PREVIEW_WIDTH_PX = 800


def preview_path(png: Path) -> Path:
    """Where the UI preview of ``png`` lives: a hidden folder beside it (not a chart of its own)."""
    return png.parent / ".preview" / png.name


def write_preview(png: Path) -> Path:
    """``png`` scaled down to ``PREVIEW_WIDTH_PX`` wide (never up) and reduced to a 256-colour palette, for the
    Dagster UI: about a fifth of the full PNG's bytes (a chart has few colours), ~25 ms a chart."""
    from PIL import Image

    out = preview_path(png)
    out.parent.mkdir(parents=True, exist_ok=True)
    with Image.open(png) as src:
        img = src.convert("RGB")
    if img.width > PREVIEW_WIDTH_PX:
        img = img.resize(
            (PREVIEW_WIDTH_PX, round(img.height * PREVIEW_WIDTH_PX / img.width)), Image.Resampling.BILINEAR
        )
    img.quantize(256, method=Image.Quantize.FASTOCTREE).save(out, format="PNG")
    return out


def png_markdown(path: Path, alt: str) -> str:
    """Inline the chart's preview (``write_preview``) as markdown so the Dagster UI shows it in the asset's
    metadata; the full-size PNG and the SVG are the files next to it."""
    preview = preview_path(path)
    if not preview.exists() or preview.stat().st_mtime < path.stat().st_mtime:
        preview = write_preview(path)
    data = base64.b64encode(preview.read_bytes()).decode()
    return f"![{alt}](data:image/png;base64,{data})"
