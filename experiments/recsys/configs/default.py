"""Sheaf recommender vs LightGCN vs BPR-MF (Purificato et al., arXiv 2304.09097; He et al., SIGIR
2020): Recall@20 / NDCG@20 with full ranking over unseen items, mean +- std over 3 seeds, on

* ``planted``: 600 users x 400 items, 8 planted communities, p_in = 0.8, ~20 interactions per user
  (:func:`jaxgraph.apps.recsys.data.planted_communities`), random 80/20 per-user split;
* ``bitcoin-otc``: positive ratings rater -> ratee, time-ordered 80/20 per-user split;
* ``movielens-100k``: every rating, time-ordered 80/20 per-user split -- only when the user-supplied
  ``movielens/ml-100k/u.data`` is found (``optional``), else a "not run" row.

Hyper-parameters (all models alike): embedding size 32, 3 propagation layers, Adam lr 5e-3, batch
1024, L2 1e-4 on the batch's layer-0 embeddings (LightGCN's regulariser), one uniform true
negative per positive per epoch. Sheaf: stalk dimension 4 (8 channels), map learner at 0.1 x lr.
"""
import ml_collections


def get_config():
    c = ml_collections.ConfigDict()
    c.k = 20
    c.seeds = [0, 1, 2]
    c.eval_batch_users = 256
    c.datasets = [
        dict(name="planted", kind="planted", num_users=600, num_items=400, num_communities=8,
             mean_degree=20.0, p_in=0.8, zipf=0.8, seed=0, test_frac=0.2, epochs=50),
        dict(name="bitcoin-otc", kind="bitcoin-otc", min_rating=1, test_frac=0.2, epochs=30),
        dict(name="movielens-100k", kind="movielens-100k", test_frac=0.2, optional=True, epochs=30),
    ]
    model = dict(dim=32, num_layers=3, stalk_dim=4)
    c.models = [
        dict(name="mf", kind="mf", **model),
        dict(name="lightgcn", kind="lightgcn", **model),
        dict(name="sheaf", kind="sheaf", maps="orthogonal", **model),
        dict(name="sheaf-diag", kind="sheaf", maps="diag", **model),
    ]
    c.train = dict(epochs=50, batch_size=1024, lr=5e-3, l2=1e-4, init_std=0.1, map_lr_scale=0.1)
    return c


def quick_overrides():
    """What :func:`jaxgraph.apps.recsys.train.quick_claim` changes for ``quick=True``."""
    return {"dataset": {}, "train": {}, "seeds": [0]}  # the default planted set, one seed
