"""Grid carbon intensity by country: the multiplier every kWh of training or inference is converted with."""

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter

from greenlm_assets.lib.charts import ChartData, ChartSpec, chart_asset
from greenlm_assets.lib.plotting import new_figure, plain_number

MIN_TWH = 10  # small grids (islands, micro-states) would crowd out the countries where models are run
N_EACH_END = 12
NAMED = ("USA", "FRA", "DEU", "CHN", "IND", "GBR", "JPN", "IRL")
GROUP_COLORS = {"cleanest": "#2a9d8f", "named": "#457b9d", "dirtiest": "#9c6644"}


def draw_grid(data: ChartData) -> Figure:
    df = data["countries"]
    big = df[df["total_twh"] >= MIN_TWH].sort_values("g_co2e_per_kwh")
    picked = pd.concat(
        [
            big.head(N_EACH_END).assign(group="cleanest"),
            big.tail(N_EACH_END).assign(group="dirtiest"),
            df[df["country_iso3"].isin(NAMED)].assign(group="named"),
        ]
    ).drop_duplicates("country_iso3", keep="last")
    picked = picked.sort_values("g_co2e_per_kwh", ascending=True)
    fig, ax = new_figure()
    fig.set_size_inches(9, 9)
    labels = [f"{r.country_name} ({r.country_iso3}, {r.data_year})" for r in picked.itertuples()]
    bars = ax.barh(labels, picked["g_co2e_per_kwh"], color=[GROUP_COLORS[g] for g in picked["group"]])
    ax.bar_label(bars, labels=[f"{v:,.0f}" for v in picked["g_co2e_per_kwh"]], padding=2, fontsize=7)
    median = big["g_co2e_per_kwh"].median()
    ax.axvline(median, color="black", ls="--", lw=1)
    ax.text(
        median,
        len(picked) - 0.4,
        f" median of {len(big)} grids >= {MIN_TWH} TWh: {median:,.0f}",
        fontsize=7.5,
        va="bottom",
    )
    ax.set_xlim(0, picked["g_co2e_per_kwh"].max() * 1.12)
    ax.set_ylim(-0.7, len(picked) + 0.3)
    ax.xaxis.set_major_formatter(FuncFormatter(plain_number))
    ax.set_xlabel("Grid carbon intensity (g CO2e per kWh)")
    ax.tick_params(axis="y", labelsize=7.5)
    ax.grid(axis="y", visible=False)
    ax.legend(
        handles=[
            Patch(color=GROUP_COLORS["cleanest"], label=f"{N_EACH_END} cleanest grids >= {MIN_TWH} TWh/yr"),
            Patch(color=GROUP_COLORS["named"], label="named examples (US, France, ...)"),
            Patch(color=GROUP_COLORS["dirtiest"], label=f"{N_EACH_END} dirtiest grids >= {MIN_TWH} TWh/yr"),
        ],
        loc="lower right",
    )
    return fig


GRID = ChartSpec(
    name="grid_co2_by_country",
    title="CO2 per kWh by country: the multiplier on every kWh of training and inference",
    description="Grid carbon intensity (g CO2e/kWh) of the cleanest and dirtiest national grids (>= 10 TWh/yr) and "
    "named examples (USA, France, ...), with the median.",
    queries={
        "countries": "SELECT country_iso3, country_name, g_co2e_per_kwh, data_year, total_twh, low_carbon_share "
        "FROM staging.stg_codecarbon__grid_carbon_intensity ORDER BY g_co2e_per_kwh"
    },
    deps=("staging/stg_codecarbon__grid_carbon_intensity",),
    provenance="staging.stg_codecarbon__grid_carbon_intensity <- raw.grid_carbon_intensity <- global_energy_mix.json "
    "in the codecarbon package (Our World in Data / Ember electricity mix, year per country)",
    draw=draw_grid,
)
grid_co2_by_country = chart_asset(GRID)
