"""GIN graph classifier: padding invariance across budgets, BN masking, learning on MUTAG."""
import jax
import numpy as np

from jaxgraph import data
from jaxgraph import graph as G
from jaxgraph.models import GIN
from jaxgraph.testing import random_graphs
from jaxgraph.train.graph import fit_graph_classifier


def test_gin_same_result_for_any_padding_budget():
    gs = random_graphs(np.random.default_rng(0), 5, n_range=(2, 10), f=3)
    b = G.batch(gs)
    n, e = int(b.n_node.sum()), int(b.n_edge.sum())
    small = G.pad_to_budget(b, G.Budget(n + 1, e, 6))
    big = G.pad_to_budget(b, G.Budget(n + 40, e + 64, 12))
    model = GIN(num_classes=3, hidden=8, num_layers=3)
    v = model.init({"params": jax.random.PRNGKey(0), "dropout": jax.random.PRNGKey(1)}, small)
    # Training mode: BatchNorm statistics over real nodes only, so padding must not matter.
    run = lambda g: model.apply(v, g, deterministic=False, rngs={"dropout": jax.random.PRNGKey(2)}, mutable=["batch_stats"])
    out_s, st_s = jax.jit(run)(small)
    out_b, st_b = jax.jit(run)(big)
    np.testing.assert_allclose(np.asarray(out_s[:5]), np.asarray(out_b[:5]), rtol=1e-4, atol=1e-5)
    for a, c in zip(jax.tree_util.tree_leaves(st_s), jax.tree_util.tree_leaves(st_b)):
        np.testing.assert_allclose(np.asarray(a), np.asarray(c), rtol=1e-4, atol=1e-6)
    ev = lambda g: model.apply(v, g, deterministic=True)
    np.testing.assert_allclose(np.asarray(ev(small)[:5]), np.asarray(ev(big)[:5]), rtol=1e-4, atol=1e-5)


def test_gin_learns_mutag_fold():
    ds = data.load("mutag", format="gin")
    fold = ds.folds[0]
    res = fit_graph_classifier(GIN(num_classes=2, hidden=32), ds.graphs, ds.labels, fold["train"], fold["test"],
                               num_epochs=15, batch_size=32, seed=0)
    assert len(res.test_accuracy) == 15
    assert max(res.test_accuracy) >= 0.75  # majority class is 0.66
    assert res.train_loss[-1] < res.train_loss[0]
