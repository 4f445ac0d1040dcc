"""Seconds-long smoke configuration for the test suite."""
from experiments.graph_classification.configs import default


def get_config():
    c = default.get_config()
    c.datasets = ("mutag",)
    c.folds = (0, 1)
    c.num_epochs = 3
    c.progress = False
    c.model_overrides = {"hidden": 16, "num_layers": 3}
    return c
