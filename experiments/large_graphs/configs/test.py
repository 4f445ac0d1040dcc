"""Seconds-long smoke run: Cora GCN, one seed, a few epochs; a tiny products-like graph."""
from experiments.large_graphs.configs import default


def get_config():
    c = default.get_config()
    c.models = ("gcn",)
    c.seeds = (0,)
    c.workers = 1
    c.train = dict(hidden=16, dropout=0.5, learning_rate=0.01, weight_decay=5e-4, epochs=3, fanouts=(10, 5),
                   batch_size=70, num_parts=8, parts_per_batch=4)
    c.products = dict(
        scale=0.0005, model="sage", methods=["sampled"],
        train=dict(hidden=16, dropout=0.5, learning_rate=0.01, weight_decay=0.0, epochs=1, fanouts=(5, 5),
                   batch_size=64, num_parts=8, parts_per_batch=2, eval_mode="full", eval_every=1),
    )
    return c
