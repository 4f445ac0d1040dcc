"""The default run with the official link predictor's decoder and width: ``MLP(h_u ⊙ h_v)``
(one hidden layer, as the official ``M-LP``) on a 2-layer GCN with hidden 256 (official
``run_small.sh``), instead of the default's dot product and hidden 128. It checks whether the
default's budget departures change which topology feature tracks per-node performance.
Training stays full-batch Adam, lr 0.01, 250 epochs; no reweighting run (``alpha = 0``).
"""
from experiments.topological_concentration.configs import default


def get_config():
    c = default.get_config()
    c.train = dict(c.train, hidden=256, decoder="mlp")
    c.alpha = 0.0
    return c
