"""Memory charts of the seed study: figure 3 (parameters, memory, training tokens) and 4 (memory ratios by size)."""

import numpy as np
from matplotlib.figure import Figure

from greenlm_assets.lib.charts import ChartData, ChartSpec, chart_asset
from greenlm_assets.lib.plotting import (
    SIZE_CLASS_COLORS,
    annotate_points,
    draw_size_boundary,
    log_axis,
    new_figure_grid,
    plain_number,
)

MEMORY = "marts.fct_memory_ratios"
MEMORY_PROVENANCE = (
    "marts.fct_memory_ratios <- marts.fct_training_footprint (model cards, papers) + seeds reference.precision_bytes "
    "(MEASUREMENT.md) and reference.model_architectures (exact counts and shapes from config.json / papers, cited "
    "per row); weight GB = params_b (total, every expert of a MoE) x bytes/param, KV-cache bytes/token = 2 x layers "
    "x KV heads x head dim x bytes of the cache (16-bit under weight-only int8/int4)"
)
H100_GB = 80  # one 80 GB accelerator (H100/A100-80GB): the line where a model stops fitting on one GPU


# --- Seed figure 3: parameters, memory footprint and training tokens per model ---------------------------------


def draw_footprint(data: ChartData) -> Figure:
    df = data["models"].iloc[::-1]
    fig, axes = new_figure_grid(1, 3, figsize=(13, 6.5), sharey=True)
    colors = [SIZE_CLASS_COLORS[c] for c in df["size_class"]]
    panels = [
        ("params_b", "Parameters (billions, log scale)", True),
        ("weight_gb", "Weights in bf16 (GB, log scale)", True),
        ("training_tokens_t", "Training tokens (trillions)", False),
    ]
    for ax, (col, label, log) in zip(axes, panels, strict=True):
        bars = ax.barh(df["model_name"], df[col], color=colors)
        ax.bar_label(bars, labels=[plain_number(v) for v in df[col]], padding=2, fontsize=6.5)
        if log:
            log_axis(ax, "x")
            ax.set_xlim(right=df[col].max() * 6)
        else:
            ax.set_xlim(0, df[col].max() * 1.2)
        ax.set_xlabel(label)
        ax.grid(axis="y", visible=False)
    axes[0].tick_params(axis="y", labelsize=7.5)
    # The size boundary on the (sorted) model axis: between the largest SLM and the smallest LLM.
    n_slm = int((df["size_class"] == "SLM").sum())
    if 0 < n_slm < len(df):
        for ax in axes:
            ax.axhline(n_slm - 0.5, color="crimson", ls="--", lw=1.2)
        axes[0].text(
            axes[0].get_xlim()[1],
            n_slm - 0.45,
            f"{data.slm_max_params_b:g}B boundary ",
            color="crimson",
            fontsize=7,
            ha="right",
            va="bottom",
        )
    axes[1].axvline(H100_GB, color="gray", ls=":", lw=1)
    axes[1].text(H100_GB * 1.1, 0, f"{H100_GB} GB = one H100", fontsize=6.5, color="gray", va="bottom")
    axes[0].set_title(f"SLM (<= {data.slm_max_params_b:g}B) green, LLM red", fontsize=9)
    axes[1].set_title("bf16 = 2 bytes per parameter", fontsize=9)
    axes[2].set_title("Small models are trained on as many tokens", fontsize=9)
    return fig


FIG3 = ChartSpec(
    name="model_params_memory_tokens",
    title="Parameters, weight memory and training tokens per model",
    description="Seed figure 3: per model with a published training-token count - parameters (B), bf16 weight "
    "memory (GB) and training tokens (T).",
    queries={
        "models": f"SELECT model_name, family, params_b, nominal_size, is_moe, active_params_b, size_class, weight_gb, "
        f"training_tokens_t, training_tokens_per_param FROM {MEMORY} WHERE precision = 'bf16' AND training_tokens_t > 0 "
        "ORDER BY params_b DESC, model_name"
    },
    deps=("marts/fct_memory_ratios",),
    provenance=MEMORY_PROVENANCE,
    draw=draw_footprint,
    seed_figure="3",
    size_axis=True,
)
model_params_memory_tokens = chart_asset(FIG3)


# --- Seed figure 4: memory ratios by size -----------------------------------------------------------------------


def draw_ratios(data: ChartData) -> Figure:
    df = data["models"]
    fig, (ax_w, ax_kv, ax_t) = new_figure_grid(1, 3, figsize=(15, 5.4))
    threshold = data.slm_max_params_b

    # (a) weight memory vs size, one line per precision; the seed check 405B fp32 = 1,620 GB marked.
    span = np.geomspace(df["params_b"].min() / 1.5, df["params_b"].max() * 1.5, 50)
    # Precisions with the same width share one line (bf16/fp16).
    widths = df.groupby("bytes_per_param")["precision"].unique().sort_index(ascending=False)
    for i, (bpp, names) in enumerate(widths.items()):
        label = "/".join(sorted(names))
        ax_w.plot(span, span * bpp, color=f"C{i}", lw=1.4, label=f"{label}: {bpp:g} GB per B params")
    fp32_405 = df[(df["precision"] == "fp32") & (df["params_b"] == df["params_b"].max())].iloc[0]
    ax_w.scatter([fp32_405["params_b"]], [fp32_405["weight_gb"]], color="black", zorder=3)
    ax_w.annotate(
        f"{fp32_405['model_name']} fp32\n= {fp32_405['weight_gb']:,.0f} GB",
        (fp32_405["params_b"], fp32_405["weight_gb"]),
        xytext=(-8, 0),
        textcoords="offset points",
        ha="right",
        va="center",
        fontsize=7,
    )
    ax_w.axhline(H100_GB, color="gray", ls=":", lw=1)
    ax_w.text(span[0], H100_GB * 1.15, f"{H100_GB} GB (one H100)", fontsize=7, color="gray")
    ax_w.set_ylabel("Weight memory (GB, log scale)")
    ax_w.set_title("Weights: bytes per parameter x parameters", fontsize=9)

    # (b) KV cache per 1K tokens of context (bf16), where the architecture is known.
    kv = df[(df["precision"] == "bf16") & df["kv_cache_mb_per_1k_tokens"].notna()]
    for size_class, grp in kv.groupby("size_class"):
        ax_kv.scatter(
            grp["params_b"],
            grp["kv_cache_mb_per_1k_tokens"],
            color=SIZE_CLASS_COLORS[size_class],
            label=size_class,
            zorder=3,
        )
    annotate_points(ax_kv, kv["params_b"], kv["kv_cache_mb_per_1k_tokens"], kv["model_name"], fontsize=6)
    ax_kv.set_ylabel("KV cache per 1K tokens of context, bf16 (MB, log scale)")
    ax_kv.set_title("KV cache: grouped-query attention breaks the size trend", fontsize=9)

    # (c) weights per trillion training tokens: small models see far more tokens per byte of weights.
    per_t = df[(df["precision"] == "bf16") & df["weight_gb_per_t_training_tokens"].notna()]
    for size_class, grp in per_t.groupby("size_class"):
        ax_t.scatter(
            grp["params_b"],
            grp["weight_gb_per_t_training_tokens"],
            color=SIZE_CLASS_COLORS[size_class],
            label=size_class,
            zorder=3,
        )
    annotate_points(
        ax_t, per_t["params_b"], per_t["weight_gb_per_t_training_tokens"], per_t["model_name"], fontsize=6
    )
    ax_t.set_ylabel("bf16 weight GB per trillion training tokens (log scale)")
    ax_t.set_title("Memory per trillion training tokens", fontsize=9)

    for ax in (ax_w, ax_kv, ax_t):
        draw_size_boundary(ax, threshold)
        log_axis(ax)
        ax.set_xlabel("Parameters (billions, log scale)")
        ax.legend(loc="upper left", fontsize=7)
    return fig


FIG4 = ChartSpec(
    name="memory_ratios_by_size",
    title="Memory ratios by model size",
    description="Seed figure 4: weight memory (GB) per precision vs parameters with the 405B fp32 = 1,620 GB check, "
    "KV-cache MB per 1K tokens (bf16) and bf16 weight GB per trillion training tokens, with the 7B line.",
    queries={
        "models": f"SELECT model_name, params_b, is_moe, active_params_b, size_class, precision, bytes_per_param, "
        f"weight_gb, kv_cache_bytes_per_value, kv_cache_mb_per_1k_tokens, weight_gb_per_t_training_tokens FROM {MEMORY} "
        "ORDER BY params_b, model_name, precision"
    },
    deps=("marts/fct_memory_ratios",),
    provenance=MEMORY_PROVENANCE,
    draw=draw_ratios,
    seed_figure="4",
    size_axis=True,
)
memory_ratios_by_size = chart_asset(FIG4)
