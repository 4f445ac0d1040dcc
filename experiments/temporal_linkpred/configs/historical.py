"""UCI, transductive, evaluated against historical negatives (a destination the source really
contacted before, not the current one; Poursafaei et al. 2022) instead of random ones."""
from experiments.temporal_linkpred.configs import default


def get_config():
    c = default.get_config()
    c.datasets = ["uci"]
    c.settings = ["transductive"]
    c.train.eval_neg_kind = "historical"
    return c
