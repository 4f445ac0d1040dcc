"""5-node orbit counts from homomorphism counts (jaxgraph/embed/graphlet_hom.py).

References:
* the enumeration of every connected induced subgraph (graphlet_enum, itself equal to ORCA's
  output and to a networkx brute force in test_graphlet_enum.py), on generated graphs and on
  PPI / Wikipedia-POS induced on their first node ids (../shared/data);
* ORCA's own output on three graphs (test_graphlet_enum.py, parametrised over both methods);
* for the intermediate injective counts, a brute force over all injective maps of the pattern;
* for the inversion matrix, automorphism groups from networkx.
"""
import itertools

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp

from jaxgraph.embed import graphlet_enum as ge
from jaxgraph.embed import graphlet_hom as gh
from jaxgraph.embed import graphlets as gl


def _adj(g: nx.Graph) -> sp.csr_matrix:
    return sp.csr_matrix(nx.to_scipy_sparse_array(g, nodelist=range(g.number_of_nodes()), weight=None))


def _hubs_and_cliques():
    g = nx.disjoint_union(nx.star_graph(12), nx.complete_graph(7))
    g.add_edges_from([(0, 13), (1, 14), (2, 15), (3, 3 + 13)])
    return g


GRAPHS = {
    "karate": nx.karate_club_graph(),
    "gnp40": nx.gnp_random_graph(40, 0.3, seed=7),
    "gnp16_dense": nx.gnp_random_graph(16, 0.75, seed=8),
    "ba120": nx.barabasi_albert_graph(120, 4, seed=9),
    "wheel9": nx.wheel_graph(9),
    "regular": nx.random_regular_graph(5, 30, seed=10),
    "hubs_cliques": _hubs_and_cliques(),
    "isolated": nx.disjoint_union(nx.disjoint_union(nx.house_graph(), nx.empty_graph(3)), nx.complete_graph(5)),
}


@pytest.mark.parametrize("name", sorted(GRAPHS))
def test_hom_counts_equal_enumeration(name):
    a = _adj(GRAPHS[name])
    ours = gh.hom_orbit_counts(a)
    assert ours.shape == (a.shape[0], 73) and ours.dtype == np.int64
    np.testing.assert_array_equal(ours, ge.enumerate_orbit_counts(a, 5))


@pytest.mark.parametrize("name, limit", [("ppi", 700), ("wikipedia-pos", 800)])
def test_real_graphs_equal_enumeration(name, limit):
    # induced on the first ids (the whole graphs are beyond the enumeration); PPI's 700 touch all
    # 58 five-node orbits
    from jaxgraph import data

    a = gl.adjacency_matrix(data.load(name).graph, self_loops="drop")[:limit][:, :limit]
    ours = gh.hom_orbit_counts(a)
    np.testing.assert_array_equal(ours, ge.enumerate_orbit_counts(a, 5))
    assert name != "ppi" or (ours[:, 15:] > 0).any(0).all()


def test_sparse_neighbourhood_path(monkeypatch):
    # above _DENSE_LOOKUP_MAX nodes the neighbourhoods (and the K5 scan) slice the sparse matrix
    a = _adj(GRAPHS["gnp16_dense"])
    ref = gh.hom_orbit_counts(a)
    monkeypatch.setattr(gh, "_DENSE_LOOKUP_MAX", 0)
    np.testing.assert_array_equal(gh.hom_orbit_counts(a), ref)


def test_relabelling_permutes_rows():
    a = _adj(GRAPHS["ba120"])
    perm = np.random.default_rng(3).permutation(a.shape[0])
    np.testing.assert_array_equal(gh.hom_orbit_counts(sp.csr_matrix(a[perm][:, perm])), gh.hom_orbit_counts(a)[perm])


def _brute_injective(adj: np.ndarray, edges, root: int) -> np.ndarray:
    n = adj.shape[0]
    out = np.zeros(n, np.int64)
    for phi in itertools.permutations(range(n), 5):
        if all(adj[phi[i], phi[j]] for i, j in edges):
            out[phi[root]] += 1
    return out


def test_injective_counts_equal_brute_force():
    # every target's rooted injective count (Möbius sum of homomorphisms, or the direct
    # neighbourhood formulas for the six treewidth-3 graphlets) against all injective maps
    g = nx.gnp_random_graph(10, 0.55, seed=4)
    g.add_edge(0, 9)
    a = _adj(g).astype(np.float64)
    dense_a = a.toarray() > 0
    targets, _, dense, _ = gh._tables()
    assert dense == (23, 25, 26, 27, 28, 29)
    hom = gh._Hom(a, k4_rooted=gl.orbit_counts(a)[:, 14].astype(np.float64))
    special = gh._dense_graphlets(a, dense_a, targets, dense, None)
    for t, (graphlet, orbit, root) in enumerate(targets):
        edges = gh._template(graphlet)[0]
        ours = special[t] if t in special else gh._inj(hom, 5, edges, root)
        np.testing.assert_array_equal(ours, _brute_injective(dense_a, edges, root), err_msg=f"orbit {orbit}")


def test_inversion_matrix_is_triangular_with_stabiliser_diagonal():
    targets, coef, _, order = gh._tables()
    assert [o for _, o, _ in targets] == list(range(15, 73))
    n_edges = [len(gh._template(g)[0]) for g, _, _ in targets]
    for i, (g, o, r) in enumerate(targets):
        tg = nx.Graph(list(gh._template(g)[0]))
        autos = list(nx.algorithms.isomorphism.GraphMatcher(tg, tg).isomorphisms_iter())
        assert coef[i, i] == sum(m[r] == r for m in autos)  # |Aut(H)| / |orbit|
        for j in np.nonzero(coef[i])[0]:
            assert j == i or n_edges[j] > n_edges[i]
    # back-substitution visits denser graphlets first
    assert all(n_edges[order[k]] >= n_edges[order[k + 1]] for k in range(len(order) - 1))


def test_edgeless_graphs_give_zero_rows():
    for n in (0, 1, 4):
        out = gh.hom_orbit_counts(sp.csr_matrix((n, n)))
        assert out.shape == (n, 73) and not out.any()


def test_orbit_counts_dispatch():
    a = _adj(GRAPHS["gnp40"])
    ref = ge.enumerate_orbit_counts(a, 5)
    np.testing.assert_array_equal(gl.orbit_counts(a, max_nodes=5), ref)  # auto -> hom
    np.testing.assert_array_equal(gl.orbit_counts(a, max_nodes=5, max_nodes_dense=10), ref)  # auto -> enumerate
    np.testing.assert_array_equal(gl.orbit_counts(a, max_nodes=5, max_candidates=1e7), ref)  # auto -> enumerate


@pytest.mark.parametrize("call, needle", [
    (lambda a: gh.hom_orbit_counts(a, max_nodes_dense=10), "more than max_nodes_dense=10"),
    (lambda a: gl.orbit_counts(a, max_nodes=5, method="hom", max_nodes_dense=10), "more than max_nodes_dense=10"),
    (lambda a: gl.orbit_counts(a, max_nodes=5, method="orca"), "method must be 'auto', 'hom' or 'enumerate'"),
    (lambda a: gl.orbit_counts(a, max_nodes=5, method="hom", max_candidates=10), r"\['max_candidates'\] do not apply"),
    (lambda a: gl.orbit_counts(a, method="hom"), "method='hom' and keywords \\[\\] only apply to max_nodes=5"),
    (lambda a: gl.orbit_counts(a, max_nodes=5, method="enumerate", max_nodes_dense=10), "does not apply to method='enumerate'"),
    (lambda a: gh.hom_orbit_counts(sp.csr_matrix(np.triu(np.ones((4, 4)), 1))), "is directed"),
])
def test_bad_input_raises(call, needle):
    with pytest.raises(ValueError, match=needle):
        call(_adj(GRAPHS["gnp40"]))


def test_counts_beyond_float64_exact_range_raise(monkeypatch):
    monkeypatch.setattr(gh, "_EXACT", 1000.0)  # stands in for 2**53 on a graph small enough to test
    with pytest.raises(ValueError, match="beyond float64's exact integers"):
        gh.hom_orbit_counts(_adj(GRAPHS["gnp40"]))
