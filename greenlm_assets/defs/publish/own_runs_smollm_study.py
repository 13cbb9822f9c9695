"""GreenLM's SmolLM-135M runs laid out as the seed study's SmolLM-135M table (CPU rows labelled ESTIMATE).

Shared queries: ``greenlm_assets/lib/own_runs_common.py``.
"""

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure

from greenlm_assets.lib.charts import ChartData, ChartSpec, chart_asset
from greenlm_assets.lib.own_runs_common import CO2, CO2_COUNTRY, CPU_DATE, GPU_DATE, GRID, LEFT_OUT, RUNS
from greenlm_assets.lib.plotting import new_figure

# --- the SmolLM-135M study table as a figure -------------------------------------------------------------------------

STUDY_MODEL = "smollm-135m"
STUDY_COLUMNS = (
    ("wh_per_1k_tokens", "Wh per 1K tokens"),
    ("s_per_token", "s per token\n(1 / tokens per s)"),
    ("g_co2e_per_1k_tokens", f"g CO2e per 1K tokens\n({CO2_COUNTRY} grid)"),
)
# pytorch and pytorch-compile ran Hugging Face transformers' generate; the CUDA-graph path is GreenLM's own loop.
HF_GENERATE = "HF generate (PyTorch)"
FRAMEWORKS = {
    "onnxruntime": "ONNX Runtime",
    "onnxruntime-lean": "ONNX Runtime",
    "pytorch-cudagraph": "GreenLM's own decoding loop",
}
# how each backend runs within its framework
VARIANTS = {
    "pytorch": "eager",
    "pytorch-compile": "compiled",
    "pytorch-cudagraph": "CUDA graph",
    "onnxruntime-lean": "lean graph",
}
DEVICES = {"cpu": "CPU", "cuda": "GPU"}


def study_rows(df: pd.DataFrame) -> pd.DataFrame:
    """The study's grid: measured rows, plus one 'not run' row per device x framework nobody measured."""
    df = df.copy()
    df["framework"] = df["backend"].map(FRAMEWORKS).fillna(HF_GENERATE)
    df["label"] = [
        f"{DEVICES.get(d, d)} · {fw} · {VARIANTS.get(b, '')} {p}, batch {int(n)}".replace("  ", " ")
        for d, fw, b, p, n in zip(
            df["device"], df["framework"], df["backend"], df["precision"], df["batch_size"], strict=True
        )  # fmt: skip
    ]
    missing = [
        {"device": d, "framework": fw, "label": f"{DEVICES[d]} · {fw}: not run", "not_run": True}
        for d in DEVICES
        for fw in (HF_GENERATE, "ONNX Runtime")
        if df[(df["device"] == d) & (df["framework"] == fw)].empty
    ]
    out = pd.concat([df.assign(not_run=False), pd.DataFrame(missing)], ignore_index=True)
    out["_d"] = out["device"].map({d: i for i, d in enumerate(DEVICES)})
    return out.sort_values(["_d", "framework", "not_run", "backend", "batch_size", "precision"]).reset_index(
        drop=True
    )


def draw_smollm_study(data: ChartData) -> Figure:
    rows = study_rows(data["runs"])
    grid = data["grid"].iloc[0]
    fig, ax = new_figure()
    fig.set_size_inches(12, 0.42 * len(rows) + 2.6)
    cmap = matplotlib.colormaps["YlOrRd"]
    ncol = len(STUDY_COLUMNS)
    for j, (col, _) in enumerate(STUDY_COLUMNS):
        values = rows[col].astype(float)
        # Each column on its own log colour scale: the cells span 2-3 decades and the units differ.
        norm = LogNorm(vmin=values[values > 0].min(), vmax=values[values > 0].max())
        for i, v in enumerate(values):
            measured = np.isfinite(v) and v > 0
            color = cmap(0.1 + 0.8 * norm(v)) if measured else "0.93"
            ax.add_patch(matplotlib.patches.Rectangle((j, i), 1, 1, facecolor=color, edgecolor="white", lw=2))
            text = f"{v:.3g}" if measured else "not run"
            dark = measured and norm(v) > 0.6
            ax.text(j + 0.5, i + 0.5, text, ha="center", va="center", fontsize=9,
                    color="white" if dark else ("0.2" if measured else "0.5"))  # fmt: skip
    # The scope/estimate column: the reader must not compare a CPU estimate with a GPU counter unawares.
    for i, r in rows.iterrows():
        if r["not_run"]:
            note, color = "", "0.5"
        elif r["energy_source"] == "estimate":
            note, color = "ESTIMATE (CodeCarbon, CPU only)", "crimson"
        else:
            note, color = f"measured: {r['energy_source'].upper()} counter, {r['energy_scope']} only", "0.2"
        ax.text(ncol + 0.08, i + 0.5, note, va="center", fontsize=8, color=color,
                fontweight="bold" if r.get("energy_source") == "estimate" else "normal")  # fmt: skip
    ax.set_xlim(0, ncol + 2.1)
    ax.set_ylim(len(rows), 0)
    ax.set_xticks([j + 0.5 for j in range(ncol)] + [ncol + 1.0], [c[1] for c in STUDY_COLUMNS] + ["energy"])
    ax.xaxis.tick_top()
    ax.set_yticks([i + 0.5 for i in range(len(rows))], rows["label"])
    ax.tick_params(length=0)
    ax.grid(False)
    for side in ("left", "bottom", "top", "right"):
        ax.spines[side].set_visible(False)
    tokens = {
        dev: "/".join(str(int(n)) for n in sorted(grp.unique()))
        for dev, grp in data["runs"].groupby("device")["new_tokens"]
    }
    ax.set_title(
        f"Random weights, 128 prompt tokens. CO2 for every row at the {grid['country_name']} grid average,\n"
        f"{grid['g_co2e_per_kwh']:.0f} g/kWh ({grid['data_year']}), wherever it ran",
        fontsize=8.5,
        pad=34,
    )
    # Under the table (an axes label, so the layout makes room for it above the footnote).
    ax.set_xlabel(
        f"CPU: 2-vCPU VM without RAPL, {tokens.get('cpu', '-')} new tokens; GPU: NVIDIA H200, "
        f"{tokens.get('cuda', '-')} new tokens (per row: column new_tokens).\nColour: per column, log scale, "
        "darker = more.",
        fontsize=7.5,
        color="0.3",
    )
    return fig


STUDY = ChartSpec(
    name="own_runs_smollm_135m_study",
    title="GreenLM's SmolLM-135M runs in the seed study's grid: CPU/GPU x HF/ONNX x precision",
    description="GreenLM's own SmolLM-135M runs laid out as the seed study's SmolLM-135M table: Wh per 1K tokens, s "
    f"per token and g CO2e per 1K tokens (at the {CO2_COUNTRY} grid average) for every run, CPU and GPU, Hugging "
    "Face generate (PyTorch), GreenLM's own decoding loop (PyTorch, CUDA graph) and ONNX Runtime, per "
    "precision/quantisation, in GreenLM's published scopes (GPU counter; CPU: CodeCarbon's estimate without RAM, "
    "labelled). The study's own values beside GreenLM's on its scope: chart seed_smollm_135m_study_comparison.",
    queries={
        "runs": f"""
            SELECT r.device, r.backend, r.precision, r.quantization, r.batch_size, r.new_tokens, r.tokens_per_s,
                1.0 / r.tokens_per_s AS s_per_token, r.wh_per_1k_tokens, c.g_co2e_per_1k_tokens,
                r.energy_source, r.energy_scope, r.hardware, r.country_iso3 AS measured_in
            FROM {RUNS} AS r
            LEFT JOIN {CO2} AS c ON c.inference_run_key = 'greenlm:' || r.run_id AND c.country_iso3 = '{CO2_COUNTRY}'
            WHERE r.model_key = '{STUDY_MODEL}' AND r.status = 'ok' AND r.meets_protocol AND r.is_current
            ORDER BY r.device, r.backend, r.batch_size, r.precision""",
        "grid": f"SELECT country_name, g_co2e_per_kwh, data_year FROM {GRID} WHERE country_iso3 = '{CO2_COUNTRY}'",
    },
    deps=(
        "staging/stg_benchmark_runs__runs",
        "marts/fct_co2_per_1k_tokens",
        "staging/stg_codecarbon__grid_carbon_intensity",
    ),
    provenance=f"{RUNS} and {CO2} (g_co2e_per_1k_tokens = Wh per 1K tokens / 1000 x grid g/kWh) <- {GRID} "
    f"(CodeCarbon's global_energy_mix, Our World in Data); GreenLM measurements, NVIDIA H200, {GPU_DATE}, and "
    f"a 2-vCPU Xeon VM, {CPU_DATE} (CPU energy: CodeCarbon estimate, no RAPL); {LEFT_OUT}",
    draw=draw_smollm_study,
    tags=("own_runs",),
)
own_runs_smollm_135m_study = chart_asset(STUDY)
