"""Model catalog: raw loads and counts, quarantine, bad input, idempotent refresh, dbt marts, name normalisation."""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
import pytest

from greenlm_assets.defs.automation.leaderboard_refresh import leaderboard_refresh, leaderboard_refresh_job
from greenlm_assets.defs.ingest.epoch_notable_models import epoch_notable_models
from greenlm_assets.defs.ingest.llm_perf import llm_perf_runs
from greenlm_assets.defs.ingest.ml_energy import ml_energy_runs
from greenlm_assets.defs.ingest.open_llm_leaderboard import open_llm_leaderboard_v1, open_llm_leaderboard_v2
from greenlm_assets.defs.resources import GreenLMDuckDBResource
from greenlm_assets.lib.catalog import llm_perf, ml_energy
from greenlm_assets.lib.catalog.leaderboard import SNAPSHOT_FILES, SnapshotLeaderboardClient
from greenlm_assets.lib.raw_load import RawLoadError

SNAPSHOTS = Path(__file__).resolve().parents[2] / "data" / "snapshots"
CATALOG_COUNTS = {
    "open_llm_leaderboard_v1": 7169,
    "open_llm_leaderboard_v2": 4576,
    "llm_perf_runs": 1013,
    "ml_energy_runs": 1412,
    "epoch_notable_models": 895,
}
BOARDS = [open_llm_leaderboard_v1, open_llm_leaderboard_v2]


def _run(assets: list, db: Path, snapshots: Path | None = None) -> dg.ExecuteInProcessResult:
    resources = {
        "duckdb": GreenLMDuckDBResource(database=str(db)),
        "leaderboard_client": SnapshotLeaderboardClient(snapshots_dir=str(snapshots) if snapshots else None),
    }
    return dg.materialize(assets, resources=resources, raise_on_error=False)


def _failure(result: dg.ExecuteInProcessResult) -> str:
    return str(next(e for e in result.all_events if e.is_step_failure).step_failure_data.error)


# ---------------------------------------------------------------- platform (every asset, real dbt build)


def test_catalog_raw_counts_and_provenance(con) -> None:
    for table, n in CATALOG_COUNTS.items():
        assert con.execute(f"SELECT count(*) FROM raw.{table}").fetchone()[0] == n, table
        assert con.execute(f"SELECT count(*) FROM raw.{table} WHERE _source_ref IS NULL").fetchone()[0] == 0
    by_vintage = dict(con.execute("SELECT vintage, count(*) FROM raw.ml_energy_runs GROUP BY 1").fetchall())
    assert by_vintage == {"v1_2023": 260, "v2_2024": 314, "v3_2026": 838}
    assert con.execute("SELECT count(*) FROM raw.catalog_quarantine").fetchone()[0] == 0
    assert con.execute(
        "SELECT board, mode, row_count FROM raw.open_llm_leaderboard_fetches ORDER BY board"
    ).fetchall() == [("v1", "snapshot", 7169), ("v2", "snapshot", 4576)]


def test_third_party_runs_contract_and_scopes(con) -> None:
    cols = [r[0] for r in con.execute("DESCRIBE intermediate.int_third_party_runs_unioned").fetchall()]
    assert cols[:16] == [
        "model_key", "source_model_id", "params_b", "hardware", "backend", "precision", "quantization",
        "batch_size", "tokens_per_s", "j_per_output_token", "wh_per_1k_tokens", "avg_power_w", "energy_scope",
        "weights", "source", "source_vintage",
    ]  # fmt: skip
    scopes = dict(
        con.execute(
            "SELECT source, string_agg(DISTINCT energy_scope) FROM intermediate.int_third_party_runs_unioned "
            "GROUP BY 1"
        ).fetchall()
    )
    assert scopes == {
        "llm_perf": "machine",
        "ml_energy_v1": "gpu",
        "ml_energy_v2": "gpu",
        "ml_energy_v3": "gpu",
    }
    # One LLM-Perf A100 run recomputed from its raw row: J/token = 3.6e6 / (decode tokens per kWh).
    raw_eff, j, wh, hw = con.execute(
        "SELECT r.decode_efficiency_tokens_per_kwh, u.j_per_output_token, u.wh_per_1k_tokens, u.hardware "
        "FROM raw.llm_perf_runs AS r JOIN intermediate.int_third_party_runs_unioned AS u "
        "ON u.run_id = r.source_file || '#' || r.config_name || '#' || r.model_id "
        "WHERE r.subset = 'unquantized' AND r.machine = '1xA100' ORDER BY r.source_row LIMIT 1"
    ).fetchone()
    assert j == pytest.approx(3.6e6 / raw_eff) and wh == pytest.approx(j / 3.6) and hw == "A100-80GB"
    quant = {
        r[0]
        for r in con.execute(
            "SELECT DISTINCT quantization FROM intermediate.int_third_party_runs_unioned"
        ).fetchall()
    }
    assert {"none", "bnb-4bit", "gptq-4bit", "fp8"} <= quant


def test_dim_models_joins_one_identity_across_sources(con) -> None:
    n, unique = con.execute("SELECT count(*), count(DISTINCT model_key) FROM marts.dim_models").fetchone()
    assert n == unique > 10_000
    row = con.execute(
        "SELECT model_id, params_b, size_class, precision, bytes_per_param, weight_memory_gb, eval_g_co2e, "
        "leaderboard_v2_average_score, ml_energy_runs, training_co2_t, training_model_name, sources "
        "FROM marts.dim_models WHERE model_key = 'llama-3.1-8b-instruct'"
    ).fetchone()
    model_id, params, size, precision, bpp, mem, co2, score, ml_runs, train_co2, card, sources = row
    assert model_id == "meta-llama/Llama-3.1-8B-Instruct"
    assert size == "LLM" and params == pytest.approx(8.03, abs=0.01) and mem == pytest.approx(params * bpp)
    assert co2 > 0 and score > 0 and ml_runs > 0
    assert card == "Llama 3.1 8B" and train_co2 > 0
    assert {"open_llm_leaderboard_v2", "ml_energy"} <= set(sources)
    # Llama 2 7B: Epoch's snapshot says 70 B parameters; the contradiction is flagged, not resolved.
    assert con.execute(
        "SELECT params_b, training_facts_contradict, training_contradictions FROM marts.dim_models "
        "WHERE model_key = 'llama-2-7b'"
    ).fetchone() == (pytest.approx(6.74, abs=0.01), True, "params")
    unmatched = con.execute("SELECT count(*) FROM intermediate.int_model_aliases_unmatched").fetchone()[0]
    assert 0 < unmatched < 600


# ---------------------------------------------------------------- refresh, quarantine, bad input (own tmp DB)


@pytest.fixture()
def board_snapshots(tmp_path: Path) -> Path:
    snaps = tmp_path / "snapshots"
    for rel in SNAPSHOT_FILES.values():
        (snaps / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(SNAPSHOTS / rel, snaps / rel)
    return snaps


def test_refresh_is_idempotent_and_keeps_every_changed_fetch(board_snapshots: Path, tmp_path: Path) -> None:
    db = tmp_path / "refresh.duckdb"
    for _ in range(3):
        assert _run(BOARDS, db, board_snapshots).success
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM raw.open_llm_leaderboard_fetches").fetchone()[0] == 2
        assert (
            con.execute("SELECT count(*) FROM raw.open_llm_leaderboard_history").fetchone()[0] == 7169 + 4576
        )
    # The board changes (one submission's score revised): a new fetch, the old one kept, the table = latest.
    v2 = board_snapshots / SNAPSHOT_FILES["v2"]
    df = pd.read_csv(v2, dtype=str, keep_default_na=False)
    df.loc[0, "model_average_score"] = "99.5"
    df.to_csv(v2, index=False)
    assert _run([open_llm_leaderboard_v2], db, board_snapshots).success
    with duckdb.connect(str(db), read_only=True) as con:
        assert (
            con.execute(
                "SELECT count(*) FROM raw.open_llm_leaderboard_fetches WHERE board = 'v2'"
            ).fetchone()[0]
            == 2
        )
        scores = con.execute(
            "SELECT h.average_score FROM raw.open_llm_leaderboard_history AS h WHERE h.submission_id = ? "
            "ORDER BY h._ingested_at",
            [df.loc[0, "id"]],
        ).fetchall()
        assert len(scores) == 2 and scores[-1] == (99.5,)
        assert (
            con.execute("SELECT max(model_average_score) FROM raw.open_llm_leaderboard_v2").fetchone()[0]
            == 99.5
        )
    # The job and daily schedule that drive this.
    assert (
        leaderboard_refresh.job_name == leaderboard_refresh_job.name
        and leaderboard_refresh.cron_schedule.endswith("* * *")
    )


def test_quarantine_duplicates_and_absurd_params(board_snapshots: Path, tmp_path: Path) -> None:
    v1 = board_snapshots / SNAPSHOT_FILES["v1"]
    df = pd.read_csv(v1, dtype=str, keep_default_na=False)
    df.loc[5, "params_b"] = "20000"  # > 10,000 B
    df.loc[6, "params_b"] = "-7"
    df = pd.concat([df, df.iloc[[10]]], ignore_index=True)  # a duplicate (fullname, precision)
    df.to_csv(v1, index=False)
    db = tmp_path / "q.duckdb"
    result = _run([open_llm_leaderboard_v1], db, board_snapshots)
    assert result.success
    meta = result.asset_materializations_for_node("raw__open_llm_leaderboard_v1")[0].metadata
    assert meta["quarantined_rows"].value == 3 and meta["dagster/row_count"].value == 7169 - 2
    with duckdb.connect(str(db), read_only=True) as con:
        reasons = dict(con.execute("SELECT source_row, reason FROM raw.catalog_quarantine").fetchall())
    assert reasons == {
        7: "absurd parameter count (params_b > 10,000 B)",
        8: "negative parameter count (params_b < 0)",
        7171: "duplicate key (fullname, precision)",
    }


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda p: p.write_text(""), "file is empty"),
        (lambda p: p.write_text(p.read_text().splitlines()[0] + "\n"), "no data rows"),
        (lambda p: p.write_text("\n".join(p.read_text().splitlines()[:3])[:-40]), "truncated file"),
        (
            lambda p: p.write_bytes(b'fullname,precision,average,params_b\n"unterminated,\xff\n'),
            "not a readable CSV",
        ),
        (
            lambda p: p.write_text(p.read_text().replace("fullname", "full_name", 1)),
            "missing required column(s) ['fullname']",
        ),
        (
            lambda p: p.write_text(p.read_text().replace(",81.31,", ",lots,", 1)),
            "field 'average' = 'lots' is not a valid DOUBLE",
        ),
    ],
    ids=["empty", "header_only", "truncated", "malformed", "renamed_column", "wrong_type"],
)
def test_bad_leaderboard_fails_naming_file_and_keeps_previous(
    board_snapshots, tmp_path, edit, expected
) -> None:
    db = tmp_path / "bad.duckdb"
    assert _run([open_llm_leaderboard_v1], db, board_snapshots).success
    path = board_snapshots / SNAPSHOT_FILES["v1"]
    edit(path)
    bad = _run([open_llm_leaderboard_v1], db, board_snapshots)
    assert not bad.success
    message = _failure(bad)
    assert str(path) in message and expected in message, message
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM raw.open_llm_leaderboard_v1").fetchone()[0] == 7169


def test_third_party_parsers_reject_drift(tmp_path: Path) -> None:
    perf = tmp_path / "perf-df-pytorch-cuda-unquantized-1xA100.csv"
    perf.write_text("config.name,config.backend.model\nx,m\n")
    with pytest.raises(RawLoadError, match=r"missing required column\(s\) \['config.backend.name'\]"):
        llm_perf.read_llm_perf_file(perf)
    perf.write_text(
        "config.name,config.backend.name,config.backend.model,report.decode.energy.unit\nx,pytorch,m,Wh\n"
    )
    with pytest.raises(
        RawLoadError, match="field 'report.decode.energy.unit' has unit \\['Wh'\\], expected 'kWh'"
    ):
        llm_perf.read_llm_perf_file(perf)
    odd = tmp_path / "results.csv"
    odd.write_text("config.name\n")
    with pytest.raises(RawLoadError, match="perf-df-<backend>"):
        llm_perf.read_llm_perf_file(odd)
    v3 = tmp_path / "v3.csv"
    v3.write_text("model_id,gpu_model\nm,H100\n")
    with pytest.raises(RawLoadError, match=r"v3.csv: missing required column\(s\)"):
        ml_energy.read_ml_energy_v3(v3)
    with pytest.raises(RawLoadError, match="models.json: unreadable model registry"):
        ml_energy.read_ml_energy_v1(tmp_path)


def test_third_party_assets_materialize_into_tmp_db(tmp_path: Path) -> None:
    db = tmp_path / "tp.duckdb"
    result = _run([llm_perf_runs, ml_energy_runs, epoch_notable_models], db)
    assert result.success
    assert all(e.passed for e in result.get_asset_check_evaluations())
    with duckdb.connect(str(db), read_only=True) as con:
        for table in ("llm_perf_runs", "ml_energy_runs", "epoch_notable_models"):
            assert con.execute(f"SELECT count(*) FROM raw.{table}").fetchone()[0] == CATALOG_COUNTS[table]
        # Failures are kept with their traceback (keep every source string), not dropped.
        assert (
            con.execute("SELECT count(*) FROM raw.llm_perf_runs WHERE traceback IS NOT NULL").fetchone()[0]
            > 0
        )
