"""The DeepWalk multi-label protocol against a brute-force per-label re-implementation."""
import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score

from jaxgraph.embed.evaluate import multilabel_f1, multilabel_node_classification, top_k_predictions


def _data(n=80, d=6, c=4, seed=0):
    rng = np.random.default_rng(seed)
    y = (rng.random((n, c)) < 0.35).astype(np.uint8)
    y[y.sum(1) == 0, rng.integers(0, c)] = 1
    x = rng.normal(size=(n, d)) + 1.5 * y @ rng.normal(size=(c, d))
    return x, y


def brute_force(x, y, ratio, repeats, seed, C, normalize):
    """One binary liblinear LR per label; for each test node, rank labels by probability by hand."""
    if normalize:
        x = x / np.linalg.norm(x, axis=1, keepdims=True)
    m = len(x)
    n_train = int(round(ratio * m))
    micro, macro = [], []
    for rep in range(repeats):
        perm = np.random.default_rng(seed + rep).permutation(m)
        tr, te = perm[:n_train], perm[n_train:]
        prob = np.zeros((len(te), y.shape[1]))
        for c in range(y.shape[1]):
            col = y[tr, c]
            if col.min() == col.max():  # constant label in the training part
                prob[:, c] = col[0]
                continue
            lr = LogisticRegression(solver="liblinear", C=C).fit(x[tr], col)
            prob[:, c] = lr.predict_proba(x[te])[:, 1]
        pred = np.zeros_like(y[te])
        for i in range(len(te)):
            k = int(y[te[i]].sum())
            best = sorted(range(y.shape[1]), key=lambda c: (-prob[i, c], c))[:k]
            pred[i, best] = 1
        micro.append(f1_score(y[te], pred, average="micro", zero_division=0))
        macro.append(f1_score(y[te], pred, average="macro", zero_division=0))
    return np.mean(micro), np.mean(macro), np.std(micro), np.std(macro)


@pytest.mark.parametrize("normalize,C", [(True, 1.0), (False, 0.3)])
def test_matches_brute_force(normalize, C):
    x, y = _data()
    rows = multilabel_node_classification(x, y, train_ratios=(0.3, 0.7), repeats=3, seed=5,
                                          normalize=normalize, C=C)
    assert [r["train_ratio"] for r in rows] == [0.3, 0.7]
    for r in rows:
        ref = brute_force(x.astype(np.float64), y, r["train_ratio"], 3, 5, C, normalize)
        got = (r["micro_f1"], r["macro_f1"], r["micro_f1_std"], r["macro_f1_std"])
        np.testing.assert_allclose(got, ref, rtol=1e-9, atol=1e-9)
        assert r["num_train"] + r["num_test"] == len(x) and r["repeats"] == 3
    # the embedding carries signal: better than chance
    assert rows[1]["micro_f1"] > 0.5


def test_perfect_embeddings_give_f1_one():
    # 4 groups with fixed label sets; the embedding is the (scaled) group indicator
    sets = [[0], [1, 2], [2, 3], [0, 3]]
    groups = np.repeat(np.arange(4), 30)
    y = np.zeros((120, 4), np.uint8)
    for i, g in enumerate(groups):
        y[i, sets[g]] = 1
    x = 5.0 * np.eye(4)[groups]
    rows = multilabel_node_classification(x, y, train_ratios=(0.5, 0.8), repeats=2, normalize=False, C=10.0)
    for r in rows:
        assert r["micro_f1"] == pytest.approx(1.0) and r["macro_f1"] == pytest.approx(1.0)
    # shuffled labels destroy it
    y_bad = y[np.random.default_rng(0).permutation(120)]
    bad = multilabel_node_classification(x, y_bad, train_ratios=(0.5,), repeats=2, normalize=False)
    assert bad[0]["micro_f1"] < 0.8


def test_unlabelled_nodes_are_skipped():
    x, y = _data(n=60)
    y2 = np.concatenate([y, np.zeros((5, y.shape[1]), np.uint8)])
    x2 = np.concatenate([x, np.random.default_rng(1).normal(size=(5, x.shape[1]))])
    a = multilabel_node_classification(x, y, train_ratios=(0.5,), repeats=2)
    b = multilabel_node_classification(x2, y2, train_ratios=(0.5,), repeats=2)
    assert a == b


def test_topk_and_f1_helpers_against_sklearn():
    rng = np.random.default_rng(3)
    scores = rng.random((50, 7))
    k = rng.integers(0, 4, 50)
    pred = top_k_predictions(scores, k)
    assert np.all(pred.sum(1) == k)
    for i in range(50):
        if k[i]:
            assert scores[i][pred[i] == 1].min() >= scores[i][pred[i] == 0].max()
    t = (rng.random((50, 7)) < 0.3).astype(np.uint8)
    mi, ma = multilabel_f1(t, pred)
    assert mi == pytest.approx(f1_score(t, pred, average="micro", zero_division=0))
    assert ma == pytest.approx(f1_score(t, pred, average="macro", zero_division=0))


@pytest.mark.parametrize("args,kwargs,match", [
    ((np.ones(10), np.ones((10, 2))), {}, "embeddings"),
    ((np.ones((10, 3)), np.ones((9, 2))), {}, "labels"),
    ((np.ones((10, 3)), 2 * np.ones((10, 2))), {}, "0/1"),
    ((np.full((10, 3), np.nan), np.ones((10, 2))), {}, "not finite"),
    ((np.ones((10, 3)), np.ones((10, 2))), {"train_ratios": (0.0,)}, "train_ratios"),
    ((np.ones((10, 3)), np.ones((10, 2))), {"train_ratios": (1.2,)}, "train_ratios"),
    ((np.ones((10, 3)), np.ones((10, 2))), {"repeats": 0}, "repeats"),
    ((np.ones((10, 3)), np.ones((10, 2))), {"C": -1.0}, "C must"),
    ((np.ones((10, 3)), np.ones((10, 2))), {"train_ratios": (0.01,)}, "train_ratio"),
])
def test_bad_input_raises(args, kwargs, match):
    with pytest.raises(ValueError, match=match):
        multilabel_node_classification(*args, **kwargs)
