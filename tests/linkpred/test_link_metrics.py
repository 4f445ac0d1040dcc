"""Link-prediction metrics vs sklearn and brute force."""
import numpy as np
import pytest
from sklearn.metrics import average_precision_score, roc_auc_score

from jaxgraph.linkpred.metrics import edge_features, hits_at_k, link_ap, link_auc, mrr, score_pairs


def _data(seed, ties=False):
    rng = np.random.default_rng(seed)
    pos = rng.normal(0.7, 1.0, 37)
    neg = rng.normal(0.0, 1.0, 53)
    if ties:  # coarse scores: many ties within and across the classes
        pos, neg = np.round(pos), np.round(neg)
    return pos, neg


@pytest.mark.parametrize("seed,ties", [(0, False), (1, False), (2, True), (3, True)])
def test_auc_ap_match_sklearn(seed, ties):
    pos, neg = _data(seed, ties)
    y = np.r_[np.ones(len(pos)), np.zeros(len(neg))]
    s = np.r_[pos, neg]
    np.testing.assert_allclose(link_auc(pos, neg), roc_auc_score(y, s), rtol=1e-12)
    np.testing.assert_allclose(link_ap(pos, neg), average_precision_score(y, s), rtol=1e-12)
    # AUC brute force: P(pos > neg) + 0.5 P(tie)
    brute = np.mean((pos[:, None] > neg[None]) + 0.5 * (pos[:, None] == neg[None]))
    np.testing.assert_allclose(link_auc(pos, neg), brute, rtol=1e-12)


def test_perfect_and_reversed():
    assert link_auc([2.0, 3.0], [0.0, 1.0]) == 1.0 and link_ap([2.0, 3.0], [0.0, 1.0]) == 1.0
    assert link_auc([0.0, 1.0], [2.0, 3.0]) == 0.0
    assert link_auc([1.0, 1.0], [1.0]) == 0.5  # all tied


@pytest.mark.parametrize("k", [1, 5, 20, 53, 60])
def test_hits_at_k_brute_force(k):
    pos, neg = _data(4, ties=True)
    if k > len(neg):
        expected = 1.0
    else:
        kth = sorted(neg.tolist(), reverse=True)[k - 1]
        expected = sum(1 for p in pos if p > kth) / len(pos)  # ties with the k-th negative miss
    assert hits_at_k(pos, neg, k) == pytest.approx(expected)


def test_mrr_brute_force_with_ties():
    rng = np.random.default_rng(5)
    pos = np.round(rng.normal(size=40))
    neg = np.round(rng.normal(size=(40, 7)))
    expected = []
    for p, row in zip(pos, neg):
        better = sum(1 for x in row if x > p)
        tied = sum(1 for x in row if x == p)
        expected.append(1.0 / (1 + better + tied / 2))
    assert mrr(pos, neg) == pytest.approx(np.mean(expected))
    assert mrr([5.0, 5.0], [[1.0, 2.0], [0.0, 0.0]]) == 1.0
    assert mrr([0.0], [[1.0, 2.0, 3.0]]) == pytest.approx(0.25)


def test_score_pairs():
    rng = np.random.default_rng(6)
    z = rng.normal(size=(6, 3))
    e = np.array([[0, 1, 5], [2, 2, 0]])
    np.testing.assert_allclose(score_pairs(z, e), [z[0] @ z[2], z[1] @ z[2], z[5] @ z[0]])
    cos = score_pairs(z, e, kind="cosine")
    np.testing.assert_allclose(cos[0], z[0] @ z[2] / np.linalg.norm(z[0]) / np.linalg.norm(z[2]))
    with pytest.raises(ValueError, match="kind"):
        score_pairs(z, e, kind="l2")
    with pytest.raises(ValueError, match="pairs"):
        score_pairs(z, np.array([[0], [6]]))


@pytest.mark.parametrize("fn,args,field", [
    (link_auc, ([np.nan, 1.0], [0.0]), "pos_scores"),
    (link_ap, ([1.0], [0.0, np.inf]), "neg_scores"),
    (link_auc, ([], [0.0]), "pos_scores"),
    (link_ap, ([[1.0]], [0.0]), "pos_scores"),
    (hits_at_k, ([1.0], [0.0], 0), "k"),
    (hits_at_k, ([1.0], [np.nan], 1), "neg_scores"),
    (mrr, ([1.0, 2.0], [[0.0, 1.0]]), "neg_scores"),
    (mrr, ([1.0], [0.0, 1.0]), "neg_scores"),
    (mrr, ([np.nan], [[0.0]]), "pos_scores"),
])
def test_bad_input_raises(fn, args, field):
    with pytest.raises(ValueError, match=field):
        fn(*args)


def test_edge_features_node2vec_operators():
    rng = np.random.default_rng(7)
    z = rng.normal(size=(5, 3))
    e = np.array([[0, 4], [3, 1]])
    for op, f in [("average", lambda a, b: (a + b) / 2), ("hadamard", lambda a, b: a * b),
                  ("weighted_l1", lambda a, b: np.abs(a - b)), ("weighted_l2", lambda a, b: (a - b) ** 2)]:
        out = edge_features(z, e, op)
        assert out.shape == (2, 3)
        for i, (u, v) in enumerate(e.T):
            np.testing.assert_allclose(out[i], f(z[u], z[v]))
    with pytest.raises(ValueError, match="operator"):
        edge_features(z, e, "concat")
    with pytest.raises(ValueError, match="embeddings"):
        edge_features(np.full((5, 3), np.nan), e)
