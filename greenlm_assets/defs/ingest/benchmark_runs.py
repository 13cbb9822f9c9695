"""GreenLM's own benchmark runs: a tiny real run of ``greenlm-bench`` through Dagster Pipes, and ``raw.benchmark_runs``.

The heavy ML work lives in ``jobs/`` and runs in a subprocess; Dagster only launches it (``PipesSubprocessClient``)
and reads back what it reported. ``raw.benchmark_runs`` holds the committed measurements (``data/measurements/*.jsonl``)
plus the latest fresh run. The default fresh run is a smoke test, deliberately tiny (SmolLM-135M, random weights,
1 prompt, 2 new tokens, 1-s windows) so that ``make run`` stays quick on a 2-core CPU; its rows have
``min_window_s < 5``, the staging model marks them ``meets_protocol = false``, and no mart or chart shows them.

The smoke run proves that the harness still runs end to end; with the same harness code, configuration, libraries
and CPU it has nothing new to prove, so it is not run again (``skipped_unchanged``): the previous fresh file stays
as it was, ``raw.benchmark_runs`` sees the same bytes and is not reloaded, and an unchanged ``make run`` does not
rebuild dbt. Any change of those inputs (or ``force: true`` in the run config) runs it again. A re-run that only
replaced the row would not help: every run measures different timings, so the raw table would change anyway.
"""

import hashlib
import json
import sys
from pathlib import Path

import dagster as dg
import pandas as pd
from dagster_duckdb import DuckDBResource
from pydantic import Field

from greenlm_assets.lib import raw_load, settings
from greenlm_assets.lib.fingerprint import fingerprint
from greenlm_assets.lib.paths import REPO_ROOT
from greenlm_assets.lib.raw_assets import DUCKDB_POOL, RawIngestConfig, md_preview, table_data_version
from greenlm_assets.lib.raw_load import (
    RawLoadError,
    load_raw_table,
    read_ddl,
    unchanged_rows,
)

TABLE = "benchmark_runs"
MEASUREMENTS_DIR = settings.MEASUREMENTS_DIR.default_path()
REQUIRED = ("run_id", "config_hash", "timestamp_utc", "status", "model_key", "backend", "precision", "device")


def measurements_dir() -> Path:
    return settings.MEASUREMENTS_DIR.path()


def fresh_runs_file() -> Path:
    """Where the Pipes run writes; beside the DuckDB file, so each platform (and each test) has its own."""
    return settings.bench_fresh_file()


class BenchmarkRunConfig(dg.Config):
    """One ``greenlm-bench run``; the defaults are a tiny real CPU run (seconds), not a measurement campaign."""

    model: str = "smollm-135m"
    backend: str = "pytorch"
    precision: str = "fp32"
    device: str = "cpu"
    prompts: str = "squad50"
    n_prompts: int = 1
    batch_size: int = 1
    new_tokens: int = 2
    max_prompt_tokens: int = 32
    repeats: int = 2
    warmup: int = 1
    min_window_s: float = 1.0
    idle_s: float = 1.0
    country: str = "FRA"
    codecarbon: bool = True
    # a smoke run is never published (meets_protocol = false), so a developer's uncommitted edits do not stop it; its
    # row records the tree's state (git_dirty, allow_dirty) like any other
    allow_dirty: bool = True
    force: bool = Field(default=False, description="run again even when nothing that decides the run changed")

    def argv(self, out: Path) -> list[str]:
        return [
            sys.executable, "-m", "jobs.cli", "run",
            "--model", self.model, "--backend", self.backend, "--precision", self.precision,
            "--device", self.device, "--prompts", self.prompts, "--n-prompts", str(self.n_prompts),
            "--batch-size", str(self.batch_size), "--new-tokens", str(self.new_tokens),
            "--max-prompt-tokens", str(self.max_prompt_tokens), "--repeats", str(self.repeats),
            "--warmup", str(self.warmup), "--min-window-s", str(self.min_window_s), "--idle-s", str(self.idle_s),
            "--country", self.country, "--codecarbon" if self.codecarbon else "--no-codecarbon",
            *(["--allow-dirty"] if self.allow_dirty else []), "--out", str(out),
        ]  # fmt: skip


JOBS_DIR = REPO_ROOT / "jobs"


def smoke_inputs_sha(config: BenchmarkRunConfig) -> str:
    """sha256 of what decides a smoke run: its arguments, the harness's files (``jobs/``, compiled caches left out),
    this module, the Python, library versions and the CPU it runs on."""
    from jobs import provenance as prov  # light: no torch import

    digest = hashlib.sha256()
    for path in sorted(JOBS_DIR.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
            digest.update(f"\0file\0{path.relative_to(JOBS_DIR)}\0".encode() + path.read_bytes())
    identity = {
        "argv": config.argv(Path("OUT"))[1:],  # the interpreter's path is not an input; its version is
        "module": Path(__file__).read_bytes().decode(),
        "python": sys.version,
        "libraries": prov.library_versions(),
        "cpu": [prov.cpu_model(), prov.cpu_cores()],
    }
    digest.update(json.dumps(identity, sort_keys=True).encode())
    return digest.hexdigest()


def _inputs_file(out: Path) -> Path:
    return out.with_name(out.name + ".inputs.sha256")


def _fresh_rows_ok(out: Path) -> list[dict] | None:
    """The fresh file's rows when every one finished (``status = ok``), else None (missing, empty or failed)."""
    if not out.exists():
        return None
    try:
        rows = [json.loads(line) for line in out.read_text().splitlines() if line.strip()]
    except json.JSONDecodeError:
        return None
    return rows if rows and all(r.get("status") == "ok" for r in rows) else None


@dg.asset(
    key=["measurements", "greenlm_bench_run"],
    kinds={"python", "pytorch"},
    pool=DUCKDB_POOL,  # not a DuckDB writer, but it keeps the CPU to itself while it measures
    description="Runs `greenlm-bench run` (jobs/cli.py) in a subprocess through Dagster Pipes; "
    "writes the fresh rows to a JSONL file that raw.benchmark_runs loads.",
)
def greenlm_bench_run(
    context: dg.AssetExecutionContext,
    config: BenchmarkRunConfig,
    pipes_subprocess_client: dg.PipesSubprocessClient,
) -> dg.MaterializeResult:
    out = fresh_runs_file()
    out.parent.mkdir(parents=True, exist_ok=True)
    inputs_sha = smoke_inputs_sha(config)
    stamp = _inputs_file(out)
    previous = _fresh_rows_ok(out)
    if not config.force and previous and stamp.exists() and stamp.read_text().strip() == inputs_sha:
        context.log.info(
            f"greenlm-bench smoke run unchanged (inputs {inputs_sha[:12]}): {out} kept, not run again"
        )
        return dg.MaterializeResult(
            data_version=dg.DataVersion(hashlib.sha256(out.read_bytes()).hexdigest()),
            metadata={"skipped_unchanged": True, "fresh_file": str(out), "rows_read": len(previous),
                      "inputs_sha256": inputs_sha},
        )  # fmt: skip
    out.unlink(missing_ok=True)  # the latest run only: a fresh file per materialization
    stamp.unlink(missing_ok=True)
    env = {"PYTHONPATH": settings.python_path_with(REPO_ROOT)}
    result = pipes_subprocess_client.run(
        command=config.argv(out), context=context, cwd=str(REPO_ROOT), env=env
    ).get_materialize_result()
    rows = [json.loads(line) for line in out.read_text().splitlines()] if out.exists() else []
    failed = [r for r in rows if r.get("status") != "ok"]
    if failed:
        raise dg.Failure(f"greenlm-bench run failed: {failed[0].get('failure_reason')}")
    if rows:
        stamp.write_text(inputs_sha + "\n")  # only a finished run is kept as "unchanged" next time
    return dg.MaterializeResult(
        data_version=dg.DataVersion(hashlib.sha256(out.read_bytes()).hexdigest()) if out.exists() else None,
        metadata={**(result.metadata or {}), "skipped_unchanged": False, "fresh_file": str(out),
                  "rows_read": len(rows), "inputs_sha256": inputs_sha},
    )  # fmt: skip


def read_runs(files: list[Path]) -> pd.DataFrame:
    """Every row of every JSONL file, reindexed to the contract; bad lines raise naming file, line and field."""
    return raw_load.read_jsonl_rows(files, TABLE, REQUIRED, cell=_cell)


def _cell(value: object) -> object:
    """Lists and objects (``windows_s``; ``per_window`` when not already text) travel as JSON text: staging parses
    them."""
    return json.dumps(value) if isinstance(value, list | dict) else value


def _rel(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(REPO_ROOT))
    except ValueError:
        return str(path)


@dg.asset(
    key=["raw", TABLE],
    kinds={"duckdb", "python"},
    pool=DUCKDB_POOL,
    deps=[greenlm_bench_run, dg.AssetKey(["measurements", "campaign_runs"])],
    description="GreenLM's own measured benchmark runs: committed data/measurements/*.jsonl, the latest "
    "fresh Pipes run and every campaign cell's rows, one row per measured configuration (docs/MEASUREMENT.md).",
    check_specs=[
        dg.AssetCheckSpec("run_id_unique", asset=dg.AssetKey(["raw", TABLE])),
        dg.AssetCheckSpec("ok_rows_are_complete", asset=dg.AssetKey(["raw", TABLE])),
    ],
    metadata={"dagster/table_name": f"raw.{TABLE}", "key_columns": ["run_id"]},
)
def benchmark_runs(
    context: dg.AssetExecutionContext, config: RawIngestConfig, duckdb: DuckDBResource
) -> dg.MaterializeResult:
    committed = sorted(measurements_dir().glob("*.jsonl"))
    fresh = fresh_runs_file()
    # campaign cells (measurements/campaign_runs): one append-only JSONL per measured configuration
    cells = sorted(settings.campaign_runs_dir().glob("*.jsonl"))
    files = committed + ([fresh] if fresh.exists() else []) + cells
    if not files:
        raise RawLoadError(f"{measurements_dir()}: no *.jsonl measurement files")
    ref = "; ".join(_rel(f) for f in files) + " (see data/measurements/README.md)"
    # Which files, their bytes, this reader and the contract: a new measurement file or a fresh run reloads.
    sha = fingerprint(files, modules=[sys.modules[__name__], raw_load], texts=[ref, read_ddl(TABLE)])
    with duckdb.get_connection() as con:
        n = None if config.force or sha is None else unchanged_rows(con, TABLE, sha)
        skipped = n is not None
        if n is None:
            n = load_raw_table(
                con,
                TABLE,
                read_runs(files),
                source="greenlm_bench",
                source_ref=ref,
                source_file=", ".join(map(_rel, files)),
                key_columns=(
                    "run_id",
                ),  # a row appended twice (or a copied file) is refused, not loaded twice
                content_sha256=sha,
                allow_shrink=config.force,
            )
        version = table_data_version(con, TABLE)
        dupes, incomplete, by_status, preview = (
            con.execute(f"SELECT count(*) - count(DISTINCT run_id) FROM raw.{TABLE}").fetchone()[0],
            con.execute(
                f"SELECT count(*) FROM raw.{TABLE} WHERE status = 'ok' AND (tokens_per_s IS NULL OR "
                "tokens_per_s <= 0 OR tokens_out_total IS NULL OR energy_scope IS NULL)"
            ).fetchone()[0],
            dict(con.execute(f"SELECT status, count(*) FROM raw.{TABLE} GROUP BY 1").fetchall()),
            con.execute(
                f"SELECT model_key, backend, precision, device, batch_size, round(tokens_per_s, 1) AS tok_s, "
                f"round(j_per_output_token, 3) AS j_tok, energy_source FROM raw.{TABLE} LIMIT 8"
            ).df(),
        )
    context.log.info(
        f"raw.{TABLE}: {n} rows from {len(files)} file(s)" + (" (unchanged, not reloaded)" if skipped else "")
    )
    return dg.MaterializeResult(
        data_version=version,
        metadata={
            "dagster/row_count": n,
            "skipped_unchanged": skipped,
            "rows_by_status": json.dumps(by_status),
            "files": ref,
            "preview": md_preview(preview, 8),
        },
        check_results=[
            dg.AssetCheckResult(
                check_name="run_id_unique", passed=dupes == 0, metadata={"duplicates": dupes}
            ),
            dg.AssetCheckResult(
                check_name="ok_rows_are_complete",
                passed=incomplete == 0,
                metadata={"incomplete_ok_rows": incomplete},
            ),
        ],
    )
