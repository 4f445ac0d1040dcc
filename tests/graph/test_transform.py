"""Transforms vs networkx / dense float64 references."""
import jax
import jax.numpy as jnp
import networkx as nx
import numpy as np
import pytest

from jaxgraph import graph as G
from jaxgraph.testing import random_graph


@pytest.fixture
def rg():
    return random_graph(np.random.default_rng(0), 20, 50, f=3, edge_f=2)


def _edge_set(g):
    return set(zip(np.asarray(g.senders).tolist(), np.asarray(g.receivers).tolist()))


def test_make_undirected(rg):
    u = G.make_undirected(rg)
    es = _edge_set(u)
    assert all((r, s) in es for s, r in es)
    assert es == _edge_set(rg) | {(r, s) for s, r in _edge_set(rg)}
    assert len(es) == u.n_edge[0]  # no duplicates
    G.validate_graph(u)
    # Features travel with their edges: each kept forward edge keeps its own features.
    first = {}
    for i, (s, r) in enumerate(zip(rg.senders.tolist(), rg.receivers.tolist())):
        first.setdefault((s, r), rg.edges[i])
    for i, (s, r) in enumerate(zip(u.senders.tolist(), u.receivers.tolist())):
        if (s, r) in first:
            np.testing.assert_array_equal(u.edges[i], first[(s, r)])
        else:
            np.testing.assert_array_equal(u.edges[i], first[(r, s)])


def test_self_loops(rg):
    with_loops = G.add_self_loops(rg)
    loops = {s for s, r in _edge_set(with_loops) if s == r}
    assert loops == set(range(20))
    assert int(with_loops.n_edge[0]) == int(rg.n_edge[0]) + 20 - len({s for s, r in _edge_set(rg) if s == r})
    no = G.remove_self_loops(with_loops)
    assert all(s != r for s, r in _edge_set(no))
    all_loops = G.add_self_loops(rg, only_missing=False)
    assert int(all_loops.n_edge[0]) == int(rg.n_edge[0]) + 20


def test_transforms_keep_batches_grouped():
    rng = np.random.default_rng(3)
    gs = [random_graph(rng, n, 2 * n) for n in (4, 6, 5)]
    b = G.batch(gs)
    for fn in (G.make_undirected, G.add_self_loops, G.remove_self_loops, G.coalesce):
        out = fn(b)
        G.validate_graph(out)  # would fail if an edge crossed graphs or counts were off
        for single, part in zip(gs, G.unbatch(out)):
            assert _edge_set(fn(single)) == _edge_set(part)


def test_degrees_and_laplacian_vs_dense(rg):
    u = G.make_undirected(G.remove_self_loops(rg))
    a = G.to_dense(u).astype(np.float64)
    deg = a.sum(0)
    np.testing.assert_allclose(G.degrees(u), deg, rtol=1e-6)
    np.testing.assert_allclose(G.degrees(u, "out"), a.sum(1), rtol=1e-6)
    x = np.random.default_rng(1).normal(size=(20, 3))
    dinv = np.where(deg > 0, deg ** -0.5, 0)
    lap = np.eye(20) - dinv[:, None] * a * dinv[None, :]
    np.testing.assert_allclose(G.laplacian(u, jnp.asarray(x, jnp.float32)), lap.T @ x, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(
        G.laplacian(u, jnp.asarray(x, jnp.float32), normalized=False), (np.diag(deg) - a).T @ x, rtol=1e-5, atol=1e-4
    )
    nxl = nx.normalized_laplacian_matrix(nx.from_numpy_array(a)).toarray()
    np.testing.assert_allclose(lap, nxl, atol=1e-12)
    s, r, w, _ = G.normalized_adjacency(u)
    at = a + np.eye(20)
    dt = at.sum(0) ** -0.5
    ref = dt[:, None] * at * dt[None, :]
    np.testing.assert_allclose(G.to_dense(u._replace(senders=np.asarray(s), receivers=np.asarray(r), n_edge=np.array([len(s)])), np.asarray(w)), ref, rtol=1e-5)


def test_k_hop_vs_networkx():
    d = nx.gnp_random_graph(40, 0.06, seed=2, directed=True)
    g = G.from_networkx(d)
    for k in (0, 1, 2, 3):
        for seed in (0, 5):
            out_ref = set(nx.single_source_shortest_path_length(d, seed, cutoff=k))
            in_ref = set(nx.single_source_shortest_path_length(d.reverse(), seed, cutoff=k))
            assert set(G.k_hop_nodes(g, seed, k, "out").tolist()) == out_ref
            assert set(G.k_hop_nodes(g, seed, k, "in").tolist()) == in_ref
    with pytest.raises(ValueError, match=r"seeds\[0\] = 99 is out of range"):
        G.k_hop_nodes(g, 99, 1)


def test_induced_subgraph_vs_networkx(rg):
    nodes = [1, 4, 7, 9, 15]
    sub, keep = G.induced_subgraph(rg, nodes)
    d = nx.MultiDiGraph(G.to_networkx(rg)).subgraph(nodes)
    assert sub.n_edge[0] == d.number_of_edges()
    relabel = {v: i for i, v in enumerate(sorted(nodes))}
    assert sorted(zip(sub.senders.tolist(), sub.receivers.tolist())) == sorted((relabel[u], relabel[v]) for u, v in d.edges())
    np.testing.assert_array_equal(sub.nodes, rg.nodes[nodes])
    np.testing.assert_array_equal(sub.edges, rg.edges[keep])
    s2, nodes2, seed_pos = G.k_hop_subgraph(rg, [3], 1)
    assert nodes2[seed_pos[0]] == 3


def test_degrees_jit_and_mask():
    g = random_graph(np.random.default_rng(5), 10, 30)
    p = G.pad_to_budget(g, G.Budget(16, 40, 2))
    deg = jax.jit(lambda gr: G.degrees(gr, edge_mask=G.edge_mask(gr)))(p)
    np.testing.assert_allclose(deg[:10], G.degrees(g))
    assert float(deg[10:].sum()) == 0.0
