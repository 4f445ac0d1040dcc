"""Smoke configuration of the IRWE experiment: one small role graph and the karate club as the
community graph, a few training steps (seconds on a CPU)."""
from experiments.embeddings.configs import irwe


def get_config():
    c = irwe.get_config()
    c.irwe = dict(dim=16, steps=30, batch_size=64, negatives=3, learning_rate=1e-2, alpha=1.0,
                  corpus_walks=2, corpus_length=10, window=3, id_walks=16, id_length=4,
                  id_attention_walks=4, pos_walks=4, pos_length=4)
    c.deepwalk = dict(dim=16, walks_per_node=2, walk_length=10, window=3, negatives=3)
    c.roles = dict(families=["houses"], scale=1, noise=0.05, train_ratio=0.5, repeats=2, irwe=dict())
    c.cora = dict(dataset="karate", val_fraction=0.05, test_fraction=0.15, heldout_fraction=0.15)
    return c
