"""Seconds-long smoke configuration: a small planted-community set, 2 epochs, 2 seeds, tiny models."""
from experiments.recsys.configs import default


def get_config():
    c = default.get_config()
    c.seeds = [0, 1]
    c.datasets = [dict(name="planted", kind="planted", num_users=60, num_items=40, num_communities=3,
                       mean_degree=8.0, p_in=0.8, zipf=0.8, seed=0, test_frac=0.2, epochs=2)]
    for m in c.models:
        m.update(dim=8, num_layers=2, stalk_dim=2)
    c.train.epochs = 2
    c.train.batch_size = 128
    c.eval_batch_users = 16
    return c
