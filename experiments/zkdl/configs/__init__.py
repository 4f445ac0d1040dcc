"""Configs of experiments/zkdl: ``default`` (reduced-width CPU run) and ``test`` (smoke)."""
