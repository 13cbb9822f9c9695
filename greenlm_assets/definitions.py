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
from greenlm_assets.lib.live import LIVE_ONLY_ASSETS, LIVE_ONLY_JOBS, LIVE_ONLY_SCHEDULES, MEASURE_ONLY_ASSETS


def offline_view(
    loaded: dg.Definitions, hidden: dict[dg.AssetKey, str] | None = None, live: bool = False
) -> dg.Definitions:
    """``loaded`` with every asset of ``hidden`` (default: the live-only ones) replaced by an external spec whose
    description is its hint; the live-only schedules and jobs are left out unless ``live``."""
    hidden = LIVE_ONLY_ASSETS if hidden is None else hidden
    assets: list = []
    for item in loaded.assets or []:
        keys = set(item.keys) if isinstance(item, dg.AssetsDefinition) else set()
        if keys & hidden.keys():
            if keys - hidden.keys():
                raise ValueError(f"live-only assets must be defined on their own: {sorted(keys)}")
            for spec in item.specs:
                how = hidden[spec.key]
                label = "LIVE ONLY, not run offline." if spec.key in LIVE_ONLY_ASSETS else "CAMPAIGNS OFF."
                assets.append(
                    dg.AssetSpec(
                        key=spec.key,
                        group_name=spec.group_name,
                        owners=spec.owners,
                        kinds=spec.kinds,
                        tags={k: v for k, v in spec.tags.items() if not k.startswith("dagster/kind/")},
                        deps=spec.deps,
                        metadata={
                            **spec.metadata,
                            ("live_only" if spec.key in LIVE_ONLY_ASSETS else "campaigns_off"): True,
                        },
                        description=f"{label} {how}\n\n{spec.description or ''}".strip(),
                    )
                )
            continue
        assets.append(item)
    return copy(
        loaded,
        assets=assets,
        schedules=[s for s in loaded.schedules or [] if live or s.name not in LIVE_ONLY_SCHEDULES],
        jobs=[j for j in loaded.jobs or [] if live or j.name not in LIVE_ONLY_JOBS],
    )


@dg.definitions
def defs() -> dg.Definitions:
    loaded = dg.load_from_defs_folder(path_within_project=Path(__file__).parent)
    loaded = copy(loaded, assets=with_domains(loaded.assets or []))  # groups = domains (lib/domains.py)
    hidden = {} if settings.live() else dict(LIVE_ONLY_ASSETS)
    if not settings.campaigns_enabled():
        hidden.update(MEASURE_ONLY_ASSETS)
    return offline_view(loaded, hidden, live=settings.live()) if hidden else loaded
