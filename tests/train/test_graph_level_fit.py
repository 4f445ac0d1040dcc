"""fit_graph_task (Dwivedi et al.'s protocol): learns trivially learnable tasks; its metrics equal
brute-force numpy computations on the trained model."""
import jax
import jraph
import numpy as np
import pytest

from jaxgraph.graph.batching import Budget, pad_to_budget
from jaxgraph.models.graph_level import GraphLevelGNN
from jaxgraph.train.graph_level import GraphTask, evaluate_graph_task, fit_graph_task


def _ring(n, feats):
    i = np.arange(n)
    s = np.concatenate([i, (i + 1) % n]).astype(np.int32)
    r = np.concatenate([(i + 1) % n, i]).astype(np.int32)
    return jraph.GraphsTuple(nodes=feats, edges=None, senders=s, receivers=r, n_node=np.array([n], np.int32),
                             n_edge=np.array([2 * n], np.int32), globals=None)


def _node_task(num=60, seed=0):
    """Node label = argmax of its one-hot-with-noise feature; classes imbalanced (60/30/10 %)."""
    rng = np.random.default_rng(seed)
    graphs, targets = [], []
    for _ in range(num):
        n = int(rng.integers(4, 10))
        y = rng.choice(3, n, p=[0.6, 0.3, 0.1]).astype(np.int32)
        x = (np.eye(3)[y] + 0.1 * rng.normal(size=(n, 3))).astype(np.float32)
        graphs.append(_ring(n, x))
        targets.append(y)
    splits = {"train": np.arange(0, 40), "val": np.arange(40, 50), "test": np.arange(50, 60)}
    return GraphTask("nodes", graphs, targets, "node_classification", "weighted_accuracy", splits, 3)


def _predict_single(model, variables, g):
    padded = pad_to_budget(g, Budget(n_node=16, n_edge=32, n_graph=2))  # one shape: one compilation
    return np.asarray(_apply(model, variables, padded))


_APPLY = {}


def _apply(model, variables, graph):
    if model not in _APPLY:
        _APPLY[model] = jax.jit(lambda v, g: model.apply(v, g, deterministic=True))
    return _APPLY[model](variables, graph)


def test_node_task_learns_and_weighted_accuracy_matches_numpy():
    task = _node_task()
    model = GraphLevelGNN("mlp", hidden=16, num_layers=1, out_dim=3, task="node")
    res = fit_graph_task(model, task, epochs=40, batch_size=8, learning_rate=1e-2, progress=False,
                         return_variables=True)
    assert res["val"] > 95 and res["test"] > 90, res
    assert res["epochs_run"] == 40 and res["num_params"] > 0 and len(res["history"]) == 40
    v = res["variables"]
    # Brute force: predict graph by graph, per-class recall averaged over the classes present.
    idx = task.splits["test"]
    pred = np.concatenate([_predict_single(model, v, task.graphs[i])[: task.graphs[i].n_node[0]].argmax(-1) for i in idx])
    y = np.concatenate([task.targets[i] for i in idx])
    recalls = [np.mean(pred[y == c] == c) for c in range(3) if np.any(y == c)]
    expected = 100 * np.mean(recalls)
    got = evaluate_graph_task(model, v, task, "test", batch_size=4)
    np.testing.assert_allclose(got, expected, rtol=1e-6)
    # and the weighted metric differs from plain accuracy on imbalanced classes with errors
    # (sanity of the definition): plain accuracy computed here for reference
    assert np.isclose(100 * np.mean(pred == y), expected) or len(recalls) > 1


def test_weighted_accuracy_numpy_with_untrained_model():
    """An untrained model makes errors, so per-class recall averaging is actually exercised."""
    task = _node_task(seed=1)
    model = GraphLevelGNN("gcn", hidden=8, num_layers=1, out_dim=3, task="node", norm="none")
    g0 = pad_to_budget(task.graphs[0], Budget(n_node=16, n_edge=32, n_graph=2))
    v = model.init(jax.random.PRNGKey(5), g0)
    idx = task.splits["val"]
    pred = np.concatenate([_predict_single(model, v, task.graphs[i])[: task.graphs[i].n_node[0]].argmax(-1) for i in idx])
    y = np.concatenate([task.targets[i] for i in idx])
    expected = 100 * np.mean([np.mean(pred[y == c] == c) for c in range(3) if np.any(y == c)])
    assert not np.isclose(expected, 100 * np.mean(pred == y))
    np.testing.assert_allclose(evaluate_graph_task(model, v, task, "val", batch_size=3), expected, rtol=1e-6)


def _reg_task():
    rng = np.random.default_rng(0)
    graphs = [_ring(int(n), rng.normal(size=(int(n), 2)).astype(np.float32)) for n in rng.integers(3, 12, 80)]
    y = np.array([[g.n_node[0] * 0.5, 1.0 + g.nodes[:, 0].sum()] for g in graphs], np.float32)
    splits = {"train": np.arange(60), "val": np.arange(60, 70), "test": np.arange(70, 80)}
    return GraphTask("reg", graphs, y, "graph_regression", "mae", splits, 2, target_scale=np.array([2.0, 1.0]))


def test_graph_regression_mae_matches_numpy():
    """MAE in original units (model predicts y / target_scale) equals a numpy computation."""
    task = _reg_task()
    model = GraphLevelGNN("gin", hidden=16, num_layers=2, out_dim=2, readout="sum", norm="none")
    g0 = pad_to_budget(task.graphs[0], Budget(n_node=16, n_edge=32, n_graph=2))
    v = model.init(jax.random.PRNGKey(1), g0)
    preds = np.stack([_predict_single(model, v, task.graphs[i])[0] for i in task.splits["test"]]) * np.array([2.0, 1.0])
    expected = np.abs(preds - np.asarray(task.targets)[70:]).mean()
    np.testing.assert_allclose(evaluate_graph_task(model, v, task, "test", batch_size=4), expected, rtol=1e-5)


@pytest.mark.slow
def test_graph_regression_learns():
    task = _reg_task()
    y = np.asarray(task.targets)
    model = GraphLevelGNN("gin", hidden=16, num_layers=2, out_dim=2, readout="sum", norm="none")
    res = fit_graph_task(model, task, epochs=20, batch_size=20, learning_rate=1e-2, progress=False)
    baseline = np.abs(y[70:] - y[:60].mean(0)).mean()
    assert res["test"] < 0.5 * baseline, (res["test"], baseline)
    assert res["higher_is_better"] is False


@pytest.mark.slow
def test_graph_classification_and_lr_schedule():
    rng = np.random.default_rng(0)
    graphs = [_ring(int(n), np.ones((int(n), 1), np.float32)) for n in rng.integers(3, 13, 60)]
    y = np.array([int(g.n_node[0] > 7) for g in graphs])
    task = GraphTask("size", graphs, y, "graph_classification", "accuracy",
                     {"train": np.arange(40), "val": np.arange(40, 50), "test": np.arange(50, 60)}, 2)
    model = GraphLevelGNN("gcn", hidden=16, num_layers=1, out_dim=2, readout="sum", norm="none")
    res = fit_graph_task(model, task, epochs=60, batch_size=10, learning_rate=1e-2, lr_patience=2,
                         min_lr=1e-3, progress=False)
    assert res["val"] >= 90
    lrs = [h["lr"] for h in res["history"]]
    assert all(b <= a for a, b in zip(lrs, lrs[1:]))  # only ever reduced
    if res["epochs_run"] < 60:  # stopped because lr fell below min_lr
        assert res["final_lr"] < 1e-3


def test_bad_task_raises():
    task = _node_task()
    model = GraphLevelGNN("mlp", hidden=8, num_layers=1, out_dim=3, task="node")
    bad = GraphTask(**{**task.__dict__, "metric": "mae"})
    with pytest.raises(ValueError, match="metric"):
        fit_graph_task(model, bad, epochs=1)
    bad = GraphTask(**{**task.__dict__, "splits": {"train": np.arange(3), "val": np.arange(2)}})
    with pytest.raises(ValueError, match="test"):
        fit_graph_task(model, bad, epochs=1)
    with pytest.raises(ValueError, match="epochs"):
        fit_graph_task(model, task, epochs=0)
    bad = GraphTask(**{**task.__dict__, "targets": task.targets[:-1]})
    with pytest.raises(ValueError, match="targets"):
        fit_graph_task(model, bad, epochs=1)
