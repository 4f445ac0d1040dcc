"""Topological concentration (Wang et al., ICLR 2024): exact TC against a brute-force
python-set / networkx implementation of the formula, hand-derived special cases, ATC against
the product-normalised TC it estimates, per-node ranking metrics against a brute-force ranking,
the topological reweighting's invariants, and input validation."""
from collections import Counter

import jax
import jax.numpy as jnp
import networkx as nx
import numpy as np
import pytest

from jaxgraph.linkpred import tc


# ---------------------------------------------------------------- brute-force references

def _levels(g, i, k):
    """Multisets W_i^1..W_i^k of the computation tree levels (walk endpoints) of node i."""
    levels, cur = [], Counter({i: 1})
    for _ in range(k):
        nxt = Counter()
        for v, c in cur.items():
            for u in g.neighbors(v):
                nxt[u] += c
        levels.append(nxt)
        cur = nxt
    return levels


def _brute_tc(g, k, beta, query=None, dot=False):
    n = g.number_of_nodes()
    nq = {i: set(g.neighbors(i)) for i in range(n)} if query is None else {i: set() for i in range(n)}
    if query is not None:
        for u, v in query:
            nq[u].add(v)
            nq[v].add(u)
    out = np.full(n, np.nan)
    for i in range(n):
        wi = _levels(g, i, k)
        vals = []
        for j in sorted(nq[i]):
            wj = _levels(g, j, k)
            num = den = 0.0
            for k1 in range(k):
                for k2 in range(k):
                    b = beta ** (k1 + k2)
                    common = set(wi[k1]) & set(wj[k2])
                    if dot:
                        num += b * sum(wi[k1][v] * wj[k2][v] for v in common)
                        den += b * sum(wi[k1].values()) * sum(wj[k2].values())
                    else:
                        num += b * sum(wi[k1][v] for v in common)
                        den += b * sum(wi[k1].values())
            if not dot and g.has_edge(i, j):
                den -= 1
            if den > 0:
                vals.append(num / den)
        if vals:
            out[i] = np.mean(vals)
    return out


def _edges_of(g):
    return np.array(list(g.edges()), dtype=np.int64).T.reshape(2, -1)


def _random_graph(n, p, seed):
    g = nx.gnp_random_graph(n, p, seed=seed)
    return g


# ---------------------------------------------------------------- exact TC

@pytest.mark.parametrize("k", [1, 2, 3])
@pytest.mark.parametrize("seed", [0, 1])
def test_tc_train_matches_brute_force(k, seed):
    g = _random_graph(18, 0.22, seed)
    beta = 0.37
    got = tc.topological_concentration(18, _edges_of(g), k=k, beta=beta)
    want = _brute_tc(g, k, beta)
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12, equal_nan=True)
    assert np.nanmax(got) <= 1 + 1e-12 and np.nanmin(got) >= 0


@pytest.mark.parametrize("k", [1, 2])
def test_tc_test_matches_brute_force_and_default_beta(k):
    g_full = _random_graph(20, 0.25, 3)
    edges = _edges_of(g_full)
    rng = np.random.default_rng(0)
    held = rng.random(edges.shape[1]) < 0.25
    g = nx.Graph()
    g.add_nodes_from(range(20))
    g.add_edges_from(edges[:, ~held].T)
    beta = 1.0 / np.mean([d for _, d in g.degree()])
    got = tc.topological_concentration(20, edges[:, ~held], edges[:, held], k=k)  # default beta
    want = _brute_tc(g, k, beta, query=edges[:, held].T)
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12, equal_nan=True)
    # nodes without held-out neighbours are undefined; the official code's 0 on request
    has_q = np.zeros(20, bool)
    has_q[edges[:, held].ravel()] = True
    assert np.all(np.isnan(got[~has_q]))
    zero = tc.topological_concentration(20, edges[:, ~held], edges[:, held], k=k, undefined=0.0)
    assert np.all(zero[~has_q] == 0)


def test_k1_train_tc_is_local_clustering():
    g = _random_graph(40, 0.15, 7)
    got = tc.topological_concentration(40, _edges_of(g), k=1)
    cc = nx.clustering(g)
    deg = dict(g.degree())
    for i in range(40):
        if deg[i] >= 2:
            assert got[i] == pytest.approx(cc[i], abs=1e-12)
        else:
            assert np.isnan(got[i])
    dens = tc.local_clustering(40, _edges_of(g))
    np.testing.assert_allclose(dens, [cc[i] for i in range(40)], atol=1e-12)


def test_clique_by_hand():
    n = 6
    e = _edges_of(nx.complete_graph(n))
    np.testing.assert_allclose(tc.topological_concentration(n, e, k=1), 1.0)
    # K=2: W_i^1 = V-i, W_i^2 = {i: n-1, others: n-2}, H_j^1 = V-j, H_j^2 = V. Numerator
    # (n-2) + b(n-1) + b((n-1)^2-(n-2)) + b^2(n-1)^2, denominator (1+b)(n-1)(1+b(n-1)) - 1, so
    # TC = 1 - b(n-2) / ((1+b)(n-1)(1+b(n-1)) - 1): j sits n-2 times on i's level 2 but never on its own level 1.
    b = 1.0 / (n - 1)
    want = 1 - b * (n - 2) / ((1 + b) * (n - 1) * (1 + b * (n - 1)) - 1)
    np.testing.assert_allclose(tc.topological_concentration(n, e, k=2), want, rtol=1e-12)


def test_star_by_hand():
    m = 5  # leaves 1..m, centre 0
    e = _edges_of(nx.star_graph(m))
    k1 = tc.topological_concentration(m + 1, e, k=1)
    assert k1[0] == 0 and np.all(np.isnan(k1[1:]))  # no triangles; a leaf has d-1 = 0 possible
    b = (m + 1) / (2 * m)  # 1 / mean degree
    k2 = tc.topological_concentration(m + 1, e, k=2)
    # centre: only (hop1, hop2) leaves∩leaves and (hop2, hop1) {c}∩{c} meet: 2bm / (m(1+b)^2 - 1)
    assert k2[0] == pytest.approx(2 * b * m / (m * (1 + b) ** 2 - 1), rel=1e-12)
    # leaf: b(1+m) / ((1+b)(1+bm) - 1)
    np.testing.assert_allclose(k2[1:], b * (1 + m) / ((1 + b) * (1 + b * m) - 1), rtol=1e-12)


def test_min_degree_gives_the_official_cal_tc_convention():
    # official cal_tc: TC^Train only for training degree > 1 (`if deg_train > 1`), TC^Val/Test
    # for degree > 0 (`if deg_test > 0 and deg_train > 0`), 0 elsewhere; a graph with many leaves
    g = nx.random_labeled_tree(40, seed=2) if hasattr(nx, "random_labeled_tree") else nx.random_tree(40, seed=2)
    rng = np.random.default_rng(3)
    g.add_edges_from((int(u), int(v)) for u, v in rng.integers(0, 40, (8, 2)) if u != v)
    g.add_nodes_from(range(40, 44))  # isolated nodes
    n, e = 44, _edges_of(g)
    deg = np.array([g.degree(i) for i in range(n)])
    assert (deg == 1).sum() >= 5 and (deg == 0).sum() == 4
    query = np.array([[0, 40, 5, 7], [41, 3, 40, 12]])
    beta = 0.45
    for k in (1, 2):
        want_train = np.nan_to_num(_brute_tc(g, k, beta))
        want_train[deg <= 1] = 0.0
        got = tc.topological_concentration(n, e, k=k, beta=beta, undefined=0.0, min_degree=2)
        np.testing.assert_allclose(got, want_train, rtol=1e-10, atol=1e-12)
        want_test = np.nan_to_num(_brute_tc(g, k, beta, query=query.T))
        want_test[deg == 0] = 0.0
        got = tc.topological_concentration(n, e, query, k=k, beta=beta, undefined=0.0)
        np.testing.assert_allclose(got, want_test, rtol=1e-10, atol=1e-12)
    # leaves have a defined, high TC^Train under the formula at K=2, dropped by the rule
    kept = tc.topological_concentration(n, e, k=2, beta=beta)
    assert np.all(np.isfinite(kept[deg == 1])) and np.min(kept[deg == 1]) > 0.5
    # the same rule for the product / cosine TC and ATC; other nodes unchanged
    for fn, kw in ((tc.dot_topological_concentration, {}), (tc.dot_topological_concentration, {"normalize": "cosine"}),
                   (tc.approximate_topological_concentration, {"dim": 8})):
        full = fn(n, e, k=2, beta=beta, **kw)
        cut = fn(n, e, k=2, beta=beta, min_degree=2, **kw)
        np.testing.assert_array_equal(cut[deg >= 2], full[deg >= 2])
        assert np.all(np.isnan(cut[deg < 2])) and np.all(np.isfinite(full[deg == 1]))
    for bad in (-1, 1.5, True):
        with pytest.raises(ValueError, match="min_degree must be an int >= 0"):
            tc.topological_concentration(n, e, min_degree=bad)


def test_tree_has_zero_k1_tc():
    g = nx.random_labeled_tree(30, seed=4) if hasattr(nx, "random_labeled_tree") else nx.random_tree(30, seed=4)
    got = tc.topological_concentration(30, _edges_of(g), k=1)
    deg = np.array([d for _, d in sorted(g.degree())])
    assert np.all(got[deg >= 2] == 0) and np.all(np.isnan(got[deg < 2]))


def test_permutation_equivariance_and_edge_order():
    g = _random_graph(25, 0.2, 11)
    e = _edges_of(g)
    perm = np.random.default_rng(1).permutation(25)
    base = tc.topological_concentration(25, e, k=2, beta=0.3)
    permuted = tc.topological_concentration(25, perm[e], k=2, beta=0.3)
    np.testing.assert_allclose(permuted[perm], base, rtol=1e-12, equal_nan=True)
    # reversed / duplicated / shuffled edges give the same undirected graph
    e2 = np.concatenate([e[::-1], e], axis=1)[:, np.random.default_rng(2).permutation(2 * e.shape[1])]
    np.testing.assert_allclose(tc.topological_concentration(25, e2, k=2, beta=0.3), base, equal_nan=True)


def test_bad_input_raises():
    e = np.array([[0, 1], [1, 2]])
    with pytest.raises(ValueError, match="num_nodes"):
        tc.topological_concentration(0, e)
    with pytest.raises(ValueError, match="message_edges"):
        tc.topological_concentration(3, np.array([0, 1, 2]))
    with pytest.raises(ValueError, match="message_edges has node index 5"):
        tc.topological_concentration(3, np.array([[0], [5]]))
    with pytest.raises(ValueError, match="k must be"):
        tc.topological_concentration(3, e, k=0)
    with pytest.raises(ValueError, match="beta"):
        tc.topological_concentration(3, e, beta=-1.0)
    with pytest.raises(ValueError, match="query_edges"):
        tc.topological_concentration(3, e, np.array([[1], [1]]))
    with pytest.raises(ValueError, match="dim"):
        tc.approximate_topological_concentration(3, e, dim=0)
    with pytest.raises(ValueError, match="init"):
        tc.approximate_topological_concentration(3, e, init=np.zeros((2, 4)))


# ---------------------------------------------------------------- ATC

@pytest.mark.parametrize("k", [1, 2])
def test_dot_tc_matches_brute_force(k):
    g = _random_graph(16, 0.25, 5)
    got = tc.dot_topological_concentration(16, _edges_of(g), k=k, beta=0.5)
    np.testing.assert_allclose(got, _brute_tc(g, k, 0.5, dot=True), rtol=1e-10, equal_nan=True)


def test_atc_is_unbiased_and_converges_with_dim():
    g = _random_graph(30, 0.18, 9)
    e = _edges_of(g)
    target = tc.dot_topological_concentration(30, e, k=2, beta=0.4)
    ok = np.isfinite(target)
    # unbiased: the mean over many random draws approaches TC^dot
    draws = np.stack([tc.approximate_topological_concentration(30, e, k=2, beta=0.4, dim=32,
                                                               key=jax.random.PRNGKey(s)) for s in range(200)])
    mean = draws.mean(axis=0)
    se = draws.std(axis=0) / np.sqrt(200)
    assert np.all(np.abs(mean[ok] - target[ok]) < 5 * se[ok] + 1e-6)
    # error shrinks with the dimension (JL): d=4096 is several times closer than d=16
    err = lambda d: np.mean([np.abs(tc.approximate_topological_concentration(
        30, e, k=2, beta=0.4, dim=d, key=jax.random.PRNGKey(100 + s))[ok] - target[ok]).mean() for s in range(3)])
    e16, e4096 = err(16), err(4096)
    assert e4096 < e16 / 5 and e4096 < 0.02


def test_atc_with_orthonormal_init_is_exact():
    # with R^0 = I (d = N) the estimator is exact: <A^k1 e_i, A^k2 e_j> = <W_i^k1, W_j^k2>
    g = _random_graph(14, 0.3, 2)
    e = _edges_of(g)
    exact = tc.approximate_topological_concentration(14, e, k=2, beta=0.5, init=np.eye(14))
    np.testing.assert_allclose(exact, tc.dot_topological_concentration(14, e, k=2, beta=0.5), rtol=1e-5,
                               equal_nan=True)


def test_cosine_tc_matches_dense_reference_and_atc():
    # TC^cos_i = mean_{j in N(i)} cos(P_i, P_j), P = sum_k b^(k-1) A^k, from a dense numpy A
    g = _random_graph(18, 0.22, 7)
    e = _edges_of(g)
    a = nx.to_numpy_array(g, nodelist=range(18))
    p = a + 0.5 * a @ a
    ref = np.full(18, np.nan)
    for i in range(18):
        nb = np.flatnonzero(a[i])
        if len(nb):
            ref[i] = np.mean([p[i] @ p[j] / (np.linalg.norm(p[i]) * np.linalg.norm(p[j])) for j in nb])
    got = tc.dot_topological_concentration(18, e, k=2, beta=0.5, normalize="cosine")
    np.testing.assert_allclose(got, ref, rtol=1e-10, equal_nan=True)
    # differs from the product normalisation, which is not a cosine
    assert not np.allclose(got, tc.dot_topological_concentration(18, e, k=2, beta=0.5), equal_nan=True)
    exact = tc.approximate_topological_concentration(18, e, k=2, beta=0.5, init=np.eye(18), normalize="cosine")
    np.testing.assert_allclose(exact, ref, rtol=1e-5, equal_nan=True)
    ok = np.isfinite(ref)
    approx = tc.approximate_topological_concentration(18, e, k=2, beta=0.5, dim=4096, normalize="cosine")
    assert np.abs(approx[ok] - ref[ok]).max() < 0.05
    for fn in (tc.dot_topological_concentration, tc.approximate_topological_concentration):
        with pytest.raises(ValueError, match="normalize"):
            fn(18, e, k=2, normalize="l1")


@pytest.mark.parametrize("operator", ["transition", "symmetric"])
@pytest.mark.parametrize("normalize", ["product", "cosine"])
def test_operator_tc_matches_dense_reference_and_atc(operator, normalize):
    # trees weighted with M^k, M = D^-1 A or D^-1/2 A D^-1/2 built densely in numpy; node 19 is
    # isolated (zero row, no query neighbour)
    g = _random_graph(19, 0.22, 3)
    g.add_node(19)
    e = _edges_of(g)
    a = nx.to_numpy_array(g, nodelist=range(20))
    deg = a.sum(axis=1)
    inv = np.divide(1.0, deg, out=np.zeros(20), where=deg > 0)
    m = inv[:, None] * a if operator == "transition" else np.sqrt(inv)[:, None] * a * np.sqrt(inv)[None, :]
    np.testing.assert_allclose(tc.propagation_operator(tc.message_adjacency(20, e), operator).toarray(), m,
                               rtol=1e-12)
    p = m + 0.4 * m @ m
    if operator == "transition":  # walk distributions: every non-isolated row of P sums to 1 + b
        np.testing.assert_allclose(p.sum(axis=1)[deg > 0], 1.4, rtol=1e-12)
    scale = p.sum(axis=1) if normalize == "product" else np.linalg.norm(p, axis=1)
    ref = np.full(20, np.nan)
    for i in range(20):
        nb = np.flatnonzero(a[i])
        if len(nb):
            ref[i] = np.mean([p[i] @ p[j] / (scale[i] * scale[j]) for j in nb])
    kw = dict(k=2, beta=0.4, normalize=normalize, operator=operator)
    got = tc.dot_topological_concentration(20, e, **kw)
    np.testing.assert_allclose(got, ref, rtol=1e-10, equal_nan=True)
    assert not np.allclose(got, tc.dot_topological_concentration(20, e, k=2, beta=0.4, normalize=normalize),
                           equal_nan=True)  # the operator matters
    np.testing.assert_allclose(tc.approximate_topological_concentration(20, e, init=np.eye(20), **kw), ref,
                               rtol=1e-5, equal_nan=True)
    ok = np.isfinite(ref)
    approx = tc.approximate_topological_concentration(20, e, dim=4096, **kw)
    assert np.abs(approx[ok] - ref[ok]).max() < 0.05
    for fn in (tc.dot_topological_concentration, tc.approximate_topological_concentration):
        with pytest.raises(ValueError, match="operator"):
            fn(20, e, k=2, operator="laplacian")


# ---------------------------------------------------------------- per-node metrics

def _brute_metrics(scores, truth, exclude, k):
    out = []
    for s, t, ex in zip(scores, truth, exclude):
        cand = [c for c in range(len(s)) if c not in set(ex)]
        ranked = sorted(cand, key=lambda c: (-s[c], c))
        top = ranked[:k]
        hits = [r + 1 for r, c in enumerate(top) if c in set(t)]
        dcg = sum(1 / np.log2(r + 1) for r in hits)
        idcg = sum(1 / np.log2(r + 2) for r in range(min(k, len(set(t)))))
        first = min(ranked.index(c) for c in t) + 1
        out.append((float(len(hits) > 0), len(hits) / k, len(hits) / len(set(t)), dcg / idcg, 1 / first))
    return np.array(out)


def test_per_node_metrics_match_brute_force():
    rng = np.random.default_rng(0)
    b, c = 12, 30
    scores = rng.integers(0, 6, size=(b, c)).astype(float)  # many ties: checks the tie rule
    truth, exclude = [], []
    for _ in range(b):
        perm = rng.permutation(c)
        truth.append(perm[: rng.integers(1, 5)])
        exclude.append(perm[5: 5 + rng.integers(0, 8)])
    for k in (1, 5, 10):
        got = tc.per_node_ranking_metrics(scores, truth, exclude, ks=(k,))
        want = _brute_metrics(scores, truth, exclude, k)
        for col, name in enumerate([f"hits@{k}", f"precision@{k}", f"recall@{k}", f"ndcg@{k}", "mrr"]):
            np.testing.assert_allclose(got[name], want[:, col], rtol=1e-12, err_msg=name)


def test_per_node_metrics_bad_input():
    s = np.zeros((2, 4))
    with pytest.raises(ValueError, match="truth"):
        tc.per_node_ranking_metrics(s, [[0]])
    with pytest.raises(ValueError, match="truth\\[1\\]"):
        tc.per_node_ranking_metrics(s, [[0], []])
    with pytest.raises(ValueError, match="exclude\\[0\\] contains true candidate 1"):
        tc.per_node_ranking_metrics(s, [[1], [2]], [[1], []])
    with pytest.raises(ValueError, match="ks"):
        tc.per_node_ranking_metrics(s, [[1], [2]], ks=(0,))
    with pytest.raises(ValueError, match="finite"):
        tc.per_node_ranking_metrics(np.full((2, 4), np.nan), [[1], [2]])


def test_correlations_match_scipy_definitions():
    rng = np.random.default_rng(3)
    x = rng.normal(size=50)
    y = 2 * x + rng.normal(size=50)
    x[3] = np.nan
    got = tc.correlations(x, y)
    ok = np.isfinite(x)
    assert got["n"] == 49
    assert got["pearson"] == pytest.approx(np.corrcoef(x[ok], y[ok])[0, 1], abs=1e-12)
    rx = np.argsort(np.argsort(x[ok]))
    ry = np.argsort(np.argsort(y[ok]))
    assert got["spearman"] == pytest.approx(np.corrcoef(rx, ry)[0, 1], abs=1e-12)
    with pytest.raises(ValueError, match="same length"):
        tc.correlations(x, y[:-1])


# ---------------------------------------------------------------- topological reweighting

def _weighted_graph(seed=0, n=12):
    g = _random_graph(n, 0.3, seed)
    e = _edges_of(g)
    s = np.concatenate([e[0], e[1], np.arange(n)])
    r = np.concatenate([e[1], e[0], np.arange(n)])
    w = np.random.default_rng(seed).uniform(0.1, 1.0, size=s.shape)
    h = np.random.default_rng(seed + 1).normal(size=(n, 4)).astype(np.float32)
    return n, s, r, w.astype(np.float32), h


def _score(a, b):
    return jax.nn.sigmoid(jnp.sum(a * b, axis=-1))


def test_reweight_invariants():
    n, s, r, w, h = _weighted_graph()
    new = np.asarray(tc.tc_reweight(s, r, w, jnp.asarray(h), _score, 2.0, n))
    assert new.shape == w.shape and np.all(new >= w - 1e-7)
    # receiver totals scale by (1 + alpha)
    np.testing.assert_allclose(np.bincount(r, new, n), 3.0 * np.bincount(r, w, n), rtol=1e-5)
    # alpha = 0 leaves the weights alone
    np.testing.assert_allclose(np.asarray(tc.tc_reweight(s, r, w, jnp.asarray(h), _score, 0.0, n)), w)
    # dense float64 reference of the update rule
    agg = np.zeros((n, 4))
    np.add.at(agg, r, w[:, None] * h[s])
    phi = 1 / (1 + np.exp(-np.sum(agg[r] * h[s], axis=1)))
    ex = np.exp(phi)
    soft = ex / np.bincount(r, ex, n)[r]
    ref = w + 2.0 * soft * np.bincount(r, w, n)[r]
    np.testing.assert_allclose(new, ref, rtol=1e-5)


def test_reweight_constant_score_spreads_evenly_and_is_equivariant():
    n, s, r, w, h = _weighted_graph(1)
    const = lambda a, b: jnp.zeros(a.shape[0])
    new = np.asarray(tc.tc_reweight(s, r, w, jnp.asarray(h), const, 1.0, n))
    indeg = np.bincount(r, minlength=n)
    np.testing.assert_allclose(new, w + np.bincount(r, w, n)[r] / indeg[r], rtol=1e-5)
    perm = np.random.default_rng(0).permutation(n)
    inv = np.argsort(perm)
    h_p = h[inv]  # node perm[i] of the new labelling is old node i
    new_p = np.asarray(tc.tc_reweight(perm[s], perm[r], w, jnp.asarray(h_p), _score, 1.5, n))
    np.testing.assert_allclose(new_p, np.asarray(tc.tc_reweight(s, r, w, jnp.asarray(h), _score, 1.5, n)),
                               rtol=1e-5)


def test_reweight_bad_input():
    n, s, r, w, h = _weighted_graph()
    with pytest.raises(ValueError, match="alpha"):
        tc.tc_reweight(s, r, w, jnp.asarray(h), _score, -1.0, n)
    with pytest.raises(ValueError, match="base_weight"):
        tc.tc_reweight(s, r, w[:-1], jnp.asarray(h), _score, 1.0, n)
    with pytest.raises(ValueError, match="h must be"):
        tc.tc_reweight(s, r, w, jnp.asarray(h[:-1]), _score, 1.0, n)


def test_gcn_link_predictor_matches_dense_reference():
    n, s, r, w, _ = _weighted_graph(2)
    x = np.random.default_rng(5).normal(size=(n, 6)).astype(np.float32)
    for decoder in ("dot", "mlp"):
        model = tc.GCNLinkPredictor(hidden=5, num_layers=2, decoder=decoder)
        pairs = jnp.asarray([[0, 1, 2], [3, 4, 5]])
        params = model.init(jax.random.PRNGKey(0), jnp.asarray(x), s, r, jnp.asarray(w), pairs)
        out = np.asarray(model.apply(params, jnp.asarray(x), s, r, jnp.asarray(w), pairs))
        p = jax.tree_util.tree_map(np.asarray, params["params"])
        a = np.zeros((n, n))
        np.add.at(a, (r, s), w)  # out[i] = sum_{e: r=i} w x[s]
        h = np.maximum(a @ (x @ p["conv0"]["kernel"]) + p["bias0"], 0)
        h = a @ (h @ p["conv1"]["kernel"]) + p["bias1"]
        hu, hv = h[[0, 1, 2]], h[[3, 4, 5]]
        if decoder == "dot":
            want = np.sum(hu * hv, axis=1)
        else:
            z = np.maximum((hu * hv) @ p["dec1"]["kernel"] + p["dec1"]["bias"], 0)
            want = (z @ p["dec2"]["kernel"] + p["dec2"]["bias"])[:, 0]
        np.testing.assert_allclose(out, want, rtol=2e-4, atol=1e-4)
    with pytest.raises(ValueError, match="decoder"):
        tc.GCNLinkPredictor(decoder="bad").init(jax.random.PRNGKey(0), jnp.asarray(x), s, r, jnp.asarray(w), pairs)


def test_sparse_features_path_equals_dense_in_value_and_gradient():
    """CSR products for ``X W`` and ``Â H`` (``sparse_input=True``) against the dense model: same
    parameter tree and initial values, same outputs and gradients, also with asymmetric weights
    (the transposed product of the backward pass) and for the gradient in the edge weights."""
    from jaxgraph import ops
    from jaxgraph.linkpred.split import link_split
    import jraph

    n, s, r, w, _ = _weighted_graph(3, n=15)
    rng = np.random.default_rng(7)
    x = (rng.random((n, 9)) < 0.3).astype(np.float32) * rng.uniform(0.5, 2.0, (n, 9)).astype(np.float32)
    x[4] = 0.0  # a featureless node
    xs = tc.SparseFeatures.from_dense(x)
    assert xs.shape == (n, 9) and int(xs.indptr[-1]) == int((x != 0).sum())
    pairs = jnp.asarray([[0, 1, 2, 4], [3, 4, 5, 6]])
    wj = jnp.asarray(w)
    dense = tc.GCNLinkPredictor(hidden=6, decoder="mlp")
    sparse = tc.GCNLinkPredictor(hidden=6, decoder="mlp", sparse_input=True)
    p_d = dense.init(jax.random.PRNGKey(1), jnp.asarray(x), s, r, wj, pairs)
    p_s = sparse.init(jax.random.PRNGKey(1), xs, s, r, wj, pairs)
    assert jax.tree_util.tree_structure(p_d) == jax.tree_util.tree_structure(p_s)
    for a, b in zip(jax.tree_util.tree_leaves(p_d), jax.tree_util.tree_leaves(p_s)):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))

    def loss(model, xx):
        return lambda p, ww: jnp.sum(jnp.tanh(model.apply(p, xx, s, r, ww, pairs)))

    ld, ls = loss(dense, jnp.asarray(x)), loss(sparse, xs)
    np.testing.assert_allclose(float(ls(p_d, wj)), float(ld(p_d, wj)), rtol=1e-5)
    gd = jax.grad(ld, argnums=(0, 1))(p_d, wj)
    gs = jax.jit(jax.grad(ls, argnums=(0, 1)))(p_d, wj)
    for a, b in zip(jax.tree_util.tree_leaves(gd), jax.tree_util.tree_leaves(gs)):
        np.testing.assert_allclose(np.asarray(b), np.asarray(a), rtol=2e-4, atol=1e-5)
    # csr_propagate alone, rectangular-free check against the scatter-add reference
    h = jnp.asarray(rng.normal(size=(n, 3)).astype(np.float32))
    f_ref = lambda hh, ww: jnp.sum(jnp.sin(ops.propagate(hh, s, r, n, ww)))
    f_csr = lambda hh, ww: jnp.sum(jnp.sin(tc.csr_propagate(hh, s, r, n, ww)))
    np.testing.assert_allclose(np.asarray(tc.csr_propagate(h, s, r, n, wj)),
                               np.asarray(ops.propagate(h, s, r, n, wj)), rtol=1e-5, atol=1e-6)
    for a, b in zip(jax.grad(f_ref, (0, 1))(h, wj), jax.grad(f_csr, (0, 1))(h, wj)):
        np.testing.assert_allclose(np.asarray(b), np.asarray(a), rtol=1e-4, atol=1e-6)
    # end to end: a short training run gives the same model selection either way
    g = _random_graph(40, 0.15, 2)
    e = _edges_of(g)
    graph = jraph.GraphsTuple(nodes=None, edges=None, senders=np.concatenate([e[0], e[1]]),
                              receivers=np.concatenate([e[1], e[0]]), n_node=np.array([40]),
                              n_edge=np.array([2 * e.shape[1]]), globals=None)
    split = link_split(graph, val_fraction=0.1, test_fraction=0.2, seed=0)
    xx = (np.random.default_rng(1).random((40, 12)) < 0.25).astype(np.float32)
    kw = dict(hidden=8, decoder="mlp", learning_rate=0.01, epochs=10, batch_size=16, eval_every=2, alpha=1.0)
    a = tc.train_link_predictor(split, xx, **kw)
    b = tc.train_link_predictor(split, xx, sparse_features=True, **kw)
    assert a["best_epoch"] == b["best_epoch"] and a["val_hits"] == b["val_hits"]
    np.testing.assert_allclose(np.asarray(b["weight"]), np.asarray(a["weight"]), rtol=1e-4, atol=1e-6)
    with pytest.raises(ValueError, match="NaN"):
        tc.train_link_predictor(split, np.full((40, 12), np.nan, np.float32), epochs=1)
    with pytest.raises(ValueError, match=r"h must be \[N_src, F\]"):
        tc.csr_propagate(jnp.zeros((n, 2, 2)), s, r, n, wj)
