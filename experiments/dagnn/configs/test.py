"""Seconds-long smoke configuration: Cora, 40 epochs; DAGNN accuracy (2 seeds) + depths 1 and 8 (1 seed)."""
from experiments.dagnn.configs import default


def get_config():
    c = default.get_config("accuracy")
    c.accuracy_datasets = ["cora"]
    c.depth_datasets = ["cora"]
    c.num_seeds = 2
    c.depth_num_seeds = 1
    c.depths = [1, 8]
    c.dagnn_train = dict(num_epochs=40)
    c.gcn_model = dict(hidden=16, dropout=0.5)
    c.gcn_train = dict(num_epochs=40, learning_rate=0.01, weight_decay=5e-4)
    c.patience = 10
    return c
