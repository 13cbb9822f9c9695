"""Bad inputs on every snapshot ingest path: each ends in an error naming file and field, or in rows set aside
with a reason, and the previous good table is unchanged (byte-for-byte when the load fails).

Cases are distinct from tests/platform/test_bad_input.py, test_catalog.py and test_gpu_market_assets.py. Each starts
from a baseline DB holding the good table (loaded once per table from the shipped snapshots), corrupts a sandboxed
copy of the snapshot folder, and materializes the real asset again.
"""

from __future__ import annotations

import csv
import json
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from greenlm_assets.lib import sources
from greenlm_assets.lib.raw_load import RawLoadError, load_raw_table
from tests.faults.helpers import REPO, copy_snapshots, duplicate_rows, failure_message, run, table_state

LB_V1 = "open_llm_leaderboard/open_llm_leaderboard_v1_2025-03-21.csv"
LB_V2 = "open_llm_leaderboard/open_llm_leaderboard_v2_2025-03-21.csv"
FOOTPRINT = "training_footprint/training_footprint.csv"
SPECS = "epoch_ai/ml_hardware.csv"
EPOCH = "epoch_ai/notable_ai_models_24_02_2025.csv"
PERF = "llm_perf_leaderboard/perf-df-pytorch-cuda-torchao-1xT4.csv"
MLE_V2 = "ml_energy/ml_energy_v2_2024_llm_flat.csv"
MLE_V3 = "ml_energy/ml_energy_v3_2026_tasks_flat.csv"
PRICES = "gpu_prices/ewyluda_gpu_price_index_excerpt/observations_2026-10-10_excerpt.csv"
FSDL = "gpu_prices/fsdl_cloud_gpus/cloud-gpus.csv"
TUGOT = "gpu_prices/tugot17_primeintellect_summary/B200_180GB.jsonl"
CARD = "gpu_prices/united_compute_amazon_purchase_prices/NVIDIA_GeForce_RTX_4090.json"
RUNS = "measurements/gpu_h200_2026-11-30.jsonl"

# raw table -> (snapshot folders it reads, key columns)
TABLES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "open_llm_leaderboard_v1": (("open_llm_leaderboard",), ("fullname", "precision")),
    "open_llm_leaderboard_v2": (("open_llm_leaderboard",), ("id",)),
    "training_footprint": (("training_footprint",), ("model",)),
    "gpu_specs": (("epoch_ai",), ("hardware_name",)),
    "epoch_notable_models": (("epoch_ai",), ("model",)),
    "llm_perf_runs": (("llm_perf_leaderboard",), ("source_file", "config_name", "model_id")),
    "ml_energy_runs": (("ml_energy",), ("vintage", "source_file", "source_row")),
    "gpu_price_observations": (
        ("gpu_prices",),
        ("price_source", "provider", "sku", "region", "pricing", "observed_at", "gpu_name_raw"),
    ),
    "gpu_purchase_prices": (("gpu_prices",), ("gpu_name_raw", "observed_at")),
    "grid_carbon_intensity": ((), ("country_iso3",)),
    "benchmark_runs": (("measurements",), ("run_id",)),  # data/measurements, via GREENLM_MEASUREMENTS_DIR
}


# ------------------------------------------------------------------------------------------- file edits
csv.field_size_limit(1 << 30)  # LLM-Perf cells hold whole tracebacks


def _rows(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        return header, list(reader)


def _write(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, lineterminator="\n").writerows([header, *rows])


def clone_row(rel: str, index: int = 0, **changes: str) -> Callable[[Path], None]:
    """Append a copy of data row ``index`` with some fields changed (by header name)."""

    def edit(root: Path) -> None:
        header, rows = _rows(root / rel)
        row = list(rows[index])
        for name, value in changes.items():
            row[header.index(name.replace("__", " "))] = value
        _write(root / rel, header, [*rows, row])

    return edit


def set_field(rel: str, index: int, column: str, value: str) -> Callable[[Path], None]:
    def edit(root: Path) -> None:
        header, rows = _rows(root / rel)
        rows[index][header.index(column)] = value
        _write(root / rel, header, rows)

    return edit


def rename_column(rel: str, old: str, new: str) -> Callable[[Path], None]:
    def edit(root: Path) -> None:
        header, rows = _rows(root / rel)
        header[header.index(old)] = new
        _write(root / rel, header, rows)

    return edit


def drop_column(rel: str, column: str) -> Callable[[Path], None]:
    def edit(root: Path) -> None:
        header, rows = _rows(root / rel)
        i = header.index(column)
        _write(root / rel, header[:i] + header[i + 1 :], [r[:i] + r[i + 1 :] for r in rows])

    return edit


def reorder_with_extra_column(rel: str) -> Callable[[Path], None]:
    def edit(root: Path) -> None:
        header, rows = _rows(root / rel)
        _write(root / rel, ["surprise_col", *header[::-1]], [["?", *r[::-1]] for r in rows])

    return edit


def append_bytes(rel: str, data: bytes) -> Callable[[Path], None]:
    return lambda root: (root / rel).write_bytes((root / rel).read_bytes() + data)


def truncate_mid_row(rel: str) -> Callable[[Path], None]:
    def edit(root: Path) -> None:
        data = (root / rel).read_bytes()
        (root / rel).write_bytes(data[: data.rstrip(b"\n").rfind(b"\n") + 15])  # 14 bytes of the last record

    return edit


def write_text(rel: str, text: str) -> Callable[[Path], None]:
    return lambda root: (root / rel).write_text(text)


def edit_json(rel: str, change: Callable[[object], object]) -> Callable[[Path], None]:
    return lambda root: (root / rel).write_text(json.dumps(change(json.loads((root / rel).read_text()))))


def edit_jsonl_line(rel: str, line: int, change: Callable[[dict], dict]) -> Callable[[Path], None]:
    def edit(root: Path) -> None:
        lines = (root / rel).read_text().splitlines()
        lines[line] = json.dumps(change(json.loads(lines[line])))
        (root / rel).write_text("\n".join(lines) + "\n")

    return edit


# ------------------------------------------------------------------------------------------- the cases
@dataclass(frozen=True)
class Case:
    table: str
    corrupt: Callable[[Path], None]
    outcome: str  # "error" | "quarantined" (raw.catalog_quarantine) | "flagged" (quarantine_reason column) | "ignored"
    says: tuple[str, ...]  # substrings of the error message / quarantine reason
    file: str | None = None  # snapshot file (relative) the error must name
    defect: str | None = (
        None  # a known defect this case shows (the case is an expected failure until it is fixed)
    )


def _without(key: str) -> Callable[[dict], dict]:
    return lambda d: {k: v for k, v in d.items() if k != key}


CASES: dict[str, Case] = {
    # --- Open LLM Leaderboard v1 / v2 (catalog client, DuckDB CSV reader, quarantine)
    "lb_v1_non_utf8_bytes": Case(
        "open_llm_leaderboard_v1",
        append_bytes(LB_V1, b"caf\xe9-7b,float16,50,,,,,,,,,,,,,7,,,,,,,caf\xe9-7b,\n"),
        "error",
        ("not a readable CSV",),
        LB_V1,
    ),
    "lb_v1_gigantic_field": Case(
        "open_llm_leaderboard_v1",
        clone_row(LB_V1, 0, fullname="x" * 3_000_000),
        "error",
        ("not a readable CSV",),
        LB_V1,
    ),
    "lb_v1_null_key_precision": Case(
        "open_llm_leaderboard_v1",
        clone_row(LB_V1, 0, fullname="org/new-model", precision=""),
        "error",
        ("field 'precision' is empty",),
        LB_V1,
    ),
    "lb_v1_params_with_unit": Case(
        "open_llm_leaderboard_v1",
        clone_row(LB_V1, 0, fullname="org/new-model", params_b="7B"),
        "error",
        ("field 'params_b' = '7B' is not a valid DOUBLE",),
        LB_V1,
    ),
    "lb_v2_extra_and_reordered_columns": Case(
        "open_llm_leaderboard_v2", reorder_with_extra_column(LB_V2), "ignored", ()
    ),
    "lb_v2_absurd_params": Case(
        "open_llm_leaderboard_v2",
        clone_row(LB_V2, 0, id="new_id", metadata_params_billions="1000000"),
        "quarantined",
        ("absurd parameter count",),
    ),
    "lb_v2_duplicate_id": Case(
        "open_llm_leaderboard_v2", clone_row(LB_V2, 3), "quarantined", ("duplicate key (id)",)
    ),
    "lb_v2_missing_key_column": Case(
        "open_llm_leaderboard_v2",
        drop_column(LB_V2, "id"),
        "error",
        ("missing required column(s) ['id']",),
        LB_V2,
    ),
    "lb_v2_null_id": Case(
        "open_llm_leaderboard_v2", clone_row(LB_V2, 0, id=""), "error", ("field 'id' is empty",), LB_V2
    ),
    # --- training footprint (spine reader: pandas, contract with CHECKs and a unique key)
    "footprint_negative_co2": Case(
        "training_footprint",
        set_field(FOOTPRINT, 3, "co2_t", "-12.5"),
        "error",
        ("row 5: field 'co2_t' = '-12.5' violates CHECK",),
        FOOTPRINT,
    ),
    "footprint_duplicate_model": Case(
        "training_footprint", clone_row(FOOTPRINT, 2), "error", ("key ['model']", "repeats row 4"), FOOTPRINT
    ),
    "footprint_truncated_mid_row": Case(
        "training_footprint", truncate_mid_row(FOOTPRINT), "error", ("truncated file",), FOOTPRINT
    ),
    "footprint_non_utf8_bytes": Case(
        "training_footprint",
        append_bytes(FOOTPRINT, b"Mod\xe8le 7B,fam,7,,,,,,,src\n"),
        "error",
        ("not a readable CSV",),
        FOOTPRINT,
    ),
    "footprint_energy_with_unit": Case(
        "training_footprint",
        set_field(FOOTPRINT, 1, "energy_mwh", "1287 MWh"),
        "error",
        ("field 'energy_mwh' = '1287 MWh' is not a valid DOUBLE",),
        FOOTPRINT,
    ),
    "footprint_extra_and_reordered_columns": Case(
        "training_footprint", reorder_with_extra_column(FOOTPRINT), "ignored", ()
    ),
    # --- Epoch AI ML hardware -> raw.gpu_specs
    "specs_tdp_unit_changed": Case(
        "gpu_specs",
        rename_column(SPECS, "TDP (W)", "TDP (kW)"),
        "error",
        ("missing required column(s) ['TDP (W)']",),
        SPECS,
    ),
    "specs_negative_tdp": Case(
        "gpu_specs",
        set_field(SPECS, 0, "TDP (W)", "-700"),
        "error",
        ("field 'tdp_w' = '-700.0' violates CHECK",),
        SPECS,
    ),
    "specs_null_name": Case(
        "gpu_specs",
        set_field(SPECS, 5, "Hardware name", ""),
        "error",
        ("field 'hardware_name' is empty",),
        SPECS,
    ),
    "specs_unparsable_date": Case(
        "gpu_specs",
        set_field(SPECS, 2, "Release date", "next spring"),
        "error",
        ("field 'release_date' = 'next spring' is not a valid DATE",),
        SPECS,
    ),
    "specs_duplicate_name": Case(
        "gpu_specs", clone_row(SPECS, 7), "error", ("key ['hardware_name']",), SPECS
    ),
    # --- Epoch AI notable models
    "epoch_negative_params": Case(
        "epoch_notable_models",
        clone_row(EPOCH, 0, Model="New model", Parameters="-1000000000"),
        "quarantined",
        ("negative parameter count",),
    ),
    "epoch_duplicate_model": Case(
        "epoch_notable_models", clone_row(EPOCH, 1), "quarantined", ("duplicate key (model)",)
    ),
    "epoch_missing_compute_column": Case(
        "epoch_notable_models",
        drop_column(EPOCH, "Training compute (FLOP)"),
        "error",
        ("missing required column(s) ['Training compute (FLOP)']",),
        EPOCH,
    ),
    # --- HF LLM-Perf
    "perf_negative_throughput": Case(
        "llm_perf_runs",
        clone_row(PERF, 0, **{"config.name": "new-config", "report.decode.throughput.value": "-50"}),
        "quarantined",
        ("negative decode throughput",),
    ),
    "perf_duplicate_run": Case("llm_perf_runs", clone_row(PERF, 0), "quarantined", ("duplicate key",)),
    "perf_unknown_hardware_file": Case(
        "llm_perf_runs",
        lambda root: shutil.copy(
            root / PERF, root / "llm_perf_leaderboard/perf-df-tensorrt-tpu-fp8-1xV5e.csv"
        ),
        "error",
        ("file name does not follow",),
        "llm_perf_leaderboard/perf-df-tensorrt-tpu-fp8-1xV5e.csv",
    ),
    # --- ML.ENERGY v1/v2/v3
    "mle_v3_negative_energy": Case(
        "ml_energy_runs",
        clone_row(MLE_V3, 0, energy_per_request_joules="-1"),
        "quarantined",
        ("negative energy per request",),
    ),
    "mle_v3_absurd_params": Case(
        "ml_energy_runs",
        clone_row(MLE_V3, 0, total_params_billions="50000"),
        "quarantined",
        ("absurd parameter count",),
    ),
    "mle_v2_energy_unit_changed": Case(
        "ml_energy_runs",
        rename_column(MLE_V2, "Energy/req (J)", "Energy/req (kJ)"),
        "error",
        ("missing required column(s)", "Energy/req (J)"),
        MLE_V2,
    ),
    "mle_v1_models_json_truncated": Case(
        "ml_energy_runs",
        lambda root: (root / "ml_energy/v1_2023/models.json").write_text('{"lmsys/vicuna-7b-v1.3": {"par'),
        "error",
        ("unreadable model registry",),
        "ml_energy/v1_2023/models.json",
    ),
    # --- GPU rental price snapshots
    "prices_price_with_unit": Case(
        "gpu_price_observations",
        set_field(PRICES, 4, "usd_per_hour", "3.99/hr"),
        "error",
        ("field 'usd_per_hour' = '3.99/hr' is not a number",),
        PRICES,
    ),
    "prices_unparsable_timestamp": Case(
        "gpu_price_observations",
        set_field(PRICES, 6, "collected_at", "yesterday"),
        "error",
        ("row 8: field 'scrape_date' is empty",),  # scrape_date is derived from the unparsable timestamp
        PRICES,
        defect="the error names the folder snapshots/gpu_prices, not the file of row 8: raw/gpu_price_observations "
        "validates three files concatenated (ewyluda, tugot17, FSDL) under one source_file",
    ),
    "prices_negative_price": Case(
        "gpu_price_observations",
        clone_row(PRICES, 0, usd_per_gpu_hour="-2.5", sku="neg-sku"),
        "flagged",
        ("<= 0",),
    ),
    "prices_fsdl_truncated": Case(
        "gpu_price_observations", truncate_mid_row(FSDL), "error", ("truncated file",), FSDL
    ),
    "prices_jsonl_record_missing_field": Case(
        "gpu_price_observations",
        edit_jsonl_line(TUGOT, 2, _without("by_provider")),
        "error",
        ("line 3: missing field 'by_provider'",),
        TUGOT,
    ),
    # --- GPU purchase prices
    "purchase_wrong_shape": Case(
        "gpu_purchase_prices", edit_json(CARD, lambda d: [d]), "error", ("expected {'gpu_name'",), CARD
    ),
    "purchase_price_with_currency": Case(
        "gpu_purchase_prices",
        edit_json(CARD, lambda d: {**d, "prices": {"2024-01-01": "$1,999"}}),
        "error",
        ("'$1,999' is not a number",),
        CARD,
    ),
}

CASES |= {
    # --- GreenLM's own benchmark rows (greenlm-bench JSONL)
    "bench_truncated_last_line": Case(
        "benchmark_runs",
        lambda root: (root / RUNS).write_bytes((root / RUNS).read_bytes()[:-40]),
        "error",
        ("not valid JSON",),
        RUNS,
    ),
    "bench_duplicate_run_id": Case(
        "benchmark_runs",
        lambda root: (root / RUNS).write_text(
            (root / RUNS).read_text() + (root / RUNS).read_text().splitlines()[0] + "\n"
        ),
        "error",
        ("key ['run_id']", "repeats row"),
        RUNS,
    ),
    "bench_missing_model_key": Case(
        "benchmark_runs",
        edit_jsonl_line(RUNS, 3, _without("model_key")),
        "error",
        ("line 4: field 'model_key' is missing or empty",),
        RUNS,
    ),
    "bench_tokens_per_s_wrong_type": Case(
        "benchmark_runs",
        edit_jsonl_line(RUNS, 1, lambda d: {**d, "tokens_per_s": "fast"}),
        "error",
        ("field 'tokens_per_s' = 'fast' is not a valid DOUBLE",),
        RUNS,
    ),
}

# Grid carbon intensity is read from the installed codecarbon package (never copied), so its cases call the same
# reader and contract-checked load the asset uses, on a bad file, against the DB the asset filled.
GRID_CASES: dict[str, tuple[object, str]] = {
    "grid_negative_intensity": (
        {"FRA": {"country_name": "France", "carbon_intensity": -56}},
        "violates CHECK",
    ),
    "grid_record_not_object": ({"FRA": 56}, "record 1 ('FRA') is not an object"),
    "grid_empty_object": ({}, "expected a non-empty object"),
    "grid_duplicate_country": (
        '{"FRA": {"country_name": "France", "carbon_intensity": 56}, "FRA": {"country_name": "F", "carbon_intensity": 5}}',
        "duplicate key 'FRA'",
    ),
}


def test_every_case_says_what_it_expects() -> None:
    """An error case names the file its message must name; every non-ignored case names text to find."""
    for case_id, case in CASES.items():
        assert case.outcome in {"error", "quarantined", "flagged", "ignored"}, case_id
        assert (case.file is not None) == (case.outcome == "error"), case_id
        assert bool(case.says) == (case.outcome != "ignored"), case_id
    assert all(expected for _, expected in GRID_CASES.values())


@pytest.fixture(scope="module")
def baselines(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[str], Path]]:
    """Per raw table, a DB file holding its good load from the shipped snapshots (built on first use)."""
    root = tmp_path_factory.mktemp("baselines")
    built: dict[str, Path] = {}

    def get(table: str) -> Path:
        if table not in built:
            db = root / f"{table}.duckdb"
            with pytest.MonkeyPatch.context() as mp:
                mp.setenv("GREENLM_DUCKDB_PATH", str(db))
                mp.delenv("GREENLM_SNAPSHOTS_DIR", raising=False)
                mp.delenv("GREENLM_MEASUREMENTS_DIR", raising=False)
                assert run(f'key:"raw/{table}"').success
            built[table] = db
        return built[table]

    yield get


@pytest.mark.fault("bad_input")
@pytest.mark.parametrize(
    "case_id",
    [
        pytest.param(c, marks=pytest.mark.xfail(strict=True, reason=CASES[c].defect))
        if CASES[c].defect
        else c
        for c in sorted(CASES)
    ],
)
def test_bad_input(
    case_id: str, baselines, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, measured
) -> None:
    case = CASES[case_id]
    folders, keys = TABLES[case.table]
    db = tmp_path / "greenlm.duckdb"
    shutil.copy(baselines(case.table), db)
    before = table_state(db, case.table)
    assert before.rows > 0
    quarantine_before = table_state(db, "catalog_quarantine", "table_name = ?", [case.table])
    # Duplicates the load introduced (the FSDL source itself repeats a few identical price rows).
    dupes_before = duplicate_rows(db, case.table, keys)

    snaps = tmp_path / "snapshots"
    for folder in folders:
        if folder == "measurements":
            shutil.copytree(
                REPO / "data" / "measurements", snaps / folder, ignore=shutil.ignore_patterns("quality")
            )
        else:
            copy_snapshots(snaps, folder)
    case.corrupt(snaps)
    monkeypatch.setenv("GREENLM_SNAPSHOTS_DIR", str(snaps))
    monkeypatch.setenv("GREENLM_MEASUREMENTS_DIR", str(snaps / "measurements"))
    monkeypatch.setenv("GREENLM_DUCKDB_PATH", str(db))
    result = run(f'key:"raw/{case.table}"')
    after = table_state(db, case.table)
    measured(
        rows_lost=before.rows_lost_to(after),
        duplicates=duplicate_rows(db, case.table, keys) - dupes_before,
        detail=case.outcome,
    )

    if case.outcome == "error":
        assert not result.success
        message = failure_message(result)
        assert case.file is not None and str(snaps / case.file) in message, message
        assert case.says and all(s in message for s in case.says), message
        assert after == before  # byte-for-byte: not even the load timestamps moved
        assert table_state(db, "catalog_quarantine", "table_name = ?", [case.table]) == quarantine_before
        return
    assert result.success
    assert before.rows_lost_to(after) == 0
    added = after.row_digests - before.row_digests
    if case.outcome == "ignored":
        assert after.row_digests == before.row_digests  # same data; only the load timestamps are new
    elif case.outcome == "quarantined":
        assert after.row_digests == before.row_digests  # the bad row never reached the table
        with duckdb.connect(str(db), read_only=True) as con:
            reasons = [
                r
                for (r,) in con.execute(
                    "SELECT reason FROM raw.catalog_quarantine WHERE table_name = ?", [case.table]
                ).fetchall()
            ]
        assert len(reasons) == 1 and case.says and all(s in reasons[0] for s in case.says), reasons
    elif case.outcome == "flagged":
        assert sum(added.values()) == 1 and after.rows == before.rows + 1
        ((digest, _),) = added.items()
        with duckdb.connect(str(db), read_only=True) as con:  # the reason on the row this case added
            (reason,) = con.execute(
                "SELECT quarantine_reason FROM raw.gpu_price_observations "
                "WHERE md5(CAST(struct_pack(*COLUMNS(* EXCLUDE (_ingested_at))) AS VARCHAR)) = ?",
                [digest],
            ).fetchone()
        assert case.says and reason and all(s in reason for s in case.says), reason
    else:
        raise AssertionError(case.outcome)


@pytest.mark.fault("bad_input")
@pytest.mark.parametrize("case_id", sorted(GRID_CASES))
def test_bad_grid_json(case_id: str, baselines, tmp_path: Path, measured) -> None:
    doc, expected = GRID_CASES[case_id]
    db = tmp_path / "greenlm.duckdb"
    shutil.copy(baselines("grid_carbon_intensity"), db)
    before = table_state(db, "grid_carbon_intensity")
    path = tmp_path / "global_energy_mix.json"
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc))
    with duckdb.connect(str(db)) as con, pytest.raises(RawLoadError) as err:
        load_raw_table(
            con,
            "grid_carbon_intensity",
            sources.read_grid_carbon_intensity(path),
            source="codecarbon_global_energy_mix",
            source_ref=str(path),
            source_file=str(path),
            key_columns=("country_iso3",),
        )
    assert str(path) in str(err.value) and expected in str(err.value), str(err.value)
    after = table_state(db, "grid_carbon_intensity")
    measured(
        rows_lost=before.rows_lost_to(after),
        duplicates=duplicate_rows(db, "grid_carbon_intensity", ("country_iso3",)),
    )
    assert after == before
