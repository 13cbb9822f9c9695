"""Tags that filter the catalog: every asset has a ``source`` from GreenLM's vocabulary, every asset that carries
energy figures an ``energy_scope`` that matches its data, and Dagster's selection syntax filters by them
(greenlm_assets/lib/tags.py, docs/catalog.md "Filtering by tag")."""

from __future__ import annotations

import functools
import re

import dagster as dg
import duckdb
import pytest
from dagster._core.definitions.assets.graph.asset_graph import AssetGraph

from greenlm_assets.lib.tags import (
    ENERGY_SCOPE_TAG,
    ENERGY_SCOPE_VALUES,
    ENERGY_SCOPES,
    ROOT_SOURCES,
    SOURCE_TAG,
    SOURCES,
    sources_by_key,
)
from tests.conftest import load_defs

TABLE_LAYERS = ("raw", "staging", "intermediate", "marts", "reference")
ENERGY_UNITS = {"j", "wh", "kwh", "mwh", "w"}
# Columns in energy units that are not energy figures: hardware ratings and settings, prices per kWh, grid
# intensities (g CO2e per kWh).
NOT_ENERGY = re.compile(r"tdp|power_limit|usd|price|co2e_per_kwh")
ENERGY_UNIT_VALUE = re.compile(r"\b(J|W|Wh|kWh|MWh)\b")
# Tables whose energy units are conversion constants, not energy figures.
CONSTANTS = {"reference/equivalence_constants"}  # kWh per person-year of electricity, ...


@functools.cache
def graph() -> AssetGraph:
    return load_defs().resolve_asset_graph()


def tags_of(key: dg.AssetKey) -> dict[str, str]:
    return {k: v for k, v in graph().get(key).tags.items() if not k.startswith("dagster/")}


def select(selection: str) -> set[str]:
    return {k.to_user_string() for k in dg.AssetSelection.from_string(selection).resolve(graph())}


def test_every_asset_has_a_source_from_the_vocabulary() -> None:
    keys = graph().get_all_asset_keys()
    assert len(keys) > 100
    for key in keys:
        assert tags_of(key).get(SOURCE_TAG) in SOURCES, key.to_user_string()
    used = {tags_of(k)[SOURCE_TAG] for k in keys}
    assert used == set(SOURCES), f"vocabulary entries no asset uses: {set(SOURCES) - used}"
    all_keys = {k.to_user_string() for k in keys}
    assert set(ROOT_SOURCES) <= all_keys, set(ROOT_SOURCES) - all_keys


def test_energy_scopes_name_real_assets_with_known_values() -> None:
    all_keys = {k.to_user_string() for k in graph().get_all_asset_keys()}
    assert set(ENERGY_SCOPES) <= all_keys, f"stale entries: {set(ENERGY_SCOPES) - all_keys}"
    assert set(ENERGY_SCOPES.values()) == set(ENERGY_SCOPE_VALUES)
    tagged = {k.to_user_string(): t[ENERGY_SCOPE_TAG] for k in graph().get_all_asset_keys() if (t := tags_of(k))
              and ENERGY_SCOPE_TAG in t}  # fmt: skip
    assert tagged == ENERGY_SCOPES


def test_tag_values_follow_dagsters_rules() -> None:
    for key in graph().get_all_asset_keys():
        for value in tags_of(key).values():
            assert re.fullmatch(r"[A-Za-z0-9_.-]{1,63}", value), (key, value)


def test_selection_syntax_filters_by_tag() -> None:
    assert select("tag:energy_scope=gpu") == {k for k, s in ENERGY_SCOPES.items() if s == "gpu"}
    assert {"raw/ml_energy_runs", "staging/stg_ml_energy__runs", "charts/inference_energy_vs_batch_size"} <= (
        select("tag:energy_scope=gpu")
    )
    assert "raw/llm_perf_runs" in select("tag:energy_scope=machine")
    assert select("tag:source=ml_energy") == {"raw/ml_energy_runs", "staging/stg_ml_energy__runs"}
    # Everything built from ML.ENERGY's data: the source and everything downstream of it.
    downstream = select("tag:source=ml_energy+")
    assert {"marts/fct_inference_efficiency", "charts/inference_energy_vs_batch_size"} <= downstream
    assert "raw/llm_perf_runs" not in downstream
    # Tags combine with the rest of the syntax, as in the UI's search box.
    both = select('tag:energy_scope=gpu and key:"charts/*"')
    assert both and all(k.startswith("charts/") for k in both)
    assert dg.AssetSelection.tag(ENERGY_SCOPE_TAG, "cpu").resolve(graph()) == {
        dg.AssetKey.from_user_string(k) for k, s in ENERGY_SCOPES.items() if s == "cpu"
    }


def test_source_is_the_one_upstream_source_or_derived() -> None:
    k = dg.AssetKey.from_user_string
    deps = {
        k("raw/ml_energy_runs"): [],
        k("raw/llm_perf_runs"): [],
        k("staging/a"): [k("raw/ml_energy_runs")],
        k("marts/b"): [k("staging/a"), k("raw/llm_perf_runs")],
    }
    assert sources_by_key(deps) == {
        k("raw/ml_energy_runs"): "ml_energy",
        k("raw/llm_perf_runs"): "llm_perf",
        k("staging/a"): "ml_energy",
        k("marts/b"): "derived",
    }


def test_a_root_no_rule_names_fails_naming_it() -> None:
    with pytest.raises(ValueError, match="'raw/brand_new_table' has no source.*greenlm_assets/lib/tags.py"):
        sources_by_key({dg.AssetKey(["raw", "brand_new_table"]): []})


def test_charts_scopes_come_from_their_inputs() -> None:
    """A tagged asset that is not a table (a chart, the report, the benchmark launch) draws on an energy-tagged
    input, and its scope is one its inputs hold (or ``mixed``)."""
    for name, scope in ENERGY_SCOPES.items():
        key = dg.AssetKey.from_user_string(name)
        if key.path[0] in TABLE_LAYERS or name == "measurements/greenlm_bench_run":
            continue
        upstream = {ENERGY_SCOPES.get(p.to_user_string()) for p in graph().get(key).parent_keys} - {None}
        assert upstream, f"{name} is tagged {scope} but none of its inputs carries energy figures"
        assert scope == "mixed" or scope in upstream or "mixed" in upstream, (name, scope, upstream)


def energy_columns(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> list[str]:
    cols = [
        r[0]
        for r in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ?",
            [schema, table],
        ).fetchall()
    ]
    found = [c for c in cols if ENERGY_UNITS & set(c.split("_")) and not NOT_ENERGY.search(c)]
    if "unit" in cols:
        units = con.execute(
            f'SELECT DISTINCT unit FROM "{schema}"."{table}" WHERE unit IS NOT NULL'
        ).fetchall()
        found += [f"unit = {u}" for (u,) in units if ENERGY_UNIT_VALUE.search(u)]
    return found


def test_energy_scope_tags_match_the_materialized_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Every table or view with energy figures (a column in J, Wh, kWh, MWh or W, or such a ``unit``) is tagged and
    every tagged table has some; where the table has an ``energy_scope`` column, the tag is the one scope its rows
    hold, or ``mixed`` where they hold several."""
    relations = con.execute(
        "SELECT table_schema, table_name FROM information_schema.tables ORDER BY 1, 2"
    ).fetchall()
    keys = {k.to_user_string() for k in graph().get_all_asset_keys()}
    checked = 0
    for schema, table in relations:
        name = f"{schema}/{table}"
        if schema not in TABLE_LAYERS or name not in keys:
            continue  # not an asset (raw._ingest_log, ...)
        checked += 1
        found = [] if name in CONSTANTS else energy_columns(con, schema, table)
        scope = ENERGY_SCOPES.get(name)
        assert bool(found) == (scope is not None), f"{name}: energy figures {found}, energy_scope tag {scope}"
        has_scope_column = con.execute(
            "SELECT count(*) FROM information_schema.columns WHERE table_schema = ? AND table_name = ? "
            "AND column_name = 'energy_scope'",
            [schema, table],
        ).fetchone()[0]
        if has_scope_column:
            held = {
                r[0]
                for r in con.execute(f'SELECT DISTINCT energy_scope FROM "{schema}"."{table}"').fetchall()
            }
            held.discard(None)
            assert held, f"{name}: no row has an energy_scope"
            expected = held.pop() if len(held) == 1 else "mixed"
            assert scope == expected, f"{name}: rows hold {sorted(held | {expected})}, tagged {scope}"
    assert checked > 80, checked
