"""Configs of experiments/graph_level: ``default`` (reduced-epoch CPU run) and ``test`` (smoke)."""
