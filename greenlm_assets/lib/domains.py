"""GreenLM's domains: the Dagster asset groups, one per domain, each with its owner.

The domains and their owners are declared once, as dbt groups in ``dbt_project/models/_groups.yml``; dbt models and
seeds get their group in ``dbt_project.yml`` (marts live in ``models/marts/<domain>/``) and dagster-dbt turns it into
the asset's group and owner. The Python assets (raw tables, the benchmark run, charts, the report) get theirs here,
from their asset key, applied to the whole code location by :func:`with_domains` — so a newcomer finds every
asset's domain in one of two tables, and a Python asset that no rule places fails the code location's load.
The layer is the key's first part (``raw/``, ``staging/``, ``marts/``, ``charts/``, ...), never the group.
The same pass gives every asset its ``source`` and ``energy_scope`` tags (greenlm_assets/lib/tags.py).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import dagster as dg
import yaml

from greenlm_assets.lib.paths import DBT_PROJECT_DIR
from greenlm_assets.lib.tags import tags_by_key

GROUPS_FILE = DBT_PROJECT_DIR / "models" / "_groups.yml"


@dataclass(frozen=True)
class Domain:
    name: str
    owner_email: str
    description: str


@functools.cache
def domains() -> dict[str, Domain]:
    """The domains of ``models/_groups.yml``, in its order."""
    groups = yaml.safe_load(GROUPS_FILE.read_text())["groups"]
    return {
        g["name"]: Domain(g["name"], g["owner"]["email"], " ".join(str(g.get("description", "")).split()))
        for g in groups
    }


# Python assets by key. Raw tables: by name. Charts: by the prefix of their name (the chart modules are named so).
RAW_TABLE_DOMAINS: dict[str, str] = {
    "open_llm_leaderboard_v1": "catalog",
    "open_llm_leaderboard_v2": "catalog",
    "epoch_notable_models": "catalog",
    "gpu_name_map": "gpu_market",
    "gpu_price_observations": "gpu_market",
    "gpu_price_scrape": "gpu_market",
    "gpu_purchase_prices": "gpu_market",
    "gpu_specs": "gpu_market",
    "training_footprint": "training",
    "grid_carbon_intensity": "inference",
    "llm_perf_runs": "inference",
    "ml_energy_runs": "inference",
    "quality_runs": "quality",
    "benchmark_runs": "measurements",
    "serving_runs": "measurements",
}
CHART_PREFIX_DOMAINS: tuple[tuple[str, str], ...] = (
    ("own_runs_", "measurements"),
    ("serving_", "measurements"),
    ("seed_", "report"),
    ("campaign_", "report"),
    ("quality_", "quality"),
    ("gpu_", "gpu_market"),
    ("hardware_cost_", "gpu_market"),
    ("training_", "training"),
    ("size_curve_", "training"),
    ("inference_", "inference"),
    ("memory_", "inference"),
    ("model_params_", "inference"),
    ("grid_", "inference"),
)
LAYER_DOMAINS: dict[str, str] = {"measurements": "measurements", "report": "report"}


def domain_of(key: dg.AssetKey) -> str:
    """The domain of a Python asset, from its key; a ``ValueError`` naming the key where no rule places it."""
    layer, name = key.path[0], key.path[-1]
    found: str | None = None
    if layer == "raw":
        found = RAW_TABLE_DOMAINS.get(name)
    elif layer == "charts":
        found = next((d for prefix, d in CHART_PREFIX_DOMAINS if name.startswith(prefix)), None)
    else:
        found = LAYER_DOMAINS.get(layer)
    if found is None:
        raise ValueError(
            f"asset {key.to_user_string()!r} has no domain: add it to greenlm_assets/lib/domains.py "
            f"(domains: {', '.join(domains())})"
        )
    return found


def assign_domain(spec: dg.AssetSpec) -> dg.AssetSpec:
    """A spec in its domain's group with the domain's owner. dbt assets already carry theirs (dbt groups)."""
    known = domains()
    if spec.group_name in known:
        return spec
    domain = known[domain_of(spec.key)]
    return spec.replace_attributes(group_name=domain.name, owners=[domain.owner_email])


def with_domains(assets: Iterable[object]) -> Sequence[object]:
    """Every asset definition and spec of ``assets`` placed in its domain and given its ``source`` and
    ``energy_scope`` tags (other items pass through)."""
    items = list(assets)
    mappable = [a for a in items if isinstance(a, dg.AssetsDefinition | dg.AssetSpec)]
    specs = [s for a in mappable for s in (a.specs if isinstance(a, dg.AssetsDefinition) else [a])]
    tags = tags_by_key({s.key: [d.asset_key for d in s.deps] for s in specs})

    def place(spec: dg.AssetSpec) -> dg.AssetSpec:
        return assign_domain(spec).merge_attributes(tags=tags[spec.key])

    mapped = iter(dg.map_asset_specs(place, mappable))
    return [next(mapped) if isinstance(a, dg.AssetsDefinition | dg.AssetSpec) else a for a in items]
