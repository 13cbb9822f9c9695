"""Hostile model and provider names travel through ingest, dbt and a chart as data, never as SQL or markup."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import duckdb
import pytest

from tests.faults.helpers import SNAPSHOTS, copy_snapshots, duplicate_rows, failure_message, run

HOSTILE = [
    "Robert'); DROP TABLE raw.training_footprint;--",
    '"; DROP TABLE marts.fct_training_footprint; --',
    "multi\nline\r\nname",
    "ctrl\x01\x07\x1b[31mred\x7f",
    "$\\frac{1}{0}$ math $x^{",
    "{{ config(materialized='table') }} {% raw %}",
    "%s %(name)s {0} \\N \\\\",
    "very long " + "L" * 5000 + " 模型 🦙",
]
FOOTPRINT = "training_footprint/training_footprint.csv"
PRICES = "gpu_prices/ewyluda_gpu_price_index_excerpt/observations_2026-10-10_excerpt.csv"
CHARTS = ("training_175b_models", "training_llama_family")
# The footprint's dbt models and two charts that print model names (~175B models, Llama families). dbt tests run
# only when all their parents are selected (DBT_INDIRECT_SELECTION=cautious).
# The footprint mart reads its GPUs' TDP (dim_gpus <- Epoch's hardware, GPU price snapshots) and the exact
# parameter counts (seed model_architectures): every ancestor of the mart is selected, but the live-only scrape.
SELECTION = (
    '(+key:"marts/fct_training_footprint" or '
    + " or ".join(f'key:"charts/{c}"' for c in CHARTS)
    + ') and not key:"raw/gpu_price_scrape"'
)


def _append_clones(path: Path, column: str, names: list[str], **fixed: str) -> None:
    with path.open(newline="", encoding="utf-8") as fh:
        header, *rows = list(csv.reader(fh))
    new = []
    for i, name in enumerate(names):
        row = list(rows[i % len(rows)])
        row[header.index(column)] = name
        for k, v in fixed.items():
            row[header.index(k)] = v
        new.append(row)
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, lineterminator="\n").writerows([header, *rows, *new])


@pytest.fixture()
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("GREENLM_DUCKDB_PATH", str(tmp_path / "greenlm.duckdb"))
    monkeypatch.setenv("GREENLM_CHARTS_DIR", str(tmp_path / "charts"))
    monkeypatch.setenv("GREENLM_SNAPSHOTS_DIR", str(tmp_path / "snapshots"))
    return tmp_path


@pytest.mark.fault("hostile")
@pytest.mark.slow
def test_hostile_model_names_flow_through_ingest_dbt_and_charts(
    env: Path, monkeypatch: pytest.MonkeyPatch, measured
) -> None:
    monkeypatch.setenv("DBT_INDIRECT_SELECTION", "cautious")
    snaps = copy_snapshots(env / "snapshots", "training_footprint", "epoch_ai", "gpu_prices")
    _append_clones(
        snaps / FOOTPRINT,
        "model",
        HOSTILE,
        family="Llama'); DROP TABLE raw.gpu_specs; --",
        params_b="175",
        gpu_hours="",
        energy_mwh="500",
        co2_t="200",
    )
    result = run(SELECTION)
    assert result.success, failure_message(result)
    db = env / "greenlm.duckdb"
    with duckdb.connect(str(db), read_only=True) as con:
        tables = {
            r[0]
            for r in con.execute(
                "SELECT table_schema || '.' || table_name FROM information_schema.tables"
            ).fetchall()
        }
        assert {"raw.training_footprint", "marts.fct_training_footprint"} <= tables  # nothing was dropped
        for name in HOSTILE:  # byte-exact round trip, looked up with a bound parameter
            assert con.execute(
                "SELECT count(*) FROM raw.training_footprint WHERE model = ?", [name]
            ).fetchone() == (1,)
            assert con.execute(
                "SELECT count(*) FROM marts.fct_training_footprint WHERE model_name = ?", [name]
            ).fetchone() == (1,), name
        base = con.execute("SELECT count(*) FROM raw.training_footprint").fetchone()[0]
    for chart in CHARTS:
        png = env / "charts" / f"{chart}.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000
    shipped = sum(1 for _ in csv.reader((SNAPSHOTS / FOOTPRINT).open(newline=""))) - 1
    measured(
        rows_lost=shipped + len(HOSTILE) - base,
        duplicates=duplicate_rows(db, "training_footprint", ("model",)),
    )


@pytest.mark.fault("hostile")
def test_hostile_provider_names_are_data(env: Path, measured) -> None:
    snaps = copy_snapshots(env / "snapshots", "gpu_prices")
    _append_clones(snaps / PRICES, "provider", HOSTILE, sku="hostile-sku")
    shutil.rmtree(snaps / "gpu_prices" / "fsdl_cloud_gpus")  # not needed here; keeps the run short
    (snaps / "gpu_prices" / "fsdl_cloud_gpus").mkdir()
    (snaps / "gpu_prices" / "fsdl_cloud_gpus" / "cloud-gpus.csv").write_text(
        "Cloud,GPU Type,GPUs,On-demand,Per-GPU,Spot,Name\nAWS,H100 (80 GB),8,98.32,12.29,,p5.48xlarge\n"
    )
    result = run('key:"raw/gpu_price_observations"')
    assert result.success, failure_message(result)
    with duckdb.connect(str(env / "greenlm.duckdb"), read_only=True) as con:
        got = [
            r[0]
            for r in con.execute(
                "SELECT provider_name FROM raw.gpu_price_observations WHERE sku = 'hostile-sku' ORDER BY provider_name"
            ).fetchall()
        ]
    assert sorted(got) == sorted(HOSTILE)
    measured(rows_lost=len(HOSTILE) - len(got))


@pytest.mark.fault("hostile")
def test_hostile_csv_header_is_not_sql(tmp_path: Path) -> None:
    """LLM-Perf quantization settings become JSON keys named after the file's header: a quote there is data."""
    from greenlm_assets.lib.catalog.llm_perf import read_llm_perf_file

    key = "bits'), 'x'); DROP TABLE raw.llm_perf_runs; --"
    path = tmp_path / "perf-df-pytorch-cuda-gptq-1xA100.csv"
    with path.open("w", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(
            [
                [
                    "config.name",
                    "config.backend.name",
                    "config.backend.model",
                    f"config.backend.quantization_config.{key}",
                ],
                ["c1", "pytorch", HOSTILE[0], "4"],
            ]
        )
    df = read_llm_perf_file(path)
    assert df["model_id"].tolist() == [HOSTILE[0]]
    assert json.loads(df["quantization_config"].iloc[0]) == {key: "4"}
