"""Shared helpers of the fault suite: table fingerprints, sandboxed snapshots, one-asset runs."""

from __future__ import annotations

import shutil
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import duckdb

from greenlm_assets.lib.raw_load import quote_ident
from tests.conftest import load_defs, materialize_all

REPO = Path(__file__).resolve().parents[2]
SNAPSHOTS = REPO / "data" / "snapshots"


@dataclass(frozen=True)
class TableState:
    """A table's exact contents (checksum incl. load timestamps) and the multiset of its rows without them."""

    rows: int
    checksum: str
    row_digests: Counter

    def rows_lost_to(self, after: TableState) -> int:
        """Rows of this state that are missing from ``after`` (data columns compared, not load timestamps)."""
        return sum((self.row_digests - after.row_digests).values())


def table_state(db: Path, table: str, where: str = "true", params: Sequence[object] = ()) -> TableState:
    """Fingerprint ``raw.<table>`` (optionally a slice: ``where`` is a predicate with ``?`` bound from ``params``)."""
    with duckdb.connect(str(db)) as con:
        exists = con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'raw' AND table_name = ?",
            [table],
        ).fetchone()[0]
        if not exists:
            return TableState(0, "", Counter())
        rows, checksum = con.execute(
            f"SELECT count(*), coalesce(md5(string_agg(CAST(t AS VARCHAR), '|' ORDER BY CAST(t AS VARCHAR))), '') "
            f"FROM raw.{quote_ident(table)} AS t WHERE {where}",
            list(params),
        ).fetchone()
        digests = con.execute(
            f"SELECT md5(CAST(struct_pack(*COLUMNS(* EXCLUDE (_ingested_at))) AS VARCHAR)) "
            f"FROM raw.{quote_ident(table)} WHERE {where}",
            list(params),
        ).fetchall()
    return TableState(rows, checksum, Counter(d for (d,) in digests))


def duplicate_rows(
    db: Path, table: str, keys: tuple[str, ...], where: str = "true", params: Sequence[object] = ()
) -> int:
    """Rows beyond the first per key (0 when the key is unique)."""
    cols = ", ".join(quote_ident(k) for k in keys)
    with duckdb.connect(str(db)) as con:
        return con.execute(
            f"SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) AS n FROM raw.{quote_ident(table)} "
            f"WHERE {where} GROUP BY {cols})",
            list(params),
        ).fetchone()[0]


def copy_snapshots(dest: Path, *folders: str) -> Path:
    """Copy shipped snapshot folders under ``dest`` (the sandbox that GREENLM_SNAPSHOTS_DIR points at)."""
    for folder in folders:
        shutil.copytree(SNAPSHOTS / folder, dest / folder, dirs_exist_ok=True)
    return dest


_DEFS: dg.Definitions | None = None


def defs() -> dg.Definitions:
    global _DEFS
    if _DEFS is None:
        _DEFS = load_defs()
    return _DEFS


def run(selection: str) -> dg.ExecuteInProcessResult:
    """Materialize ``selection`` in-process with resources bound to the current GREENLM_* environment."""
    return materialize_all(defs(), selection=selection)


def failure_message(result: dg.ExecuteInProcessResult) -> str:
    failures = [e for e in result.all_events if e.is_step_failure]
    assert failures, "expected a failed step"
    parts = []
    for e in failures:
        parts.append(str(e.step_failure_data.error))
        user = e.step_failure_data.user_failure_data
        if user is not None:  # dg.Failure metadata, e.g. the scrape's per-provider errors
            parts += [f"{k}: {v.value}" for k, v in (user.metadata or {}).items()]
    return "\n".join(parts)
