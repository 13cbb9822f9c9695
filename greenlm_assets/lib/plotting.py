"""One chart style for GreenLM, and the helpers that save a figure and show it in the Dagster UI."""

from __future__ import annotations

import base64
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # headless: charts are files, never windows

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

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


def new_figure() -> tuple[Figure, Axes]:
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots()
    return fig, ax


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


def footnote(fig: Figure, text: str) -> None:
    fig.text(0.01, 0.005, f"Source: {text}", fontsize=7, color="dimgray", ha="left", va="bottom", wrap=True)


def save_chart(fig: Figure, out_dir: Path, name: str) -> dict[str, Path]:
    """Write ``<name>.png`` and ``<name>.svg``; return their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {"png": out_dir / f"{name}.png", "svg": out_dir / f"{name}.svg"}
    with plt.rc_context(STYLE):
        fig.tight_layout(rect=(0, 0.04, 1, 1))
        fig.savefig(paths["png"], format="png")
        fig.savefig(paths["svg"], format="svg", metadata={"Date": None})
    plt.close(fig)
    return paths


def png_markdown(path: Path, alt: str) -> str:
    """Inline the PNG as markdown so the Dagster UI shows it in the asset's metadata."""
    data = base64.b64encode(path.read_bytes()).decode()
    return f"![{alt}](data:image/png;base64,{data})"
