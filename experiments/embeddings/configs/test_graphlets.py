"""Smoke run of the graphlet experiment (< 30 s on CPU): the induced subgraph of PPI on its first
500 node ids, 16-dim embeddings, one split."""
from experiments.embeddings.configs import graphlets


def get_config():
    c = graphlets.get_config()
    c.timing_only = []
    c.node_limit = 500
    c.dim = 16
    c.concat_dim = 2
    c.rw_windows = [1, 2]
    c.final_rw_windows = [2]
    c.sweep_repeats = 1
    c.train_ratios = [0.5]
    c.repeats = 1
    c.paired_repeats = 2
    return c
