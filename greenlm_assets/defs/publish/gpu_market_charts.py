"""GPU market charts: what a GPU-hour costs, what the hardware each model needs costs (seed figure 7), price history."""

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from greenlm_assets.lib.charts import ChartData, ChartSpec, chart_asset
from greenlm_assets.lib.plotting import (
    draw_size_boundary,
    log_axis,
    new_figure,
    new_figure_grid,
)
from greenlm_assets.lib.seed_study import COMPARISON, COMPARISON_DEP, STUDY_CITATION

GPU_MARKET_SOURCES = (
    "ewyluda GPU price index (2026-10-10), Prime Intellect marketplace stats (2025-10/11), FSDL cloud GPU table "
    "(2023-10-30); purchase prices: Amazon/Keepa street listings, else Epoch AI release prices"
)
PRICING_STYLE = {"on_demand": ("o", "#264653", "on-demand"), "spot": ("s", "#e9c46a", "spot / interruptible")}
# Quotes older than this come only from the 2023 FSDL table: flagged, because prices moved a lot since.
STALE_BEFORE = pd.Timestamp("2025-01-01")


# --- Cost per GPU-hour by GPU ------------------------------------------------------------------------------------


def draw_rental_prices(data: ChartData) -> Figure:
    df = data["prices"].copy()
    df["latest_observed_date"] = pd.to_datetime(df["latest_observed_date"])
    # One row per GPU, ordered by its on-demand median (spot-only GPUs by their spot median).
    order = (
        df.assign(rank=np.where(df["pricing"] == "on_demand", 0, 1))
        .sort_values(["rank", "median_usd_per_gpu_hour"])
        .drop_duplicates("gpu_key")
        .sort_values("median_usd_per_gpu_hour")["gpu_key"]
        .tolist()
    )
    stale = set(df.loc[df["latest_observed_date"] < STALE_BEFORE, "gpu_key"])
    ypos = {key: i for i, key in enumerate(order)}
    fig, ax = new_figure()
    fig.set_size_inches(9.5, 0.27 * len(order) + 2.2)
    for pricing, (marker, color, label) in PRICING_STYLE.items():
        grp = df[df["pricing"] == pricing]
        offset = 0.17 if pricing == "on_demand" else -0.17
        y = grp["gpu_key"].map(ypos) + offset
        err = np.vstack(
            [
                grp["median_usd_per_gpu_hour"] - grp["min_usd_per_gpu_hour"],
                grp["max_usd_per_gpu_hour"] - grp["median_usd_per_gpu_hour"],
            ]
        )
        ax.errorbar(
            grp["median_usd_per_gpu_hour"],
            y,
            xerr=err,
            fmt=marker,
            color=color,
            ms=5,
            elinewidth=1,
            capsize=2,
            label=f"{label}: median, bar = min-max across providers",
        )
        for x, yy, n in zip(grp["max_usd_per_gpu_hour"], y, grp["n_providers"], strict=True):
            ax.annotate(f"n={n}", (x, yy), xytext=(4, 0), textcoords="offset points", fontsize=6, va="center")
    ax.set_yticks(range(len(order)))
    ax.set_yticklabels([f"{k} *" if k in stale else k for k in order], fontsize=7.5)
    ax.set_ylim(-0.7, len(order) - 0.3)
    log_axis(ax, "x")
    ax.set_xlim(right=df["max_usd_per_gpu_hour"].max() * 1.8)  # room for the n= labels
    ax.set_xlabel("Rental price (USD per GPU-hour, log scale)")
    ax.set_ylabel("GPU (normalised key: model-form-memory)")
    ax.grid(axis="y", visible=False)
    h100 = df[(df["gpu_key"] == "h100-sxm-80gb") & (df["pricing"] == "on_demand")]
    if not h100.empty:
        ax.axvline(h100["median_usd_per_gpu_hour"].iloc[0], color="0.5", ls=":", lw=1)
    handles, labels = ax.get_legend_handles_labels()
    handles.append(Line2D([], [], color="0.5", ls=":", lw=1))
    labels.append("median on-demand H100 SXM 80GB")
    handles.append(Line2D([], [], ls="none"))
    labels.append("* latest quote from the 2023 table (no recent quote)")
    ax.legend(handles, labels, loc="lower right", fontsize=7, framealpha=0.95)
    ax.set_title(
        "Each provider's latest quote within a year of the GPU's latest observation; n = providers",
        fontsize=9,
    )
    return fig


RENTAL = ChartSpec(
    name="gpu_rental_prices",
    title="What a GPU-hour costs: on-demand vs spot, by GPU",
    description="Median rental price per GPU-hour across providers' latest quotes, on-demand and spot, with the "
    "min-max range across providers (marts.fct_gpu_rental_prices).",
    queries={
        "prices": "SELECT gpu_key, pricing, median_usd_per_gpu_hour, min_usd_per_gpu_hour, max_usd_per_gpu_hour, "
        "n_providers, latest_observed_date FROM marts.fct_gpu_rental_prices ORDER BY median_usd_per_gpu_hour"
    },
    deps=("marts/fct_gpu_rental_prices",),
    provenance=f"marts.fct_gpu_rental_prices <- raw.gpu_price_observations: {GPU_MARKET_SOURCES.split(';')[0]}",
    draw=draw_rental_prices,
    tags=("gpu_market",),
)
gpu_rental_prices = chart_asset(RENTAL)


# --- Seed figure 7: rental and purchase cost of the hardware each model needs ------------------------------------

# GPUs with both a rental and a purchase price, from 24 GB to 192 GB, so the step sizes differ.
FIG7_GPUS = ("l4-24gb", "a100-sxm-40gb", "h100-sxm-80gb", "mi300x-192gb")


def draw_hardware_cost(data: ChartData) -> Figure:
    df = data["costs"]
    fig, (ax_r, ax_p) = new_figure_grid(1, 2, figsize=(12, 5.6))
    for i, (gpu, grp) in enumerate(df.groupby("gpu_key", sort=False)):
        grp = grp.sort_values("params_b")
        color = f"C{i}"
        first, last = grp.iloc[0], grp.iloc[-1]
        for ax, col in ((ax_r, "rental_usd_per_hour"), (ax_p, "purchase_usd")):
            ax.step(grp["params_b"], grp[col], where="post", color=color, lw=1.6, alpha=0.85)
            ax.scatter(grp["params_b"], grp[col], color=color, s=14, zorder=3)
            # The figure's point: how many times more the largest model's hardware costs than the smallest's.
            ax.annotate(
                f"x{last[col] / first[col]:,.0f} ({last['gpus_needed']} GPUs)",
                (last["params_b"], last[col]),
                xytext=(5, 0),
                textcoords="offset points",
                fontsize=7,
                color=color,
                va="center",
            )
        ax_r.plot(
            [], [], color=color, label=f"{gpu}: {first['memory_gb']:g} GB, ${first['usd_per_gpu_hour']:.2f}/h"
        )
        ax_p.plot(
            [], [], color=color, label=f"{gpu}: ${first['purchase_price_usd']:,.0f} ({first['price_kind']})"
        )
    for ax, ylabel in (
        (ax_r, "Rental cost of the GPUs needed (USD per hour, log scale)"),
        (ax_p, "Purchase cost of the GPUs needed (USD, log scale)"),
    ):
        draw_size_boundary(ax, data.slm_max_params_b)
        log_axis(ax)
        ax.set_xlabel("Parameters (billions, log scale)")
        ax.set_ylabel(ylabel)
        ax.set_xlim(right=df["params_b"].max() * 6)  # room for the ratio labels
        ax.legend(loc="upper left", fontsize=7)
    # The study's figure 7 beside GreenLM's ratio: its scope (training hardware) is not this chart's (serving).
    study = data["study"]
    if not study.empty:
        bound = float(study["study_value"].iloc[0])
        least, most = study.iloc[0], study.iloc[-1]
        ax_p.text(
            0.02,
            0.63,
            f"Seed study fig 7: >= {bound:g}x, hardware to TRAIN\n15B vs 135M. Here, to SERVE (bf16 weights),\n"
            f"StarCoder2-15B / SmolLM2-135M: {least['greenlm_value']:g}x\n({least['greenlm_hardware']}) to "
            f"{most['greenlm_value']:g}x ({most['greenlm_hardware']}), GPUs with both prices",
            transform=ax_p.transAxes,
            ha="left",
            va="bottom",
            fontsize=7,
            bbox={"boxstyle": "round", "fc": "#fff3cd", "ec": "0.7"},
        )
    ax_r.set_title("Renting (median on-demand price per GPU)", fontsize=10)
    ax_p.set_title("Buying (street or list price per GPU)", fontsize=10)
    smallest = df.loc[df["params_b"].idxmin(), "model_name"]
    ax_r.text(
        0.98,
        0.03,
        "GPUs needed = ceil(params x 2 bytes (bf16)\nx 1.2 headroom / GPU memory)\n"
        f"x N = cost ratio to {smallest}",
        transform=ax_r.transAxes,
        ha="right",
        va="bottom",
        fontsize=7.5,
        bbox={"boxstyle": "round", "fc": "white", "ec": "0.8"},
    )
    return fig


FIG7 = ChartSpec(
    name="hardware_cost_by_model",
    title="What the hardware to serve each model costs to rent and to buy (the seed study's fig 7 is for training)",
    description="GreenLM's counterpart of seed figure 7 (rental and purchase cost of the hardware each model needs "
    "for TRAINING; the study reports >= 15x between 135M and 15B): the GPUs needed to hold each model's bf16 "
    "weights for serving (with 20 % headroom) on four GPU types, and their rental cost per hour and purchase cost, "
    "135M to 405B parameters, with the ratio to the smallest model (marts.fct_gpu_model_hardware_cost) and the "
    "study's ratio beside GreenLM's 15B / 135M ratio (marts.fct_seed_study_comparison). Scopes differ: serving "
    "needs the weights, training also gradients, optimizer state and a cluster.",
    queries={
        "costs": "SELECT any_value(model_name ORDER BY model_name) AS model_name, params_b, gpu_key, "
        "any_value(memory_gb) AS memory_gb, any_value(gpus_needed) AS gpus_needed, "
        "any_value(median_usd_per_gpu_hour) AS usd_per_gpu_hour, any_value(rental_usd_per_hour) AS rental_usd_per_hour, "
        "any_value(purchase_price_usd) AS purchase_price_usd, any_value(purchase_price_kind) AS price_kind, "
        "any_value(purchase_usd) AS purchase_usd FROM marts.fct_gpu_model_hardware_cost "
        f"WHERE gpu_key IN {FIG7_GPUS} AND rental_usd_per_hour IS NOT NULL AND purchase_usd IS NOT NULL "
        "GROUP BY params_b, gpu_key ORDER BY any_value(memory_gb), params_b",
        "study": "SELECT series, study_value, greenlm_label, greenlm_value, greenlm_hardware "
        f"FROM {COMPARISON} WHERE figure = 7 ORDER BY greenlm_value",
    },
    deps=("marts/fct_gpu_model_hardware_cost", COMPARISON_DEP),
    provenance="marts.fct_gpu_model_hardware_cost <- marts.dim_gpus, marts.fct_gpu_rental_prices, "
    f"marts.fct_training_footprint (model sizes); {GPU_MARKET_SOURCES}; {STUDY_CITATION}",
    draw=draw_hardware_cost,
    seed_figure="7",
    size_axis=True,
    tags=("gpu_market",),
)
hardware_cost_by_model = chart_asset(FIG7)


# --- Price history -----------------------------------------------------------------------------------------------

MIN_DAYS = 10  # a GPU needs this many observed days to get a line
# One segment, so a line never jumps because the mix of hyperscalers / GPU clouds / marketplaces changed.
HISTORY_SEGMENT = "neocloud"


def draw_price_history(data: ChartData) -> Figure:
    df = data["daily"].copy()
    df["observed_date"] = pd.to_datetime(df["observed_date"])
    dense = df.groupby("gpu_key")["observed_date"].transform("nunique") >= MIN_DAYS
    df = df[dense]
    # The daily series is one month (Prime Intellect); the 2023 table and the 2026 index are single days.
    month = df[(df["observed_date"] > "2025-01-01") & (df["observed_date"] < "2026-01-01")]
    fig, (ax_m, ax_s) = new_figure_grid(
        1, 2, figsize=(12, 5.4), sharey=True, gridspec_kw={"width_ratios": [1.6, 1]}
    )
    order = month.groupby("gpu_key")["median_usd_per_gpu_hour"].median().sort_values(ascending=False).index
    colors = {gpu: f"C{i}" for i, gpu in enumerate(order)}
    for gpu in order:
        grp = month[month["gpu_key"] == gpu].sort_values("observed_date")
        ax_m.plot(grp["observed_date"], grp["median_usd_per_gpu_hour"], color=colors[gpu], lw=1.6, label=gpu)
    ax_m.xaxis.set_major_locator(mdates.WeekdayLocator(byweekday=mdates.MO))
    ax_m.xaxis.set_major_formatter(mdates.DateFormatter("%d %b\n%Y"))
    ax_m.set_xlabel("Day (UTC)")
    ax_m.set_ylabel("Rental price (USD per GPU-hour)")
    ax_m.set_title("Daily, Prime Intellect month: median across providers", fontsize=10)
    # Snapshots: the median of each period, one point per GPU and period, joined per GPU.
    df["period"] = df["observed_date"].dt.year.astype(str).where(~df.index.isin(month.index), "2025 (month)")
    periods = (
        df.groupby(["gpu_key", "period"])["median_usd_per_gpu_hour"]
        .median()
        .reset_index()
        .sort_values("period")
    )
    labels = sorted(periods["period"].unique())
    xpos = {p: i for i, p in enumerate(labels)}
    for gpu in order:
        grp = periods[periods["gpu_key"] == gpu]
        ax_s.plot(
            grp["period"].map(xpos), grp["median_usd_per_gpu_hour"], "o-", color=colors[gpu], lw=1.2, ms=5
        )
    ax_s.set_xticks(range(len(labels)))
    ax_s.set_xticklabels(labels)
    ax_s.set_xlim(-0.4, len(labels) - 0.6)
    ax_s.set_xlabel("Snapshot")
    ax_s.set_title("Across snapshots: median of each period", fontsize=10)
    # Less than a decade between cheapest and dearest: a linear axis from 0 reads better than a log one.
    ax_m.set_ylim(0, df["median_usd_per_gpu_hour"].max() * 1.15)
    ax_m.legend(loc="upper left", fontsize=7, ncol=2)
    return fig


HISTORY = ChartSpec(
    name="gpu_price_history",
    title="GPU rental prices over time (on-demand, GPU clouds)",
    description="On-demand rental price per GPU-hour for the GPUs observed on at least 10 days: daily median "
    "across GPU-cloud providers (segment neocloud) during the Prime Intellect month, and the medians of the 2023, 2025 and 2026 snapshots "
    "(marts.fct_gpu_prices_daily).",
    queries={
        "daily": "SELECT observed_date, gpu_key, median_usd_per_gpu_hour, n_providers FROM marts.fct_gpu_prices_daily "
        f"WHERE pricing = 'on_demand' AND segment = '{HISTORY_SEGMENT}' ORDER BY gpu_key, observed_date"
    },
    deps=("marts/fct_gpu_prices_daily",),
    provenance=f"marts.fct_gpu_prices_daily <- raw.gpu_price_observations: {GPU_MARKET_SOURCES.split(';')[0]}; "
    "GPU clouds (segment neocloud) only: hyperscaler and marketplace prices sit on other levels",
    draw=draw_price_history,
    tags=("gpu_market",),
)
gpu_price_history = chart_asset(HISTORY)
