"""GCN and GAT on Cora's public split, 10 seeds each, the papers' hyperparameters."""
import ml_collections


def get_config():
    c = ml_collections.ConfigDict()
    c.dataset = "cora"
    c.models = ("gcn", "gat")
    c.seeds = tuple(range(10))
    c.splits = None  # all splits of the dataset (Planetoid: the one public split)
    c.normalize_features = True
    c.data_root = None
    c.progress = True
    # For datasets without predefined splits (karate): per-class random splits, e.g.
    # {"count": 10, "train_per_class": 4, "num_val": 10}.
    c.random_splits = None
    # Per-model overrides of jaxgraph.models.registry.NODE_MODELS, e.g.
    # c.overrides = {"gcn": {"model": {"hidden": 64}, "train": {"num_epochs": 400}}}
    c.overrides = ml_collections.ConfigDict({})
    return c
