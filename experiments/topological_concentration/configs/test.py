"""Seconds-long smoke configuration: Cora, 1 seed, 20 epochs, hidden 16, both models."""
from experiments.topological_concentration.configs import default


def get_config():
    c = default.get_config()
    c.datasets = ["cora"]
    c.seeds = [0]
    c.atc_dim = 16
    c.train = dict(hidden=16, num_layers=2, decoder="dot", learning_rate=0.02, epochs=20, eval_every=5, hits_k=100)
    return c
