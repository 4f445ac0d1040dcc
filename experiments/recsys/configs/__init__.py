"""Configs of experiments/recsys: ``default`` (full CPU run) and ``test`` (smoke)."""
