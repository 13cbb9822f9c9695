"""The GreenLM code location: everything under ``defs/`` is discovered and merged.

Offline (the default, ``GREENLM_LIVE`` unset) the live-only assets are shown as external assets: they stay in the
lineage with a description that says how to enable them, but "Materialize all" (UI, any group or the whole graph)
leaves them out, so an offline run never fails on them and nothing downstream turns red. Their schedules and jobs
exist only in live mode. Start ``GREENLM_LIVE=1 make dev`` to get them as materializable assets.
"""

from pathlib import Path

import dagster as dg
from dagster_shared.record import copy

from greenlm_assets.lib import settings
from greenlm_assets.lib.domains import with_domains
from greenlm_assets.lib.live import LIVE_ONLY_ASSETS, LIVE_ONLY_JOBS, LIVE_ONLY_SCHEDULES


def offline_view(loaded: dg.Definitions) -> dg.Definitions:
    """``loaded`` with every live-only asset replaced by an external spec, its schedules and jobs left out."""
    assets: list = []
    for item in loaded.assets or []:
        keys = set(item.keys) if isinstance(item, dg.AssetsDefinition) else set()
        if keys & LIVE_ONLY_ASSETS.keys():
            if keys - LIVE_ONLY_ASSETS.keys():
                raise ValueError(f"live-only assets must be defined on their own: {sorted(keys)}")
            for spec in item.specs:
                how = LIVE_ONLY_ASSETS[spec.key]
                assets.append(
                    dg.AssetSpec(
                        key=spec.key,
                        group_name=spec.group_name,
                        owners=spec.owners,
                        kinds=spec.kinds,
                        tags={k: v for k, v in spec.tags.items() if not k.startswith("dagster/kind/")},
                        deps=spec.deps,
                        metadata={**spec.metadata, "live_only": True},
                        description=f"LIVE ONLY, not run offline. {how}\n\n{spec.description or ''}".strip(),
                    )
                )
            continue
        assets.append(item)
    return copy(
        loaded,
        assets=assets,
        schedules=[s for s in loaded.schedules or [] if s.name not in LIVE_ONLY_SCHEDULES],
        jobs=[j for j in loaded.jobs or [] if j.name not in LIVE_ONLY_JOBS],
    )


@dg.definitions
def defs() -> dg.Definitions:
    loaded = dg.load_from_defs_folder(path_within_project=Path(__file__).parent)
    loaded = copy(loaded, assets=with_domains(loaded.assets or []))  # groups = domains (lib/domains.py)
    return loaded if settings.live() else offline_view(loaded)
