"""The asset graph as data: keys, groups, deps, kinds, owners, checks, automation, partitions.

``tests/platform/test_asset_graph_snapshot.py`` compares it with ``tests/snapshots/asset_graph.json`` so that a refactoring
that moves files cannot silently change what the code location defines. After an intended change, rewrite the
snapshot and review its diff::

    .venv/bin/python -m tests.graph_snapshot --update
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

SNAPSHOT = Path(__file__).parent / "snapshots" / "asset_graph.json"


def graph_snapshot() -> dict[str, Any]:
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
    return {"asset_count": len(assets), "assets": assets}


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
