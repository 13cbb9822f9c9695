"""What 1K generated tokens cost in money and CO2, how close runs get to the roofline, and quality vs footprint.

Seed figure 5 (cost per 1K tokens vs parameters) and four charts none of the sources had: cost by GPU, CO2 by
country, roofline efficiency of each run, quality vs energy/CO2 with the Pareto front. All read the inference marts;
no chart recomputes a mart's formula.
"""

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from greenlm_assets.lib.charts import ChartData, ChartSpec, chart_asset
from greenlm_assets.lib.plotting import (
    SIZE_CLASS_COLORS,
    annotate_points,
    draw_pareto_front,
    draw_size_boundary,
    log_axis,
    log_ticks_125,
    new_figure,
    new_figure_grid,
    pareto_front,
)

EFFICIENCY = "marts.fct_inference_efficiency"
COST = "marts.fct_cost_per_1k_tokens"
CO2 = "marts.fct_co2_per_1k_tokens"
QUALITY = "marts.fct_quality_per_energy"
RUN_SOURCES = (
    "Hugging Face LLM-Perf (machine scope, CodeCarbon), ML.ENERGY leaderboard v1-v3 (gpu scope, NVML)"
    " and GreenLM's own runs where staged"
)
SOURCE_STYLE = {
    "llm_perf": ("#264653", "o", "LLM-Perf (batch 1)"),
    "ml_energy_v1": ("#2a9d8f", "s", "ML.ENERGY v1 (batch 1)"),
    "ml_energy_v2": ("#e9c46a", "^", "ML.ENERGY v2 (batched)"),
    "ml_energy_v3": ("#e76f51", "D", "ML.ENERGY v3 (batched)"),
    "greenlm": ("#6a4c93", "*", "GreenLM (own runs)"),
}
BINS_PER_DECADE = 2


def _source_style(source: str) -> tuple[str, str, str]:
    return SOURCE_STYLE.get(source, ("0.5", "o", source))


def _binned_median(grp: pd.DataFrame, x: str, y: str) -> pd.DataFrame:
    """Median of y per half-decade of x; bins with a single run are dropped (no line through one point)."""
    bins = np.floor(np.log10(grp[x]) * BINS_PER_DECADE)
    out = grp.groupby(bins).agg(x=(x, "median"), y=(y, "median"), n=(y, "size"))
    return out[out["n"] >= 2]


# --- Seed figure 5: cost per 1K tokens vs parameters --------------------------------------------------------------


def draw_cost_vs_params(data: ChartData) -> Figure:
    df = data["runs"]
    fig, ax = new_figure()
    fig.set_size_inches(9, 6)
    for source, grp in df.groupby("source", sort=False):
        color, marker, label = _source_style(source)
        ax.scatter(
            grp["params_b"], grp["usd_per_1k_tokens"], s=10, alpha=0.25, color=color, marker=marker, lw=0
        )
        med = _binned_median(grp, "params_b", "usd_per_1k_tokens")
        ax.plot(
            med["x"], med["y"], "-", marker=marker, color=color, lw=2, ms=5, label=f"{label}, n={len(grp)}"
        )
    draw_size_boundary(ax, data.slm_max_params_b)
    log_axis(ax)
    ax.set_xlabel("Parameters (billions, log scale)")
    ax.set_ylabel("Cost per 1K output tokens (USD, on-demand GPU rental, log scale)")
    ax.set_title(
        "Dots: runs; lines: median per half-decade of size. Rental = median USD/GPU-h x GPUs billed / tokens per hour",
        fontsize=8,
    )
    ax.legend(loc="upper left", fontsize=7.5)
    return fig


FIG5 = ChartSpec(
    name="inference_cost_vs_params",
    title="What 1K generated tokens cost to rent the GPUs for, by model size",
    description="Seed figure 5: on-demand rental cost per 1K output tokens of each measured GPU run vs parameters, "
    "per source (batch-1 benchmarks vs batched serving), with the median per half-decade of size.",
    queries={
        "runs": "SELECT source, model_key, params_b, gpu_key, batch_size, gpus_billed, "
        f"usd_per_1k_tokens_rental AS usd_per_1k_tokens FROM {COST} "
        "WHERE pricing = 'on_demand' AND params_b > 0 AND usd_per_1k_tokens_rental > 0 ORDER BY source, params_b"
    },
    deps=("marts/fct_cost_per_1k_tokens",),
    provenance=f"{COST} <- {EFFICIENCY} ({RUN_SOURCES}), marts.fct_gpu_rental_prices (median on-demand USD per "
    "GPU-hour across providers)",
    draw=draw_cost_vs_params,
    seed_figure="5",
    size_axis=True,
    tags=("inference", "cost"),
)
inference_cost_vs_params = chart_asset(FIG5)


# --- Cost per 1K tokens by GPU -------------------------------------------------------------------------------------


def draw_cost_by_gpu(data: ChartData) -> Figure:
    df = data["runs"]
    groups = (
        df.groupby(["gpu_key", "setup"])["usd_per_1k_tokens"]
        .median()
        .reset_index()
        .sort_values("usd_per_1k_tokens")
    )
    order = list(dict.fromkeys(zip(groups["gpu_key"], groups["setup"], strict=True)))
    fig, ax = new_figure()
    fig.set_size_inches(9.5, 0.62 * len(order) + 2.2)
    classes = ["SLM", "LLM"]
    positions, boxes, colors, labels = [], [], [], []
    for i, (gpu, setup) in enumerate(order):
        labels.append(f"{gpu}\n{setup}")
        for j, size_class in enumerate(classes):
            vals = df[(df["gpu_key"] == gpu) & (df["setup"] == setup) & (df["size_class"] == size_class)]
            if vals.empty:
                continue
            positions.append(i + (j - 0.5) * 0.38)
            boxes.append(vals["usd_per_1k_tokens"].to_numpy())
            colors.append(SIZE_CLASS_COLORS[size_class])
            ax.annotate(
                f"n={len(vals)}",
                (vals["usd_per_1k_tokens"].max(), positions[-1]),
                xytext=(4, 0),
                textcoords="offset points",
                fontsize=6,
                va="center",
            )
    parts = ax.boxplot(
        boxes,
        positions=positions,
        vert=False,
        widths=0.32,
        patch_artist=True,
        showfliers=False,
        whis=(0, 100),
        medianprops={"color": "black", "lw": 1.2},
    )
    for patch, color in zip(parts["boxes"], colors, strict=True):
        patch.set_facecolor(color)
        patch.set_alpha(0.8)
    ax.set_yticks(range(len(order)))
    ax.set_yticklabels(labels, fontsize=7.5)
    ax.set_ylim(-0.7, len(order) - 0.3)
    log_axis(ax, "x")
    ax.set_xlim(right=df["usd_per_1k_tokens"].max() * 3)
    ax.set_xlabel("Cost per 1K output tokens (USD, on-demand rental, log scale)")
    ax.set_ylabel("GPU and measurement setup")
    ax.grid(axis="y", visible=False)
    ax.legend(
        handles=[Patch(color=SIZE_CLASS_COLORS[c], label=f"{c} runs") for c in classes],
        loc="lower right",
        fontsize=7.5,
        title=f"box: quartiles, whiskers: min-max; SLM <= {data.slm_max_params_b:g}B",
        title_fontsize=7,
    )
    ax.set_title(
        "Sorted by median cost; batch-1 benchmarks and batched serving are separate rows", fontsize=9
    )
    return fig


COST_BY_GPU = ChartSpec(
    name="inference_cost_by_gpu",
    title="Cost per 1K tokens by GPU, SLM vs LLM runs",
    description="Distribution of the on-demand rental cost per 1K output tokens of the measured runs on each GPU, "
    "split by measurement setup (source) and size class.",
    queries={
        "runs": "SELECT gpu_key, source, CASE source WHEN 'llm_perf' THEN 'LLM-Perf, batch 1' "
        "WHEN 'ml_energy_v1' THEN 'ML.ENERGY v1, batch 1' WHEN 'ml_energy_v2' THEN 'ML.ENERGY v2, batched' "
        "WHEN 'ml_energy_v3' THEN 'ML.ENERGY v3, batched' WHEN 'greenlm' THEN 'GreenLM own runs' ELSE source END "
        "AS setup, size_class, params_b, usd_per_1k_tokens_rental AS usd_per_1k_tokens FROM "
        f"{COST} WHERE pricing = 'on_demand' AND usd_per_1k_tokens_rental > 0 AND size_class IS NOT NULL "
        "ORDER BY gpu_key, source"
    },
    deps=("marts/fct_cost_per_1k_tokens",),
    provenance=f"{COST} <- {EFFICIENCY} ({RUN_SOURCES}), marts.fct_gpu_rental_prices",
    draw=draw_cost_by_gpu,
    size_axis=True,
    tags=("inference", "cost"),
)
inference_cost_by_gpu = chart_asset(COST_BY_GPU)


# --- CO2 per 1K tokens by country ---------------------------------------------------------------------------------

CO2_SOURCE = "llm_perf"  # one setup (A100 + CPU host, batch 1, machine scope) so countries are what varies
N_EACH_END = 6
NAMED = ("USA", "FRA", "DEU", "GBR", "CHN", "IND", "SWE", "POL")


def draw_co2_by_country(data: ChartData) -> Figure:
    df = data["countries"]
    ranked = df.drop_duplicates("country_iso3").sort_values("grid_g_co2e_per_kwh")
    big = ranked[ranked["total_twh"] >= 10]
    picked = pd.concat(
        [big.head(N_EACH_END), big.tail(N_EACH_END), ranked[ranked["country_iso3"].isin(NAMED)]]
    ).drop_duplicates("country_iso3")
    picked = picked.sort_values("grid_g_co2e_per_kwh")
    fig, ax = new_figure()
    fig.set_size_inches(9.5, 0.36 * len(picked) + 2.2)
    y = np.arange(len(picked))
    for j, size_class in enumerate(["SLM", "LLM"]):
        vals = df[df["size_class"] == size_class].set_index("country_iso3").loc[picked["country_iso3"]]
        bars = ax.barh(
            y + (j - 0.5) * 0.4,
            vals["median_g_co2e_per_1k_tokens"],
            height=0.38,
            color=SIZE_CLASS_COLORS[size_class],
            label=f"{size_class} runs: median (n={int(vals['n_runs'].iloc[0])})",
        )
        ax.bar_label(
            bars, labels=[f"{v:.2f}" for v in vals["median_g_co2e_per_1k_tokens"]], padding=2, fontsize=6.5
        )
    labels = [
        f"{r.country_name} ({r.country_iso3}) - {r.grid_g_co2e_per_kwh:,.0f} g/kWh"
        for r in picked.itertuples()
    ]
    ax.set_yticks(y)
    ax.set_yticklabels(labels, fontsize=7.5)
    for tick, iso in zip(ax.get_yticklabels(), picked["country_iso3"], strict=True):
        if iso in ("USA", "FRA"):
            tick.set_fontweight("bold")
    # Grids differ by 50x: a log axis keeps the clean grids' bars readable (equal ratios, equal lengths).
    log_axis(ax, "x")
    shown = df.loc[df["country_iso3"].isin(picked["country_iso3"]), "median_g_co2e_per_1k_tokens"]
    ax.set_xlim(shown.min() / 1.5, shown.max() * 2.5)
    ax.set_xlabel("CO2 per 1K output tokens (g CO2e, machine scope, location-based grid average, log scale)")
    ax.grid(axis="y", visible=False)
    ax.legend(loc="lower right", fontsize=7.5)
    ax.set_title(
        f"Same runs (LLM-Perf, A100 + host, batch 1), different grids: the {N_EACH_END} cleanest and {N_EACH_END} "
        "dirtiest grids >= 10 TWh/yr,\nand named examples (bold: the USA, where the SmolLM study ran, and France)",
        fontsize=8,
    )
    return fig


CO2_BY_COUNTRY = ChartSpec(
    name="inference_co2_by_country",
    title="CO2 per 1K tokens by country: the grid matters as much as the model",
    description="Median g CO2e per 1K output tokens of the LLM-Perf SLM and LLM runs (machine scope) if run on "
    "each country's grid: the cleanest and dirtiest large grids and named examples (USA, France, ...).",
    queries={
        "countries": "SELECT c.country_iso3, any_value(c.country_name) AS country_name, c.size_class, "
        "any_value(c.grid_g_co2e_per_kwh) AS grid_g_co2e_per_kwh, any_value(g.total_twh) AS total_twh, "
        "median(c.g_co2e_per_1k_tokens) AS median_g_co2e_per_1k_tokens, count(*) AS n_runs "
        f"FROM {CO2} AS c JOIN staging.stg_codecarbon__grid_carbon_intensity AS g USING (country_iso3) "
        f"WHERE c.source = '{CO2_SOURCE}' AND c.size_class IS NOT NULL "
        "GROUP BY c.country_iso3, c.size_class ORDER BY grid_g_co2e_per_kwh, c.size_class"
    },
    deps=("marts/fct_co2_per_1k_tokens", "staging/stg_codecarbon__grid_carbon_intensity"),
    provenance=f"{CO2} <- {EFFICIENCY} (Hugging Face LLM-Perf, machine scope: CodeCarbon CPU+RAM+GPU) x "
    "staging.stg_codecarbon__grid_carbon_intensity (codecarbon global_energy_mix: Our World in Data / Ember, "
    "year per country)",
    draw=draw_co2_by_country,
    tags=("inference", "co2"),
)
inference_co2_by_country = chart_asset(CO2_BY_COUNTRY)


# --- Roofline efficiency of each run ------------------------------------------------------------------------------


def draw_roofline(data: ChartData) -> Figure:
    df = data["runs"]
    fig, (ax, ax_h) = new_figure_grid(1, 2, figsize=(12.5, 5.8), gridspec_kw={"width_ratios": [1.35, 1]})
    lo = min(df["bound_tokens_per_s"].min(), df["tokens_per_s"].min()) / 2
    hi = max(df["bound_tokens_per_s"].max(), df["tokens_per_s"].max()) * 2
    # Efficiency lines y = eff x, labelled at the right edge (no rotation: the axes are not square, so a rotated
    # label would not follow its line).
    for eff, ls in ((1.0, "-"), (0.1, "--"), (0.01, ":")):
        ax.plot([lo, hi], [lo * eff, hi * eff], color="0.35", ls=ls, lw=1)
        x_label = hi / 1.5
        ax.annotate(
            f"{eff:.0%} of the bound",
            (x_label, x_label * eff),
            xytext=(-3, 3),
            textcoords="offset points",
            fontsize=7,
            color="0.25",
            ha="right",
            va="bottom",
            bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.8},
        )
    bins = np.logspace(np.log10(df["roofline_efficiency"].min()), 0, 30)
    for source, grp in df.groupby("source", sort=False):
        color, marker, label = _source_style(source)
        ax.scatter(
            grp["bound_tokens_per_s"],
            grp["tokens_per_s"],
            s=12,
            alpha=0.5,
            color=color,
            marker=marker,
            lw=0,
            label=f"{label}: median {grp['roofline_efficiency'].median():.0%} (n={len(grp)})",
        )
        ax_h.hist(grp["roofline_efficiency"], bins=bins, histtype="step", lw=1.6, color=color)
    log_axis(ax)
    ax.set_xlim(lo, hi)
    ax.set_ylim(lo, hi)
    ax.set_xlabel("Decode roofline bound (output tokens/s, log scale)")
    ax.set_ylabel("Measured throughput (output tokens/s, log scale)")
    ax.set_title("Each run against its bound: min(memory, compute)", fontsize=9.5)
    ax.legend(loc="upper left", fontsize=7, markerscale=1.8)
    log_axis(ax_h, "x")
    ax_h.set_xlabel("Roofline efficiency (measured / bound, log scale)")
    ax_h.set_ylabel("Runs")
    ax_h.set_title("Distribution per source", fontsize=9.5)
    return fig


ROOFLINE = ChartSpec(
    name="inference_roofline_efficiency",
    title="How close each run gets to its decode roofline",
    description="Measured output tokens/s vs the decode roofline bound min(batch x HBM bandwidth / weight bytes, "
    "bf16 FLOP/s / 2 x params) of each run with a computed bound (KV-cache reads ignored, so the bound is "
    "optimistic), and the distribution of the ratio per source.",
    queries={
        "runs": "SELECT source, model_key, params_b, gpu_key, batch_size, num_gpus, tokens_per_s, "
        f"bound_tokens_per_s, roofline_efficiency, roofline_source FROM {EFFICIENCY} "
        "WHERE roofline_efficiency > 0 AND bound_tokens_per_s > 0 AND tokens_per_s > 0 "
        "ORDER BY source, roofline_efficiency"
    },
    deps=("marts/fct_inference_efficiency",),
    provenance=f"{EFFICIENCY} ({RUN_SOURCES}) <- marts.dim_gpus (memory bandwidth, bf16 dense FLOP/s: Epoch AI); "
    "bound computed in dbt with KV-cache reads ignored, or the harness's own figure for GreenLM runs",
    draw=draw_roofline,
    tags=("inference",),
)
inference_roofline_efficiency = chart_asset(ROOFLINE)


# --- Quality vs energy / CO2 with the Pareto front ---------------------------------------------------------------

SCOPE_TITLES = {
    "machine": "Whole machine: LLM-Perf A100 + host, batch 1",
    "gpu": "GPU only: ML.ENERGY v2, H100, batched",
}


def draw_quality_vs_co2(data: ChartData) -> Figure:
    df, grid = data["models"], data["grid"].set_index("country_iso3")["grid_g_co2e_per_kwh"]
    us = float(grid["USA"])
    scopes = [s for s in SCOPE_TITLES if s in set(df["energy_scope"])]
    fig, axes = new_figure_grid(1, len(scopes), figsize=(6.6 * len(scopes), 6.2))
    for ax, scope in zip(axes, scopes, strict=True):
        pts = df[df["energy_scope"] == scope]
        for size_class, grp in pts.groupby("size_class"):
            ax.scatter(
                grp["wh_per_1k_tokens"],
                grp["quality_score"],
                s=28,
                color=SIZE_CLASS_COLORS[size_class],
                zorder=3,
                label=f"{size_class} models",
            )
        draw_pareto_front(
            ax, pts, "wh_per_1k_tokens", "quality_score", label="Pareto front (no model better and cheaper)"
        )
        front = pts[pareto_front(pts, "wh_per_1k_tokens", "quality_score")]
        annotate_points(
            ax,
            front["wh_per_1k_tokens"],
            front["quality_score"],
            front["model_key"],
            avoid=(pts["wh_per_1k_tokens"], pts["quality_score"]),
            marker_radius_pt=5,
        )
        log_axis(ax, "x")
        log_ticks_125(ax.xaxis)
        ax.set_xlabel("Inference energy (Wh per 1K output tokens, log scale)")
        ax.set_title(SCOPE_TITLES[scope], fontsize=9.5)
        # The same points in CO2: Wh/1K x g/kWh / 1000 at the US average grid (a unit change, not a new number).
        top = ax.secondary_xaxis(
            "top", functions=(lambda wh, f=us: wh * f / 1000, lambda g, f=us: g * 1000 / f)
        )
        top.set_xlabel(f"g CO2e per 1K output tokens at the US grid average ({us:,.0f} g/kWh)", fontsize=8)
        log_ticks_125(top.xaxis)
        top.tick_params(labelsize=8)
        ax.legend(loc="upper left", fontsize=7)
    axes[0].set_ylabel("Open LLM Leaderboard v2 average score")
    return fig


QUALITY_CO2 = ChartSpec(
    name="quality_vs_co2",
    title="Quality vs the energy and CO2 of 1K generated tokens, with the Pareto front",
    description="Open LLM Leaderboard v2 average score vs the model's inference energy per 1K output tokens on one "
    "reference setup per energy scope (top axis: the same in g CO2e at the US grid average), with the Pareto "
    "front (marts.fct_quality_per_energy).",
    queries={
        "models": "SELECT energy_scope, model_key, params_b, size_class, wh_per_1k_tokens, quality_score, "
        f"on_pareto_front FROM {QUALITY} WHERE wh_per_1k_tokens > 0 ORDER BY energy_scope, wh_per_1k_tokens",
        "grid": f"SELECT country_iso3, any_value(grid_g_co2e_per_kwh) AS grid_g_co2e_per_kwh FROM {CO2} "
        "WHERE country_iso3 IN ('USA', 'FRA') GROUP BY country_iso3",
    },
    deps=("marts/fct_quality_per_energy", "marts/fct_co2_per_1k_tokens"),
    provenance=f"{QUALITY} <- marts.dim_models (Open LLM Leaderboard v2 average), "
    "intermediate.int_size_curve_points_unioned (median Wh/1K of each model on the scope's reference setup: "
    f"LLM-Perf / ML.ENERGY v2); US grid factor from {CO2} (codecarbon / Our World in Data)",
    draw=draw_quality_vs_co2,
    tags=("inference", "quality"),
)
quality_vs_co2 = chart_asset(QUALITY_CO2)
