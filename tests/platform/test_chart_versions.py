"""A chart's code version covers its own draw function and the helpers it calls, not whole modules.

The behaviour tests write a small package of charts and helpers to a temporary folder, take every chart's version,
edit one function or constant in a fresh copy, import that copy under the same package name and take the versions
again: exactly the charts whose code uses what was edited get a new version. The last tests check the same on the
project's real charts (which helpers are part of which chart's code).
"""

from __future__ import annotations

import hashlib
import importlib
import sys
from itertools import count
from pathlib import Path

import pytest

import greenlm_assets.defs.publish.report  # noqa: F401  (imports every chart module: fills CHARTS)
from greenlm_assets.lib.charts import CHARTS, chart_code_version, drawing_code
from greenlm_assets.lib.code_version import source_closure

PACKAGE = "chartversions_fixture"
HELPERS = '''\
"""Helpers shared by the charts below."""

import functools

COLORS = {"SLM": "teal", "LLM": "orange"}
BASE = 2
SCALE = BASE * 3


def style(kind):
    return COLORS.get(kind, "grey")


def scaled(values):
    return [v * SCALE for v in values]


@functools.cache
def cached_offset():
    return 10


def unused():
    return "called by no chart"
'''
CHARTS_MODULE = '''\
"""Four charts in one module, as own_runs.py had ten."""

from chartversions_fixture import helpers
from chartversions_fixture.helpers import style


def draw_a(data):
    return style(data)


def draw_b(data):
    return helpers.scaled(data)


def draw_c(data):
    return [style(d) for d in data]  # the helper is called from a comprehension


def draw_d(data):
    return len(data) + helpers.cached_offset()
'''
BASE_FILES = {"__init__.py": "", "helpers.py": HELPERS, "charts.py": CHARTS_MODULE}
DRAWS = ("draw_a", "draw_b", "draw_c", "draw_d")
_copies = count()


def versions(tmp_path: Path, files: dict[str, str]) -> dict[str, str]:
    """Each draw function's version, from a fresh copy of the package written to its own folder and imported."""
    root = tmp_path / f"copy{next(_copies)}"
    (root / PACKAGE).mkdir(parents=True)
    for name, text in files.items():
        (root / PACKAGE / name).write_text(text)
    sys.path.insert(0, str(root))
    importlib.invalidate_caches()
    try:
        charts = importlib.import_module(f"{PACKAGE}.charts")
        return {
            name: hashlib.sha256(
                source_closure([getattr(charts, name)], packages=(PACKAGE,)).encode()
            ).hexdigest()
            for name in DRAWS
        }
    finally:
        sys.path.remove(str(root))
        for module in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
            del sys.modules[module]


def edited(module: str, old: str, new: str) -> dict[str, str]:
    text = BASE_FILES[module]
    assert text.count(old) == 1, old
    return {**BASE_FILES, module: text.replace(old, new)}


def changed(tmp_path: Path, files: dict[str, str]) -> set[str]:
    before, after = versions(tmp_path, BASE_FILES), versions(tmp_path, files)
    return {name for name in DRAWS if before[name] != after[name]}


def test_versions_are_stable_and_distinct(tmp_path: Path) -> None:
    first, second = versions(tmp_path, BASE_FILES), versions(tmp_path, BASE_FILES)
    assert first == second  # a fresh import of the same source: the same versions
    assert len(set(first.values())) == len(DRAWS)


@pytest.mark.parametrize(
    ("module", "old", "new", "expected"),
    [
        # one chart's own drawing: that chart only, though all four share a module
        ("charts.py", "return style(data)", "return style(data).upper()", {"draw_a"}),
        ("charts.py", "return len(data) + ", "return 2 * len(data) + ", {"draw_d"}),
        # a helper: exactly the charts that call it (draw_c through a comprehension)
        ("helpers.py", 'COLORS.get(kind, "grey")', 'COLORS.get(kind, "black")', {"draw_a", "draw_c"}),
        (
            "helpers.py",
            "return [v * SCALE for v in values]",
            "return [v * SCALE + 1 for v in values]",
            {"draw_b"},
        ),
        # a constant a helper reads, and a constant that constant is computed from
        ("helpers.py", '"LLM": "orange"', '"LLM": "red"', {"draw_a", "draw_c"}),
        ("helpers.py", "BASE = 2", "BASE = 3", {"draw_b"}),
        # a helper behind functools.cache
        ("helpers.py", "return 10", "return 11", {"draw_d"}),
        # code no chart uses, and lines moved by an edit above: no chart
        ("helpers.py", '"called by no chart"', '"still called by no chart"', set()),
        ("helpers.py", '"""Helpers shared by the charts below."""', '"""Helpers.\n\nShared.\n"""', set()),
    ],
)
def test_an_edit_changes_exactly_the_charts_that_use_it(
    tmp_path: Path, module: str, old: str, new: str, expected: set[str]
) -> None:
    assert changed(tmp_path, edited(module, old, new)) == expected


def test_a_new_chart_in_the_module_changes_no_other_chart(tmp_path: Path) -> None:
    files = {
        **BASE_FILES,
        "charts.py": CHARTS_MODULE + "\n\ndef draw_e(data):\n    return helpers.style(data)\n",
    }
    assert changed(tmp_path, files) == set()


# --- the project's own charts ---------------------------------------------------------------------------------------

OWN_RUNS = sorted(name for name in CHARTS if name.startswith("own_runs_"))


def charts_whose_code_has(text: str, names: list[str]) -> set[str]:
    return {name for name in names if text in drawing_code(CHARTS[name])}


def test_own_runs_charts_hold_only_their_own_draw_function() -> None:
    for name in OWN_RUNS:
        mine = CHARTS[name].draw.__name__
        others = {CHARTS[o].draw.__name__ for o in OWN_RUNS} - {mine}
        code = drawing_code(CHARTS[name])
        assert f"def {mine}(" in code
        assert not [o for o in others if f"def {o}(" in code], name


def test_shared_helpers_belong_to_exactly_the_charts_that_call_them() -> None:
    assert charts_whose_code_has("def legend_right(", OWN_RUNS) == {
        "own_runs_tokens_per_s",
        "own_runs_average_power",
        "own_runs_inference_time",
        "own_runs_j_per_token_vs_params",
        "own_runs_roofline_efficiency",
    }
    assert charts_whose_code_has("def overlay_study_on_model_rows(", OWN_RUNS) == {
        "own_runs_energy_per_answer"
    }
    assert charts_whose_code_has("def study_rows(", OWN_RUNS) == {"own_runs_smollm_135m_study"}
    # the configuration colours: every chart drawn per configuration or per backend, not the others
    assert charts_whose_code_has("BACKEND_COLORS = {", OWN_RUNS) == set(OWN_RUNS) - {
        "own_runs_batch_sweep",
        "own_runs_smollm_135m_study",
        "own_runs_codecarbon_vs_counter",
    }


def test_every_chart_covers_the_house_style_and_how_it_is_saved() -> None:
    for spec in CHARTS.values():
        code = drawing_code(spec)
        assert "STYLE = {" in code and "def save_chart(" in code and "def footnote(" in code, spec.name
        assert "/work/" not in code and "/tmp/" not in code  # no machine paths: the same version everywhere


def test_versions_differ_per_chart_and_follow_the_spec() -> None:
    all_versions = {name: chart_code_version(spec) for name, spec in CHARTS.items()}
    assert len(set(all_versions.values())) == len(CHARTS)
    spec = CHARTS["own_runs_run_to_run"]
    first = next(iter(spec.queries))
    moved = type(spec)(**{**vars(spec), "queries": {**spec.queries, first: spec.queries[first] + " LIMIT 5"}})
    assert chart_code_version(moved) != all_versions["own_runs_run_to_run"]
