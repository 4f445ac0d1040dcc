"""Laplacian and random-walk positional encodings vs networkx / dense numpy references."""
import jax
import jax.numpy as jnp
import networkx as nx
import numpy as np
import pytest

from jaxgraph.graph import batch, from_networkx
from jaxgraph.nn import laplacian_pe, random_sign_flip, random_walk_pe
from jaxgraph.testing import random_graph
from zoo_reference import segment_ids


def _nx_graphs():
    return [
        nx.petersen_graph(),
        nx.path_graph(3),  # fewer than k + 1 nodes: zero-padded columns
        nx.empty_graph(0),
        nx.cycle_graph(7),
        nx.gnm_random_graph(9, 14, seed=3),  # may be disconnected
        nx.complete_graph(1),
        nx.star_graph(5),
    ]


def _with_x(g):
    gt = from_networkx(g)
    return gt._replace(nodes=np.zeros((g.number_of_nodes(), 1), np.float32))


def test_laplacian_pe_eigenpairs_vs_networkx():
    k = 4
    graphs = _nx_graphs()
    bt = batch([_with_x(g) for g in graphs])
    pe, ev = laplacian_pe(bt, k, return_eigenvalues=True)
    assert pe.shape == ev.shape == (sum(g.number_of_nodes() for g in graphs), k) and pe.dtype == np.float32
    start = 0
    for g in graphs:
        n = g.number_of_nodes()
        v, lam = pe[start : start + n].astype(np.float64), ev[start : start + n].astype(np.float64)
        start += n
        if n == 0:
            continue
        kk = min(k, n - 1)
        np.testing.assert_array_equal(v[:, kk:], 0.0)
        np.testing.assert_array_equal(lam[:, kk:], 0.0)
        if kk == 0:
            continue
        lap = nx.normalized_laplacian_matrix(g, nodelist=list(g.nodes)).toarray()
        spectrum = np.sort(nx.normalized_laplacian_spectrum(g))
        np.testing.assert_allclose(lam[0, :kk], spectrum[1 : 1 + kk], atol=1e-5)
        assert np.all(lam == lam[0])  # every node of a graph carries its graph's eigenvalues
        np.testing.assert_allclose(lap @ v[:, :kk], v[:, :kk] * lam[0, :kk], atol=1e-5)  # L v = λ v
        np.testing.assert_allclose(v[:, :kk].T @ v[:, :kk], np.eye(kk), atol=1e-5)
        mag = np.abs(v[:, :kk])
        piv = v[np.argmax(mag >= mag.max(0) * (1 - 1e-5), axis=0), np.arange(kk)]
        assert np.all(piv > 0)  # canonical sign
        # the batched PE equals the PE of the graph on its own
        np.testing.assert_array_equal(laplacian_pe(_with_x(g), k), pe[start - n : start])


def test_laplacian_pe_directed_input_is_symmetrised():
    g = nx.cycle_graph(6)
    directed = nx.DiGraph()
    directed.add_nodes_from(g.nodes)
    directed.add_edges_from(g.edges)  # one direction only
    np.testing.assert_allclose(laplacian_pe(from_networkx(directed), 3), laplacian_pe(from_networkx(g), 3), atol=1e-6)


def test_pe_errors():
    g = from_networkx(nx.path_graph(4))
    with pytest.raises(ValueError, match="k must be"):
        laplacian_pe(g, 0)
    with pytest.raises(ValueError, match="k must be"):
        random_walk_pe(g, -1)
    crossing = g._replace(n_node=np.array([2, 2]), n_edge=np.array([3, 3]))  # edge 1 -> 2 joins graphs
    with pytest.raises(ValueError, match="joins two different graphs"):
        laplacian_pe(crossing, 2)


def test_random_walk_pe_vs_matrix_powers():
    rng = np.random.default_rng(0)
    graphs = [random_graph(rng, n, 3 * n, f=1) for n in (6, 1, 9)]  # directed multigraphs with self loops
    graphs.insert(1, random_graph(rng, 0, 0, f=1))
    graphs.append(_with_x(nx.petersen_graph()))
    bt = batch(graphs)
    K = 5
    pe = random_walk_pe(bt, K)
    assert pe.shape == (int(np.sum(bt.n_node)), K) and pe.dtype == np.float32
    start = 0
    for g in graphs:
        n = int(np.sum(g.n_node))
        a = np.zeros((n, n))
        for s, r in zip(np.asarray(g.senders), np.asarray(g.receivers)):
            a[s, r] += 1
        deg = a.sum(1)
        m = np.divide(a, deg[:, None], out=np.zeros_like(a), where=deg[:, None] > 0)
        ref = np.stack([np.diag(np.linalg.matrix_power(m, t)) for t in range(1, K + 1)], axis=1) if n else np.zeros((0, K))
        np.testing.assert_allclose(pe[start : start + n], ref, atol=1e-6)
        start += n
    # undirected graph: the paper's A D^{-1} gives the same diagonal; Petersen (bipartite-free,
    # 3-regular) has return probabilities 0, 1/3, 0, ... as known closed forms
    pet = pe[-10:]
    np.testing.assert_allclose(pet[:, 0], 0.0, atol=1e-7)
    np.testing.assert_allclose(pet[:, 1], 1 / 3, atol=1e-6)
    a = nx.to_numpy_array(nx.petersen_graph())
    m2 = a / a.sum(0)[None, :]
    np.testing.assert_allclose(pet[:, 2], np.diag(np.linalg.matrix_power(m2, 3)), atol=1e-6)


def test_random_sign_flip():
    graphs = [_with_x(nx.cycle_graph(5)), _with_x(nx.path_graph(2)), _with_x(nx.petersen_graph())]
    bt = batch(graphs)
    pe = laplacian_pe(bt, 3)
    ids = segment_ids(bt.n_node)
    flip = jax.jit(random_sign_flip)
    flip_g = jax.jit(random_sign_flip)
    seen_global, seen_graph = set(), set()
    for i in range(8):
        key = jax.random.PRNGKey(i)
        out = np.asarray(flip(pe, key))
        signs = out / np.where(pe == 0, 1, pe)
        nz = pe != 0
        assert np.all(np.abs(np.abs(out) - np.abs(pe)) == 0)
        col = [np.unique(np.sign(signs[:, c][nz[:, c]])) for c in range(3)]
        assert all(len(c) == 1 for c in col)  # one sign per column for the whole batch
        seen_global.add(tuple(int(c[0]) for c in col))
        outg = np.asarray(flip_g(pe, key, jnp.asarray(bt.n_node)))
        assert np.all(np.abs(outg) == np.abs(pe))
        for gi in range(len(graphs)):
            for c in range(3):
                sel = (ids == gi) & nz[:, c]
                if sel.any():
                    s = np.unique(np.sign(outg[sel, c] / pe[sel, c]))
                    assert len(s) == 1  # one sign per graph and column
                    seen_graph.add((gi, c, int(s[0])))
    assert len(seen_global) > 1
    assert {x[2] for x in seen_graph} == {-1, 1}
