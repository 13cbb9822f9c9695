"""Groups are GreenLM's domains: every asset of the code location is in one of the domains of
dbt_project/models/_groups.yml, with that domain's owner, and the layer is only the key's prefix."""

from collections import Counter

import dagster as dg
import pytest

from greenlm_assets.lib.domains import domain_of, domains
from tests.conftest import load_defs

LAYERS = {"raw", "staging", "intermediate", "marts", "reference", "charts", "report", "measurements"}


def test_every_asset_is_in_a_domain_with_its_owner() -> None:
    graph = load_defs().get_repository_def().asset_graph
    known = domains()
    assert list(known) == [
        "catalog",
        "gpu_market",
        "training",
        "inference",
        "quality",
        "measurements",
        "report",
    ]
    groups: Counter[str] = Counter()
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        assert node.group_name in known, key.to_user_string()
        assert list(node.owners) == [known[node.group_name].owner_email], key.to_user_string()
        assert key.path[0] in LAYERS, key.to_user_string()
        groups[node.group_name] += 1
    assert set(groups) == set(known), groups  # every domain holds assets


@pytest.mark.parametrize(
    ("key", "domain"),
    [
        (["raw", "training_footprint"], "training"),
        (["raw", "gpu_price_scrape"], "gpu_market"),
        (["charts", "own_runs_batch_sweep"], "measurements"),
        (["charts", "seed_studies_side_by_side"], "report"),
        (["charts", "hardware_cost_by_model"], "gpu_market"),
        (["measurements", "greenlm_bench_run"], "measurements"),
        (["report", "greenlm_report"], "report"),
    ],
)
def test_python_assets_by_key(key: list[str], domain: str) -> None:
    assert domain_of(dg.AssetKey(key)) == domain


def test_an_asset_no_rule_places_fails_naming_it() -> None:
    with pytest.raises(
        ValueError, match="'charts/brand_new_chart' has no domain.*greenlm_assets/lib/domains.py"
    ):
        domain_of(dg.AssetKey(["charts", "brand_new_chart"]))
