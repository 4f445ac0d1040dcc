"""Smoke configuration (a few compilations per model; ~1 min of CPU): ring transfer k = 3 with a 2-layer GCN, 2 MUTAG folds,
few epochs, scaling at 256 and 1024 nodes."""
from experiments.graph_mamba.configs import default


def get_config():
    c = default.get_config()
    c.seeds = [0]
    c.pe_dim = 4
    for m in ("gmn", "gcn", "transformer"):
        c.models[m].hidden = 16
    c.models.gcn.num_layers = 2
    c.models.transformer.num_layers = 1
    c.tokens.num_hops = 3
    c.tokens.max_size = 8
    c.ring.update(dict(k=3, num_train=32, num_test=32, batch_size=32, epochs=2))
    c.tu.update(dict(num_folds=1, batch_size=200, epochs=1))
    c.tu.tokens.update(dict(num_hops=2, repeats=1))
    c.scaling.update(dict(sizes=[256, 1024], repeats=1, fit_min_nodes=256,
                          time_limit_nodes=dict(gmn=1024, gcn=1024, transformer=1024)))
    c.scaling.tokens.update(dict(num_hops=2))
    return c
