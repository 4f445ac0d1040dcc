"""Full comparison: 3 datasets x 2 settings x 3 methods (2-core CPU: about 70 minutes; see README)."""
import ml_collections


def get_config():
    c = ml_collections.ConfigDict()
    c.datasets = ["uci", "enron", "wikipedia"]
    c.settings = ["transductive", "inductive"]
    c.methods = ["nat", "tgn", "cawn"]
    c.seed = 0
    c.train = ml_collections.ConfigDict(dict(epochs=3, batch_size=200, lr=1e-3, neg_kind="random",
                                             eval_neg_kind="random", progress=False))
    c.epochs_per_dataset = ml_collections.ConfigDict({"wikipedia": 2})
    c.models = ml_collections.ConfigDict(dict(
        nat=dict(m1=32, m2=16, self_dim=72, ngh_dim=4, pos_dim=16, heads=2, replace_prob=0.9),
        tgn=dict(memory_dim=100, embed_dim=100, heads=2, num_neighbors=10),
        cawn=dict(num_walks=32, walk_len=2),
    ))
    return c
