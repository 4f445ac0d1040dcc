"""Random walks (DeepWalk / node2vec) against brute-force transition probabilities."""
import collections

import jax
import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp
import scipy.stats

from jaxgraph.embed import walks as walks_mod
from jaxgraph.embed.walks import csr_from_graph, random_walks
from jaxgraph.graph.build import from_edge_list


def _undirected(g: nx.Graph):
    e = np.asarray(list(g.edges()), np.int64).reshape(-1, 2)
    s = np.concatenate([e[:, 0], e[:, 1]])
    r = np.concatenate([e[:, 1], e[:, 0]])
    return from_edge_list(s, r, g.number_of_nodes())


def _small_graph():
    g = nx.gnm_random_graph(8, 15, seed=3)
    assert nx.is_connected(g)
    return g


def test_csr_matches_scipy():
    rng = np.random.default_rng(0)
    s, r = rng.integers(0, 12, 60), rng.integers(0, 12, 60)
    graph = from_edge_list(s, r, 12)
    indptr, indices = csr_from_graph(graph)
    a = sp.coo_matrix((np.ones(60), (s, r)), shape=(12, 12)).tocsr()  # sums duplicate edges
    assert indptr.dtype == np.int32 and indices.dtype == np.int32
    assert indptr[0] == 0 and indptr[-1] == 60
    for v in range(12):
        row = indices[indptr[v]:indptr[v + 1]]
        assert np.all(np.diff(row) >= 0)  # sorted
        np.testing.assert_array_equal(row, np.sort(r[s == v]))  # duplicates kept
        np.testing.assert_array_equal(np.bincount(row, minlength=12), a[v].toarray().ravel())


@pytest.mark.parametrize("pq", [(1.0, 1.0), (0.5, 2.0)])
def test_consecutive_nodes_are_edges(pq):
    g = nx.karate_club_graph()
    graph = _undirected(g)
    w = np.asarray(random_walks(graph, jax.random.key(1), walks_per_node=3, walk_length=12, p=pq[0], q=pq[1]))
    assert w.shape == (3 * 34, 12) and w.dtype == np.int32
    assert (w >= 0).all()  # no dead ends in an undirected connected graph
    for a, b in zip(w[:, :-1].ravel(), w[:, 1:].ravel()):
        assert g.has_edge(int(a), int(b))
    # default starts: each round is a permutation of all nodes
    for rnd in range(3):
        np.testing.assert_array_equal(np.sort(w[rnd * 34:(rnd + 1) * 34, 0]), np.arange(34))


def test_first_order_frequencies_match_one_over_degree():
    g = _small_graph()
    graph = _undirected(g)
    starts = np.repeat(np.arange(8), 40)
    w = np.asarray(random_walks(graph, jax.random.key(2), walk_length=60, start_nodes=starts))
    counts = collections.Counter(zip(w[:, :-1].ravel().tolist(), w[:, 1:].ravel().tolist()))
    stat, dof = 0.0, 0
    for v in g.nodes:
        nbrs = sorted(g.neighbors(v))
        obs = np.array([counts[(v, x)] for x in nbrs], float)
        exp = obs.sum() / len(nbrs)
        stat += ((obs - exp) ** 2 / exp).sum()
        dof += len(nbrs) - 1
    assert scipy.stats.chi2.sf(stat, dof) > 1e-4, (stat, dof)
    # and a wrong hypothesis (degree-proportional) is rejected by the same statistic
    stat_bad = 0.0
    for v in g.nodes:
        nbrs = sorted(g.neighbors(v))
        obs = np.array([counts[(v, x)] for x in nbrs], float)
        wts = np.array([g.degree(x) for x in nbrs], float)
        exp = obs.sum() * wts / wts.sum()
        stat_bad += ((obs - exp) ** 2 / exp).sum()
    assert scipy.stats.chi2.sf(stat_bad, dof) < 1e-6


def _node2vec_probs(g: nx.Graph, t, v, p, q):
    nbrs = sorted(g.neighbors(v))
    alpha = np.array([1 / p if x == t else (1.0 if g.has_edge(t, x) else 1 / q) for x in nbrs])
    return nbrs, alpha / alpha.sum()


@pytest.mark.parametrize("pq", [(0.25, 4.0), (4.0, 0.25), (2.0, 0.5)])
def test_node2vec_second_order_frequencies(pq):
    p, q = pq
    g = _small_graph()
    graph = _undirected(g)
    starts = np.repeat(np.arange(8), 40)
    w = np.asarray(random_walks(graph, jax.random.key(3), walk_length=80, p=p, q=q, start_nodes=starts))
    trip = collections.Counter(zip(w[:, :-2].ravel().tolist(), w[:, 1:-1].ravel().tolist(), w[:, 2:].ravel().tolist()))
    stat, dof = 0.0, 0
    uniform_stat = 0.0
    for t, v in list(g.edges()) + [(b, a) for a, b in g.edges()]:
        nbrs, prob = _node2vec_probs(g, t, v, p, q)
        obs = np.array([trip[(t, v, x)] for x in nbrs], float)
        if obs.sum() < 30:
            continue
        exp = obs.sum() * prob
        stat += ((obs - exp) ** 2 / exp).sum()
        uniform_stat += ((obs - obs.sum() / len(nbrs)) ** 2 / (obs.sum() / len(nbrs))).sum()
        dof += len(nbrs) - 1
    assert dof > 20
    assert scipy.stats.chi2.sf(stat, dof) > 1e-4, (stat, dof)
    assert scipy.stats.chi2.sf(uniform_stat, dof) < 1e-6  # the bias is really there


def test_node2vec_on_multigraph_counts_edge_multiplicity():
    # path 0-1-2 with the edge 1-2 listed twice and a triangle 1-3-4: from (0 -> 1) the next node is 2 w.p.
    # 2/(2 + 1 + 1/p) with q = 1 (edge slots are weights), 0 w.p. (1/p)/... .
    s = [0, 1, 1, 2, 1, 2, 1, 3, 3, 4, 1, 4]
    r = [1, 0, 2, 1, 2, 1, 3, 1, 4, 3, 4, 1]
    graph = from_edge_list(np.array(s), np.array(r), 5)
    starts = np.zeros(1000, np.int64)
    w = np.asarray(random_walks(graph, jax.random.key(4), walk_length=3, p=0.5, q=1.0, start_nodes=starts))
    assert (w[:, 1] == 1).all()
    freq = np.bincount(w[:, 2], minlength=5) / len(w)
    expected = np.array([2.0, 0, 2.0, 1.0, 1.0]) / 6.0
    np.testing.assert_allclose(freq, expected, atol=0.05)  # 3 sigma at n = 1000
    assert freq[2] > 0.27  # ignoring the multiplicity would give 1/5


def test_dead_end_padding_directed():
    # 0 -> 1 -> 2 (2 has no out-edge); 3 has no out-edge at all.
    graph = from_edge_list(np.array([0, 1]), np.array([1, 2]), 4)
    for pq in [(1.0, 1.0), (0.5, 3.0)]:
        w = np.asarray(random_walks(graph, jax.random.key(0), walk_length=6, start_nodes=np.array([0, 1, 3, 2]),
                                    p=pq[0], q=pq[1]))
        np.testing.assert_array_equal(w, [[0, 1, 2, -1, -1, -1], [1, 2, -1, -1, -1, -1],
                                          [3, -1, -1, -1, -1, -1], [2, -1, -1, -1, -1, -1]])
    # no edges at all
    empty = from_edge_list(np.zeros(0, int), np.zeros(0, int), 3)
    w = np.asarray(random_walks(empty, jax.random.key(0), walks_per_node=2, walk_length=3))
    assert w.shape == (6, 3) and (w[:, 1:] == -1).all() and sorted(w[:, 0]) == [0, 0, 1, 1, 2, 2]


def test_static_shapes_no_recompile_across_keys_and_pq():
    graph = _undirected(_small_graph())
    starts = np.arange(8)
    walks_mod._walk_kernel.clear_cache()
    random_walks(graph, jax.random.key(0), walk_length=7, start_nodes=starts, p=0.5, q=2.0)
    n0 = walks_mod._walk_kernel._cache_size()
    outs = [np.asarray(random_walks(graph, jax.random.key(k), walk_length=7, start_nodes=starts, p=pp, q=qq))
            for k, (pp, qq) in enumerate([(0.5, 2.0), (3.0, 0.3), (2.0, 2.0)])]
    assert walks_mod._walk_kernel._cache_size() == n0 == 1
    assert not np.array_equal(outs[0], outs[1])
    again = np.asarray(random_walks(graph, jax.random.key(0), walk_length=7, start_nodes=starts, p=0.5, q=2.0))
    np.testing.assert_array_equal(again, outs[0])  # same key, same walks


@pytest.mark.parametrize("kwargs,field", [
    (dict(p=0.0), "p"), (dict(p=-1.0), "p"), (dict(q=float("nan")), "q"), (dict(walk_length=0), "walk_length"),
    (dict(walks_per_node=0), "walks_per_node"), (dict(start_nodes=np.array([0, 99])), "start_nodes"),
    (dict(start_nodes=np.zeros((2, 2), int)), "start_nodes"),
])
def test_bad_input_raises(kwargs, field):
    graph = _undirected(_small_graph())
    with pytest.raises(ValueError, match=field):
        random_walks(graph, jax.random.key(0), **kwargs)
