"""The asset graph (keys, groups, deps, kinds, owners, checks, automation) equals its committed snapshot."""

from __future__ import annotations

import json

from tests.graph_snapshot import SNAPSHOT, graph_snapshot


def test_asset_graph_matches_snapshot() -> None:
    expected = json.loads(SNAPSHOT.read_text())
    current = graph_snapshot()
    added = sorted(set(current["assets"]) - set(expected["assets"]))
    removed = sorted(set(expected["assets"]) - set(current["assets"]))
    changed = sorted(
        k
        for k in set(current["assets"]) & set(expected["assets"])
        if current["assets"][k] != expected["assets"][k]
    )
    assert current["campaigns_on"] == expected["campaigns_on"], "the graph with campaigns enabled changed"
    assert (added, removed, changed) == ([], [], []), (
        "the asset graph changed; if intended, run `.venv/bin/python -m tests.graph_snapshot --update` "
        "and review the snapshot's diff"
    )
