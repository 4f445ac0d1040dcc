"""Substructure counts (jaxgraph.data.counting) vs networkx brute-force subgraph enumeration."""
import networkx as nx
import numpy as np
import pytest
from networkx.algorithms import isomorphism

from jaxgraph.data import counting as C

PATTERNS = {
    "triangle": nx.cycle_graph(3),
    "tailed_triangle": nx.Graph([(0, 1), (1, 2), (2, 0), (0, 3)]),
    "star": nx.star_graph(3),
    "cycle4": nx.cycle_graph(4),
    "chordal_cycle": nx.Graph([(0, 1), (1, 2), (2, 3), (3, 0), (0, 2)]),
}


def brute_force(adj, pattern):
    """#subgraphs (not necessarily induced) isomorphic to ``pattern`` = monomorphisms / |Aut|."""
    g = nx.from_numpy_array(adj)
    mono = sum(1 for _ in isomorphism.GraphMatcher(g, pattern).subgraph_monomorphisms_iter())
    aut = sum(1 for _ in isomorphism.GraphMatcher(pattern, pattern).isomorphisms_iter())
    assert mono % aut == 0
    return mono // aut


def test_counts_match_networkx_brute_force():
    adjs = C.random_graphs(12, min_nodes=6, max_nodes=11, p_range=(0.2, 0.6), degrees=(3, 4), seed=3)
    adjs.append(nx.to_numpy_array(nx.complete_graph(5)))
    adjs.append(nx.to_numpy_array(nx.petersen_graph()))
    for a in adjs:
        got = C.substructure_counts(a)[0]
        want = [brute_force(a, PATTERNS[s]) for s in C.SUBSTRUCTURES]
        np.testing.assert_array_equal(got, want)
    # K5: 10 triangles, 15 4-cycles, 30 diamonds (6 per K4 x 5 K4s), 5*C(4,3)=20 3-stars,
    # tailed triangles: 10 triangles * 3 vertices * 2 outside neighbours = 60
    np.testing.assert_array_equal(C.substructure_counts(nx.to_numpy_array(nx.complete_graph(5)))[0],
                                  [10, 60, 20, 15, 30])


def test_batched_padded_equals_single_and_permutation_invariant():
    adjs = C.random_graphs(6, min_nodes=8, max_nodes=14, seed=1)
    n = max(a.shape[0] for a in adjs)
    stack = np.zeros((len(adjs), n, n))
    for i, a in enumerate(adjs):
        stack[i, : len(a), : len(a)] = a
    batched = C.substructure_counts(stack)
    rng = np.random.default_rng(0)
    for i, a in enumerate(adjs):
        p = rng.permutation(len(a))
        np.testing.assert_array_equal(batched[i], C.substructure_counts(a[np.ix_(p, p)])[0])


def test_random_graphs_properties_and_determinism():
    adjs = C.random_graphs(10, min_nodes=10, max_nodes=20, degrees=(3, 4), seed=7)
    again = C.random_graphs(10, min_nodes=10, max_nodes=20, degrees=(3, 4), seed=7)
    assert all(np.array_equal(a, b) for a, b in zip(adjs, again))
    for g, a in enumerate(adjs):
        assert 10 <= len(a) <= 20 and np.array_equal(a, a.T) and not np.any(np.diag(a))
        if g % 2:  # random regular
            d = a.sum(1)
            assert np.all(d == d[0]) and d[0] in (3, 4)


def test_counting_dataset_graphs_round_trip():
    graphs, y = C.counting_dataset(8, substructures=("triangle", "cycle4"), seed=2, min_nodes=6, max_nodes=9)
    assert y.shape == (8, 2)
    for g, t in zip(graphs, y):
        a = C.adjacency_of(g)
        assert g.nodes.shape == (len(a), 1)
        np.testing.assert_array_equal(t, [brute_force(a, PATTERNS["triangle"]), brute_force(a, PATTERNS["cycle4"])])


@pytest.mark.parametrize("bad,match", [
    (np.ones((3, 4)), "adj"), (np.array([[0, 2], [2, 0]]), "0/1"), (np.array([[0, 1], [0, 0]]), "symmetric"),
    (np.eye(3), "diagonal"),
])
def test_bad_adjacency_raises(bad, match):
    with pytest.raises(ValueError, match=match):
        C.substructure_counts(bad)


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match="substructures"):
        C.substructure_counts(np.zeros((3, 3)), ["pentagon"])
    with pytest.raises(ValueError, match="num_graphs"):
        C.random_graphs(0)
    with pytest.raises(ValueError, match="degrees"):
        C.random_graphs(2, min_nodes=5, degrees=(5,))
    with pytest.raises(ValueError, match="p_range"):
        C.random_graphs(2, p_range=(0.0, 0.5))
