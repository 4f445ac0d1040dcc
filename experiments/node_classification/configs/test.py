"""A seconds-long smoke configuration used by the test suite."""
from experiments.node_classification.configs import default


def get_config():
    c = default.get_config()
    c.dataset = "karate"
    c.models = ("gcn",)
    c.seeds = (0,)
    c.progress = False
    c.random_splits = {"count": 2, "train_per_class": 4, "num_val": 8}
    c.overrides = {"gcn": {"train": {"num_epochs": 5}}}
    return c
