"""Leakage-free link splits and negative sampling."""
import networkx as nx
import numpy as np
import pytest

from jaxgraph.graph.build import from_edge_list
from jaxgraph.linkpred.split import link_split, sample_negatives, undirected_pairs


def _graph(n=60, m=240, seed=0, loops=True):
    g = nx.gnm_random_graph(n, m, seed=seed)
    e = np.asarray(g.edges()).T
    s, r = np.r_[e[0], e[1]], np.r_[e[1], e[0]]
    if loops:  # self loops and a duplicated directed edge must not confuse the split
        s, r = np.r_[s, [0, 3, e[0, 0]]], np.r_[r, [0, 3, e[1, 0]]]
    return g, from_edge_list(s, r, n)


def _set(pairs):
    return {(int(u), int(v)) for u, v in pairs.T}


@pytest.mark.parametrize("sup", [0.0, 0.3])
def test_split_no_leakage_and_counts(sup):
    g, graph = _graph()
    sp = link_split(graph, val_fraction=0.1, test_fraction=0.2, supervision_fraction=sup, negatives_per_positive=3,
                    seed=1)
    full = {(min(u, v), max(u, v)) for u, v in g.edges()}
    assert len(full) == 240 and sp.num_nodes == 60
    test, val, train = _set(sp.test_pos), _set(sp.val_pos), _set(sp.train_pos)
    msg_dir = _set(sp.message)
    msg = {(min(u, v), max(u, v)) for u, v in msg_dir}
    assert len(test) == 48 and len(val) == 24
    # both directions of every message edge; no self loop
    assert all((v, u) in msg_dir for u, v in msg_dir) and all(u != v for u, v in msg_dir)
    assert sp.message.shape[1] == 2 * len(msg)
    # held-out never in message/train; everything is a true edge; counts add up
    assert not (test | val) & (msg | train)
    assert not test & val
    assert (test | val | msg | train) == full
    if sup == 0:
        assert train == msg and len(msg) == 240 - 72
    else:
        assert not train & msg
        assert len(train) == round(0.3 * 168) and len(msg) == 168 - len(train)
    for neg, npos in ((sp.val_neg, 24), (sp.test_neg, 48)):
        assert neg.shape == (2, 3 * npos)
        assert (neg[0] < neg[1]).all()  # u < v, so no self loop
        assert not _set(neg) & full
        assert len(_set(neg)) == neg.shape[1]
    assert not _set(sp.val_neg) & _set(sp.test_neg)
    for a in (sp.train_pos, sp.val_pos, sp.test_pos):
        assert (a[0] < a[1]).all()
    mg = sp.message_graph(node_features=np.ones((60, 2), np.float32))
    assert mg.nodes.shape == (60, 2) and _set(np.stack([mg.senders, mg.receivers])) == msg_dir


def test_split_deterministic_per_seed():
    _, graph = _graph()
    a, b, c = (link_split(graph, seed=s) for s in (7, 7, 8))
    for f in ("message", "train_pos", "val_pos", "val_neg", "test_pos", "test_neg"):
        np.testing.assert_array_equal(getattr(a, f), getattr(b, f))
    assert not np.array_equal(a.test_pos, c.test_pos)


def test_undirected_pairs_directed_input():
    graph = from_edge_list(np.array([0, 2, 1, 3, 3]), np.array([1, 1, 0, 3, 0]), 4)
    np.testing.assert_array_equal(undirected_pairs(graph), [[0, 0, 1], [1, 3, 2]])


@pytest.mark.parametrize("n", [30, 3000])  # exact enumeration and rejection sampling paths
def test_sample_negatives(n):
    rng = np.random.default_rng(0)
    forb = rng.integers(0, n, (2, 5 * n))
    count = 200
    neg = sample_negatives(n, forb, count, np.random.default_rng(1))
    fset = {(min(u, v), max(u, v)) for u, v in forb.T}
    assert neg.shape == (2, count) and (neg[0] < neg[1]).all()
    assert not _set(neg) & fset and len(_set(neg)) == count
    again = sample_negatives(n, forb, count, np.random.default_rng(1))
    np.testing.assert_array_equal(neg, again)


def test_sample_negatives_exhausts_exactly_and_is_uniform():
    # on 4 nodes, forbidding 5 of the 6 pairs leaves exactly {0, 1}
    forb = np.array([[0, 0, 1, 2, 3], [2, 3, 2, 3, 1]])
    for seed in range(5):
        np.testing.assert_array_equal(sample_negatives(4, forb, 1, np.random.default_rng(seed)), [[0], [1]])
    with pytest.raises(ValueError, match="count=2"):
        sample_negatives(4, forb, 2, np.random.default_rng(0))
    # uniformity on a tiny graph: each of the 6 pairs of K4 is drawn ~1/6 of the time
    hits = np.zeros((4, 4))
    rng = np.random.default_rng(2)
    for _ in range(3000):
        u, v = sample_negatives(4, np.zeros((2, 0), int), 1, rng)[:, 0]
        hits[u, v] += 1
    np.testing.assert_allclose(hits[np.triu_indices(4, 1)] / 3000, 1 / 6, atol=0.03)


@pytest.mark.parametrize("kwargs,field", [
    (dict(val_fraction=-0.1), "val_fraction"), (dict(test_fraction=1.0), "test_fraction"),
    (dict(val_fraction=0.5, test_fraction=0.5), "val_fraction \\+ test_fraction"),
    (dict(supervision_fraction=1.5), "supervision_fraction"), (dict(test_fraction=float("nan")), "test_fraction"),
    (dict(negatives_per_positive=-1), "negatives_per_positive"), (dict(negatives_per_positive=1.5), "negatives_per_positive"),
])
def test_split_bad_input(kwargs, field):
    _, graph = _graph()
    with pytest.raises(ValueError, match=field):
        link_split(graph, **kwargs)


def test_split_too_few_non_edges():
    g = nx.complete_graph(8)
    g.remove_edge(0, 1)
    e = np.asarray(g.edges()).T
    graph = from_edge_list(np.r_[e[0], e[1]], np.r_[e[1], e[0]], 8)
    # 27 edges, test 0.3 -> 8 positives x 1 negative but only 1 non-edge exists
    with pytest.raises(ValueError, match="non-edges"):
        link_split(graph, val_fraction=0.0, test_fraction=0.3)
    with pytest.raises(ValueError, match="forbidden_pairs"):
        sample_negatives(8, np.array([[0, 9], [1, 2]]), 1, np.random.default_rng(0))
    with pytest.raises(ValueError, match="count"):
        sample_negatives(8, np.zeros((2, 0), int), -1, np.random.default_rng(0))
