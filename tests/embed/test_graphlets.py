"""Graphlet orbit counts and orbit adjacencies vs brute-force enumeration with networkx.

The reference enumerates every 2-, 3- and 4-node subset, keeps the connected induced ones,
assigns orbits by an explicit isomorphism (networkx GraphMatcher) to the canonical graphlets
G0..G8 of Pržulj (2007), and reads the hop as the distance inside the induced graphlet.
"""
import itertools

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp

from jaxgraph.embed import graphlets as gl
from jaxgraph.graph.build import from_networkx, from_scipy


def _canonical():
    """(graphlet graph, {node: orbit}) for G0..G8."""
    g = []
    g.append((nx.Graph([(0, 1)]), {0: 0, 1: 0}))
    g.append((nx.Graph([(0, 1), (1, 2)]), {0: 1, 1: 2, 2: 1}))
    g.append((nx.complete_graph(3), {0: 3, 1: 3, 2: 3}))
    g.append((nx.path_graph(4), {0: 4, 1: 5, 2: 5, 3: 4}))
    g.append((nx.star_graph(3), {0: 7, 1: 6, 2: 6, 3: 6}))
    g.append((nx.cycle_graph(4), {i: 8 for i in range(4)}))
    g.append((nx.Graph([(0, 1), (1, 2), (2, 3), (3, 1)]), {0: 9, 1: 11, 2: 10, 3: 10}))
    g.append((nx.Graph([(0, 1), (0, 2), (1, 2), (1, 3), (2, 3)]), {0: 12, 3: 12, 1: 13, 2: 13}))
    g.append((nx.complete_graph(4), {i: 14 for i in range(4)}))
    return g


CANON = _canonical()


def brute_force(g: nx.Graph):
    """(orbit counts [N, 15], {(hop, i, j): dense [N, N]}) by enumeration."""
    n = g.number_of_nodes()
    counts = np.zeros((n, 15), np.int64)
    adj = {k: np.zeros((n, n), np.int64) for k in gl.ORBIT_ADJACENCY_KEYS}
    for size in (2, 3, 4):
        for nodes in itertools.combinations(range(n), size):
            sub = g.subgraph(nodes)
            if not nx.is_connected(sub):
                continue
            orbit = None
            for cg, orb in CANON:
                if cg.number_of_nodes() != size or cg.number_of_edges() != sub.number_of_edges():
                    continue
                gm = nx.algorithms.isomorphism.GraphMatcher(sub, cg)
                if gm.is_isomorphic():
                    orbit = {x: orb[gm.mapping[x]] for x in nodes}
                    break
            assert orbit is not None
            dist = dict(nx.all_pairs_shortest_path_length(sub))
            for x in nodes:
                counts[x, orbit[x]] += 1
                for y in nodes:
                    if x != y:
                        adj[(dist[x][y], orbit[x], orbit[y])][x, y] += 1
    return counts, adj


def _graphs():
    rng = np.random.default_rng(0)
    out = {
        "complete6": nx.complete_graph(6),
        "cycle7": nx.cycle_graph(7),
        "star6": nx.star_graph(6),
        "path6": nx.path_graph(6),
        "disconnected+isolated": nx.disjoint_union_all([nx.complete_graph(4), nx.cycle_graph(5), nx.empty_graph(2)]),
        "petersen": nx.petersen_graph(),
        "karate": nx.karate_club_graph(),
    }
    for i, p in enumerate((0.2, 0.35, 0.6)):
        out[f"gnp{i}"] = nx.gnp_random_graph(13, p, seed=int(rng.integers(1 << 30)))
    out["ba"] = nx.barabasi_albert_graph(16, 3, seed=3)
    return out


GRAPHS = _graphs()
_CACHE = {}


def _ref(name):
    if name not in _CACHE:
        g = nx.convert_node_labels_to_integers(GRAPHS[name])
        _CACHE[name] = brute_force(g)
    return _CACHE[name]


def _graph(name):
    g = nx.convert_node_labels_to_integers(GRAPHS[name])
    a = nx.to_scipy_sparse_array(g, nodelist=range(g.number_of_nodes()), format="csr")
    return from_scipy(sp.csr_matrix(a))


@pytest.mark.parametrize("name", sorted(GRAPHS))
def test_orbit_counts_match_brute_force(name):
    got = gl.orbit_counts(_graph(name))
    want, _ = _ref(name)
    assert got.dtype == np.int64 and got.shape == want.shape
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("dense_far", [False, True])
@pytest.mark.parametrize("name", sorted(GRAPHS))
def test_orbit_adjacency_match_brute_force(name, dense_far):
    got = gl.orbit_adjacency(_graph(name), dense_far=dense_far, block=5)  # several row blocks
    _, want = _ref(name)
    assert sorted(got) == sorted(gl.ORBIT_ADJACENCY_KEYS) and len(got) == 28
    for key in gl.ORBIT_ADJACENCY_KEYS:
        if dense_far and key[0] > 1:
            assert isinstance(got[key], np.ndarray) and got[key].dtype == np.float32
            np.testing.assert_array_equal(got[key], want[key], err_msg=str(key))
        else:
            np.testing.assert_array_equal(got[key].toarray(), want[key], err_msg=str(key))


def test_hop1_only_uses_k4_scan_and_agrees():
    g = _graph("gnp2")
    full = gl.orbit_adjacency(g)
    hop1 = gl.orbit_adjacency(g, hops=(1,))
    assert all(k[0] == 1 for k in hop1) and len(hop1) == 19
    for k, m in hop1.items():
        np.testing.assert_array_equal(m.toarray(), full[k].toarray(), err_msg=str(k))


def test_max_nodes_subsets():
    g = _graph("karate")
    a3 = gl.orbit_adjacency(g, max_nodes=3)
    assert sorted(a3) == sorted([(1, 0, 0), (1, 1, 2), (1, 2, 1), (1, 3, 3), (2, 1, 1)])
    d3 = gl.orbit_adjacency(g, max_nodes=3, dense_far=True)  # 3-node graphlets only: no K4 terms
    assert sorted(d3) == sorted(a3)
    np.testing.assert_array_equal(d3[(2, 1, 1)], a3[(2, 1, 1)].toarray())
    assert sorted(gl.orbit_adjacency(g, max_nodes=2)) == [(1, 0, 0)]


def test_orbit_zero_is_degree_and_sum_identities():
    g = nx.gnp_random_graph(60, 0.15, seed=5)
    counts = gl.orbit_counts(from_networkx(g))
    deg = np.array([g.degree(i) for i in range(60)])
    np.testing.assert_array_equal(counts[:, 0], deg)
    # triangles per node (networkx) and paths: o1 + 2*o3 = sum over neighbours of (d_v - 1)
    tri = nx.triangles(g)
    np.testing.assert_array_equal(counts[:, 3], [tri[i] for i in range(60)])
    nbr = np.array([sum(deg[v] - 1 for v in g[u]) for u in range(60)])
    np.testing.assert_array_equal(counts[:, 1] + 2 * counts[:, 3], nbr)
    # o2 + o3 = C(d, 2)
    np.testing.assert_array_equal(counts[:, 2] + counts[:, 3], deg * (deg - 1) // 2)
    # graphlet totals: sum over a graphlet's orbits / its node count is an integer count
    for orbits, k in (((4, 5), 4), ((6, 7), 4), ((8,), 4), ((9, 10, 11), 4), ((12, 13), 4), ((14,), 4)):
        assert counts[:, list(orbits)].sum() % k == 0
    # 4-node graphlets containing u that are stars centred at u: o7 + o11 + o13 + o14 = C(d, 3)
    np.testing.assert_array_equal(counts[:, [7, 11, 13, 14]].sum(1), deg * (deg - 1) * (deg - 2) // 6)
    # K4 count per node vs networkx cliques
    k4 = np.zeros(60, np.int64)
    for c in nx.enumerate_all_cliques(g):
        if len(c) == 4:
            k4[c] += 1
    np.testing.assert_array_equal(counts[:, 14], k4)


def test_orbit_counts_are_row_sums_of_orbit_adjacencies():
    g = from_networkx(nx.gnp_random_graph(40, 0.2, seed=11))
    counts = gl.orbit_counts(g)
    adj = gl.orbit_adjacency(g)
    # (key, number of orbit-j partners at that hop that an orbit-i node has in the graphlet)
    for key, m in (((1, 14, 14), 3), ((2, 12, 12), 1), ((1, 13, 13), 1), ((3, 4, 4), 1), ((2, 6, 6), 2),
                   ((1, 7, 6), 3), ((2, 8, 8), 1), ((1, 8, 8), 2), ((2, 9, 10), 2), ((1, 11, 10), 2)):
        rs = np.asarray(adj[key].sum(1)).ravel()
        np.testing.assert_array_equal(rs, m * counts[:, key[1]], err_msg=str(key))


def test_symmetry_and_transposes():
    adj = gl.orbit_adjacency(_graph("ba"))
    for (h, i, j), m in adj.items():
        np.testing.assert_array_equal(m.toarray(), adj[(h, j, i)].toarray().T)
        if i == j:
            assert (m != m.T).nnz == 0
        assert m.dtype == np.int64 and (m.data > 0).all()


def test_permutation_equivariance():
    g = nx.gnp_random_graph(30, 0.25, seed=2)
    perm = np.random.default_rng(1).permutation(30)
    gp = nx.relabel_nodes(g, {i: int(perm[i]) for i in range(30)})
    a = nx.to_scipy_sparse_array(g, nodelist=range(30), format="csr")
    ap = nx.to_scipy_sparse_array(gp, nodelist=range(30), format="csr")
    c, cp = gl.orbit_counts(a), gl.orbit_counts(ap)
    np.testing.assert_array_equal(cp[perm], c)
    m, mp = gl.orbit_adjacency(a), gl.orbit_adjacency(ap)
    for k in m:
        np.testing.assert_array_equal(mp[k].toarray()[np.ix_(perm, perm)], m[k].toarray(), err_msg=str(k))


def test_bad_input():
    with pytest.raises(ValueError, match="self loops"):
        gl.orbit_counts(sp.csr_matrix(np.array([[1, 1], [1, 0]])))
    # dropping self loops gives the loop-free counts
    np.testing.assert_array_equal(
        gl.orbit_counts(sp.csr_matrix(np.array([[1, 1], [1, 0]])), self_loops="drop"),
        gl.orbit_counts(sp.csr_matrix(np.array([[0, 1], [1, 0]]))),
    )
    with pytest.raises(ValueError, match="directed"):
        gl.orbit_counts(sp.csr_matrix(np.array([[0, 1], [0, 0]])))
    with pytest.raises(ValueError, match="square"):
        gl.orbit_counts(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="max_nodes"):
        gl.orbit_adjacency(_graph("cycle7"), max_nodes=5)
    with pytest.raises(ValueError, match="hops"):
        gl.orbit_adjacency(_graph("cycle7"), hops=(4,))
    with pytest.raises(ValueError, match="dense_far"):
        gl.orbit_adjacency(_graph("cycle7"), dense_far="yes")
    with pytest.raises(ValueError, match="self_loops"):
        gl.orbit_counts(_graph("cycle7"), self_loops="keep")
    with pytest.raises(ValueError, match="graph"):
        gl.orbit_counts([[0, 1], [1, 0]])


def test_duplicate_edges_collapse():
    s = np.array([0, 1, 0, 1, 1, 2])
    r = np.array([1, 0, 1, 0, 2, 1])
    from jaxgraph.graph.build import from_edge_list

    c = gl.orbit_counts(from_edge_list(s, r, 3))
    np.testing.assert_array_equal(c[:, :3], [[1, 1, 0], [2, 0, 1], [1, 1, 0]])


# ----------------------------------------------------------------------------- embeddings
def _dense_pmi(m, b=1.0):
    m = np.asarray(m, np.float64)
    vol = m.sum()
    r, c = m.sum(1), m.sum(0)
    with np.errstate(divide="ignore", invalid="ignore"):
        x = np.log(vol * m / (np.outer(r, c) * b))
    return np.where((m > 0) & (x > 0), x, 0.0)


def test_pmi_embedding_matches_dense_svd():
    g = nx.gnp_random_graph(24, 0.3, seed=4)
    adj = gl.orbit_adjacency(from_networkx(g))
    for key in ((1, 4, 5), (2, 1, 1), (1, 0, 0)):
        m = adj[key].toarray()
        ref = _dense_pmi(m, b=2.0)
        u, s, _ = np.linalg.svd(ref)
        k = 23
        want = (u[:, :k] * np.sqrt(s[:k]))
        got = gl.pmi_embedding(adj[key], 30, negative=2.0)
        assert got.shape == (24, 30) and got.dtype == np.float32
        np.testing.assert_array_equal(got[:, k:], 0)
        # sign/rotation-free comparison: the Gram matrices
        np.testing.assert_allclose(got @ got.T, want @ want.T, atol=2e-4, err_msg=str(key))
        # the dense path (ndarray input, used for BlogCatalog's hop-2/3 matrices) agrees and
        # leaves its input untouched
        m32 = m.astype(np.float32)
        m64 = m.astype(np.float64)
        for dense_in in (m32, m64):
            before = dense_in.copy()
            got_d = gl.pmi_embedding(dense_in, 30, negative=2.0)
            np.testing.assert_array_equal(dense_in, before)
            np.testing.assert_allclose(got_d @ got_d.T, want @ want.T, atol=2e-4, err_msg=f"dense {key}")
    with pytest.raises(ValueError, match="nonnegative"):
        gl.pmi_embedding(-np.eye(3), 2)
    with pytest.raises(ValueError, match="non-finite"):
        gl.pmi_embedding(np.full((3, 3), np.nan), 2)
    with pytest.raises(ValueError, match="2-D"):
        gl.pmi_embedding(np.ones(3), 2)
    np.testing.assert_array_equal(gl.pmi_embedding(np.zeros((4, 4)), 3), 0)


def test_rwpmi_matrix_matches_dense_netmf_and_gopmi_of_adjacency():
    g = nx.gnp_random_graph(20, 0.3, seed=7)
    g.add_node(20)  # isolated node
    a = nx.to_numpy_array(g, nodelist=range(21))
    d = a.sum(1)
    dinv = np.diag(np.where(d > 0, 1 / np.where(d > 0, d, 1), 0))
    p = dinv @ a
    for t in (1, 3):
        s = sum(np.linalg.matrix_power(p, r) for r in range(1, t + 1))
        ref = np.log(np.maximum(d.sum() / (2.0 * t) * s @ dinv, 1.0))
        for dense in (False, True, None):  # sparse products, dense arrays, automatic choice
            got = gl.rwpmi_matrix(sp.csr_matrix(a), t, negative=2.0, dense=dense).toarray()
            np.testing.assert_allclose(got, ref, rtol=1e-10, atol=1e-12, err_msg=f"T={t} dense={dense}")
    # window 1 RWPMI is the GOPMI of the (1, 0, 0) orbit adjacency (the adjacency itself)
    np.testing.assert_allclose(
        gl.rwpmi_matrix(sp.csr_matrix(a), 1).toarray(), _dense_pmi(a), rtol=1e-10, atol=1e-12
    )
    e1 = gl.rwpmi_embedding(sp.csr_matrix(a), 8, window=1)
    e2 = gl.gopmi_embedding(gl.orbit_adjacency(sp.csr_matrix(a), 2)[(1, 0, 0)], 8)
    np.testing.assert_allclose(e1 @ e1.T, e2 @ e2.T, atol=1e-4)
    np.testing.assert_array_equal(e1[20], 0)
    # the dense path gives the same embedding (up to rotation) as the sparse one
    e3 = gl.rwpmi_embedding(sp.csr_matrix(a), 8, window=3, dense=True)
    e4 = gl.rwpmi_embedding(sp.csr_matrix(a), 8, window=3, dense=False)
    np.testing.assert_allclose(e3 @ e3.T, e4 @ e4.T, atol=1e-4)


def test_rwpmi_automatic_dense_choice(monkeypatch):
    """A graph with >= N^2 2-paths takes the dense path, a sparse one the sparse path."""
    calls = []
    real = gl._walk_power_sum
    monkeypatch.setattr(gl, "_walk_power_sum", lambda w, t, dense: calls.append(dense) or real(w, t, dense))
    dense_g = sp.csr_matrix(nx.to_numpy_array(nx.gnp_random_graph(30, 0.5, seed=1)))
    sparse_g = sp.csr_matrix(nx.to_numpy_array(nx.cycle_graph(30)))
    gl.rwpmi_matrix(dense_g, 3)
    gl.rwpmi_matrix(sparse_g, 3)
    gl.rwpmi_matrix(dense_g, 1)  # window 1 is the adjacency itself: always sparse
    assert calls == [True, False, False]
    with pytest.raises(ValueError, match="dense"):
        gl.rwpmi_matrix(sparse_g, 2, dense="yes")


def _dense_cooccurrence(w, t):
    """(1/T) sum_r D P^r by explicit matrix powers (rows summing to 0 stay 0)."""
    w = np.asarray(w, np.float64)
    d = w.sum(1)
    p = np.diag(np.where(d > 0, 1 / np.where(d > 0, d, 1), 0)) @ w
    return np.diag(d) @ sum(np.linalg.matrix_power(p, r) for r in range(1, t + 1)) / t


def test_windowed_cooccurrence_matches_matrix_powers():
    rng = np.random.default_rng(3)
    w = rng.integers(0, 4, (15, 15)).astype(np.float64) * (rng.random((15, 15)) < 0.3)  # asymmetric weights
    w[4] = 0  # a node with no out-weight: its walks stop
    for t in (2, 3, 7):
        ref = _dense_cooccurrence(w, t)
        for dense in (True, False, None):
            got = gl.windowed_cooccurrence(sp.csr_matrix(w), t, dense=dense)
            got = got.toarray() if sp.issparse(got) else got
            np.testing.assert_allclose(got, ref, rtol=1e-12, atol=1e-12, err_msg=f"T={t} dense={dense}")
        got = gl.windowed_cooccurrence(w.astype(np.float32), t)  # ndarray input
        np.testing.assert_allclose(got, ref, rtol=1e-6)
        # a symmetric W loses no walk mass: row sums (and vol) are kept
        np.testing.assert_allclose(gl.windowed_cooccurrence(w + w.T, t).sum(1), (w + w.T).sum(1), rtol=1e-12)
    assert gl.windowed_cooccurrence(w, 1) is w
    with pytest.raises(ValueError, match="window"):
        gl.windowed_cooccurrence(w, 0)
    with pytest.raises(ValueError, match="window"):
        gl.windowed_cooccurrence(w, True)
    with pytest.raises(ValueError, match="square"):
        gl.windowed_cooccurrence(w[:5], 2)
    with pytest.raises(ValueError, match="nonnegative"):
        gl.windowed_cooccurrence(-w, 2)
    with pytest.raises(ValueError, match="non-finite"):
        gl.windowed_cooccurrence(np.where(w > 0, np.inf, 0), 2)
    with pytest.raises(ValueError, match="dense"):
        gl.windowed_cooccurrence(w, 2, dense="no")


def test_windowed_gopmi_is_netmf_of_the_orbit_adjacency():
    g = nx.gnp_random_graph(22, 0.35, seed=11)
    a = sp.csr_matrix(nx.to_numpy_array(g))
    adj = gl.orbit_adjacency(a, 4)
    # walking the adjacency (1, 0, 0) with window T is RWPMI with window T
    for t in (2, 4):
        e1 = gl.gopmi_embedding(adj[(1, 0, 0)], 10, window=t, negative=2.0)
        e2 = gl.rwpmi_embedding(a, 10, window=t, negative=2.0)
        np.testing.assert_allclose(e1 @ e1.T, e2 @ e2.T, atol=1e-4, err_msg=f"T={t}")
    # a symmetric orbit adjacency: the PMI of its window-T co-occurrence is NetMF's formula
    # vol / (b T) * (sum_r P^r) D^{-1} on the weighted graph (Qiu et al. 2018), factorised by SVD
    w = adj[(2, 1, 1)].toarray().astype(np.float64)
    d = w.sum(1)
    dinv = np.diag(np.where(d > 0, 1 / np.where(d > 0, d, 1), 0))
    for t in (1, 3):
        s = sum(np.linalg.matrix_power(dinv @ w, r) for r in range(1, t + 1))
        ref = np.log(np.maximum(d.sum() / (2.0 * t) * s @ dinv, 1.0))
        u, sv, _ = np.linalg.svd(ref)
        want = u[:, :10] * np.sqrt(sv[:10])
        got = gl.gopmi_embedding(adj[(2, 1, 1)], 10, window=t, negative=2.0)
        np.testing.assert_allclose(got @ got.T, want @ want.T, atol=2e-4, err_msg=f"T={t}")
    # an asymmetric one (u on orbit 4, v on orbit 5): the PMI of the walked matrix, dense or sparse
    ref = _dense_pmi(_dense_cooccurrence(adj[(1, 4, 5)].toarray(), 3))
    u, sv, _ = np.linalg.svd(ref)
    want = u[:, :10] * np.sqrt(sv[:10])
    for dense in (True, False):
        got = gl.gopmi_embedding(adj[(1, 4, 5)], 10, window=3, dense=dense)
        np.testing.assert_allclose(got @ got.T, want @ want.T, atol=2e-4, err_msg=f"dense={dense}")
    with pytest.raises(ValueError, match="window"):
        gl.gopmi_embedding(adj[(1, 4, 5)], 4, window=0)


def test_graphlet_embedding_shapes_and_errors():
    g = _graph("karate")
    adj = gl.orbit_adjacency(g)
    x = gl.graphlet_embedding(g, 56, adjacencies=adj)
    assert x.shape == (34, 56) and np.isfinite(x).all()
    y = gl.graphlet_embedding(g, 8, keys=[(1, 4, 5), (3, 4, 4)])
    assert y.shape == (34, 8)
    np.testing.assert_allclose(y[:, :4] @ y[:, :4].T, (lambda e: e @ e.T)(gl.gopmi_embedding(adj[(1, 4, 5)], 4)), atol=1e-4)
    with pytest.raises(ValueError, match="keys"):
        gl.graphlet_embedding(g, 8, keys=[(1, 4, 4)])
    with pytest.raises(ValueError, match="dim"):
        gl.pmi_embedding(adj[(1, 0, 0)], 0)
    with pytest.raises(ValueError, match="negative"):
        gl.pmi_embedding(adj[(1, 0, 0)], 4, negative=0.0)
    with pytest.raises(ValueError, match="nonnegative"):
        gl.pmi_embedding(-adj[(1, 0, 0)], 4)
    with pytest.raises(ValueError, match="window"):
        gl.rwpmi_matrix(g, 0)


def test_run_graphlets_rejects_bad_config_keys_before_any_work():
    with pytest.raises(ValueError, match="paired_sets"):
        gl.run_graphlets({"paired_sets": ["paper", "walks"]})
    with pytest.raises(ValueError, match="gopmi_windows"):
        gl.run_graphlets({"gopmi_windows": [1, 0]})
    with pytest.raises(ValueError, match="gopmi_windows"):
        gl.run_graphlets({"gopmi_windows": [2.5]})


def test_sparse_k4_scan_path(monkeypatch):
    g = _graph("gnp2")
    want = gl.orbit_counts(g)
    monkeypatch.setattr(gl, "_DENSE_K4_MAX_NODES", 0)
    np.testing.assert_array_equal(gl.orbit_counts(g), want)


def test_paired_gain_matches_per_split_scores_and_wilcoxon():
    import scipy.stats

    from jaxgraph.embed.evaluate import multilabel_node_classification

    rng = np.random.default_rng(0)
    y = (rng.random((90, 4)) < 0.3).astype(np.uint8)
    y[y.sum(1) == 0, 0] = 1
    signal = y @ rng.normal(size=(4, 6))
    x_ref = rng.normal(size=(90, 6))
    x = np.concatenate([x_ref, signal + 0.5 * rng.normal(size=(90, 6))], 1)  # x_ref plus label signal
    rows = gl.paired_gain(x, x_ref, y, train_ratios=(0.5,), repeats=4, seed=11)
    assert len(rows) == 1 and rows[0]["repeats"] == 4
    d = []
    for r in range(4):  # independent re-scoring, one split at a time
        a = multilabel_node_classification(x, y, train_ratios=(0.5,), repeats=1, seed=11 + r)[0]["micro_f1"]
        b = multilabel_node_classification(x_ref, y, train_ratios=(0.5,), repeats=1, seed=11 + r)[0]["micro_f1"]
        d.append(a - b)
    d = np.asarray(d)
    assert rows[0]["micro_gain"] == pytest.approx(d.mean())
    assert rows[0]["micro_gain_sem"] == pytest.approx(d.std(ddof=1) / 2.0)
    assert rows[0]["micro_wins"] == int((d > 0).sum()) == 4  # the label signal helps on every split
    assert rows[0]["micro_p"] == pytest.approx(scipy.stats.wilcoxon(d).pvalue)
    same = gl.paired_gain(x_ref, x_ref, y, train_ratios=(0.3, 0.7), repeats=2)
    assert [r["micro_gain"] for r in same] == [0.0, 0.0] and [r["micro_p"] for r in same] == [1.0, 1.0]
    with pytest.raises(ValueError, match="repeats"):
        gl.paired_gain(x, x_ref, y, repeats=1)
    with pytest.raises(ValueError, match="rows"):
        gl.paired_gain(x[:-1], x_ref, y)
