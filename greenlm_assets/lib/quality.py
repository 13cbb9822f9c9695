"""Reading GreenLM's committed quality runs (``greenlm-bench quality`` rows) for ``raw.quality_runs``."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from greenlm_assets.lib import settings
from greenlm_assets.lib.raw_load import ROW_COLUMN, RawLoadError, contract_columns, validate

TABLE = "quality_runs"
QUALITY_DIR = settings.QUALITY_DIR.default_path()
KEY_COLUMNS = ("run_id",)


def quality_dir() -> Path:
    """The folder of ``quality_*.jsonl`` files, overridable with ``GREENLM_QUALITY_DIR`` (tests)."""
    return settings.QUALITY_DIR.path()


def quality_files(folder: Path | None = None) -> list[Path]:
    """The row files; the ``*_answers.jsonl`` sidecars (per-question answers) are not rows."""
    folder = folder or quality_dir()
    return sorted(p for p in folder.glob("quality_*.jsonl") if not p.name.endswith("_answers.jsonl"))


def _read_file(path: Path) -> pd.DataFrame:
    records = []
    for line_no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as exc:
            raise RawLoadError(f"{path}:{line_no}: not valid JSON ({exc.msg} at column {exc.colno})") from exc
        if not isinstance(rec, dict):
            raise RawLoadError(f"{path}:{line_no}: expected a JSON object, got {type(rec).__name__}")
        rec.update(source_file=path.name, source_row=line_no)
        rec[ROW_COLUMN] = line_no
        records.append(rec)
    df = pd.DataFrame.from_records(records)
    # A column that no row of this file has (e.g. scores in a file of not_run rows) is a null column, unless the
    # contract requires it: then validate() names the file and the field.
    for col in contract_columns(TABLE):
        if col.name not in df.columns and not col.not_null and not col.name.startswith("_"):
            df[col.name] = None
    validate(df, TABLE, str(path), KEY_COLUMNS)
    return df


def read_quality_runs(folder: Path | None = None) -> pd.DataFrame:
    """Every row of every ``quality_*.jsonl``; bad JSON or a contract violation raises naming file:line."""
    folder = folder or quality_dir()
    files = quality_files(folder)
    if not files:
        raise RawLoadError(f"{folder}: no quality_*.jsonl files (run `greenlm-bench quality`)")
    df = pd.concat([_read_file(p) for p in files], ignore_index=True)
    for col in ("library_versions",):  # JSON objects are kept as their text
        df[col] = df[col].map(
            lambda v: v if v is None or isinstance(v, str) else json.dumps(v, sort_keys=True)
        )
    return df


def quality_source_ref(folder: Path | None = None) -> str:
    names = ", ".join(p.name for p in quality_files(folder or quality_dir()))
    return f"data/measurements/quality/ ({names or 'no files'}; see README.md there)"
