"""5-node graphlet orbit counts (73 orbits) against ORCA's output and a networkx brute force.

References:
* ORCA (Hočevar & Demšar 2014, github.com/thocevar/orca @ e146a8b, ``orca node 5 X.in X.out``):
  ``fixtures/orca/{karate,gnp30,ba80}.{in,out}`` hold ORCA's input and its output, unchanged.
  ``karate`` is networkx's karate club, ``gnp30`` ``gnp_random_graph(30, 0.35, seed=5)`` and
  ``ba80`` ``barabasi_albert_graph(80, 3, seed=2)``; together they touch every one of the 73
  orbits.
* A brute force that checks every 2..5-subset, keeps the connected induced ones and assigns
  orbits through a networkx isomorphism onto the templates ``G0..G29``.
* The sparse-algebra counter for orbits 0-14 (:func:`jaxgraph.embed.graphlets.orbit_counts`).
"""
import itertools
import os

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp

from jaxgraph.embed import graphlet_enum as ge
from jaxgraph.embed import graphlets as gl
from jaxgraph.graph.build import from_networkx

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures", "orca")


def _read_orca_input(path) -> sp.csr_matrix:
    with open(path) as f:
        n, e = map(int, f.readline().split())
        edges = np.loadtxt(f, dtype=np.int64, ndmin=2)
    assert edges.shape == (e, 2)
    a = sp.coo_matrix((np.ones(2 * e), (np.r_[edges[:, 0], edges[:, 1]], np.r_[edges[:, 1], edges[:, 0]])),
                      shape=(n, n))
    return sp.csr_matrix(a)


def _adj(g: nx.Graph) -> sp.csr_matrix:
    return sp.csr_matrix(nx.to_scipy_sparse_array(g, nodelist=range(g.number_of_nodes())))


def _templates():
    return [(nx.Graph(list(edges)), orbs) for edges, orbs in ge.GRAPHLET_TEMPLATES]


def brute_force5(g: nx.Graph) -> np.ndarray:
    n = g.number_of_nodes()
    out = np.zeros((n, 73), np.int64)
    temps = _templates()
    for size in (2, 3, 4, 5):
        for nodes in itertools.combinations(range(n), size):
            sub = g.subgraph(nodes)
            if not nx.is_connected(sub):
                continue
            hits = 0
            for tg, orbs in temps:
                if tg.number_of_nodes() != size or tg.number_of_edges() != sub.number_of_edges():
                    continue
                gm = nx.algorithms.isomorphism.GraphMatcher(sub, tg)
                if gm.is_isomorphic():
                    for x in nodes:
                        out[x, orbs[gm.mapping[x]]] += 1
                    hits += 1
            assert hits == 1
    return out


@pytest.mark.parametrize("method", ["enumerate", "hom"])
@pytest.mark.parametrize("name", ["karate", "gnp30", "ba80"])
def test_five_node_orbit_counts_equal_orca_output(name, method):
    a = _read_orca_input(os.path.join(FIXTURES, f"{name}.in"))
    ref = np.loadtxt(os.path.join(FIXTURES, f"{name}.out"), dtype=np.int64, ndmin=2)
    ours = gl.orbit_counts(a, max_nodes=5, method=method)
    assert ours.shape == ref.shape == (a.shape[0], 73) and ours.dtype == np.int64
    np.testing.assert_array_equal(ours, ref)


def test_orca_fixtures_cover_every_orbit():
    seen = np.zeros(73, bool)
    for name in ("karate", "gnp30", "ba80"):
        seen |= (np.loadtxt(os.path.join(FIXTURES, f"{name}.out"), dtype=np.int64) > 0).any(0)
    assert seen.all(), np.nonzero(~seen)


GRAPHS = {
    "petersen": nx.petersen_graph(),
    "k6": nx.complete_graph(6),
    "wheel7": nx.wheel_graph(7),
    "gnp12": nx.gnp_random_graph(12, 0.45, seed=3),
    "gnp14_sparse": nx.gnp_random_graph(14, 0.2, seed=4),
    "isolated": nx.disjoint_union(nx.disjoint_union(nx.cycle_graph(5), nx.empty_graph(2)), nx.star_graph(4)),
}


@pytest.mark.parametrize("name", sorted(GRAPHS))
def test_five_node_orbit_counts_equal_networkx_brute_force(name):
    g = GRAPHS[name]
    np.testing.assert_array_equal(ge.enumerate_orbit_counts(from_networkx(g), 5), brute_force5(g))


@pytest.mark.parametrize("max_nodes", [2, 3, 4])
def test_smaller_enumerations_match_the_sparse_algebra_counter(max_nodes):
    g = nx.gnp_random_graph(60, 0.12, seed=max_nodes)
    ours = ge.enumerate_orbit_counts(_adj(g), max_nodes)
    assert ours.shape == (60, (1, 4, 15)[max_nodes - 2])
    np.testing.assert_array_equal(ours, gl.orbit_counts(_adj(g))[:, :ours.shape[1]])


def test_large_graph_path_and_relabelling():
    # N > 8192 takes the sorted-key edge test instead of the dense one; relabelling nodes
    # permutes the rows (the canonical rule compares node ids, so this is not automatic)
    g = nx.gnp_random_graph(9000, 0.0003, seed=1)
    g.add_edges_from(nx.complete_graph(range(8990, 9000)).edges())  # a K10 for the dense orbits
    a = _adj(g)
    ours = ge.enumerate_orbit_counts(a, 5)
    np.testing.assert_array_equal(ours[:, :15], gl.orbit_counts(a))
    assert ours[8990:, 72].min() == 126  # C(9, 4) K5s through each K10 node
    perm = np.random.default_rng(0).permutation(9000)
    pa = sp.csr_matrix(a[perm][:, perm])
    np.testing.assert_array_equal(ge.enumerate_orbit_counts(pa, 5, chunk=50_000), ours[perm])


def test_templates_are_the_automorphism_orbits():
    assert len(ge.GRAPHLET_TEMPLATES) == 30 and len(ge.ORBIT_GRAPHLET_5) == 73
    assert ge.ORBIT_GRAPHLET_5[:15] == gl.ORBIT_GRAPHLET
    seen = []
    for g_index, (tg, orbs) in enumerate(_templates()):
        assert nx.is_connected(tg) and tg.number_of_nodes() == len(orbs)
        assert not any(nx.is_isomorphic(tg, other) for other, _ in seen)
        seen.append((tg, orbs))
        # two positions share an orbit number iff an automorphism maps one onto the other
        gm = nx.algorithms.isomorphism.GraphMatcher(tg, tg)
        same = {(x, m[x]) for m in gm.isomorphisms_iter() for x in tg}
        for x, y in itertools.product(tg, tg):
            assert ((x, y) in same) == (orbs[x] == orbs[y])
        assert all(ge.ORBIT_GRAPHLET_5[o] == g_index for o in orbs)
    assert sorted({o for _, orbs in ge.GRAPHLET_TEMPLATES for o in orbs}) == list(range(73))


@pytest.mark.parametrize("call, needle", [
    (lambda: ge.enumerate_orbit_counts(_adj(nx.path_graph(4)), 6), "max_nodes must be 2, 3, 4 or 5, got 6"),
    (lambda: gl.orbit_counts(_adj(nx.path_graph(4)), max_nodes=3), "max_nodes must be 4 or 5, got 3"),
    (lambda: gl.orbit_counts(_adj(nx.path_graph(4)), chunk=10), "only apply to max_nodes=5"),
    (lambda: ge.enumerate_orbit_counts(_adj(nx.star_graph(40)), 5, max_candidates=1e4),
     "at least 18,278 connected 5-node subgraphs"),
    (lambda: ge.enumerate_orbit_counts(_adj(nx.complete_graph(12)), 5, max_candidates=5000),
     "listing 5-node subgraphs would test 7,821 candidates"),
    (lambda: ge.enumerate_orbit_counts(sp.csr_matrix(np.triu(np.ones((4, 4)), 1)), 5), "is directed"),
])
def test_bad_input_raises(call, needle):
    with pytest.raises(ValueError, match=needle):
        call()


@pytest.mark.parametrize("n", [0, 1, 5])
def test_edgeless_graphs_give_zero_rows(n):
    for max_nodes, width in ((2, 1), (3, 4), (4, 15), (5, 73)):
        out = ge.enumerate_orbit_counts(sp.csr_matrix((n, n)), max_nodes)
        assert out.shape == (n, width) and out.dtype == np.int64 and not out.any()
