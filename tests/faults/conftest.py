"""Fault suite: every test here is marked ``@pytest.mark.fault(kind)`` and may record what it measured.

At the end of a full run of ``tests/faults`` (no ``-k``/``-m`` filter, every fault test collected), the hook below
writes ``data/reliability/summary.json`` (override with ``GREENLM_RELIABILITY_SUMMARY``): per kind, the cases tried
and passed, and the rows lost / duplicate rows the tests measured. ``python -m tests.faults.render_readme`` turns it
into the "Reliability" table of docs/reliability.md, so the figures are never typed by hand.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

FAULTS_DIR = Path(__file__).resolve().parent
REPO = FAULTS_DIR.parents[1]
SUMMARY_PATH = REPO / "data" / "reliability" / "summary.json"
KINDS = {
    "bad_input": "bad inputs tried",
    "network": "network faults tried",
    "concurrency": "concurrent runs (two processes on one DuckDB file)",
    "crash": "crashes injected",
    "hostile": "hostile-string flows",
    "exposure": "exposure checks",
}

_items: dict[str, str] = {}  # nodeid -> kind
_results: dict[str, dict] = {}
_seconds: dict[str, float] = {}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        marker = item.get_closest_marker("fault")
        if marker is not None:
            kind = marker.args[0]
            assert kind in KINDS, f"{item.nodeid}: unknown fault kind {kind!r}"
            _items[item.nodeid] = kind


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.nodeid not in _items:
        return
    _seconds[report.nodeid] = _seconds.get(report.nodeid, 0.0) + report.duration  # setup + call + teardown
    if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
        measured = dict(report.user_properties)
        _results[report.nodeid] = {
            "id": report.nodeid.removeprefix("tests/faults/"),
            "kind": _items[report.nodeid],
            "outcome": report.outcome,
            "rows_lost": int(measured.get("rows_lost", 0)),
            "duplicates": int(measured.get("duplicates", 0)),
            "detail": str(measured.get("detail", ""))[:300],
            "duration_s": round(report.duration, 2),
        }


def _full_run(session: pytest.Session) -> bool:
    opt = session.config.option
    if getattr(opt, "keyword", "") or getattr(opt, "markexpr", ""):
        return False
    files = {Path(p).name for p in FAULTS_DIR.glob("test_*.py")}
    collected = {nodeid.split("::")[0].rsplit("/", 1)[-1] for nodeid in _items}
    return bool(_items) and files <= collected and set(_items) == set(_results)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if not _full_run(session):
        return
    cases = sorted(_results.values(), key=lambda r: r["id"])
    kinds = {
        kind: {
            "label": label,
            "tried": sum(c["kind"] == kind for c in cases),
            "passed": sum(c["kind"] == kind and c["outcome"] == "passed" for c in cases),
        }
        for kind, label in KINDS.items()
    }
    summary = {
        "generated_by": "pytest tests/faults (hook in tests/faults/conftest.py)",
        "generated_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        # Time spent in the fault cases themselves (module fixtures included), not in the rest of a `make test` run.
        "duration_s": round(sum(_seconds.values()), 1),
        "kinds": kinds,
        "cases_tried": len(cases),
        "cases_passed": sum(c["outcome"] == "passed" for c in cases),
        "rows_lost": sum(c["rows_lost"] for c in cases),
        "duplicates": sum(c["duplicates"] for c in cases),
        "cases": cases,
    }
    path = Path(os.environ.get("GREENLM_RELIABILITY_SUMMARY", SUMMARY_PATH))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(summary, indent=1) + "\n")


@pytest.fixture()
def measured(record_property: Callable[[str, object], None]) -> Callable[..., None]:
    """``measured(rows_lost=..., duplicates=..., detail=...)``: figures a fault case observed, for the summary."""

    def _record(*, rows_lost: int = 0, duplicates: int = 0, detail: str = "") -> None:
        record_property("rows_lost", rows_lost)
        record_property("duplicates", duplicates)
        if detail:
            record_property("detail", detail)

    return _record
