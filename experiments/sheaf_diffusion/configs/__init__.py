"""Configs of experiments/sheaf_diffusion: ``default`` (presets by dataset group) and ``test`` (smoke)."""
