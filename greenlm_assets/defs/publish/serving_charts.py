"""Serving benchmark chart: the time-energy Pareto front per model (J per output token vs ITL p90 per level)."""

import numpy as np
from matplotlib.figure import Figure

from greenlm_assets.lib.charts import ChartData, ChartSpec, chart_asset
from greenlm_assets.lib.plotting import annotate_points, new_figure_grid

LEVELS = "marts.fct_serving_levels"
PROVENANCE = (
    "marts.fct_serving_levels <- raw.serving_runs (greenlm-bench serve, data/measurements/serving/): aiperf drives "
    "an OpenAI-compatible server at each concurrency; ITL = every gap between streamed chunks (p90); J per output "
    "token = energy over the steady-state window (ramp-up and drain excluded) / output tokens arrived in it; CPU "
    "energy estimated by CodeCarbon where no counter was readable (an estimate, not a measurement); latency target "
    "= dbt vars serving_itl_target_ms / serving_ttft_target_ms (p90)"
)
MARKERS = ("o", "s", "^", "D", "v", "P")


def draw_serving_pareto(data: ChartData) -> Figure:
    df = data["levels"]
    models = list(dict.fromkeys(df["model_key"])) or ["(no serving sweep committed)"]
    fig, axes = new_figure_grid(1, len(models), figsize=(max(8.0, 5.6 * len(models)), 5.0), squeeze=False)
    for ax, model in zip(axes, models, strict=False):
        part = df[df["model_key"] == model]
        for i, ((server, hardware, scope, est), g) in enumerate(
            part.groupby(["server", "hardware", "energy_scope", "energy_is_estimate"], dropna=False)
        ):
            g = g.sort_values("concurrency")
            meets = g["meets_latency_target"].astype(bool)
            label = f"{server} on {hardware} ({scope}{', estimate' if est else ''})"
            line = ax.plot(g["itl_ms_p90"], g["j_per_output_token"], lw=0.8, alpha=0.6)[0]
            color = line.get_color()
            for sel, filled, what in ((meets, True, "meets target"), (~meets, False, "misses it")):
                if sel.any():
                    ax.scatter(g.loc[sel, "itl_ms_p90"], g.loc[sel, "j_per_output_token"], marker=MARKERS[i % 6],
                               s=40, zorder=3, label=f"{label}: {what}", edgecolors=color,
                               facecolors=color if filled else "none")  # fmt: skip
        front = part[part["on_time_energy_front"].astype(bool)].sort_values("itl_ms_p90")
        if not front.empty:
            ax.step(front["itl_ms_p90"], front["j_per_output_token"], where="post", color="black", lw=1, ls=":",
                    label="time-energy Pareto front")  # fmt: skip
        if len(part):
            target_ms = float(part["itl_target_ms"].iloc[0])
            ax.axvline(
                target_ms, color="firebrick", lw=1, ls="--", label=f"ITL p90 target {target_ms:.0f} ms"
            )
            annotate_points(ax, part["itl_ms_p90"], part["j_per_output_token"],
                            [f"c={c}" for c in part["concurrency"]])  # fmt: skip
            top = float(np.nanmax(part["j_per_output_token"]))
            ax.set_ylim(0, top * 1.3)
            ax.set_xlim(0, max(float(np.nanmax(part["itl_ms_p90"])), target_ms) * 1.15)
        ax.set_xlabel("Inter-token latency, p90 (ms)")
        ax.set_ylabel("Energy per output token (J), steady state")
        ax.set_title(f"{model}: energy per token against ITL p90, per concurrency", fontsize=9)
        ax.legend(loc="upper right", fontsize=6)
    return fig


SERVING_PARETO = ChartSpec(
    name="serving_energy_vs_itl_pareto",
    title="Serving: J per output token vs inter-token latency, Pareto front per model",
    description="Each concurrency level of each served model: J per output token (steady state) vs ITL p90, the "
    "time-energy Pareto front and the ITL target; filled markers meet both the ITL and the TTFT target.",
    queries={
        "levels": "SELECT model_key, server, server_version, hardware, energy_scope, energy_is_estimate, "
        "concurrency, itl_s_p90 * 1000 AS itl_ms_p90, ttft_s_p90, j_per_output_token, output_tokens_per_s, "
        "meets_latency_target, on_time_energy_front, itl_target_s * 1000 AS itl_target_ms "
        f"FROM {LEVELS} WHERE j_per_output_token IS NOT NULL "
        "ORDER BY model_key, server, hardware, concurrency",
    },
    deps=("marts/fct_serving_levels",),
    provenance=PROVENANCE,
    draw=draw_serving_pareto,
)

serving_pareto_chart = chart_asset(SERVING_PARETO)
