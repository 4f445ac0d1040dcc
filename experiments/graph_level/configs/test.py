"""Smoke configuration (< 30 s on CPU): 1-layer width-8 GCN, plain and GNN+, 2 epochs, 40 graphs
of the triangle-counting task (each (dataset, backbone, variant) compiles once, ~8 s each)."""
from experiments.graph_level.configs import default


def get_config():
    c = default.get_config()
    c.datasets = ("count-triangle",)
    c.backbones = ("gcn",)
    c.seeds = (0,)
    c.epochs = 2
    c.hidden = 8
    c.num_layers = 1
    c.pe_dim = 4
    c.batch_size = 32
    c.max_graphs = 40
    c.counting_graphs = 40
    c.max_seconds = 20.0
    return c
