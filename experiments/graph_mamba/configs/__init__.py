"""Configs of experiments/graph_mamba: ``default`` (full CPU run) and ``test`` (smoke)."""
