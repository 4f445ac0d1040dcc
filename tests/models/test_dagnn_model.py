"""DAGNN model (Liu, Gao & Ji, KDD 2020): reduces to its MLP when only H_0 is kept, sparse and
dense inputs agree, the scan trainer follows fit_node_classifier's trajectory, the official
stopping rule against a brute-force reading of train_eval.py, and the registry entry."""

import jax
import jax.numpy as jnp
import jraph
import networkx as nx
import numpy as np
import pytest

from jaxgraph.models.dagnn import DAGNN, SparseFeatures, select_epoch, sparse_features, train_node_runs
from jaxgraph.models.registry import NODE_MODELS, build_node_model
from jaxgraph.train.node import NodeTask, fit_node_classifier


def _task(n=30, f=12, c=3, seed=0):
    rng = np.random.default_rng(seed)
    g = nx.gnp_random_graph(n, 0.15, seed=seed)
    e = np.array(list(g.edges()) + [(v, u) for u, v in g.edges()], np.int32)
    x = (rng.random((n, f)) < 0.25).astype(np.float32)
    x = x / np.maximum(x.sum(1, keepdims=True), 1)
    y = rng.integers(0, c, n)
    idx = rng.permutation(n)
    masks = [np.isin(np.arange(n), idx[a:b]) for a, b in ((0, 10), (10, 20), (20, 30))]
    graph = jraph.GraphsTuple(nodes=jnp.asarray(x), edges=None, senders=jnp.asarray(e[:, 0]),
                              receivers=jnp.asarray(e[:, 1]), n_node=jnp.array([n]), n_edge=jnp.array([len(e)]),
                              globals=None)
    return NodeTask(graph, jnp.asarray(y), *(jnp.asarray(m) for m in masks))


def _mlp(params, x):
    p = params["params"]
    h = np.maximum(np.asarray(x, np.float64) @ np.asarray(p["lin1_kernel"], np.float64) + np.asarray(p["lin1_bias"]), 0)
    return h @ np.asarray(p["lin2"]["kernel"], np.float64) + np.asarray(p["lin2"]["bias"])


def test_reduces_to_mlp_when_only_h0_is_retained():
    task = _task()
    # K = 0 and a retainment bias of +40 (σ = 1 in float32): the output is the MLP's Z = H_0
    model = DAGNN(hidden=8, num_classes=3, k=0, dropout=0.5)
    params = model.init(jax.random.PRNGKey(0), task.graph)
    params = jax.tree_util.tree_map(lambda a: a, params)
    params["params"]["prop"]["kernel"] = jnp.zeros_like(params["params"]["prop"]["kernel"])
    params["params"]["prop"]["bias"] = jnp.array([40.0])
    out = np.asarray(model.apply(params, task.graph))
    np.testing.assert_allclose(out, _mlp(params, task.graph.nodes), rtol=1e-5, atol=1e-6)
    # K = 6 with the scores pushed to 1 for every hop: Σ_l Â^l Z (all hops kept), != MLP
    deep = DAGNN(hidden=8, num_classes=3, k=6, dropout=0.5)
    out6, scores = deep.apply(params, task.graph, return_scores=True)
    assert scores.shape == (30, 7) and np.allclose(np.asarray(scores), 1.0)
    assert not np.allclose(np.asarray(out6), out, atol=1e-3)
    # ... and pushed to 0 for every hop: nothing is retained
    params["params"]["prop"]["bias"] = jnp.array([-40.0])
    np.testing.assert_allclose(np.asarray(deep.apply(params, task.graph)), 0.0, atol=1e-12)


def test_sparse_and_dense_inputs_agree():
    task = _task(seed=1)
    sp = sparse_features(task.graph.nodes)
    assert isinstance(sp, SparseFeatures) and sp.shape == (30, 12)
    assert len(sp.values) == int(np.count_nonzero(np.asarray(task.graph.nodes)))
    model = DAGNN(hidden=8, num_classes=3, k=4, dropout=0.5)
    params = model.init(jax.random.PRNGKey(1), task.graph)
    params_s = model.init(jax.random.PRNGKey(1), task.graph._replace(nodes=sp))
    jax.tree_util.tree_map(np.testing.assert_array_equal, params, params_s)  # same parameters
    dense = np.asarray(model.apply(params, task.graph))
    sparse = np.asarray(model.apply(params, task.graph._replace(nodes=sp)))
    np.testing.assert_allclose(sparse, dense, rtol=1e-5, atol=1e-6)
    # training mode runs and differs from eval (dropout active)
    tr = model.apply(params, task.graph._replace(nodes=sp), deterministic=False, rngs={"dropout": jax.random.PRNGKey(2)})
    assert not np.allclose(np.asarray(tr), sparse)
    with pytest.raises(ValueError, match="2-D"):
        sparse_features(np.ones(3))


def test_scan_trainer_follows_fit_node_classifier():
    task = _task(seed=2)
    model = DAGNN(hidden=8, num_classes=3, k=3, dropout=0.5)
    kw = dict(learning_rate=0.05, weight_decay=5e-3)
    hist = train_node_runs(model, task, [3], num_epochs=10, **kw)
    assert hist["val_loss"].shape == (1, 10)
    for i, seed in enumerate([3]):
        res = fit_node_classifier(model, task, seed=seed, num_epochs=10, monitor="val_loss", **kw)
        ref = np.array([h["val_loss"] for h in res.history])
        np.testing.assert_allclose(hist["val_loss"][i], ref, rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(hist["test_accuracy"][i], [h["test_accuracy"] for h in res.history], atol=1e-6)
    assert hist["train_loss"][0, -1] < hist["train_loss"][0, 0]  # it learns


def _official_rule(val_loss, early_stopping=100):
    """Direct transcription of the loop of DeeperGNN's train_eval.run (epochs 1-based)."""
    epochs = len(val_loss)
    best, best_epoch, history = float("inf"), None, []
    for epoch in range(1, epochs + 1):
        v = val_loss[epoch - 1]
        if v < best:
            best, best_epoch = v, epoch - 1
        history.append(v)
        if early_stopping > 0 and epoch > epochs // 2:
            prev = history[-(early_stopping + 1):-1]
            if v > sum(prev) / len(prev):
                return best_epoch, epoch
    return best_epoch, epochs


@pytest.mark.parametrize("seed", range(6))
def test_select_epoch_official_rule(seed):
    rng = np.random.default_rng(seed)
    e = int(rng.integers(20, 300))
    # a noisy U-shaped validation loss
    t = np.linspace(0, 1, e)
    v = (t - rng.uniform(0.2, 0.8)) ** 2 + rng.normal(0, 0.01 * (seed + 1), e) + 1
    patience = int(rng.integers(3, 60))
    assert select_epoch(v, "official", patience) == _official_rule(list(v), patience)


def test_select_epoch_patience_rule_and_errors():
    v = np.array([5, 4, 3, 3.5, 3.2, 3.1, 3.4, 2.0, 2.5])
    assert select_epoch(v, "patience", 3) == (2, 6)  # epochs 3..5 (0-based) do not improve on 3
    assert select_epoch(v, "patience", 10) == (7, 9)
    assert select_epoch(np.arange(10, 0, -1.0), "official") == (9, 10)  # always improving: never stops
    with pytest.raises(ValueError, match="rule"):
        select_epoch(v, "nope")
    with pytest.raises(ValueError, match="patience"):
        select_epoch(v, "patience", 0)
    with pytest.raises(ValueError, match="val_loss"):
        select_epoch([], "official")


def test_registry_entry():
    spec = NODE_MODELS["dagnn"]
    assert spec.cls is DAGNN and spec.model_kwargs["k"] == 10 and spec.train_kwargs["weight_decay"] == 0.005
    model = build_node_model("dagnn", 3, k=2, hidden=8)
    assert (model.k, model.hidden, model.dropout, model.num_classes) == (2, 8, 0.8, 3)


def test_bad_depth_raises():
    task = _task()
    with pytest.raises(ValueError, match="k must be"):
        DAGNN(num_classes=3, k=-1).init(jax.random.PRNGKey(0), task.graph)
    with pytest.raises(ValueError, match="seeds"):
        train_node_runs(DAGNN(num_classes=3, k=1), task, [], num_epochs=2)
    with pytest.raises(ValueError, match="num_epochs"):
        train_node_runs(DAGNN(num_classes=3, k=1), task, [0], num_epochs=0)


@pytest.mark.slow
def test_quick_claim_deep_gap():
    from jaxgraph.models.dagnn import quick_claim

    assert quick_claim(True) >= 30.0


@pytest.mark.parametrize("layers", [1, 4])
def test_deep_gcn_equals_node_gcn(layers):
    """DeepGCN (sparse input, scanned hidden layers) is jaxgraph.models.node.GCN with stacked params."""
    from jaxgraph.models.dagnn import DeepGCN
    from jaxgraph.models.node import GCN

    task = _task(seed=4)
    ref = GCN(hidden=6, num_classes=3, num_layers=layers, dropout=0.5)
    p = ref.init(jax.random.PRNGKey(0), task.graph)["params"]
    deep = DeepGCN(hidden=6, num_classes=3, num_layers=layers, dropout=0.5)
    sp = task.graph._replace(nodes=sparse_features(task.graph.nodes))
    mid = [p[f"conv{i}"] for i in range(1, layers - 1)]
    q = {"conv0": p["conv0"], f"conv{layers - 1}": p[f"conv{layers - 1}"]}
    if mid:
        q["hidden_kernels"] = jnp.stack([c["linear"]["kernel"] for c in mid])
        q["hidden_biases"] = jnp.stack([c["bias"] for c in mid])
    shapes = jax.tree_util.tree_map(jnp.shape, deep.init(jax.random.PRNGKey(0), sp)["params"])
    assert shapes == jax.tree_util.tree_map(jnp.shape, q)  # same parameters, hidden ones stacked
    want = np.asarray(ref.apply({"params": p}, task.graph))
    np.testing.assert_allclose(np.asarray(deep.apply({"params": q}, sp)), want, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(np.asarray(deep.apply({"params": q}, task.graph)), want, rtol=1e-5, atol=1e-6)
    # dropout is active in training mode, and a step of it keeps the output finite
    tr = deep.apply({"params": q}, sp, deterministic=False, rngs={"dropout": jax.random.PRNGKey(1)})
    assert np.all(np.isfinite(np.asarray(tr))) and (layers == 1 or not np.allclose(np.asarray(tr), want))
