"""Seconds-long smoke configuration for the test suite (UCI, a few batches, tiny models)."""
from experiments.temporal_linkpred.configs import default


def get_config():
    c = default.get_config()
    c.datasets = ["uci"]
    c.settings = ["transductive", "inductive"]
    c.train.epochs = 1
    c.train.batch_size = 100
    c.train.max_train_batches = 4
    c.train.max_eval_batches = 3
    c.models.nat = dict(m1=8, m2=4, self_dim=16, ngh_dim=4, pos_dim=8, heads=1, hidden=16)
    c.models.tgn = dict(memory_dim=16, embed_dim=16, heads=1, num_neighbors=5)
    c.models.cawn = dict(num_walks=4, walk_len=2)
    return c
