"""Smoke configuration (< 60 s on CPU): 3 layers of width 8, batch 8, 2 proven steps."""
from experiments.zkdl.configs import default


def get_config():
    c = default.get_config()
    c.depth = 3
    c.width = 8
    c.batch_size = 8
    c.steps = 2
    c.accuracy_steps = 50
    return c
