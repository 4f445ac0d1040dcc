"""FastRP (Chen et al., CIKM 2019) against a dense float64 numpy reference of the same formula."""
import functools

import jax
import jax.numpy as jnp
import jraph
import numpy as np
import pytest

from jaxgraph.embed.fastrp import fastrp, sparse_random_projection, summarize_fastrp, transition_matvec
from jaxgraph.graph import Budget, edge_mask, node_mask, pad_to_budget


def _graph(senders, receivers, n):
    return jraph.GraphsTuple(
        nodes=np.ones((n, 1), np.float32), edges=None, globals=None,
        senders=np.asarray(senders, np.int32), receivers=np.asarray(receivers, np.int32),
        n_node=np.array([n], np.int32), n_edge=np.array([len(senders)], np.int32),
    )


def _random_digraph(n=30, e=120, seed=0, isolated=(0,)):
    """A directed multigraph (duplicate edges, self loops), some nodes without out-edges."""
    rng = np.random.default_rng(seed)
    s = rng.integers(0, n, e)
    r = rng.integers(0, n, e)
    keep = ~np.isin(s, isolated) & ~np.isin(r, isolated)
    return s[keep], r[keep]


def dense_fastrp(s, r, n, R, weights, beta, w=None, normalize=True, standardize=True, self_loops=False,
                 degree_scale="paper"):
    """Float64 dense reference: S, A = D^-1 S, L = diag((deg/2m)^beta), N_1 = A L R, N_i = A N_{i-1}."""
    S = np.zeros((n, n))
    np.add.at(S, (s, r), np.ones(len(s)) if w is None else np.asarray(w, np.float64))
    if self_loops:
        S = S + np.eye(n)
    deg = S.sum(1)
    A = np.zeros_like(S)
    A[deg > 0] = S[deg > 0] / deg[deg > 0, None]
    base = deg / deg.sum() if degree_scale == "paper" else deg
    L = np.zeros(n)
    L[deg > 0] = base[deg > 0] ** beta
    N = A @ (L[:, None] * R)
    U = np.zeros_like(N)
    for i, a in enumerate(weights):
        if i:
            N = A @ N
        M = N
        if normalize:
            nrm = np.linalg.norm(N, axis=1, keepdims=True)
            M = np.divide(N, nrm, out=np.zeros_like(N), where=nrm > 0)
        U = U + a * M
    if standardize:
        U = U - U.mean(0)
        sd = U.std(0)
        U = U / np.where(sd > 0, sd, 1.0)
    return U


@pytest.mark.parametrize("spmm", ["csr", "segment"])
@pytest.mark.parametrize("normalize,standardize,self_loops,weighted", [
    (True, True, False, False),
    (False, False, False, True),
    (True, False, True, False),
    (False, True, True, True),
])
def test_matches_dense_reference(spmm, normalize, standardize, self_loops, weighted):
    n, dim = 30, 24
    s, r = _random_digraph(n)
    w = np.random.default_rng(1).uniform(0.5, 2.0, len(s)).astype(np.float32) if weighted else None
    key = jax.random.PRNGKey(3)
    weights, beta = (0.5, 1.0, 2.0, 4.0), -0.7
    out = fastrp(_graph(s, r, n), key, dim=dim, weights=weights, beta=beta, normalize=normalize,
                 standardize=standardize, self_loops=self_loops, edge_weight=w, spmm=spmm, block_size=8)
    R = np.asarray(sparse_random_projection(key, n, dim), np.float64)
    ref = dense_fastrp(s, r, n, R, weights, beta, w, normalize, standardize, self_loops)
    assert out.shape == (n, dim) and out.dtype == jnp.float32
    scale = np.abs(ref).max()
    np.testing.assert_allclose(np.asarray(out), ref, rtol=2e-4, atol=2e-5 * scale)
    # node 0 has no edges: its row is zero before standardisation
    if not standardize and not self_loops:
        assert np.all(np.asarray(out)[0] == 0)


def test_direction_convention_is_row_normalised_out_edges():
    """A path 0 -> 1 -> 2 (directed): A = D^-1 S with S[sender, receiver], so row 0 of A x is x[1]."""
    x = jnp.arange(6, dtype=jnp.float32).reshape(3, 2)
    s, r = jnp.array([0, 1]), jnp.array([1, 2])
    out = transition_matvec(x, s, r, 3, jnp.ones(2))
    np.testing.assert_allclose(np.asarray(out), [[2, 3], [4, 5], [0, 0]])


@pytest.mark.parametrize("density", [None, 1 / 3, 0.05])
def test_projection_density_and_scale(density):
    n, dim = 2500, 256
    R = np.asarray(sparse_random_projection(jax.random.PRNGKey(0), n, dim, density=density))
    rho = 1 / np.sqrt(n) if density is None else density
    s = 1 / rho
    nz = R != 0
    np.testing.assert_allclose(np.abs(R[nz]), np.sqrt(s), rtol=1e-6)
    total = R.size
    sigma = np.sqrt(total * rho * (1 - rho))
    assert abs(nz.sum() - total * rho) < 5 * sigma
    pos, neg = (R > 0).sum(), (R < 0).sum()
    assert abs(pos - neg) < 5 * np.sqrt(nz.sum())
    assert abs((R ** 2).mean() - 1.0) < 5 * np.sqrt((s - 1) / total)  # E[R^2] = 1


def test_projection_rows_depend_only_on_key_and_row():
    a = np.asarray(sparse_random_projection(jax.random.PRNGKey(7), 40, 16, density=0.2))
    b = np.asarray(sparse_random_projection(jax.random.PRNGKey(7), 64, 16, density=0.2))
    np.testing.assert_array_equal(a, b[:40])
    c = np.asarray(sparse_random_projection(jax.random.PRNGKey(8), 40, 16, density=0.2))
    assert not np.array_equal(a, c)


def test_inner_products_preserved_jl():
    """With one step, beta = 0 and no normalisation, FastRP is A R; (A R)(A R)^T / d ~= A A^T."""
    n, dim = 120, 8192
    s, r = _random_digraph(n, e=900, seed=5, isolated=())
    out = np.asarray(fastrp(_graph(s, r, n), jax.random.PRNGKey(0), dim=dim, weights=(1.0,), beta=0.0,
                            normalize=False, standardize=False), np.float64)
    S = np.zeros((n, n))
    np.add.at(S, (s, r), 1.0)
    A = S / np.maximum(S.sum(1, keepdims=True), 1)
    G = A @ A.T
    G_hat = out @ out.T / dim
    norms = np.sqrt(np.outer(np.diag(G), np.diag(G)))
    err = np.abs(G_hat - G) / np.where(norms > 0, norms, 1)
    assert err.max() < 0.12 and err.mean() < 0.03
    # and a different graph's embedding is not close (the test can fail)
    assert np.abs(G_hat - np.eye(n) * np.diag(G)).max() > 0.05


@pytest.mark.parametrize("spmm", ["csr", "segment"])
def test_padding_does_not_change_real_rows(spmm):
    n = 25
    s, r = _random_digraph(n, e=90, seed=2)
    g = _graph(s, r, n)
    kw = dict(dim=16, weights=(0.0, 1.0, 2.0), beta=-0.5, self_loops=True, spmm=spmm)
    ref = np.asarray(fastrp(g, jax.random.PRNGKey(1), **kw))
    gp = pad_to_budget(g, Budget(n_node=40, n_edge=128, n_graph=3))
    out = np.asarray(fastrp(gp, jax.random.PRNGKey(1), node_mask=node_mask(gp), edge_mask=edge_mask(gp), **kw))
    np.testing.assert_allclose(out[:n], ref, rtol=1e-5, atol=1e-5)
    assert np.all(out[n:] == 0)


def test_jit_matches_eager_and_compiles_once():
    n = 20
    s, r = _random_digraph(n, e=70, seed=4)
    g = _graph(s, r, n)
    traces = []

    def f(graph, key):
        traces.append(1)
        return fastrp(graph, key, dim=8, weights=(1.0, 1.0), beta=-0.3)

    jf = jax.jit(f)
    a = np.asarray(jf(g, jax.random.PRNGKey(0)))
    b = np.asarray(jf(g._replace(senders=g.receivers, receivers=g.senders), jax.random.PRNGKey(1)))
    assert len(traces) == 1
    np.testing.assert_allclose(a, np.asarray(f(g, jax.random.PRNGKey(0))), rtol=1e-5, atol=1e-5)
    assert not np.allclose(a, b)


def test_degree_scale_is_a_constant_factor():
    """The paper's (deg/2m)^beta and the official deg^beta agree after the normalisations."""
    n = 30
    s, r = _random_digraph(n, seed=6)
    g = _graph(s, r, n)
    kw = dict(dim=12, weights=(1.0, 3.0), beta=-0.8)
    a = np.asarray(fastrp(g, jax.random.PRNGKey(0), degree_scale="paper", **kw))
    b = np.asarray(fastrp(g, jax.random.PRNGKey(0), degree_scale="official", **kw))
    np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4)
    c = np.asarray(fastrp(g, jax.random.PRNGKey(0), degree_scale="official", normalize=False,
                          standardize=False, **kw))
    d = np.asarray(fastrp(g, jax.random.PRNGKey(0), degree_scale="paper", normalize=False,
                          standardize=False, **kw))
    np.testing.assert_allclose(c, d * (np.bincount(s, minlength=n).sum()) ** (-0.8), rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("kwargs,match", [
    (dict(dim=0), "dim"),
    (dict(dim=2.5), "dim"),
    (dict(weights=()), "weights"),
    (dict(weights=(1.0, float("nan"))), "weights"),
    (dict(beta=float("inf")), "beta"),
    (dict(density=0.0), "density"),
    (dict(density=1.5), "density"),
    (dict(spmm="dense"), "spmm"),
    (dict(degree_scale="log"), "degree_scale"),
    (dict(node_mask=np.ones(3, bool)), "node_mask"),
    (dict(edge_mask=np.ones(3, bool)), "edge_mask"),
    (dict(edge_weight=-np.ones(5, np.float32)), "edge_weight"),
    (dict(edge_weight=np.ones(4, np.float32)), "edge_weight"),
])
def test_bad_input_raises(kwargs, match):
    g = _graph([0, 1, 2, 3, 4], [1, 2, 3, 4, 0], 5)
    with pytest.raises(ValueError, match=match):
        fastrp(g, jax.random.PRNGKey(0), **kwargs)


def test_bad_graph_raises():
    with pytest.raises(ValueError, match="senders"):
        fastrp(_graph([0, 7], [1, 2], 5), jax.random.PRNGKey(0), dim=4)
    with pytest.raises(ValueError, match="GraphsTuple"):
        fastrp({"senders": [0]}, jax.random.PRNGKey(0))
    with pytest.raises(ValueError, match="num_rows"):
        sparse_random_projection(jax.random.PRNGKey(0), 0, 4)


def test_summary_lists_ours_and_paper():
    rows = [
        {"dataset": "blogcatalog", "method": m, "train_ratio": 0.5, "micro_f1": 0.4, "macro_f1": 0.25,
         "micro_f1_std": 0.01, "macro_f1_std": 0.01, "embed_seconds": t, "embed_seconds_with_compile": t + 1,
         "speedup_vs_fastrp": t / 2.0, "speedup_vs_fastrp_cold": t / 3.0, "paper_micro_f1": 0.4122,
         "paper_macro_f1": 0.2753, "dim": 512, "num_nodes": 10312, "num_edges": 667966}
        for m, t in (("fastrp", 2.0), ("deepwalk", 600.0))
    ]
    text = summarize_fastrp(rows, {})
    assert "0.4122" in text and "0.2753" in text and "300.0" in text and "deepwalk" in text


def _sbm_with_labels(blocks=3, size=40, p_in=0.25, p_out=0.02, seed=0):
    """Undirected planted-partition graph; node labels = its block (one-hot) plus a random second label."""
    rng = np.random.default_rng(seed)
    n = blocks * size
    block = np.repeat(np.arange(blocks), size)
    prob = np.where(block[:, None] == block[None, :], p_in, p_out)
    adj = np.triu(rng.random((n, n)) < prob, 1)
    s, r = np.nonzero(adj | adj.T)
    y = np.zeros((n, blocks + 1), np.uint8)
    y[np.arange(n), block] = 1
    y[rng.random(n) < 0.3, blocks] = 1
    return _graph(s, r, n), y


def test_tune_fastrp_search_space_and_scoring():
    from jaxgraph.embed.evaluate import multilabel_node_classification
    from jaxgraph.embed.fastrp import tune_fastrp

    g, y = _sbm_with_labels()
    key = jax.random.PRNGKey(3)
    base = dict(dim=16, weights=(1.0, 1.0), beta=-0.3)
    kw = dict(trials=4, seed=7, train_ratio=0.5, repeats=2, C=0.5, weight_range=(2.0, 8.0),
              beta_range=(-0.8, -0.2), base=base)
    rows = tune_fastrp(g, y, key, objective="mean", **kw)
    assert [r["trial"] for r in rows] == [0, 1, 2, 3]
    assert rows[0]["weights"] == (1.0, 1.0) and rows[0]["beta"] == -0.3  # trial 0 = the base setting
    for r in rows[1:]:  # the official box: (0, 0, 1, alpha_4), alpha_4 and beta inside the ranges
        assert r["weights"][:3] == (0.0, 0.0, 1.0) and 2.0 <= r["weights"][3] <= 8.0
        assert -0.8 <= r["beta"] <= -0.2
    assert len({(r["weights"], r["beta"]) for r in rows}) == 4
    # each trial's score is the evaluation protocol applied to that setting's embedding
    for r in (rows[0], rows[2]):
        emb = fastrp(g, key, dim=16, weights=r["weights"], beta=r["beta"])
        ref = multilabel_node_classification(np.asarray(emb), y, train_ratios=(0.5,), repeats=2, seed=7,
                                             normalize=False, C=0.5)[0]
        assert r["micro_f1"] == pytest.approx(ref["micro_f1"]) and r["macro_f1"] == pytest.approx(ref["macro_f1"])
        assert r["objective"] == pytest.approx(0.5 * (ref["micro_f1"] + ref["macro_f1"]))
    best = [r for r in rows if r["best"]]
    assert len(best) == 1 and best[0]["objective"] == max(r["objective"] for r in rows)
    # planted communities: every setting separates the blocks far above chance (1/3 on the block label)
    assert min(r["micro_f1"] for r in rows) > 0.6
    # the sampler is deterministic in its seed
    again = tune_fastrp(g, y, key, objective="mean", **kw)
    assert [(r["weights"], r["beta"], r["micro_f1"]) for r in again] == [(r["weights"], r["beta"], r["micro_f1"])
                                                                         for r in rows]
    other = tune_fastrp(g, y, key, objective="macro", **{**kw, "seed": 8, "trials": 2})
    assert other[1]["weights"] != rows[1]["weights"]
    # weight_space="all": every one of the four weights is drawn inside the box, beta as before
    full = tune_fastrp(g, y, key, objective="mean", weight_space="all", **{**kw, "trials": 6})
    assert full[0]["weights"] == (1.0, 1.0)
    for r in full[1:]:
        assert len(r["weights"]) == 4 and all(2.0 <= w <= 8.0 for w in r["weights"])
        assert -0.8 <= r["beta"] <= -0.2
    assert len({r["weights"][0] for r in full[1:]}) == 5  # alpha_1 is searched, not fixed at 0
    # a C grid scores every setting with each C, each row the protocol at that C
    grid = tune_fastrp(g, y, key, objective="macro", **{**kw, "C": (0.05, 2.0), "trials": 2})
    assert [(r["trial"], r["C"]) for r in grid] == [(0, 0.05), (0, 2.0), (1, 0.05), (1, 2.0)]
    emb = fastrp(g, key, dim=16, weights=grid[3]["weights"], beta=grid[3]["beta"])
    ref = multilabel_node_classification(np.asarray(emb), y, train_ratios=(0.5,), repeats=2, seed=7,
                                         normalize=False, C=2.0)[0]
    assert grid[3]["macro_f1"] == pytest.approx(ref["macro_f1"]) and grid[3]["objective"] == pytest.approx(ref["macro_f1"])
    assert sum(r["best"] for r in grid) == 1


def test_run_fastrp_classifier_C_per_method_and_per_dataset(monkeypatch):
    import importlib

    from jaxgraph.embed.evaluate import multilabel_node_classification

    F = importlib.import_module("jaxgraph.embed.fastrp")  # the package exports a function of that name
    g, y = _sbm_with_labels()
    monkeypatch.setattr(F, "_load", lambda name, root: (g, y))
    cfg = dict(datasets=["a", "b"], methods=["fastrp"], seed=0,
               fastrp=dict(common=dict(dim=16, weights=(1.0, 1.0), beta=-0.3), timing_repeats=1),
               eval=dict(train_ratios=(0.5,), repeats=2, C=1.0, C_per_method={"fastrp": 0.5},
                         C_per_dataset={"fastrp": {"b": 2.0}}))
    rows = F.run_fastrp(cfg, log=lambda *_: None)
    assert [(r["dataset"], r["C"]) for r in rows] == [("a", 0.5), ("b", 2.0)]
    emb = np.asarray(fastrp(g, jax.random.PRNGKey(0), **F._fastrp_params(cfg, "b")))
    ref = multilabel_node_classification(emb, y, train_ratios=(0.5,), repeats=2, seed=0, normalize=False, C=2.0)[0]
    assert rows[1]["micro_f1"] == pytest.approx(ref["micro_f1"]) and rows[1]["macro_f1"] == pytest.approx(ref["macro_f1"])


@pytest.mark.parametrize("kwargs, match", [
    (dict(trials=0), "trials"),
    (dict(objective="auc"), "objective"),
    (dict(weight_space="last"), "weight_space"),
    (dict(C=0.0), "C must"),
    (dict(C=()), "C must"),
    (dict(C=(0.1, float("inf"))), "C must"),
    (dict(weight_range=(0.0, 4.0)), "weight_range"),
    (dict(weight_range=(8.0, 4.0)), "weight_range"),
    (dict(beta_range=(0.0, -1.0)), "beta_range"),
    (dict(beta_range=(float("nan"), 0.0)), "beta_range"),
])
def test_tune_fastrp_bad_input_raises(kwargs, match):
    from jaxgraph.embed.fastrp import tune_fastrp

    g, y = _sbm_with_labels(size=10)
    with pytest.raises(ValueError, match=match):
        tune_fastrp(g, y, jax.random.PRNGKey(0), **kwargs)


def test_tune_summary_names_the_chosen_setting():
    from jaxgraph.embed.fastrp import summarize_fastrp_tune

    rows = [{"dataset": "ppi", "trial": t, "weights": (0.0, 0.0, 1.0, w), "beta": b, "micro_f1": mi,
             "macro_f1": ma, "micro_f1_std": 0.0, "macro_f1_std": 0.0, "objective": ma, "best": best}
            for t, w, b, mi, ma, best in ((0, 6.67, -0.64, 0.15, 0.11, False), (1, 12.5, -0.21, 0.17, 0.13, True))]
    text = summarize_fastrp_tune(rows, {})
    assert "chosen weights=(0.0, 0.0, 1.0, 12.5) beta=-0.21" in text
    assert text.index("12.5") < text.index("6.67")  # best first


def test_projection_rows_are_padding_invariant_with_legacy_threefry():
    """With the legacy (shape-dependent) threefry the projection falls back to one key per row."""
    with jax.threefry_partitionable(False):
        assert not jax.config.jax_threefry_partitionable
        a = np.asarray(sparse_random_projection(jax.random.PRNGKey(7), 40, 16, density=0.2))
        b = np.asarray(sparse_random_projection(jax.random.PRNGKey(7), 64, 16, density=0.2))
        c = np.asarray(jax.jit(lambda k: sparse_random_projection(k, 64, 16, density=0.2))(jax.random.PRNGKey(7)))
    np.testing.assert_array_equal(a, b[:40])
    np.testing.assert_array_equal(b, c)
    d = np.asarray(sparse_random_projection(jax.random.PRNGKey(7), 40, 16, density=0.2))
    assert not np.array_equal(a, d)  # the default (partitionable) draw is a different one
