"""Configs of experiments/dagnn: ``default`` (presets ``cora``, ``citeseer``, ``depth``, ...) and ``test`` (smoke)."""
