"""The asset graph as data: keys, groups, deps, kinds, owners, checks, automation, partitions.

``tests/platform/test_asset_graph_snapshot.py`` compares it with ``tests/snapshots/asset_graph.json`` so that a refactoring
that moves files cannot silently change what the code location defines. After an intended change, rewrite the
snapshot and review its diff::

    .venv/bin/python -m tests.graph_snapshot --update
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

SNAPSHOT = Path(__file__).parent / "snapshots" / "asset_graph.json"


# Settings that change the graph's shape (lib/settings.py): the snapshot pins them, so it does not depend on the
# environment it runs in. Offline (all unset) is what `make run` and CI load; campaigns on is what a fleet loads.
SHAPE_SETTINGS = ("GREENLM_RAY_ADDRESS", "GREENLM_LIVE", "GREENLM_CAMPAIGNS")


@contextmanager
def _environment(**values: str) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in SHAPE_SETTINGS}
    try:
        for name in SHAPE_SETTINGS:
            os.environ.pop(name, None)
        os.environ.update(values)
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def graph_snapshot() -> dict[str, Any]:
    """The offline graph (every shape setting unset) plus, under ``campaigns_on``, the assets that differ when
    measurement campaigns are enabled (``GREENLM_CAMPAIGNS=1``)."""
    with _environment():
        offline = _assets()
    with _environment(GREENLM_CAMPAIGNS="1"):
        campaigns = _assets()
    campaigns_on = {k: v for k, v in campaigns.items() if offline.get(k) != v}
    return {"asset_count": len(offline), "assets": offline, "campaigns_on": campaigns_on}


def _assets() -> dict[str, Any]:
    from tests.conftest import load_defs

    graph = load_defs().resolve_asset_graph()
    assets: dict[str, Any] = {}
    for key in sorted(graph.get_all_asset_keys(), key=lambda k: k.to_user_string()):
        node = graph.get(key)
        condition = node.automation_condition
        assets[key.to_user_string()] = {
            "group": node.group_name,
            "kinds": sorted(node.kinds),
            "owners": sorted(node.owners),
            "deps": sorted(k.to_user_string() for k in node.parent_keys),
            "checks": sorted(c.name for c in node.check_keys),
            "automation": condition.get_label() or type(condition).__name__ if condition else None,
            "partitions": type(node.partitions_def).__name__ if node.partitions_def else None,
            "executable": node.is_executable,
        }
    return assets


def main(argv: list[str]) -> int:
    current = graph_snapshot()
    if "--update" in argv:
        SNAPSHOT.parent.mkdir(parents=True, exist_ok=True)
        SNAPSHOT.write_text(json.dumps(current, indent=1, sort_keys=True) + "\n")
        print(f"wrote {SNAPSHOT} ({current['asset_count']} assets)")
        return 0
    expected = json.loads(SNAPSHOT.read_text())
    return 0 if expected == current else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
