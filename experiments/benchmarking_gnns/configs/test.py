"""Smoke configuration (< 30 s on CPU): CSL fold 0, GCN with and without Laplacian PE, tiny width."""
from experiments.benchmarking_gnns.configs import default


def get_config():
    c = default.get_config("csl")
    c.models = ("GCN", "GCN-PE")
    c.folds = (0,)
    c.seeds = (0,)
    c.hidden = 16  # fixed small width: no budget search in the smoke run
    c.epochs.csl = 2
    c.batch_size.csl = 30
    return c
