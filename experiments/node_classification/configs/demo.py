"""`make demo`: GCN and GAT on the Cora copy shipped inside the package (no data root needed)."""
from experiments.node_classification.configs import default


def get_config():
    c = default.get_config()
    c.dataset = "cora-embedded"
    c.seeds = (0,)
    c.overrides = {"gat": {"train": {"num_epochs": 300}}}
    return c
