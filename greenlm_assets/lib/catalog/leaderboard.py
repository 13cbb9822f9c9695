"""Open LLM Leaderboard clients: the shipped snapshot and the live Hugging Face dataset, behind one interface.

``LeaderboardClient`` is a Dagster ``ConfigurableResource``; the ingest assets only call ``fetch(board)``.
``SnapshotLeaderboardClient`` (the default) reads ``data/snapshots/open_llm_leaderboard/``;
``LiveLeaderboardClient`` downloads the ``open-llm-leaderboard/contents`` parquet over HTTPS (httpx, retries with
exponential backoff on 429/5xx and transport errors, a timeout, a User-Agent) and maps its display column names to
the raw table's. :func:`leaderboard_client_from_env` picks live only when ``GREENLM_LIVE=1``.
"""

from __future__ import annotations

import hashlib
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import Literal

import dagster as dg
import duckdb
import httpx
import pandas as pd
from pydantic import Field
from tenacity import RetryError, Retrying, retry_if_exception, stop_after_attempt, wait_exponential

from greenlm_assets.lib import settings
from greenlm_assets.lib.http_retry import wait_retry_after
from greenlm_assets.lib.paths import snapshot_dir
from greenlm_assets.lib.raw_load import (
    ROW_COLUMN,
    RawLoadError,
    Rule,
    quote_ident,
    read_csv_fast,
    relation_to_frame,
    stage_csv,
)

Board = Literal["v1", "v2"]
BOARDS: tuple[Board, ...] = ("v1", "v2")
SNAPSHOT_FILES: dict[str, str] = {
    "v1": "open_llm_leaderboard/open_llm_leaderboard_v1_2025-03-21.csv",
    "v2": "open_llm_leaderboard/open_llm_leaderboard_v2_2025-03-21.csv",
}
TABLES: dict[str, str] = {"v1": "open_llm_leaderboard_v1", "v2": "open_llm_leaderboard_v2"}
KEY_COLUMNS: dict[str, tuple[str, ...]] = {"v1": ("fullname", "precision"), "v2": ("id",)}
REQUIRED: dict[str, tuple[str, ...]] = {
    "v1": ("fullname", "precision", "average", "params_b"),
    "v2": ("id", "model_name", "model_precision", "model_average_score", "metadata_params_billions"),
}
PARAMS_COLUMN = {"v1": "params_b", "v2": "metadata_params_billions"}
MAX_PARAMS_B = 10_000  # no published language model is anywhere near 10 trillion parameters

USER_AGENT = "greenlm/0.1 (+https://github.com/greenlm; model catalog)"
HF_BASE_URL = "https://huggingface.co"
CONTENTS_DATASET = "open-llm-leaderboard/contents"
CONTENTS_PARQUET = "data/train-00000-of-00001.parquet"

# HF `contents` parquet display names -> raw.open_llm_leaderboard_v2 columns (mapping documented in SOURCE.txt).
HF_V2_COLUMNS: dict[str, str] = {
    "fullname": "model_name",
    "Model sha": "model_sha",
    "Precision": "model_precision",
    "Weight type": "model_weight_type",
    "Architecture": "model_architecture",
    "Average ⬆️": "model_average_score",
    "Chat Template": "model_has_chat_template",
    "IFEval Raw": "evaluations_ifeval_value",
    "IFEval": "evaluations_ifeval_normalized_score",
    "BBH Raw": "evaluations_bbh_value",
    "BBH": "evaluations_bbh_normalized_score",
    "MATH Lvl 5 Raw": "evaluations_math_value",
    "MATH Lvl 5": "evaluations_math_normalized_score",
    "GPQA Raw": "evaluations_gpqa_value",
    "GPQA": "evaluations_gpqa_normalized_score",
    "MUSR Raw": "evaluations_musr_value",
    "MUSR": "evaluations_musr_normalized_score",
    "MMLU-PRO Raw": "evaluations_mmlu_pro_value",
    "MMLU-PRO": "evaluations_mmlu_pro_normalized_score",
    "Available on the hub": "features_is_not_available_on_hub",
    "Merged": "features_is_merged",
    "MoE": "features_is_moe",
    "Flagged": "features_is_flagged",
    "Official Providers": "features_is_official_provider",
    "Upload To Hub Date": "metadata_upload_date",
    "Submission Date": "metadata_submission_date",
    "Generation": "metadata_generation",
    "Base Model": "metadata_base_model",
    "Hub License": "metadata_hub_license",
    "Hub ❤️": "metadata_hub_hearts",
    "#Params (B)": "metadata_params_billions",
    "CO₂ cost (kg)": "metadata_co2_cost",
}
# The Space API export names each benchmark; the parquet does not, so the names are constants.
HF_V2_EVAL_NAMES = {
    "ifeval": "IFEval",
    "bbh": "BBH",
    "math": "MATH Level 5",
    "gpqa": "GPQA",
    "musr": "MUSR",
    "mmlu_pro": "MMLU-PRO",
}
HF_V2_REQUIRED = ("fullname", "Precision", "Model sha", "Average ⬆️", "#Params (B)", "Type")


@dataclass(frozen=True)
class LeaderboardFetch:
    """One fetch of one board and where it came from: a CSV ``path`` (read by DuckDB when loaded) or the rows
    already in memory (``rows``: raw column names + ``_row``, from the live parquet)."""

    board: Board
    mode: str  # "snapshot" or "live"
    location: str  # file path or URL
    source_ref: str
    content_sha256: str
    fetched_at: datetime
    path: Path | None = None
    rows: pd.DataFrame | None = None

    @property
    def fetch_id(self) -> str:
        return self.content_sha256[:16]

    @cached_property
    def frame(self) -> pd.DataFrame:
        """The rows as a frame (the CSV is parsed on first use; the load path uses :meth:`stage` instead)."""
        if self.rows is not None:
            return self.rows
        assert self.path is not None
        return read_csv_fast(
            self.path, REQUIRED[self.board], source=f"Open LLM Leaderboard {self.board} snapshot"
        )

    def stage(self, con: duckdb.DuckDBPyConnection, staged: str) -> None:
        """Put the rows into temp table ``staged`` of ``con``: a CSV goes file -> DuckDB with no Python in between."""
        if self.rows is None:
            assert self.path is not None
            stage_csv(con, self.path, staged, required=REQUIRED[self.board])
            return
        con.register("_fetch_rows", self.rows)
        try:
            con.execute(f"CREATE OR REPLACE TEMP TABLE {quote_ident(staged)} AS SELECT * FROM _fetch_rows")
        finally:
            con.unregister("_fetch_rows")


def quarantine_rules(board: Board) -> list[Rule]:
    """Row rules applied before loading (duplicates are handled by the key)."""
    p = f"TRY_CAST({quote_ident(PARAMS_COLUMN[board])} AS DOUBLE)"
    return [
        # -1 and 0 are the boards' "size unknown" sentinels (staging turns them into NULL); other values must be sane.
        Rule(f"{p} < -1", f"negative parameter count ({PARAMS_COLUMN[board]} < 0)"),
        Rule(
            f"{p} > {MAX_PARAMS_B}", f"absurd parameter count ({PARAMS_COLUMN[board]} > {MAX_PARAMS_B:,} B)"
        ),
    ]


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def snapshot_source_ref(path: Path) -> str:
    from greenlm_assets.lib.sources import source_ref_for

    return source_ref_for(path)


def read_snapshot(board: Board, path: Path) -> LeaderboardFetch:
    """A leaderboard CSV in the raw table's column names (the fboulnois export); DuckDB reads it when loaded."""
    if not path.exists():
        raise RawLoadError(f"{path}: file not found (Open LLM Leaderboard {board} snapshot)")
    return LeaderboardFetch(
        board=board,
        path=path,
        mode="snapshot",
        location=str(path),
        source_ref=snapshot_source_ref(path),
        content_sha256=sha256_file(path),
        fetched_at=datetime.now(UTC).replace(tzinfo=None),
    )


def hf_contents_to_v2(parquet: Path, url: str) -> pd.DataFrame:
    """Map the HF ``contents`` parquet (display column names) onto raw.open_llm_leaderboard_v2's columns."""
    con = duckdb.connect()
    try:
        try:
            rel = con.sql("SELECT * FROM read_parquet(?)", params=[str(parquet)])
        except duckdb.Error as exc:
            raise RawLoadError(f"{url}: not a readable parquet file: {str(exc).splitlines()[0]}") from exc
        missing = [c for c in HF_V2_REQUIRED if c not in rel.columns]
        if missing:
            raise RawLoadError(f"{url}: missing required column(s) {missing}; found {rel.columns[:12]}")

        def col(name: str) -> str:
            # Absent optional columns become NULL (schema drift in optional fields is tolerated, not invented).
            return f"CAST({quote_ident(name)} AS VARCHAR)" if name in rel.columns else "CAST(NULL AS VARCHAR)"

        selects = [f"{col(src)} AS {dst}" for src, dst in HF_V2_COLUMNS.items()]
        selects += [f"? AS evaluations_{key}_name" for key in HF_V2_EVAL_NAMES]  # the labels, bound below
        # "💬 chat models (RLHF, ...)" -> "chatmodels", as the Space API export spells the type.
        selects.append(
            "regexp_replace(regexp_replace(lower(CAST(\"Type\" AS VARCHAR)), '\\s*\\(.*$', ''), "
            "'[^a-z-]', '', 'g') AS model_type"
        )
        # id = <fullname>_<precision>_<sha>_<chat_template>, the Space API's submission id.
        selects.append(
            'concat_ws(\'_\', fullname, CAST("Precision" AS VARCHAR), CAST("Model sha" AS VARCHAR), '
            + (
                "CASE WHEN CAST(\"Chat Template\" AS BOOLEAN) THEN 'True' ELSE 'False' END"
                if "Chat Template" in rel.columns
                else "'False'"
            )
            + ") AS id"
        )
        frame = relation_to_frame(
            con.sql("SELECT " + ", ".join(selects) + " FROM rel", params=list(HF_V2_EVAL_NAMES.values()))
        )
        frame[ROW_COLUMN] = range(1, len(frame) + 1)  # parquet record number
        return frame
    finally:
        con.close()


def _retryable(exc: BaseException) -> bool:
    if isinstance(exc, httpx.HTTPStatusError):
        return exc.response.status_code == 429 or exc.response.status_code >= 500
    return isinstance(exc, httpx.TransportError)  # timeouts, connection resets, DNS


class LeaderboardClient(dg.ConfigurableResource):
    """Interface: ``fetch(board)`` returns one :class:`LeaderboardFetch`."""

    def fetch(self, board: Board) -> LeaderboardFetch:
        raise NotImplementedError


class SnapshotLeaderboardClient(LeaderboardClient):
    """The shipped CSV snapshot (offline default). ``snapshots_dir`` overrides ``GREENLM_SNAPSHOTS_DIR``."""

    snapshots_dir: str | None = None

    def fetch(self, board: Board) -> LeaderboardFetch:
        root = Path(self.snapshots_dir) if self.snapshots_dir else snapshot_dir()
        return read_snapshot(board, root / SNAPSHOT_FILES[board])


class LiveLeaderboardClient(LeaderboardClient):
    """Downloads the board from the Hugging Face Hub (``open-llm-leaderboard/contents``).

    The v1 board was frozen in 2024-06 and has no maintained parquet; unless ``v1_url`` is set, v1 is read from the
    shipped snapshot and the fetch says so (mode ``snapshot``).
    """

    base_url: str = HF_BASE_URL
    dataset: str = CONTENTS_DATASET
    revision: str = "main"
    parquet_path: str = CONTENTS_PARQUET
    v1_url: str | None = None
    timeout_s: float = Field(default=60.0, gt=0)
    max_attempts: int = Field(default=5, ge=1)
    backoff_s: float = Field(default=1.0, ge=0, description="first retry wait; doubles up to 30 s")
    hf_token_env: str = "HF_TOKEN"

    def url(self) -> str:
        return (
            f"{self.base_url.rstrip('/')}/datasets/{self.dataset}/resolve/{self.revision}/{self.parquet_path}"
        )

    def download(self, url: str) -> bytes:
        """GET ``url`` with retries on 429/5xx/transport errors; raise RawLoadError naming the URL when it gives up."""
        headers = {"User-Agent": USER_AGENT}
        if token := settings.secret(self.hf_token_env):
            headers["Authorization"] = f"Bearer {token}"
        retrying = Retrying(
            retry=retry_if_exception(_retryable),
            wait=wait_retry_after(wait_exponential(multiplier=self.backoff_s, max=30)),
            stop=stop_after_attempt(self.max_attempts),
        )
        try:
            with httpx.Client(timeout=self.timeout_s, headers=headers, follow_redirects=True) as client:
                for attempt in retrying:
                    with attempt:
                        response = client.get(url)
                        response.raise_for_status()
                        return response.content
        except RetryError as exc:
            last = exc.last_attempt.exception()
            raise RawLoadError(
                f"{url}: Open LLM Leaderboard live fetch failed after {self.max_attempts} attempts: {_describe(last)}"
            ) from last
        except httpx.HTTPError as exc:  # 4xx (not retried), a redirect loop, an invalid URL
            raise RawLoadError(f"{url}: Open LLM Leaderboard live fetch failed: {_describe(exc)}") from exc
        raise AssertionError("unreachable")  # pragma: no cover

    def fetch(self, board: Board) -> LeaderboardFetch:
        if board == "v1" and not self.v1_url:
            return SnapshotLeaderboardClient().fetch("v1")
        url = self.v1_url if board == "v1" else self.url()
        assert url is not None
        body = self.download(url)
        if not body:
            raise RawLoadError(f"{url}: empty response body")
        digest = hashlib.sha256(body).hexdigest()
        with tempfile.TemporaryDirectory(prefix="greenlm-leaderboard-") as tmp:
            path = Path(tmp) / "board.parquet"
            path.write_bytes(body)
            if board == "v2":
                frame = hf_contents_to_v2(path, url)
            else:
                con = duckdb.connect()
                try:
                    frame = relation_to_frame(con.sql("SELECT * FROM read_parquet(?)", params=[str(path)]))
                    frame[ROW_COLUMN] = range(1, len(frame) + 1)
                except duckdb.Error as exc:
                    raise RawLoadError(f"{url}: not a readable parquet file: {exc}") from exc
                finally:
                    con.close()
        if frame.empty:
            raise RawLoadError(f"{url}: no data rows")
        fetched_at = datetime.now(UTC).replace(tzinfo=None)
        return LeaderboardFetch(
            board=board,
            rows=frame,
            mode="live",
            location=url,
            source_ref=f"{url} (fetched {fetched_at:%Y-%m-%dT%H:%M:%SZ}, sha256 {digest[:16]})",
            content_sha256=digest,
            fetched_at=fetched_at,
        )


def _describe(exc: BaseException | None) -> str:
    if isinstance(exc, httpx.HTTPStatusError):
        return f"HTTP {exc.response.status_code} {exc.response.reason_phrase}"
    if isinstance(exc, httpx.TimeoutException):
        return f"timeout ({type(exc).__name__})"
    return f"{type(exc).__name__}: {exc}"


def leaderboard_client_from_env() -> LeaderboardClient:
    """Live when ``GREENLM_LIVE=1`` (base URL overridable with ``GREENLM_HF_BASE_URL``), else the snapshot."""
    if settings.live():
        return LiveLeaderboardClient(base_url=settings.hf_base_url())
    return SnapshotLeaderboardClient()
