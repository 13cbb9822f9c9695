"""Model catalog: leaderboard clients, third-party run parsers, quarantine and model-identity helpers."""
